//! File-system events, reduced to what the daemon needs: which paths to look at again,
//! and whether events were lost. Events are hints, never facts: every path they name is
//! looked at anew, whatever the event said happened to it.

use crate::error::WatchError;
use notify::event::{AccessKind, AccessMode, EventKind};
use notify::{Event, RecommendedWatcher, RecursiveMode, Watcher};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use tokio::sync::mpsc;

/// What the watcher thread hands to the event loop.
#[derive(Debug)]
pub(crate) enum WatchMsg {
    Paths(Vec<PathBuf>),
    /// Events were lost (kernel queue overflow, a full channel) or a watch broke: only a
    /// full rescan can tell what the folder holds now.
    Rescan(WatchError),
    /// A folder could not be watched because the inotify watch limit is reached: a
    /// rescan, and the watch made again once the limit allows it.
    Limit(WatchError),
}

/// Does this event say anything about content? The daemon's own reads come back as
/// open/close-without-write events; acting on them would loop forever.
pub(crate) fn is_relevant(kind: &EventKind) -> bool {
    match kind {
        EventKind::Access(AccessKind::Close(AccessMode::Write)) => true,
        EventKind::Access(_) => false,
        _ => true,
    }
}

/// Events collected while a burst settles.
#[derive(Debug, Default)]
pub(crate) struct Pending {
    pub paths: BTreeSet<PathBuf>,
    pub rescan: bool,
}

impl Pending {
    pub(crate) fn add(&mut self, msg: WatchMsg) {
        match msg {
            WatchMsg::Paths(paths) => self.paths.extend(paths),
            WatchMsg::Rescan(_) | WatchMsg::Limit(_) => self.rescan = true,
        }
    }

    #[cfg(test)]
    pub(crate) fn is_empty(&self) -> bool {
        self.paths.is_empty() && !self.rescan
    }

    pub(crate) fn take(&mut self) -> Pending {
        std::mem::take(self)
    }
}

/// Turns one notify callback into a message.
pub(crate) fn to_msg(result: notify::Result<Event>) -> Option<WatchMsg> {
    match result {
        Ok(event) if event.need_rescan() => Some(WatchMsg::Rescan(WatchError::Overflow)),
        Ok(event) if is_relevant(&event.kind) && !event.paths.is_empty() => {
            Some(WatchMsg::Paths(event.paths))
        }
        Ok(_) => None,
        Err(e) => match WatchError::from_notify(e, None) {
            limit @ WatchError::Limit { .. } => Some(WatchMsg::Limit(limit)),
            other => Some(WatchMsg::Rescan(other)),
        },
    }
}

/// Capacity of the channel between the watcher thread and the loop. When it is full,
/// events are dropped and a rescan is asked for instead, so a storm never grows memory.
const CHANNEL: usize = 4096;

/// A running watch: the events, and a flag raised when events had to be dropped.
pub(crate) struct Watch {
    pub watcher: RecommendedWatcher,
    pub events: mpsc::Receiver<WatchMsg>,
    /// Set when the channel was full: the loop must rescan (it checks after each event).
    pub lost: Arc<AtomicBool>,
    /// Why some folders are not watched (the inotify watch limit); the rest are.
    pub limited: Option<WatchError>,
    root: PathBuf,
}

impl Watch {
    /// Ends the watch, its kernel watches released before this returns: dropping the
    /// watcher alone releases them later, on its own thread, and a new watch made
    /// meanwhile would meet the limit the old one still holds.
    pub(crate) fn stop(mut self) {
        let _ = self.watcher.unwatch(&self.root);
    }
}

/// Starts a recursive watch on `root`. The callback never blocks and never panics.
/// Symbolic links to folders are not followed, as the scan does not follow them.
/// At the inotify watch limit the watch is kept with the folders it could take, and
/// `limited` says so.
pub(crate) fn start(root: &Path) -> Result<Watch, WatchError> {
    let (tx, events) = mpsc::channel(CHANNEL);
    let lost = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&lost);
    let handler = move |result| {
        if let Some(msg) = to_msg(result) {
            if tx.try_send(msg).is_err() {
                // Full, or the loop has stopped: the flag stands for every dropped event.
                flag.store(true, Ordering::Relaxed);
            }
        }
    };
    let config = notify::Config::default().with_follow_symlinks(false);
    let mut watcher = RecommendedWatcher::new(handler, config)
        .map_err(|e| WatchError::from_notify(e, Some(root)))?;
    // The limit's error names the folder it stopped at; the root says more to a user.
    let limited = match watcher.watch(root, RecursiveMode::Recursive) {
        Ok(()) => None,
        Err(e) => match WatchError::from_notify(e, Some(root)) {
            WatchError::Limit { .. } => Some(WatchError::Limit {
                path: Some(root.to_path_buf()),
            }),
            other => return Err(other),
        },
    };
    Ok(Watch {
        watcher,
        events,
        lost,
        limited,
        root: root.to_path_buf(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use notify::event::{CreateKind, Flag, ModifyKind, RenameMode};

    fn event(kind: EventKind, path: &str) -> notify::Result<Event> {
        Ok(Event::new(kind).add_path(PathBuf::from(path)))
    }

    #[test]
    fn own_reads_are_ignored_and_writes_kept() {
        assert!(to_msg(event(
            EventKind::Access(AccessKind::Open(AccessMode::Any)),
            "/in/a.md"
        ))
        .is_none());
        assert!(to_msg(event(
            EventKind::Access(AccessKind::Close(AccessMode::Read)),
            "/in/a.md"
        ))
        .is_none());
        assert!(matches!(
            to_msg(event(
                EventKind::Access(AccessKind::Close(AccessMode::Write)),
                "/in/a.md"
            )),
            Some(WatchMsg::Paths(_))
        ));
        for kind in [
            EventKind::Create(CreateKind::File),
            EventKind::Modify(ModifyKind::Name(RenameMode::From)),
            EventKind::Modify(ModifyKind::Name(RenameMode::To)),
            EventKind::Remove(notify::event::RemoveKind::Any),
        ] {
            assert!(
                matches!(to_msg(event(kind, "/in/a.md")), Some(WatchMsg::Paths(_))),
                "{kind:?}"
            );
        }
    }

    #[test]
    fn lost_events_and_errors_ask_for_a_rescan() {
        let overflow = Ok(Event::new(EventKind::Other).set_flag(Flag::Rescan));
        assert!(matches!(to_msg(overflow), Some(WatchMsg::Rescan(_))));
        let limit = notify::Error::new(notify::ErrorKind::MaxFilesWatch);
        match to_msg(Err(limit)) {
            Some(WatchMsg::Limit(why)) => {
                assert!(
                    why.to_string().contains("fs.inotify.max_user_watches"),
                    "{why}"
                )
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn pending_coalesces_paths() {
        let mut p = Pending::default();
        assert!(p.is_empty());
        p.add(WatchMsg::Paths(vec!["/in/a.md".into(), "/in/b.md".into()]));
        p.add(WatchMsg::Paths(vec!["/in/a.md".into()]));
        assert_eq!(p.paths.len(), 2);
        p.add(WatchMsg::Rescan(WatchError::Overflow));
        let taken = p.take();
        assert!(taken.rescan && p.is_empty());
    }
}
