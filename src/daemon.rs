//! Watch mode: keeps the feeds on disk current as digests come and go.
//!
//! One loop owns everything: it collects file events while a burst settles, re-reads
//! only the paths the events name, hands the changed digests to the same [`Engine`]
//! and [`Renderer`] that `--once` uses, re-renders only the feeds they touch, and
//! writes only files whose bytes changed.
//! Signals arrive as [`Control`] messages and are handled between two updates, so an
//! update in progress always finishes.

use crate::config::Settings;
use crate::engine::{Engine, FeedId};
use crate::error::ConfigError;
use crate::error::RunError;
use crate::fsio::scan::{self, is_digest_name};
use crate::fsio::writer::OutputDir;
use crate::future::{self, Held};
use crate::model::Digest;
use crate::output::Renderer;
use crate::state::{FileInput, Outcome, State};
use crate::systemd::{self, Notice, Sent};
use crate::text::count;
use crate::watch::{self, Pending, Watch, WatchMsg};
use std::collections::{BTreeMap, BTreeSet};
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

/// At the inotify watch limit, make the watch again this often (and rescan, which also
/// finds what changed in the folders that could not be watched).
const LIMIT_RETRY: Duration = Duration::from_secs(60);

/// What keeps the daemon from doing all its work, shown in its STATUS line until it
/// clears.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Trouble {
    Input,
    Watch,
    Output,
}

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
    /// What is wrong now, for the STATUS line.
    troubles: BTreeMap<Trouble, String>,
    /// Digests dated after now, out of the engine until their date.
    held: Held,
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
            troubles: BTreeMap::new(),
            held: Held::default(),
        })
    }

    /// Queues what a file now holds for the engine; a digest not yet due waits in
    /// `held`, and whatever the file held before leaves the feeds meanwhile.
    fn changed(&mut self, rel: &Path, digest: Option<Digest>) {
        self.held.release(rel);
        match digest {
            Some(digest)
                if !self.settings.publish_future
                    && !future::is_due(digest.date, chrono::Utc::now()) =>
            {
                debug!(path = %self.shown(rel).display(), date = %digest.date, "dated in the future: held back until then");
                self.held.hold(rel, digest);
                self.changes.push((rel.to_path_buf(), None));
            }
            digest => self.changes.push((rel.to_path_buf(), digest)),
        }
    }

    /// Queues the held digests whose date has come (all of them, if the configuration
    /// now publishes future digests); whether there were any.
    fn release_due(&mut self) -> bool {
        let now = if self.settings.publish_future {
            chrono::DateTime::<chrono::Utc>::MAX_UTC
        } else {
            chrono::Utc::now()
        };
        let due = self.held.due(now);
        let any = !due.is_empty();
        for (rel, digest) in due {
            debug!(path = %self.shown(&rel).display(), "its date has come: published");
            self.changes.push((rel, Some(digest)));
        }
        any
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
            // Gone (or a link to nothing): not a file that cannot be read for now, such
            // as one in a folder whose permissions changed.
            Err(e)
                if fs::metadata(&path).is_err_and(|m| m.kind() == std::io::ErrorKind::NotFound) =>
            {
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
            Outcome::Changed(mut digest) => {
                debug!(path = %shown.display(), "digest updated");
                // Once per change, like a digest that is invalid as a whole.
                for e in digest
                    .iter_mut()
                    .flat_map(|d| std::mem::take(&mut d.skipped))
                {
                    warn!("{e} (this item is left out; the rest of the digest is published)");
                }
                self.changed(rel, digest);
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
                self.changed(rel, digest);
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
    /// root failing is an error; a sub-folder that vanished loses its digests, one that
    /// cannot be read keeps them as they were (like a digest that cannot be read).
    fn update_dir(&mut self, rel: &Path) -> Result<bool, std::io::Error> {
        let listing = match scan::list(&self.root.join(rel), self.skip.as_deref()) {
            Ok(listing) => listing,
            Err(e) if rel.as_os_str().is_empty() => return Err(e),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(self.forget_under(rel)),
            Err(e) => {
                error!(path = %self.shown(rel).display(), "cannot read the folder: {e}; its digests keep their last good entries");
                return Ok(false);
            }
        };
        for (dir, e) in &listing.unreadable {
            error!(path = %self.shown(&rel.join(dir)).display(), "cannot read the folder: {e}; its digests keep their last good entries");
        }
        let listed: BTreeSet<PathBuf> = listing.files.iter().map(|p| rel.join(p)).collect();
        let mut changed = false;
        for known in self.state.known_under(rel) {
            let hidden = known
                .strip_prefix(rel)
                .is_ok_and(|inside| listing.hides(inside));
            if !listed.contains(&known) && !hidden {
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
            // Cannot be looked at (a folder above lost its permissions): what is known
            // there keeps its last good entries, as a file that cannot be read does.
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                error!(path = %self.shown(&rel).display(), "cannot look at it: {e}; what it held keeps its last good entries");
                Ok(false)
            }
            // Gone, or no longer a digest's name: whatever was known there goes.
            _ => Ok(self.forget_under(&rel)),
        }
    }

    /// Applies a settled burst. Returns whether the corpus changed; `Err` when the input
    /// folder itself could not be read.
    fn apply(&mut self, pending: Pending) -> Result<bool, std::io::Error> {
        let due = self.release_due();
        if pending.rescan {
            info!("rescanning the input folder");
            return Ok(self.update_dir(Path::new(""))? | due);
        }
        let mut changed = due;
        for path in &pending.paths {
            changed |= self.look_at(path)?;
        }
        Ok(changed)
    }

    /// Hands the changes to the engine, renders what they touched and writes what
    /// changed. On failure the feeds on disk stay whole and the next publish compares
    /// every file with the disk again.
    fn publish(&mut self, out: &mut OutputDir) -> Result<(), RunError> {
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
        let result = if self.synced {
            out.sync_paths(self.renderer.files(), &changed)
        } else {
            out.sync(self.renderer.files())
        };
        match result {
            Ok(report) => {
                self.troubles.remove(&Trouble::Output);
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
                self.troubles
                    .insert(Trouble::Output, format!("{e}; retrying"));
                Err(e.into())
            }
        }
    }

    fn status(&self) -> String {
        let (digests, entries) = self.engine.counts();
        let mut status = format!(
            "{}, {}, {} invalid",
            count(digests, "digest", "digests"),
            count(entries, "entry", "entries"),
            self.state.invalid_count()
        );
        if !self.held.is_empty() {
            status.push_str(&format!(", {} held until their date", self.held.len()));
        }
        for trouble in self.troubles.values() {
            status.push_str("; ");
            status.push_str(trouble);
        }
        status
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

/// Takes `retry` at `at`, unless it is due sooner already.
fn retry_by(retry: &mut Option<Instant>, at: Instant) {
    *retry = Some(retry.map_or(at, |due| due.min(at)));
}

/// A watch of `root`, or why there is none; the daemon's troubles say which.
fn start_watch(root: &Path, troubles: &mut BTreeMap<Trouble, String>) -> Option<Watch> {
    match watch::start(root) {
        Ok(w) => {
            match &w.limited {
                Some(why) => {
                    error!("{why}; watching again in {}s", LIMIT_RETRY.as_secs());
                    troubles.insert(Trouble::Watch, why.to_string());
                }
                None => {
                    troubles.remove(&Trouble::Watch);
                }
            }
            Some(w)
        }
        Err(e) => {
            error!("{e}; retrying in {}s", RETRY.as_secs());
            troubles.insert(Trouble::Watch, format!("{e}; retrying"));
            None
        }
    }
}

/// Runs the daemon until [`Control::Stop`]. `reload` reads the configuration again.
/// At start, only what the user must fix ends it (no input folder, an output folder it
/// cannot make, lock or write into); a write that fails (a full disk) or a watch that
/// cannot be made (the inotify limit) is retried, as after start-up, and shown in the
/// STATUS line. After that, nothing a file can do ends it.
pub async fn run(
    settings: Settings,
    reload: impl Fn() -> Result<Settings, ConfigError>,
    mut control: mpsc::Receiver<Control>,
) -> Result<(), RunError> {
    let mut daemon = Daemon::new(settings)?;
    // Held for the daemon's life; a reload to another output folder takes that one too.
    let mut out = OutputDir::open(&daemon.settings.output_dir)?;
    // Fail fast on what an administrator must fix (permissions, a read-only mount);
    // a full disk is retried like any failed write.
    if let Err(e) = out.probe() {
        use rustix::io::Errno;
        let code = e.source.raw_os_error();
        let full =
            code == Some(Errno::NOSPC.raw_os_error()) || code == Some(Errno::DQUOT.raw_os_error());
        if !full {
            return Err(e.into());
        }
    }
    let mut retry: Option<Instant> = None;
    let mut rewatch: Option<Instant> = None;
    // Watch first, then scan: a file written during start-up is seen by one or the other.
    let mut watch = start_watch(&daemon.root, &mut daemon.troubles);
    match &watch {
        None => retry_by(&mut retry, Instant::now() + RETRY),
        Some(w) if w.limited.is_some() => rewatch = Some(Instant::now() + LIMIT_RETRY),
        Some(_) => {}
    }
    let mut root_id = identity(&daemon.root);
    daemon
        .update_dir(Path::new(""))
        .map_err(|source| RunError::Input {
            path: daemon.settings.input_dir.clone(),
            source,
        })?;
    if daemon.state.known_under(Path::new("")).is_empty() {
        warn!(input = %daemon.settings.input_dir.display(), "no digests found (files named *.md, searched recursively; -v names the files passed over); watching for some");
    }
    if let Err(e) = daemon.publish(&mut out) {
        error!("{e}; retrying in {}s", RETRY.as_secs());
        retry_by(&mut retry, Instant::now() + RETRY);
    }
    let status = daemon.status();
    info!(input = %daemon.settings.input_dir.display(), output = %daemon.settings.output_dir.display(), "{status}; watching");
    // READY must reach systemd, or it never considers the service started.
    let ready = |status: &str| {
        let sent = systemd::notify(&[Notice::Ready, Notice::Status(status)]);
        (sent == Sent::Dropped).then(|| Instant::now() + Duration::from_secs(1))
    };
    let mut owe_ready = ready(&status);

    let mut last_status = status;
    // When the next digest held back for its date is due: a timer, not a poll.
    let next_due = |held: &Held| {
        held.wait(chrono::Utc::now())
            .and_then(|wait| Instant::now().checked_add(wait))
    };
    let mut due_at = next_due(&daemon.held);
    let watchdog = systemd::watchdog_interval();
    let mut next_ping = watchdog.map(|d| Instant::now() + d);
    let mut pending = Pending::default();
    let mut first_event: Option<Instant> = None;
    let mut deadline: Option<Instant> = None;
    let far = || Instant::now() + Duration::from_secs(86_400);

    loop {
        tokio::select! {
            biased;
            ctl = control.recv() => match ctl {
                Some(Control::Reload) => {
                    systemd::notify(&[Notice::Reloading]);
                    let fresh = reload()
                        .map_err(RunError::from)
                        .and_then(Daemon::new)
                        .and_then(|fresh| {
                            if fresh.settings.output_dir == daemon.settings.output_dir {
                                out.probe()?;
                            } else {
                                let mut taken = OutputDir::open(&fresh.settings.output_dir)?;
                                taken.probe()?;
                                out = taken;
                            }
                            Ok(fresh)
                        });
                    match fresh {
                        Err(e) => error!("{e}; keeping the running configuration"),
                        Ok(mut fresh) => {
                            fresh.troubles = std::mem::take(&mut daemon.troubles);
                            // Another folder, no watch, or one cut short by the watch
                            // limit (which may have been raised since): watch anew. The
                            // old watch goes first: each one holds an inotify instance.
                            if fresh.root != daemon.root || watch.is_none() || rewatch.is_some() {
                                if let Some(old) = watch.take() {
                    old.stop();
                }
                                watch = start_watch(&fresh.root, &mut fresh.troubles);
                                rewatch = watch.as_ref().and_then(|w| w.limited.as_ref()).map(|_| Instant::now() + LIMIT_RETRY);
                                if watch.is_none() {
                                    retry_by(&mut retry, Instant::now() + RETRY);
                                }
                                root_id = identity(&fresh.root);
                            }
                            if fresh.root == daemon.root {
                                // Same folder: last good digests stay (a broken file keeps
                                // its entries across a reload); every file is read again.
                                fresh.state = std::mem::take(&mut daemon.state);
                                fresh.state.forget_contents();
                                fresh.held = std::mem::take(&mut daemon.held);
                                fresh.engine = std::mem::take(&mut daemon.engine).reconfigured(&fresh.settings.authors);
                            }
                            daemon = fresh;
                            info!("configuration reloaded");
                            pending.rescan = true;
                            deadline = Some(Instant::now());
                        }
                    }
                    let status = daemon.status();
                    owe_ready = ready(&status);
                }
                Some(Control::Stop) | None => break,
            },
            msg = next_event(&mut watch) => match msg {
                Some(msg) => {
                    match &msg {
                        WatchMsg::Rescan(why) => warn!("{why}; a full rescan follows"),
                        WatchMsg::Limit(why) => {
                            error!("{why}; a full rescan follows, and the watch is made again in {}s", LIMIT_RETRY.as_secs());
                            daemon.troubles.insert(Trouble::Watch, why.to_string());
                            rewatch.get_or_insert_with(|| Instant::now() + LIMIT_RETRY);
                        }
                        // The input folder itself moved, went or came back: re-attach.
                        WatchMsg::Paths(paths) => {
                            tracing::trace!(?paths, "file event");
                            if paths.iter().any(|p| p == &daemon.root) && identity(&daemon.root) != root_id {
                                retry_by(&mut retry, Instant::now());
                            }
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
                    retry_by(&mut retry, Instant::now() + RETRY);
                }
            },
            _ = sleep_until(deadline.unwrap_or_else(far)), if deadline.is_some() => {
                deadline = None;
                first_event = None;
                let burst = pending.take();
                let rescan = burst.rescan;
                match daemon.apply(burst) {
                    Ok(changed) => {
                        daemon.troubles.remove(&Trouble::Input);
                        if changed || !daemon.changes.is_empty() || !daemon.synced || daemon.dirty.is_none() {
                            if let Err(e) = daemon.publish(&mut out) {
                                error!("{e}; the feeds on disk are unchanged, retrying in {}s", RETRY.as_secs());
                                retry_by(&mut retry, Instant::now() + RETRY);
                            }
                        }
                    }
                    Err(e) => {
                        error!(input = %daemon.settings.input_dir.display(), "cannot read the input folder: {e}; retrying in {}s", RETRY.as_secs());
                        daemon.troubles.insert(Trouble::Input, format!("cannot read the input folder: {e}; retrying"));
                        retry_by(&mut retry, Instant::now() + RETRY);
                        if !rescan {
                            pending.rescan = true;
                        }
                    }
                }
                due_at = next_due(&daemon.held);
                let status = daemon.status();
                if status != last_status {
                    systemd::notify(&[Notice::Status(&status)]);
                    last_status = status;
                }
            },
            _ = sleep_until(due_at.unwrap_or_else(far)), if due_at.is_some() => {
                // A digest's date has come (or the hour-long wait is up): the next
                // update takes what is due in.
                due_at = None;
                deadline = Some(Instant::now());
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
                            if let Some(old) = watch.take() {
                    old.stop();
                }
                            watch = start_watch(&root, &mut daemon.troubles);
                            match &watch {
                                Some(w) => {
                                    info!(input = %root.display(), "watching the input folder again");
                                    rewatch = w.limited.as_ref().map(|_| Instant::now() + LIMIT_RETRY);
                                    root_id = now_id;
                                    daemon.skip = scan::output_inside_input(&root, &daemon.settings.output_dir);
                                    daemon.root = root;
                                }
                                None => retry_by(&mut retry, Instant::now() + RETRY),
                            }
                        }
                        None => {
                            error!(input = %daemon.settings.input_dir.display(), "the input folder is gone; the feeds stay as they are, retrying in {}s", RETRY.as_secs());
                            daemon.troubles.insert(Trouble::Input, "the input folder is gone; retrying".into());
                            retry_by(&mut retry, Instant::now() + RETRY);
                            continue;
                        }
                    }
                }
                pending.rescan = true;
                deadline = Some(Instant::now());
            },
            _ = sleep_until(rewatch.unwrap_or_else(far)), if rewatch.is_some() => {
                // The limit may have been raised, or watches freed: every folder that
                // could not be watched is tried again, and what it holds read.
                if let Some(old) = watch.take() {
                    old.stop();
                }
                watch = start_watch(&daemon.root, &mut daemon.troubles);
                rewatch = match &watch {
                    Some(w) if w.limited.is_some() => Some(Instant::now() + LIMIT_RETRY),
                    Some(_) => {
                        info!(input = %daemon.settings.input_dir.display(), "every folder is watched again");
                        None
                    }
                    None => {
                        retry_by(&mut retry, Instant::now() + RETRY);
                        None
                    }
                };
                pending.rescan = true;
                deadline = Some(Instant::now());
            },
            _ = sleep_until(owe_ready.unwrap_or_else(far)), if owe_ready.is_some() => {
                owe_ready = ready(&daemon.status());
            },
            _ = sleep_until(next_ping.unwrap_or_else(far)), if next_ping.is_some() => {
                // Pinged from the loop itself: a wedged loop stops the pings.
                systemd::notify(&[Notice::Watchdog]);
                next_ping = watchdog.map(|d| Instant::now() + d);
            },
        }
    }
    systemd::notify(&[Notice::Stopping]);
    info!("stopped");
    drop(watch);
    drop(out);
    Ok(())
}
