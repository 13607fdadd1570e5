//! Log lines through `tracing`: level from `RUST_LOG` or `-v`/`-q`; colour only on a
//! terminal, and no timestamp off one (journald adds its own), so logs stay readable.

use std::io::IsTerminal;
use tracing_subscriber::EnvFilter;

pub fn init(verbose: u8, quiet: u8) {
    let level = match (verbose, quiet) {
        (0, 0) => "info",
        (1, _) => "debug",
        (v, _) if v >= 2 => "trace",
        (_, 1) => "warn",
        _ => "error",
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(level));
    let terminal = std::io::stderr().is_terminal();
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(terminal)
        .with_target(false);
    // A second initialisation (tests calling `init` twice) is harmless: keep the first.
    if terminal {
        let _ = builder.try_init();
    } else {
        let _ = builder.without_time().try_init();
    }
}
