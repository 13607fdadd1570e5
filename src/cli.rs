//! Command-line flags.

use clap::Parser;
use std::path::PathBuf;

/// Turns a folder of AI-news digest posts into RSS 2.0, Atom 1.0 and JSON Feed files.
#[derive(Debug, Parser)]
#[command(name = "digestfeed", version, about)]
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
    /// More log output (-v debug, -vv trace). RUST_LOG, when set, takes precedence.
    #[arg(short, long, action = clap::ArgAction::Count, conflicts_with = "quiet")]
    pub verbose: u8,
    /// Less log output (-q warnings and errors only, -qq errors only).
    #[arg(short, long, action = clap::ArgAction::Count)]
    pub quiet: u8,
}
