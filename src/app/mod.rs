//! The runs digestfeed offers, built from the library's steps: flags and config into
//! settings, digests into feeds, feeds onto disk.

use crate::cli::Cli;
use crate::config::{Overrides, RawConfig, Settings};
use crate::daemon::{self, Control};
use crate::error::report::ErrorFormat;
pub use crate::error::RunError;
use crate::error::{ConfigError, DigestError};
use crate::output::writer;
use std::process::ExitCode;

mod adopt;

/// The command line, with `check --help` listing every lint.
pub fn command() -> clap::Command {
    use clap::CommandFactory;
    Cli::command().mut_subcommand("check", |check| {
        check.after_help(crate::check::lint::help())
    })
}

/// The flags of this process; a usage error ends it (exit 2), as clap does.
pub fn parse() -> Cli {
    use clap::FromArgMatches;
    Cli::from_arg_matches(&command().get_matches()).unwrap_or_else(|e| e.exit())
}

/// What `--once` (and `publish --adopt`) says of a digest while its bytes are at hand:
/// one that publishes nothing though it looks like it has items, which `check`
/// reports as DF009.
fn warn_no_items(
    path: &std::path::Path,
    bytes: &[u8],
    digest: &crate::model::Digest,
) -> Vec<crate::error::report::Lint> {
    if let Some(lint) = crate::check::lint::no_items(path, digest, bytes) {
        tracing::warn!("{lint}");
    }
    Vec::new()
}

/// What a successful `--once` run did.
#[derive(Debug, Default)]
pub struct OnceReport {
    pub digests: usize,
    pub drafts: usize,
    /// Every problem found: files left out whole, items left out of their digest.
    pub errors: Vec<DigestError>,
    /// Files with at least one problem.
    pub invalid: usize,
    /// Digests dated after the run, held back until their date.
    pub held: usize,
    pub sync: writer::SyncReport,
    /// What was uploaded to and deleted from the bucket, when publishing to one.
    pub published: Option<crate::output::publish::Report>,
}

/// Settings from the flags and the optional config file.
pub fn settings(cli: &Cli) -> Result<Settings, ConfigError> {
    let raw = match &cli.config {
        Some(path) => RawConfig::load(path)?,
        None => RawConfig::default(),
    };
    Settings::resolve(
        raw,
        Overrides {
            input_dir: cli.input.clone(),
            output_dir: cli.output.clone(),
            base_url: cli.base_url.clone(),
            allow_empty: cli.allow_empty,
        },
    )
}

/// How `--once` runs besides its settings.
#[derive(Debug, Clone, Copy, Default)]
pub struct OnceOptions {
    /// Tell the WebSub hubs which feeds changed, once they are written (or uploaded,
    /// when publishing to a bucket).
    pub no_ping: bool,
    pub format: ErrorFormat,
    /// Print what changes in each feed (`--diff`), in this format.
    pub diff: Option<crate::cli::DiffFormat>,
}

/// Reads every digest, renders every feed and brings the output folder in line.
pub fn run_once(settings: &Settings) -> Result<OnceReport, RunError> {
    run_once_with(settings, OnceOptions::default())
}

/// Publishes a build: the files it holds, and the archived feeds' documents it left
/// to stream from `engine`, read back from the folder they were streamed into, or,
/// without a folder, rendered again as they are uploaded.
fn publish_built(
    config: &crate::config::Publish,
    held: &crate::render::tree::Output,
    out: Option<&writer::OutputDir>,
    engine: Option<&crate::engine::Engine>,
    settings: &Settings,
) -> Result<crate::output::publish::Report, RunError> {
    use crate::output::publish::{bucket::publish_once, ToPublish};
    match (out, engine) {
        (Some(out), Some(_)) => {
            let pages = out.read_back(|path| !held.contains_key(path))?;
            Ok(publish_once(
                config,
                ToPublish::with_pages(held, Some(&pages)),
            )?)
        }
        (None, Some(engine)) => {
            let again = crate::streamed::with_pages_again(engine, settings, |pages| {
                publish_once(config, ToPublish::with_pages(held, Some(pages)))
            });
            Ok(again??)
        }
        (_, None) => Ok(publish_once(config, held)?),
    }
}

/// [`run_once`] with its options.
pub fn run_once_with(settings: &Settings, options: OnceOptions) -> Result<OnceReport, RunError> {
    // Taken first, so that a second run on the same folder is refused at once rather
    // than after reading every digest; a folder that does not exist yet is made only
    // once there is something to write into it.
    let held_early = writer::OutputDir::configured(settings, true)?;
    let started = std::time::Instant::now();
    // Archive pages are most of the output: streamed into the folder rather than held,
    // unless the whole output is wanted at once (a diff).
    let stream = crate::streamed::streams_archive_pages(settings, options.diff.is_some())
        || crate::streamed::renders_pages_again(settings);
    let rendered = crate::rendered::read_and_render_with(
        settings,
        options.format,
        &warn_no_items,
        |_| {},
        stream,
    )?;
    let built = &rendered.built;
    let mut out = match held_early {
        Some(out) => Some(out),
        None => writer::OutputDir::configured(settings, false)?,
    };
    let written = started.elapsed();
    if let (Some(format), Some(dir)) = (options.diff, &settings.output_dir) {
        let old = crate::check::diff::read_folder_feeds(dir, &built.files);
        crate::support::stdout::print(&crate::check::diff::render(
            &crate::check::diff::diff(&old, &built.files),
            format,
        ));
    }
    let sync = match (&mut out, &rendered.engine) {
        (Some(out), Some(engine)) => {
            if settings.publish.is_some() {
                // The pages streamed are published read back: known by their MD5.
                out.keep_sums();
            }
            crate::streamed::sync(
                out,
                &built.files,
                engine,
                settings,
                crate::streamed::Run::Once,
            )?
        }
        (Some(out), None) => out.sync_once(&built.files)?,
        (None, _) => writer::SyncReport::default(),
    };
    // After the folder: a failed publish leaves the local feeds current, and the next
    // run compares with the bucket's manifest again.
    let published = match &settings.publish {
        Some(config) => Some(publish_built(
            config,
            &built.files,
            out.as_ref(),
            rendered.engine.as_ref(),
            settings,
        )?),
        None => None,
    };
    if !options.no_ping {
        // What readers fetch: the bucket's objects when publishing there.
        let changed = match &published {
            Some(report) => &report.uploaded,
            None => &sync.written,
        };
        let topics = crate::output::websub::topics(&settings.base_url, changed);
        crate::output::websub::ping_once(&settings.hubs, &topics);
    }
    tracing::debug!(
        read_ms = rendered.read.as_millis() as u64,
        build_ms = (written - rendered.read).as_millis() as u64,
        write_ms = (started.elapsed() - written).as_millis() as u64,
        read_peak_mb = rendered.read_peak,
        peak_mb = crate::rendered::peak_rss_mb(),
        "timings"
    );
    // As without streaming: the process ends soon, and freeing costs for nothing.
    std::mem::forget(rendered.engine);
    Ok(OnceReport {
        digests: rendered.digests,
        drafts: rendered.drafts,
        errors: rendered.errors,
        invalid: rendered.invalid,
        held: rendered.held,
        sync,
        published,
    })
}

/// `digestfeed` as the binary runs it; returns the process exit code.
pub fn main(cli: Cli) -> ExitCode {
    let settings = match settings(&cli) {
        Ok(settings) => settings,
        Err(e) => {
            tracing::error!("{e}");
            return ExitCode::from(2);
        }
    };
    for placeholder in settings.placeholders() {
        tracing::warn!("{placeholder}");
    }
    if !cli.once && cli.command.is_none() {
        return match run_daemon(settings, &cli) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                tracing::error!("{e}");
                ExitCode::from(2)
            }
        };
    }
    if let (true, Some(_)) = (cli.once, &cli.command) {
        tracing::error!("--once and a command: give one of them (check and publish --adopt write no feed; --once writes)");
        return ExitCode::from(2);
    }
    match &cli.command {
        Some(crate::cli::Command::Check(args)) => {
            let diff = diff_format(&cli);
            return crate::check::main(&settings, args, cli.error_format, diff);
        }
        Some(crate::cli::Command::Publish(_)) => {
            return adopt::main(&settings, cli.error_format);
        }
        None => {}
    }
    let options = OnceOptions {
        no_ping: cli.no_ping,
        format: cli.error_format,
        diff: diff_format(&cli),
    };
    match run_once_with(&settings, options) {
        Ok(report) => {
            let sync = &report.sync;
            let what = match (sync.written.len(), sync.removed.len()) {
                (0, 0) if settings.output_dir.is_none() => {
                    "no output folder: the feeds go to the bucket only".to_string()
                }
                (0, 0) => "feeds up to date: nothing to write".to_string(),
                (written, removed) => format!(
                    "{}{}",
                    crate::support::text::count(written, "file written", "files written"),
                    match removed {
                        0 => String::new(),
                        n => format!(", {}", crate::support::text::count(n, "removed", "removed")),
                    }
                ),
            };
            tracing::info!(
                digests = report.digests,
                drafts = report.drafts,
                held = report.held,
                invalid = report.invalid,
                problems = report.errors.len(),
                written = sync.written.len(),
                unchanged = sync.unchanged,
                removed = sync.removed.len(),
                output = %settings.output_shown(),
                "{what}"
            );
            // A folder written for the first time: where to look.
            if sync.unchanged == 0 && sync.written.iter().any(|p| p == "index.html") {
                if let Some(dir) = &settings.output_dir {
                    let page = crate::config::lexically_clean(&dir.join("index.html"));
                    tracing::info!("open {} to see every feed", page.display());
                }
            }
            if let (Some(published), Some(config)) = (&report.published, &settings.publish) {
                tracing::info!(
                    uploaded = published.uploaded.len(),
                    deleted = published.deleted.len(),
                    bucket = %format!("s3://{}/{}", config.bucket, config.prefix),
                    "published"
                );
            }
            if report.errors.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            }
        }
        Err(e) => {
            tracing::error!("{e}");
            ExitCode::from(e.exit_code())
        }
    }
}

/// How `--diff` prints: as asked, but JSON under `--error-format json`, so that
/// standard output then carries JSON only.
fn diff_format(cli: &Cli) -> Option<crate::cli::DiffFormat> {
    let json = cli.error_format == ErrorFormat::Json;
    cli.diff.then_some(if json {
        crate::cli::DiffFormat::Json
    } else {
        cli.format
    })
}

/// Watch mode, with SIGTERM/SIGINT to stop and SIGHUP to reload the configuration.
fn run_daemon(settings: Settings, cli: &Cli) -> Result<(), RunError> {
    use tokio::signal::unix::{signal, SignalKind};
    crate::support::memory::fewer_arenas();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(RunError::EventLoop)?;
    let ran = runtime.block_on(async {
        let listen = |kind: SignalKind| signal(kind).map_err(RunError::EventLoop);
        let (mut term, mut int, mut hup) = (
            listen(SignalKind::terminate())?,
            listen(SignalKind::interrupt())?,
            listen(SignalKind::hangup())?,
        );
        let (tx, rx) = tokio::sync::mpsc::channel(16);
        tokio::spawn(async move {
            loop {
                let ctl = tokio::select! {
                    _ = term.recv() => Control::Stop,
                    _ = int.recv() => Control::Stop,
                    _ = hup.recv() => Control::Reload,
                };
                if tx.send(ctl).await.is_err() {
                    break;
                }
            }
        });
        daemon::run(settings, || self::settings(cli), rx).await
    });
    // An upload or a ping still waiting on a server that never answers runs on a
    // blocking thread: the process ends without waiting for it.
    runtime.shutdown_timeout(std::time::Duration::from_millis(500));
    ran
}
