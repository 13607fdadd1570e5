//! Command-line flags.

use clap::Parser;
use std::path::PathBuf;

const AFTER_HELP: &str = "\
Exit codes:
  0  all digests valid, feeds up to date
  1  some digests or items could not be published (each reported as path:line),
     feeds written from everything else; or --once found no digest at all
  2  usage or config error, unreadable input, or the output could not be written
     (every feed on disk is still whole)

Environment:
  RUST_LOG  log filter (overrides -v/-q), e.g. RUST_LOG=debug
  NO_COLOR  set and not empty: no colour in logs, even on a terminal

Signals (watch mode):
  SIGTERM, SIGINT  finish the update in progress, then exit 0
  SIGHUP           read the config again and rescan the input folder

Example:
  digestfeed --once --input content/posts --output public/feeds \\
             --base-url https://example.org/feeds/";

/// Turns a folder of AI-news digest posts into RSS 2.0, Atom 1.0 and JSON Feed files.
///
/// Without --once, digestfeed watches the input folder and keeps the feeds current,
/// as a systemd service (Type=notify) or in a terminal.
#[derive(Debug, Parser)]
#[command(name = "digestfeed", version, about, long_about, after_help = AFTER_HELP)]
pub struct Cli {
    /// Regenerate every feed once and exit (without it, digestfeed watches the folder).
    #[arg(long)]
    pub once: bool,
    /// YAML config file (see config/digestfeed.yaml); flags override its values.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Folder of digest Markdown files, searched recursively.
    #[arg(long, value_name = "DIR")]
    pub input: Option<PathBuf>,
    /// Folder the feeds are written to.
    #[arg(long, value_name = "DIR")]
    pub output: Option<PathBuf>,
    /// Absolute URL the output folder is served at, e.g. https://example.org/feeds/.
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
    /// With --once: an input folder without a digest is fine (without it, such a run
    /// writes nothing and exits 1, as a mistyped folder would).
    #[arg(long)]
    pub allow_empty: bool,
    /// With --once: do not tell the WebSub hubs (`websub.hubs`) which feeds changed.
    #[arg(long)]
    pub no_ping: bool,
    /// More log output (-v debug, -vv trace). RUST_LOG, when set, takes precedence.
    #[arg(short, long, action = clap::ArgAction::Count, conflicts_with = "quiet")]
    pub verbose: u8,
    /// Less log output (-q warnings and errors only, -qq errors only).
    #[arg(short, long, action = clap::ArgAction::Count)]
    pub quiet: u8,
}
