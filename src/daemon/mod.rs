//! Watch mode: keeps the feeds on disk current as digests come and go.
//!
//! One loop owns everything ([`run`]): it waits for a signal, a file event or a timer
//! of its `Schedule`, and hands each to a handler of its `Loop`. File events are
//! collected while a burst settles; then only the paths they name are read again
//! (`folders::Folders`), the changed digests go to the same engine and renderers that
//! `--once` uses ([`live::Live`]), and only files whose bytes changed are written.
//! Signals are handled between two updates, so an update in progress always finishes.

pub(crate) mod folders;
pub mod live;
pub(crate) mod ping;
pub(crate) mod schedule;
pub(crate) mod systemd;
pub(crate) mod upload;

use crate::config::Settings;
use crate::error::{ConfigError, RunError};
use crate::input::watch::{Pending, Watch, WatchMsg};
use crate::output::writer::OutputDir;
use crate::support::identity;
use chrono::Utc;
use folders::{Folders, Trouble};
use schedule::{Schedule, Timer, LIMIT_RETRY, READY_RETRY, RETRY};
use std::path::Path;
use systemd::{Notice, Sent};
use tokio::sync::mpsc;
use tokio::time::{sleep_until, Instant};
use tracing::{error, info, trace, warn};

/// Requests from outside the loop (signals, tests).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    /// Re-read the configuration and rescan (SIGHUP).
    Reload,
    /// Finish the update in progress and stop (SIGTERM, SIGINT).
    Stop,
}

/// The events of a watch, or nothing ever (while there is no watch).
async fn next_event(watch: &mut Option<Watch>) -> Option<WatchMsg> {
    match watch {
        Some(w) => w.events.recv().await,
        None => std::future::pending().await,
    }
}

/// Everything the event loop owns.
struct Loop<R> {
    folders: Folders,
    /// Held for the daemon's life; a reload to another output folder takes that one.
    /// `None`: no output folder, the feeds go to a bucket only.
    out: Option<OutputDir>,
    watch: Option<Watch>,
    /// Identity of the watched input folder, to notice it being replaced.
    root_id: Option<(u64, u64)>,
    schedule: Schedule,
    pending: Pending,
    last_status: String,
    reload: R,
    /// Publishes to object storage when the settings say so.
    uploader: Option<upload::Uploader>,
    /// Tells the WebSub hubs of changed feeds when the settings name some.
    pinger: Option<ping::Pinger>,
}

impl<R: Fn() -> Result<Settings, ConfigError>> Loop<R> {
    /// Ends the current watch (its kernel watches released first: each watch holds an
    /// inotify instance and its share of the limit) and makes a new one.
    fn watch_again(&mut self) {
        if let Some(old) = self.watch.take() {
            old.stop();
        }
        self.watch = self.folders.start_watch();
        let now = Instant::now();
        match &self.watch {
            None => self.schedule.by(Timer::Retry, now + RETRY),
            Some(w) if w.limited.is_some() => {
                self.schedule.set(Timer::Rewatch, Some(now + LIMIT_RETRY))
            }
            Some(_) => self.schedule.set(Timer::Rewatch, None),
        }
        self.root_id = identity(self.folders.root());
    }

    /// READY=1 with the status; sent again later if systemd's socket had no room,
    /// since without it systemd never considers the service started.
    fn ready(&mut self) {
        let status = self.folders.status();
        let sent = systemd::notify(&[Notice::Ready, Notice::Status(&status)]);
        let again = (sent == Sent::Dropped).then(|| Instant::now() + READY_RETRY);
        self.schedule.set(Timer::Ready, again);
        self.last_status = status;
    }

    /// The next held digest's date: a timer, not a poll.
    fn arm_due(&mut self) {
        let due = self
            .folders
            .live()
            .next_due(Utc::now())
            .and_then(|wait| Instant::now().checked_add(wait));
        self.schedule.set(Timer::Due, due);
    }

    fn publish(&mut self) {
        if let (Some(_), Some(out)) = (&self.uploader, &mut self.out) {
            // Pages let go once written are published read back, known by their MD5,
            // which a whole write takes (a bucket added by a reload).
            if !out.keep_sums() {
                self.folders.written_whole_next();
            }
        }
        match self.folders.publish(self.out.as_mut()) {
            Ok(written) => match (&self.uploader, &self.pinger) {
                // The uploader tells the hubs once the bucket holds the change; the
                // archive pages that go once written it reads back from the folder.
                (Some(uploader), _) => match self.folders.pages_on_disk(self.out.as_ref()) {
                    Ok(pages) => uploader.offer(self.folders.live().shared_files(), pages),
                    Err(e) => {
                        error!(
                            "{e}; the feeds on disk are current, publishing after the folder is written whole again in {}s",
                            RETRY.as_secs()
                        );
                        self.schedule.by(Timer::Retry, Instant::now() + RETRY);
                    }
                },
                (None, Some(pinger)) => pinger.topics().offer(crate::output::websub::topics(
                    &self.folders.settings().base_url,
                    &written,
                )),
                (None, None) => {}
            },
            Err(e) => {
                error!(
                    "{e}; the feeds on disk are unchanged, retrying in {}s",
                    RETRY.as_secs()
                );
                self.schedule.by(Timer::Retry, Instant::now() + RETRY);
            }
        }
    }

    /// The uploader and the pinger the settings ask for (again, after a reload that
    /// changed them).
    fn start_helpers(&mut self, settings: &Settings) {
        self.pinger =
            (!settings.hubs.is_empty()).then(|| ping::Pinger::start(settings.hubs.clone()));
        let ping = self
            .pinger
            .as_ref()
            .map(|p| (p.topics(), settings.base_url.clone()));
        self.uploader = settings
            .publish
            .clone()
            .map(|config| upload::Uploader::start(config, ping));
    }

    /// SIGHUP: the configuration read again; a bad one is logged and the running one
    /// kept. The output folder, if it changed, is taken before anything else changes.
    fn on_reload(&mut self) {
        systemd::notify(&[Notice::Reloading]);
        let fresh = (self.reload)()
            .map_err(RunError::from)
            .and_then(Folders::new)
            .and_then(|fresh| {
                let same = fresh.settings().output_dir == self.folders.settings().output_dir;
                match &mut self.out {
                    Some(out) if same => out.probe()?,
                    _ => {
                        // Kept apart until probed: a reload that fails keeps the old.
                        let mut taken = OutputDir::configured(fresh.settings(), false)?;
                        if let Some(out) = &mut taken {
                            out.probe()?;
                        }
                        self.out = taken;
                    }
                }
                Ok(fresh)
            });
        match fresh {
            Err(e) => error!("{e}; keeping the running configuration"),
            Ok(fresh) => {
                let same_root = fresh.root() == self.folders.root();
                let (old, new) = (self.folders.settings(), fresh.settings());
                if new.publish != old.publish
                    || new.hubs != old.hubs
                    || new.base_url != old.base_url
                {
                    let new = new.clone();
                    self.start_helpers(&new);
                }
                self.folders = fresh.take_over(&mut self.folders);
                // Another folder, no watch, or one cut short by the watch limit (which
                // may have been raised since): watch anew.
                if !same_root || self.watch.is_none() || self.schedule.is_set(Timer::Rewatch) {
                    self.watch_again();
                }
                self.schedule.set_debounce(self.folders.settings().debounce);
                info!("configuration reloaded");
                self.pending.rescan = true;
                self.schedule.settle_now(Instant::now());
            }
        }
        self.ready();
    }

    fn on_event(&mut self, msg: Option<WatchMsg>) {
        let Some(msg) = msg else {
            error!(
                "the file watcher stopped; restarting it in {}s",
                RETRY.as_secs()
            );
            self.watch = None;
            self.schedule.by(Timer::Retry, Instant::now() + RETRY);
            return;
        };
        let now = Instant::now();
        match &msg {
            WatchMsg::Rescan(why) => warn!("{why}; a full rescan follows"),
            WatchMsg::Limit(why) => {
                error!(
                    "{why}; a full rescan follows, and the watch is made again in {}s",
                    LIMIT_RETRY.as_secs()
                );
                self.folders.trouble(Trouble::Watch, Some(why.to_string()));
                if !self.schedule.is_set(Timer::Rewatch) {
                    self.schedule.set(Timer::Rewatch, Some(now + LIMIT_RETRY));
                }
            }
            // The input folder itself moved, went or came back: re-attach.
            WatchMsg::Paths(paths) => {
                trace!(?paths, "file event");
                let root = self.folders.root();
                if paths.iter().any(|p| p == root) && identity(root) != self.root_id {
                    self.schedule.by(Timer::Retry, now);
                }
            }
        }
        self.pending.add(msg);
        let lost = self
            .watch
            .as_ref()
            .is_some_and(|w| w.lost.swap(false, std::sync::atomic::Ordering::Relaxed));
        if lost {
            warn!("file events were dropped while busy; a full rescan follows");
            self.pending.rescan = true;
        }
        self.schedule.event(now);
    }

    /// A settled burst: read what it names, publish what changed, say so.
    fn on_settled(&mut self) {
        let burst = self.pending.take();
        let rescan = burst.rescan;
        match self.folders.apply(burst, Utc::now()) {
            Ok(changed) => {
                self.folders.trouble(Trouble::Input, None);
                if changed || self.folders.needs_publish() {
                    self.publish();
                }
                if rescan {
                    crate::support::memory::give_back();
                }
            }
            Err(e) => {
                let input = self.folders.settings().input_dir.display().to_string();
                error!(
                    input,
                    "cannot read the input folder: {e}; retrying in {}s",
                    RETRY.as_secs()
                );
                self.folders.trouble(
                    Trouble::Input,
                    Some(format!("cannot read the input folder: {e}; retrying")),
                );
                self.schedule.by(Timer::Retry, Instant::now() + RETRY);
                if !rescan {
                    self.pending.rescan = true;
                }
            }
        }
        self.arm_due();
        let status = self.folders.status();
        if status != self.last_status {
            systemd::notify(&[Notice::Status(&status)]);
            self.last_status = status;
        }
    }

    /// Retry what failed. The input folder may have been replaced (moved, deleted and
    /// made again, a symbolic link flipped): watch whatever it is now; then rescan and
    /// publish.
    fn on_retry(&mut self) {
        let input = self.folders.settings().input_dir.clone();
        let Some(now_root) = input.canonicalize().ok() else {
            error!(input = %input.display(), "the input folder is gone; the feeds stay as they are, retrying in {}s", RETRY.as_secs());
            self.folders.trouble(
                Trouble::Input,
                Some("the input folder is gone; retrying".into()),
            );
            self.schedule.by(Timer::Retry, Instant::now() + RETRY);
            return;
        };
        if self.watch.is_none()
            || identity(&now_root) != self.root_id
            || now_root != self.folders.root()
        {
            self.folders.moved_to(now_root);
            self.watch_again();
            if self.watch.is_some() {
                info!(input = %self.folders.root().display(), "watching the input folder again");
            }
        }
        self.pending.rescan = true;
        self.schedule.settle_now(Instant::now());
    }

    fn on_timer(&mut self, timer: Timer) {
        match timer {
            // Pinged from the loop itself: a wedged loop stops the pings.
            Timer::Ping => {
                systemd::notify(&[Notice::Watchdog]);
            }
            Timer::Ready => self.ready(),
            Timer::Settle => self.on_settled(),
            Timer::Retry => self.on_retry(),
            // The limit may have been raised, or watches freed: every folder that could
            // not be watched is tried again, and what it holds read.
            Timer::Rewatch => {
                self.watch_again();
                if self.watch.as_ref().is_some_and(|w| w.limited.is_none()) {
                    info!(input = %self.folders.settings().input_dir.display(), "every folder is watched again");
                }
                self.pending.rescan = true;
                self.schedule.settle_now(Instant::now());
            }
            // A digest's date has come (or the hour-long wait is up): the next update
            // takes what is due in.
            Timer::Due => self.schedule.settle_now(Instant::now()),
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
    let folders = Folders::new(settings)?;
    let mut out = OutputDir::configured(folders.settings(), false)?;
    // Fail fast on what an administrator must fix (permissions, a read-only mount);
    // a full disk is retried like any failed write.
    if let Some(Err(e)) = out.as_mut().map(OutputDir::probe) {
        use rustix::io::Errno;
        let code = e.source.raw_os_error();
        let full =
            code == Some(Errno::NOSPC.raw_os_error()) || code == Some(Errno::DQUOT.raw_os_error());
        if !full {
            return Err(e.into());
        }
    }
    let mut lp = Loop {
        schedule: Schedule::new(
            folders.settings().debounce,
            systemd::watchdog_interval(),
            Instant::now(),
        ),
        folders,
        out,
        watch: None,
        root_id: None,
        pending: Pending::default(),
        last_status: String::new(),
        reload,
        uploader: None,
        pinger: None,
    };
    let settings = lp.folders.settings().clone();
    lp.start_helpers(&settings);
    // Watch first, then scan: a file written during start-up is seen by one or the other.
    lp.watch_again();
    let input = lp.folders.settings().input_dir.clone();
    lp.folders
        .update_dir(Path::new(""), Utc::now())
        .map_err(|source| RunError::Input {
            path: input.clone(),
            source,
        })?;
    if lp.folders.live().known_under(Path::new("")).is_empty() {
        warn!(input = %input.display(), "no digests found (files named *.md, searched recursively; -v names the files passed over); watching for some");
    }
    lp.publish();
    lp.arm_due();
    let output = lp.folders.settings().output_shown();
    info!(input = %input.display(), output = %output, "{}; watching", lp.folders.status());
    lp.ready();
    lp.folders.complete();
    crate::support::memory::give_back();

    let far = || Instant::now() + std::time::Duration::from_secs(86_400);
    loop {
        let next = lp.schedule.next();
        let resync = lp.uploader.as_ref().map(upload::Uploader::resync);
        tokio::select! {
            biased;
            ctl = control.recv() => match ctl {
                Some(Control::Reload) => lp.on_reload(),
                Some(Control::Stop) | None => break,
            },
            // The bucket's publisher found a page gone from the folder.
            _ = async { resync.as_ref()?.notified().await; Some(()) }, if resync.is_some() => {
                lp.folders.written_whole_next();
                lp.schedule.settle_now(Instant::now());
            }
            // Timers before events: a folder that never stops changing must not hold
            // off the watchdog's ping or a burst's max wait.
            _ = sleep_until(next.map_or_else(far, |(at, _)| at)), if next.is_some() => {
                if let Some((_, timer)) = next {
                    lp.schedule.fire(timer, Instant::now());
                    lp.on_timer(timer);
                }
            }
            msg = next_event(&mut lp.watch) => lp.on_event(msg),
        }
    }
    systemd::notify(&[Notice::Stopping]);
    if lp
        .uploader
        .as_ref()
        .is_some_and(upload::Uploader::in_flight)
    {
        warn!("an upload to the bucket is under way: abandoned, not waited for (the next start publishes again from the bucket's manifest)");
    }
    drop(lp);
    info!("stopped");
    Ok(())
}
