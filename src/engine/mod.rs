//! The merge, kept up to date: the same entries as a from-scratch merge of every
//! digest (docs/FORMAT.md §2, author evidence of §1), maintained as digests are
//! added, changed and removed, at a cost that follows what changed rather than the size
//! of the folder.
//!
//! Everything a digest contributes is indexed, so that a change can find what depends
//! on it:
//!
//! * author evidence: which tweets end in which name for each handle, which names a
//!   handle is known by, which digests mention a (handle, name) pair;
//! * per digest, its cuts (where titles lose their author), recomputed only when the
//!   digest or the evidence it consulted changes;
//! * display names per handle;
//! * per entry, the digests that mention it, in corpus order; the entry is recomputed
//!   only when one of those, its earliest digest's cut or its author's name changes;
//! * each feed's first ranks, a few more than it shows, and each category's oldest
//!   date; a change moves the entries of the digests it touches, from where they
//!   stood before it.
//!
//! Only the entries that feeds show are computed and kept: every entry of the folder,
//! in every feed it belongs to, was most of the daemon's memory.
//!
//! The state is split by concern, one part per module, so that a phase reads one part
//! while it updates another: `store` keeps the digests' records (`Recs`), `evidence`
//! the evidence and the names (`Evidence`, `Names`), `entries` where each tweet
//! stands (`Occurrences`) and how an entry is computed, `order` the feeds' orders
//! (`Orders`), and `feeds` hands the renderers the feeds as `layout` lays them out
//! (folders named by `slug`). The rules for splitting an author's name off a title are
//! in `author`, shared with the reference merge.
//! [`Engine::apply`] runs a batch through five phases, each its own method, in `apply`.
//!
//! `--once` builds an engine from every digest at once; the daemon applies each change.
//! Both then render the same feeds, so their output cannot drift apart. Built for one
//! run ([`Engine::for_one_build`]), a feed keeps only what it shows.

use crate::config::Settings;
use crate::model::key::EntryKey;
use crate::model::names::intern;
use crate::model::{Digest, Entry};
// foldhash: the engine hashes millions of small keys; SipHash was a tenth of a full run.
// Its seeds are random per process, so crafted names cannot aim for collisions.
use foldhash::{HashMap, HashMapExt, HashSet};
use std::collections::BTreeSet;
use std::path::PathBuf;

mod apply;
pub(crate) mod archive;
mod digests;
pub(crate) use digests::digest_entry;
pub(crate) mod author;
mod entries;
mod evidence;
mod feeds;
pub(crate) mod layout;
pub(crate) mod log;
mod order;
pub(crate) mod slug;
mod store;

use entries::Occurrences;
use evidence::{Evidence, Names};
use order::Orders;
use store::{DKey, Recs, Sym};

/// Whether a digest's contributions go into the indexes or come out of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Change {
    Add,
    Remove,
}

/// Whether a batch builds an empty engine (every digest new: nothing has to be traced
/// from what changed) or updates one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Batch {
    Full,
    Update,
}

/// What one batch of changes has touched so far, handed from phase to phase of
/// [`Engine::apply`].
#[derive(Default)]
struct Trace {
    /// (handle, name) pairs whose "repeated" state may have flipped.
    pairs: Flips<(Sym, Sym)>,
    /// (handle, name) pairs whose "known" state may have flipped.
    known: Flips<(Sym, Sym)>,
    /// Names whose "known as some author's" state may have flipped.
    any: Flips<Sym>,
    /// Entries to compute again.
    keys: HashSet<EntryKey>,
    /// Handles whose display name may have changed.
    handles: HashSet<Sym>,
    /// Digests added or changed in this batch.
    touched: HashSet<DKey>,
}

/// A feed that may have to be rendered again.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FeedId {
    Global,
    Category(String),
    /// Lowercase handle.
    Author(String),
    /// The feed of whole digests.
    Digests,
}

/// Keeps `before` (the state before a batch of changes) for each touched key, to find
/// the keys whose state flipped once the batch is done.
#[derive(Debug, Default)]
struct Flips<K: std::hash::Hash + Eq> {
    before: HashMap<K, bool>,
}

impl<K: std::hash::Hash + Eq + Clone> Flips<K> {
    fn touch(&mut self, key: &K, now: bool) {
        self.before.entry(key.clone()).or_insert(now);
    }
    /// The keys whose state flipped, leaving none behind.
    fn take_flipped(&mut self, now: impl Fn(&K) -> bool) -> Vec<K> {
        self.before
            .drain()
            .filter(|(k, was)| now(k) != *was)
            .map(|(k, _)| k)
            .collect()
    }
}

/// The engine's state, one part per concern, so that a phase can read one part while
/// it updates another.
#[derive(Debug, Default)]
pub struct Engine {
    names: Names,
    recs: Recs,
    evidence: Evidence,
    occ: Occurrences,
    /// Boxed: a full build allocates the entries on every core, and then moves only
    /// pointers into the map.
    entries: HashMap<EntryKey, Box<Entry>>,
    orders: Orders,
    digests: digests::Digests,
    /// How many entries a feed shows.
    max: usize,
    /// How many entries were computed after the last time those no feed shows were
    /// forgotten.
    shown_after_sweep: usize,
    /// Which entries batches changed, when a reader keeps every entry (archive pages
    /// in the daemon): behind a lock, as the reader holds the engine shared.
    entry_log: Option<std::sync::Mutex<log::EntryLog>>,
}

impl Engine {
    /// An empty engine, for feeds of at most `max_entries` entries, kept up to date.
    /// `configured` maps lowercase handles to display names.
    pub fn new(settings: &Settings) -> Engine {
        // A feed keeps twice what it shows and a few more: only when half of that
        // leaves does it need a scan of every entry to fill up again.
        let keep = settings.max_entries.saturating_mul(2).saturating_add(16);
        let a = &settings.archives;
        Engine {
            entry_log: (a.global || a.categories || a.authors).then(Default::default),
            ..Engine::keeping(settings, keep)
        }
    }

    /// An engine for one full build (`--once`): each feed keeps only what it shows. It
    /// can take updates, but a feed that an entry leaves then fills up again by a scan
    /// of every entry.
    pub fn for_one_build(settings: &Settings) -> Engine {
        Engine::keeping(settings, settings.max_entries)
    }

    fn keeping(settings: &Settings, keep: usize) -> Engine {
        Engine {
            names: Names::configured_as(
                settings
                    .authors
                    .iter()
                    .map(|(h, n)| (h.clone(), intern(n)))
                    .collect(),
            ),
            orders: Orders::keeping(keep, settings.max_entries),
            max: settings.max_entries,
            recs: Recs::capped(settings.max_categories),
            digests: digests::Digests::new(settings),
            ..Engine::default()
        }
    }

    /// The same digests in `engine`, an empty engine made for another configuration.
    pub fn moved_into(self, mut engine: Engine) -> Engine {
        // Which items' summaries were read goes along with the digests: else every
        // shown item would be read again after a reload, and those of a digest broken
        // meanwhile would be lost.
        let mut read: Vec<(DKey, Vec<bool>)> = Vec::new();
        engine.apply(self.recs.into_recs().map(|rec| {
            read.push((
                rec.key.clone(),
                rec.items.iter().map(|i| i.summary).collect(),
            ));
            let (path, digest) = rec.into_digest();
            (path, Some(digest))
        }));
        for (key, flags) in read {
            if let Some(rec) = engine.recs.get_mut(&key) {
                for (irec, summary) in rec.items.iter_mut().zip(flags) {
                    irec.summary |= summary;
                }
            }
        }
        engine
    }

    /// Number of digests and of entries.
    pub fn counts(&self) -> (usize, usize) {
        (self.recs.len(), self.occ.len())
    }

    /// Applies changed digests (`None`: the digest is gone) and returns the feeds whose
    /// entries, order or title may have changed.
    pub fn apply(
        &mut self,
        changes: impl IntoIterator<Item = (PathBuf, Option<Digest>)>,
    ) -> BTreeSet<FeedId> {
        // A full build: every digest is new, so every one goes through both passes and
        // every entry is computed; nothing has to be traced from what changed.
        let digests_before = self.recs.len();
        let batch = if self.recs.is_empty() {
            Batch::Full
        } else {
            Batch::Update
        };
        if batch == Batch::Update {
            self.prepare_for_updates();
        }
        let changes: Vec<(PathBuf, Option<Digest>)> = changes.into_iter().collect();
        let before = match batch {
            Batch::Full => {
                self.recs.reserve(changes.len());
                self.evidence.set_readers_stale(true);
                HashMap::new()
            }
            Batch::Update => self.places_before(&changes),
        };
        let mut trace = Trace::default();
        self.take_in(changes, batch, &mut trace);
        let second = self.first_passes(batch, &mut trace);
        self.second_passes(batch, second, &mut trace);
        let mut dirty = self.display_names(&mut trace);
        self.log_entries(|log| match batch {
            Batch::Full => log.all = true,
            Batch::Update => log.keys.extend(trace.keys.iter().cloned()),
        });
        match batch {
            Batch::Full => {
                self.orders = self.scan_orders(self.orders.keep());
                dirty.extend(self.orders.ids());
            }
            Batch::Update => self.place_entries(trace.keys, before, &mut dirty),
        }
        let touched = (batch == Batch::Update).then_some(&trace.touched);
        // Its entries changed, or it now shows all it has, or no longer does.
        let complete_then = digests_before <= self.max;
        if self.refresh_digests(touched) | (complete_then != (self.recs.len() <= self.max)) {
            dirty.insert(FeedId::Digests);
        }
        self.show(&dirty);
        // What updates keep of the orders is what a scan of every entry finds, checked
        // in the tests' builds (on engines small enough to scan at every batch).
        if cfg!(debug_assertions) && self.occ.len() <= 2_000 {
            self.check_orders();
        }
        dirty
    }

    /// Panics unless the orders are those a scan of every entry makes: each feed's
    /// first ranks the scan's first, each category's oldest date the scan's.
    fn check_orders(&self) {
        let fresh = self.scan_orders(self.orders.keep());
        assert_eq!(
            self.orders.oldest_dates(),
            fresh.oldest_dates(),
            "oldest dates"
        );
        let ids: Vec<FeedId> = self.orders.ids().collect();
        assert_eq!(ids, fresh.ids().collect::<Vec<_>>(), "feeds");
        for id in ids {
            let kept = |o: &Orders| {
                o.get(&id)
                    .map(|k| k.first.iter().cloned().collect::<Vec<_>>())
            };
            let (mine, all) = (
                kept(&self.orders).unwrap_or_default(),
                kept(&fresh).unwrap_or_default(),
            );
            assert!(all.starts_with(&mine), "first ranks of {id:?}");
            assert!(mine.len() >= self.max.min(all.len()), "{id:?} kept too few");
            let count = |o: &Orders| o.get(&id).map(|k| k.count);
            assert_eq!(
                count(&self.orders),
                count(&fresh),
                "how many entries {id:?} has"
            );
        }
    }
}
#[cfg(test)]
mod tests {
    use super::*;
    use order::Top;
    use std::cmp::Reverse;
    use std::sync::Arc;
    use store::{dkey, Cand, ItemRec, Occ, OccList};

    fn occ(date: i64, path: &str, pos: u32) -> Occ {
        (date, Arc::new(path.as_bytes().into()), pos, 0)
    }

    /// The daemon keeps one record and one occurrence per item, and one candidate per
    /// hyphen near the end of a title, for every digest of the folder.
    #[test]
    fn item_records_stay_small() {
        assert_eq!(std::mem::size_of::<ItemRec>(), 24);
        assert_eq!(std::mem::size_of::<Cand>(), 16);
        assert_eq!(std::mem::size_of::<Occ>(), 24);
    }

    /// Records keep a digest's key, not its path: the key must give the path back.
    #[test]
    fn a_digest_key_gives_its_path_back() {
        for path in ["a.md", "2026/03/09/x y.md", "/abs/dir/é.md", "dir/"] {
            let path = std::path::Path::new(path);
            assert_eq!(store::path_of(&dkey(path)), path);
        }
    }

    #[test]
    fn occurrence_lists_stay_sorted_without_duplicates_whatever_the_order() {
        let all = [
            occ(3, "b", 0),
            occ(1, "a", 2),
            occ(2, "a", 0),
            occ(1, "a", 1),
        ];
        let mut sorted = all.to_vec();
        sorted.sort();
        let mut list = OccList::default();
        for o in all.iter().chain(&all) {
            list.insert(o.clone());
        }
        assert_eq!(list.as_slice(), sorted.as_slice());
        list.remove(&occ(1, "a", 1));
        list.remove(&occ(9, "z", 9));
        assert_eq!(list.as_slice(), &sorted[1..]);
        list.remove(&occ(2, "a", 0));
        list.remove(&occ(3, "b", 0));
        assert!(matches!(list, OccList::One(_)), "{list:?}");
        assert_eq!(list.as_slice(), [occ(1, "a", 2)]);
        list.remove(&occ(1, "a", 2));
        assert!(list.as_slice().is_empty());
    }

    proptest::proptest! {
        /// Gathered in parts and merged, as a full build does on several cores, a
        /// feed's first ranks are those of sorting every rank.
        #[test]
        fn top_keeps_the_first_ranks_of_all_it_was_given(
            dates in proptest::collection::vec(0i64..40, 0..400),
            max in 1usize..30,
            cut in 0usize..400,
        ) {
            let keys: Vec<EntryKey> = (0..dates.len() as u64).map(EntryKey::Tweet).collect();
            let ranks: Vec<(Reverse<i64>, &EntryKey)> =
                dates.iter().zip(&keys).map(|(d, k)| (Reverse(*d), k)).collect();
            let (a, b) = ranks.split_at(cut.min(ranks.len()));
            let mut top = Top::new(max);
            let mut other = Top::new(max);
            a.iter().for_each(|r| top.push(*r));
            b.iter().for_each(|r| other.push(*r));
            top.merge(other);
            let mut got = top.ranks;
            got.sort_unstable();
            let mut want = ranks.clone();
            want.sort_unstable();
            want.truncate(max);
            proptest::prop_assert_eq!(got, want);
        }
    }
}
