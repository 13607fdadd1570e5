//! Watch mode: keeps the feeds on disk current as digests come and go.
//!
//! One loop owns everything: it collects file events while a burst settles, re-reads
//! only the paths the events name, hands the changed digests to the same [`Engine`]
//! and [`Renderer`] that `--once` uses, re-renders only the feeds they touch, and
//! writes only files whose bytes changed.
//! Signals arrive as [`Control`] messages and are handled between two updates, so an
//! update in progress always finishes.

use crate::app::RunError;
use crate::config::Settings;
use crate::engine::{Engine, FeedId};
use crate::error::ConfigError;
use crate::fsio::scan::{self, is_digest_name};
use crate::fsio::writer;
use crate::model::Digest;
use crate::output::Renderer;
use crate::state::{FileInput, Outcome, State};
use crate::watch::{self, Pending, Watch, WatchMsg};
use std::collections::BTreeSet;
use std::fs;
use std::path::{Component, Path, PathBuf};
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::time::{sleep_until, Instant};
use tracing::{debug, error, info, warn};

/// Requests from outside the loop (signals, tests).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    /// Re-read the configuration and rescan (SIGHUP).
    Reload,
    /// Finish the update in progress and stop (SIGTERM, SIGINT).
    Stop,
}

/// However busy the folder, feeds are updated at least this often.
fn max_wait(debounce: Duration) -> Duration {
    (debounce * 10).max(Duration::from_secs(2))
}

/// After a failed write or an unreadable input folder, try again this soon.
const RETRY: Duration = Duration::from_secs(5);

struct Daemon {
    settings: Settings,
    /// The input folder as the watcher sees it (absolute, links resolved).
    root: PathBuf,
    skip: Option<PathBuf>,
    state: State,
    engine: Engine,
    renderer: Renderer,
    /// Digests changed since the last publish (`None`: gone).
    changes: Vec<(PathBuf, Option<Digest>)>,
    /// Feeds to render again at the next publish; `None`: all of them.
    dirty: Option<BTreeSet<FeedId>>,
    /// Whether the output folder is known to hold what the renderer last wrote.
    synced: bool,
}

fn sd_notify(states: &[sd_notify::NotifyState<'_>]) {
    if let Err(e) = sd_notify::notify(states) {
        debug!(error = %e, "cannot notify systemd");
    }
}

impl Daemon {
    fn new(settings: Settings) -> Result<Daemon, RunError> {
        let root = settings
            .input_dir
            .canonicalize()
            .map_err(|source| RunError::Input {
                path: settings.input_dir.clone(),
                source,
            })?;
        let skip = scan::output_inside_input(&root, &settings.output_dir);
        Ok(Daemon {
            engine: Engine::new(&settings.authors),
            settings,
            root,
            skip,
            state: State::default(),
            renderer: Renderer::default(),
            changes: Vec::new(),
            dirty: None,
            synced: false,
        })
    }

    /// The path to show a user for a file of the input folder.
    fn shown(&self, rel: &Path) -> PathBuf {
        self.settings.input_dir.join(rel)
    }

    fn update_file(&mut self, rel: &Path) -> bool {
        let path = self.root.join(rel);
        let shown = self.shown(rel);
        let read = scan::read_capped(&path, self.settings.max_file_bytes);
        let input = match &read {
            Ok(bytes) => FileInput::Bytes(bytes),
            Err(e) if !path.exists() => {
                debug!(path = %shown.display(), error = %e, "gone before it could be read");
                FileInput::Gone
            }
            Err(e) => FileInput::Unreadable(crate::error::DigestError::new(
                &shown,
                None,
                e.message.clone(),
            )),
        };
        match self.state.update(rel, &shown, input, self.settings.rules()) {
            Outcome::Unchanged => false,
            Outcome::Changed(digest) => {
                debug!(path = %shown.display(), "digest updated");
                self.changes.push((rel.to_path_buf(), digest));
                true
            }
            Outcome::Invalid(errors) => {
                let keeping = self.state.is_published(rel);
                for e in errors {
                    if keeping {
                        warn!("{e} (keeping the last good version of this digest)");
                    } else {
                        warn!("{e}");
                    }
                }
                false
            }
        }
    }

    fn forget(&mut self, rel: &Path) -> bool {
        let shown = self.shown(rel);
        match self
            .state
            .update(rel, &shown, FileInput::Gone, self.settings.rules())
        {
            Outcome::Changed(digest) => {
                self.changes.push((rel.to_path_buf(), digest));
                true
            }
            _ => false,
        }
    }

    fn forget_under(&mut self, rel: &Path) -> bool {
        let mut changed = false;
        for known in self.state.known_under(rel) {
            changed |= self.forget(&known);
        }
        changed
    }

    /// Brings a folder (relative; `""` for the root) in line with the disk. Only the
    /// root failing is an error; a sub-folder that vanished or cannot be read loses its
    /// digests, as in a full scan.
    fn update_dir(&mut self, rel: &Path) -> Result<bool, std::io::Error> {
        let listed = match scan::list(&self.root.join(rel), self.skip.as_deref()) {
            Ok(listed) => listed,
            Err(e) if rel.as_os_str().is_empty() => return Err(e),
            Err(e) => {
                warn!(path = %self.shown(rel).display(), error = %e, "cannot read folder; skipping it");
                return Ok(self.forget_under(rel));
            }
        };
        let listed: BTreeSet<PathBuf> = listed.into_iter().map(|p| rel.join(p)).collect();
        let mut changed = false;
        for known in self.state.known_under(rel) {
            if !listed.contains(&known) {
                changed |= self.forget(&known);
            }
        }
        for file in &listed {
            changed |= self.update_file(file);
        }
        Ok(changed)
    }

    /// Looks again at one path an event named.
    fn look_at(&mut self, path: &Path) -> Result<bool, std::io::Error> {
        let Ok(rel) = path.strip_prefix(&self.root) else {
            return Ok(false);
        };
        if rel.as_os_str().is_empty() {
            return self.update_dir(Path::new(""));
        }
        let hidden = rel.components().any(|c| match c {
            Component::Normal(name) => name.to_string_lossy().starts_with('.'),
            _ => true,
        });
        if hidden || self.skip.as_deref().is_some_and(|s| path.starts_with(s)) {
            return Ok(false);
        }
        let rel = rel.to_path_buf();
        let name = rel
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        match fs::symlink_metadata(path) {
            Ok(meta) if meta.is_dir() => self.update_dir(&rel),
            Ok(_) if is_digest_name(&name) => Ok(self.update_file(&rel)),
            // Gone, or no longer a digest's name: whatever was known there goes.
            _ => Ok(self.forget_under(&rel)),
        }
    }

    /// Applies a settled burst. Returns whether the corpus changed; `Err` when the input
    /// folder itself could not be read.
    fn apply(&mut self, pending: Pending) -> Result<bool, std::io::Error> {
        if pending.rescan {
            info!("rescanning the input folder");
            return self.update_dir(Path::new(""));
        }
        let mut changed = false;
        for path in &pending.paths {
            changed |= self.look_at(path)?;
        }
        Ok(changed)
    }

    /// Hands the changes to the engine, renders what they touched and writes what
    /// changed. On failure the feeds on disk stay whole and the next publish compares
    /// every file with the disk again.
    fn publish(&mut self) -> Result<(), RunError> {
        let changes = std::mem::take(&mut self.changes);
        let touched = self.engine.apply(changes);
        if let Some(dirty) = &mut self.dirty {
            dirty.extend(touched);
        }
        self.engine.prepare_for_updates();
        let changed = self
            .renderer
            .render(&self.engine, &self.settings, self.dirty.as_ref());
        let changed = match changed {
            Ok(changed) => changed,
            Err(e) => {
                self.dirty = None;
                return Err(e.into());
            }
        };
        self.dirty = Some(BTreeSet::new());
        let dir = &self.settings.output_dir;
        let result = if self.synced {
            writer::sync_paths(dir, self.renderer.files(), &changed)
        } else {
            writer::sync(dir, self.renderer.files())
        };
        match result {
            Ok(report) => {
                if !report.written.is_empty() || !report.removed.is_empty() {
                    info!(
                        written = report.written.len(),
                        removed = report.removed.len(),
                        "feeds updated"
                    );
                }
                self.synced = true;
                Ok(())
            }
            Err(e) => {
                self.synced = false;
                Err(e.into())
            }
        }
    }

    fn status(&self) -> String {
        let (digests, entries) = self.engine.counts();
        format!(
            "{digests} digests, {entries} entries, {} invalid",
            self.state.invalid_count()
        )
    }
}

/// Identity of a folder (device, inode), to notice the input folder being replaced.
fn identity(path: &Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
}

/// The events of a watch, or nothing ever (while there is no watch).
async fn next_event(watch: &mut Option<Watch>) -> Option<WatchMsg> {
    match watch {
        Some(w) => w.events.recv().await,
        None => std::future::pending().await,
    }
}

/// A folder the daemon may write feeds into: it exists (or can be made) and takes a file.
fn writable(dir: &Path) -> Result<(), RunError> {
    let probe = dir.join(".digestfeed-probe");
    fs::create_dir_all(dir)
        .and_then(|()| fs::write(&probe, b""))
        .and_then(|()| fs::remove_file(&probe))
        .map_err(|source| {
            RunError::Write(crate::error::WriteError {
                path: dir.to_path_buf(),
                action: "cannot write into the output folder",
                source,
            })
        })
}

/// Runs the daemon until [`Control::Stop`]. `reload` reads the configuration again.
/// Errors before the first complete write (no input folder, no watch, an unwritable
/// output) end it; after that, nothing a file can do does.
pub async fn run(
    settings: Settings,
    reload: impl Fn() -> Result<Settings, ConfigError>,
    mut control: mpsc::Receiver<Control>,
) -> Result<(), RunError> {
    let mut daemon = Daemon::new(settings)?;
    // Held for the daemon's life; a reload to another output folder takes that one too.
    let mut lock = writer::lock(&daemon.settings.output_dir)?;
    // Watch first, then scan: a file written during start-up is seen by one or the other.
    let mut watch: Option<Watch> = Some(watch::start(&daemon.root).map_err(RunError::Watch)?);
    let mut root_id = identity(&daemon.root);
    daemon
        .update_dir(Path::new(""))
        .map_err(|source| RunError::Input {
            path: daemon.settings.input_dir.clone(),
            source,
        })?;
    daemon.publish()?;
    let status = daemon.status();
    info!(input = %daemon.settings.input_dir.display(), output = %daemon.settings.output_dir.display(), "{status}; watching");
    sd_notify(&[
        sd_notify::NotifyState::Ready,
        sd_notify::NotifyState::Status(&status),
    ]);

    let mut last_status = status;
    let watchdog = sd_notify::watchdog_enabled().map(|d| d / 2);
    let mut next_ping = watchdog.map(|d| Instant::now() + d);
    let mut pending = Pending::default();
    let mut first_event: Option<Instant> = None;
    let mut deadline: Option<Instant> = None;
    let mut retry: Option<Instant> = None;
    let far = || Instant::now() + Duration::from_secs(86_400);

    loop {
        tokio::select! {
            biased;
            ctl = control.recv() => match ctl {
                Some(Control::Reload) => {
                    sd_notify(&[sd_notify::NotifyState::Reloading]);
                    let fresh = reload()
                        .map_err(RunError::from)
                        .and_then(Daemon::new)
                        .and_then(|fresh| writable(&fresh.settings.output_dir).map(|()| fresh))
                        .and_then(|fresh| {
                            if fresh.settings.output_dir == daemon.settings.output_dir {
                                return Ok(fresh);
                            }
                            let taken = writer::lock(&fresh.settings.output_dir)?;
                            lock = taken;
                            Ok(fresh)
                        });
                    match fresh {
                        Err(e) => error!("{e}; keeping the running configuration"),
                        Ok(mut fresh) => {
                            if fresh.root != daemon.root {
                                // The old watch goes first: each one holds an inotify instance.
                                watch = None;
                                match watch::start(&fresh.root) {
                                    Ok(w) => watch = Some(w),
                                    Err(e) => {
                                        error!("{e}; retrying in {}s", RETRY.as_secs());
                                        retry = Some(Instant::now() + RETRY);
                                    }
                                }
                                root_id = identity(&fresh.root);
                            } else {
                                // Same folder: last good digests stay (a broken file keeps
                                // its entries across a reload); every file is read again.
                                fresh.state = std::mem::take(&mut daemon.state);
                                fresh.state.forget_contents();
                                fresh.engine = std::mem::take(&mut daemon.engine).reconfigured(&fresh.settings.authors);
                            }
                            daemon = fresh;
                            info!("configuration reloaded");
                            pending.rescan = true;
                            deadline = Some(Instant::now());
                        }
                    }
                    let status = daemon.status();
                    sd_notify(&[sd_notify::NotifyState::Ready, sd_notify::NotifyState::Status(&status)]);
                }
                Some(Control::Stop) | None => break,
            },
            msg = next_event(&mut watch) => match msg {
                Some(msg) => {
                    if let WatchMsg::Rescan(why) = &msg {
                        warn!("{why}; a full rescan follows");
                    }
                    if let WatchMsg::Paths(paths) = &msg {
                        // The input folder itself moved, went or came back: re-attach.
                        if paths.iter().any(|p| p == &daemon.root) && identity(&daemon.root) != root_id {
                            retry = Some(Instant::now());
                        }
                    }
                    pending.add(msg);
                    if watch.as_ref().is_some_and(|w| w.lost.swap(false, std::sync::atomic::Ordering::Relaxed)) {
                        warn!("file events were dropped while busy; a full rescan follows");
                        pending.rescan = true;
                    }
                    let now = Instant::now();
                    let first = *first_event.get_or_insert(now);
                    deadline = Some((now + daemon.settings.debounce).min(first + max_wait(daemon.settings.debounce)));
                }
                None => {
                    error!("the file watcher stopped; restarting it in {}s", RETRY.as_secs());
                    watch = None;
                    retry = Some(Instant::now() + RETRY);
                }
            },
            _ = sleep_until(deadline.unwrap_or_else(far)), if deadline.is_some() => {
                deadline = None;
                first_event = None;
                let burst = pending.take();
                let rescan = burst.rescan;
                match daemon.apply(burst) {
                    Ok(changed) => {
                        if changed || !daemon.changes.is_empty() || !daemon.synced || daemon.dirty.is_none() {
                            if let Err(e) = daemon.publish() {
                                error!("{e}; the feeds on disk are unchanged, retrying in {}s", RETRY.as_secs());
                                retry = Some(Instant::now() + RETRY);
                            }
                        }
                    }
                    Err(e) => {
                        error!(input = %daemon.settings.input_dir.display(), "cannot read the input folder: {e}; retrying in {}s", RETRY.as_secs());
                        retry = Some(Instant::now() + RETRY);
                        if !rescan {
                            pending.rescan = true;
                        }
                    }
                }
                let status = daemon.status();
                if status != last_status {
                    sd_notify(&[sd_notify::NotifyState::Status(&status)]);
                    last_status = status;
                }
            },
            _ = sleep_until(retry.unwrap_or_else(far)), if retry.is_some() => {
                retry = None;
                // The input folder may have been replaced (moved, deleted and made again,
                // a symbolic link flipped): watch whatever it is now.
                let now_root = daemon.settings.input_dir.canonicalize().ok();
                let now_id = now_root.as_deref().and_then(identity);
                if watch.is_none() || now_id != root_id || now_root.as_ref() != Some(&daemon.root) {
                    match now_root {
                        Some(root) => {
                            watch = None;
                            match watch::start(&root) {
                                Ok(w) => {
                                    info!(input = %root.display(), "watching the input folder again");
                                    watch = Some(w);
                                    root_id = now_id;
                                    daemon.skip = scan::output_inside_input(&root, &daemon.settings.output_dir);
                                    daemon.root = root;
                                }
                                Err(e) => {
                                    error!("{e}; retrying in {}s", RETRY.as_secs());
                                    retry = Some(Instant::now() + RETRY);
                                }
                            }
                        }
                        None => {
                            error!(input = %daemon.settings.input_dir.display(), "the input folder is gone; the feeds stay as they are, retrying in {}s", RETRY.as_secs());
                            retry = Some(Instant::now() + RETRY);
                            continue;
                        }
                    }
                }
                pending.rescan = true;
                deadline = Some(Instant::now());
            },
            _ = sleep_until(next_ping.unwrap_or_else(far)), if next_ping.is_some() => {
                // Pinged from the loop itself: a wedged loop stops the pings.
                sd_notify(&[sd_notify::NotifyState::Watchdog]);
                next_ping = watchdog.map(|d| Instant::now() + d);
            },
        }
    }
    sd_notify(&[sd_notify::NotifyState::Stopping]);
    info!("stopped");
    drop(watch);
    drop(lock);
    Ok(())
}
