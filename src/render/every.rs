//! Every entry of the folder, newest first, kept between the daemon's renders for the
//! archived feeds' histories: after a batch only the entries the engine logged as
//! changed are computed again (computing every entry was most of a change's cost with
//! archives). Debug builds compare it with a fresh computation on small folders.

use crate::engine::log::EntryLog;
use crate::engine::Engine;
use crate::model::key::EntryKey;
use crate::model::Entry;
use crate::support::par::par_map;
use chrono::{DateTime, FixedOffset};
use std::cmp::Reverse;
use std::collections::{BTreeMap, HashMap, HashSet};

/// A feed's order: newest first, then by key.
type Rank = (Reverse<i64>, EntryKey);

fn rank(entry: &Entry) -> Rank {
    (Reverse(entry.published.timestamp()), entry.key.clone())
}

/// Entries in feed order, told apart by their date: reading them newest first looks
/// nothing up (a lookup per entry was most of a change's cost at 50,000 digests).
#[derive(Default)]
pub(crate) struct Every {
    built: bool,
    ranked: BTreeMap<Rank, Entry>,
    /// Each entry's date, by key: where it is in `ranked`.
    dates: HashMap<EntryKey, i64>,
}

impl Every {
    /// Brings the entries in line with `engine`, given what changed since the last
    /// call (everything, the first time). Returns the dates of the entries changed,
    /// as they were and as they are (`None`: every entry may have changed).
    pub(crate) fn update(
        &mut self,
        engine: &Engine,
        log: EntryLog,
    ) -> Option<Vec<DateTime<FixedOffset>>> {
        let mut touched = Some(Vec::new());
        if log.all || !self.built {
            touched = None;
            let all = engine.every_entry();
            self.dates = all
                .iter()
                .map(|e| (e.key.clone(), e.published.timestamp()))
                .collect();
            self.ranked = all.into_iter().map(|e| (rank(&e), e)).collect();
            self.built = true;
        } else {
            let mut keys: HashSet<&EntryKey> = log.keys.iter().collect();
            if !log.handles.is_empty() {
                keys.extend(
                    self.ranked
                        .values()
                        .filter(|e| log.touches(e))
                        .map(|e| &e.key),
                );
            }
            let keys: Vec<EntryKey> = keys.into_iter().cloned().collect();
            let fresh = par_map(&keys, |key| engine.entry_now(key));
            let dates = touched.get_or_insert_default();
            for (key, now) in keys.into_iter().zip(fresh) {
                if let Some(date) = self.dates.remove(&key) {
                    if let Some(old) = self.ranked.remove(&(Reverse(date), key.clone())) {
                        dates.push(old.published);
                    }
                }
                if let Some(now) = now {
                    dates.push(now.published);
                    self.dates.insert(key, now.published.timestamp());
                    self.ranked.insert(rank(&now), now);
                }
            }
        }
        if cfg!(debug_assertions) && self.ranked.len() <= 2_000 {
            let fresh = engine.every_entry();
            assert!(
                self.newest_first().into_iter().eq(fresh.iter()),
                "the entries kept for the history are not those of the folder"
            );
        }
        touched
    }

    /// Every entry, newest first.
    pub(crate) fn newest_first(&self) -> Vec<&Entry> {
        self.ranked.values().collect()
    }
}
