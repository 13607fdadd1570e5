//! Which entries a batch may have changed, for a reader that keeps every entry of the
//! folder between batches (the archived feeds' history in the daemon): the keys the
//! engine computed again, and the handles whose display name changed (an entry whose
//! title carries no name of its own shows that name, and the engine recomputes only
//! the entries it keeps).

use super::Engine;
use crate::model::key::EntryKey;
use crate::model::Entry;
use foldhash::HashSet;

/// What changed since the log was last taken.
#[derive(Debug, Default)]
pub(crate) struct EntryLog {
    /// Every entry may have changed (a full build).
    pub(crate) all: bool,
    pub(crate) keys: HashSet<EntryKey>,
    /// Lowercase handles.
    pub(crate) handles: HashSet<String>,
}

impl EntryLog {
    /// Whether an entry kept as `entry` must be computed again.
    pub(crate) fn touches(&self, entry: &Entry) -> bool {
        self.keys.contains(&entry.key)
            || entry
                .handle
                .is_some_and(|h| self.handles.contains(&h.to_ascii_lowercase()))
    }
}

impl Engine {
    /// Records what a batch changed, if the settings asked for a log.
    pub(super) fn log_entries(&self, f: impl FnOnce(&mut EntryLog)) {
        if let Some(log) = &self.entry_log {
            f(&mut log.lock().unwrap_or_else(|p| p.into_inner()));
        }
    }

    /// What changed since the log was last taken; `None` if the engine keeps no log.
    pub(crate) fn take_entry_log(&self) -> Option<EntryLog> {
        let log = self.entry_log.as_ref()?;
        Some(std::mem::take(
            &mut log.lock().unwrap_or_else(|p| p.into_inner()),
        ))
    }

    /// The entry of `key` as the engine computes it now (`None`: no digest has it).
    pub(crate) fn entry_now(&self, key: &EntryKey) -> Option<Entry> {
        self.compute_entry(key)
    }
}
