//! Command-line flags.

use crate::error::report::ErrorFormat;
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

const AFTER_HELP: &str = "\
Exit codes:
  0  all digests valid, feeds up to date
  1  some digests or items could not be published (each reported as path:line),
     feeds written from everything else; part of the input could not be read, or
     --once found no digest at all (nothing written)
  2  usage or config error, the input folder cannot be read, or the output could
     not be written (every feed on disk is still whole)
  3  check only: the feeds would change (the files are listed)

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
#[command(
    name = "digestfeed",
    version = env!("DIGESTFEED_VERSION"),
    about,
    long_about,
    after_help = AFTER_HELP
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Regenerate every feed once and exit (without it, digestfeed watches the folder).
    #[arg(long)]
    pub once: bool,
    /// YAML config file (see config/digestfeed.yaml); flags override its values.
    #[arg(long, value_name = "FILE", global = true)]
    pub config: Option<PathBuf>,
    /// Folder of digest Markdown files, searched recursively.
    #[arg(long, value_name = "DIR", global = true)]
    pub input: Option<PathBuf>,
    /// Folder the feeds are written to.
    #[arg(long, value_name = "DIR", global = true)]
    pub output: Option<PathBuf>,
    /// Absolute URL the output folder is served at, e.g. https://example.org/feeds/.
    #[arg(long, value_name = "URL", global = true)]
    pub base_url: Option<String>,
    /// How problems in digests are shown: human (path:line: what, in the log), github
    /// (workflow annotations on standard output), json (one object a line).
    #[arg(long, value_enum, default_value_t, global = true)]
    pub error_format: ErrorFormat,
    /// With --once or check: print, per feed, the entries added, removed and changed
    /// (title, summary, date, categories, author) on standard output.
    #[arg(long, global = true)]
    pub diff: bool,
    /// How --diff prints: text, or json (one object per feed).
    #[arg(long, value_enum, default_value_t, global = true, requires = "diff")]
    pub format: DiffFormat,
    /// With --once: an input folder without a digest is fine (without it, such a run
    /// writes nothing and exits 1, as a mistyped folder would).
    #[arg(long)]
    pub allow_empty: bool,
    /// With --once: do not tell the WebSub hubs (`websub.hubs`) which feeds changed.
    #[arg(long)]
    pub no_ping: bool,
    /// More log output (-v debug, -vv trace). RUST_LOG, when set, takes precedence.
    #[arg(short, long, action = clap::ArgAction::Count, conflicts_with = "quiet", global = true)]
    pub verbose: u8,
    /// Less log output (-q warnings and errors only, -qq errors only).
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub quiet: u8,
}

/// `--format` of the diff.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum DiffFormat {
    #[default]
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check without writing: are the digests sound, and would the feeds change?
    ///
    /// Reads and renders as --once does, compares the result with the output folder
    /// (or, publishing to a bucket without one, with the bucket's manifest) and writes
    /// nothing. Lists the files that would change. Exit codes: 0 up to date, 1 invalid
    /// digests or denied lints, 2 what --once would refuse, 3 the feeds would change.
    Check(CheckArgs),
    /// Take over a bucket whose manifest was lost (deleted, or a store restarted empty).
    ///
    /// Renders as --once does, lists the bucket, and records in its manifest every
    /// object at a feed's path whose bytes equal what digestfeed writes there now;
    /// uploads and deletes nothing. Each object at a feed's path that holds other bytes
    /// is named and left as it is. Exit codes: 0 every such object taken over, 1 some
    /// named, 2 no `publish:` in the config, or the bucket could not be read or written.
    Publish(PublishArgs),
}

#[derive(Debug, Args)]
pub struct PublishArgs {
    /// Take over the objects at feeds' paths that hold what digestfeed would write.
    #[arg(long, required = true)]
    pub adopt: bool,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Make a lint fail the check (exit 1): its code (DF001) or name (duplicate-item),
    /// or `all` (every lint that is on by default). Repeatable.
    #[arg(long, value_name = "CODE")]
    pub deny: Vec<String>,
    /// Report a lint that is off by default (DF007, retitled-tweet) as a warning.
    /// Repeatable.
    #[arg(long, value_name = "CODE")]
    pub warn: Vec<String>,
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_command_line_definition_is_consistent() {
        use clap::CommandFactory;
        super::Cli::command().debug_assert();
    }
}
