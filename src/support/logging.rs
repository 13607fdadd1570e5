//! Log lines through `tracing`: level from `RUST_LOG` or `-v`/`-q`; colour only on a
//! terminal (and never with `NO_COLOR`), and no timestamp off one (journald adds its
//! own), so logs stay readable.
//!
//! The levels: errors and warnings name a file that is wrong or a step that failed;
//! `info` one line per run or update; `-v` (debug) each file passed over and why, each
//! digest that changed, where the time went, what the bulk read left to the CommonMark
//! parser; `-vv` (trace) every file event, every digest read, every file written.

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
    // https://no-color.org: a NO_COLOR that is set and not empty turns colour off.
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(terminal && !no_color)
        .with_target(false);
    // A second initialisation (tests calling `init` twice) is harmless: keep the first.
    if terminal {
        let _ = builder.try_init();
    } else {
        let _ = builder.without_time().try_init();
    }
}
