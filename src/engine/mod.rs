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
//! * the feeds' orderings, so that each feed is its first `max_entries` elements.
//!
//! The state is split by concern, one part per module, so that a phase reads one part
//! while it updates another: `store` keeps the digests' records (`Recs`), `authors`
//! the evidence and the names (`Evidence`, `Names`), `entries` where each tweet
//! stands (`Occurrences`) and how an entry is computed, `order` the feeds' orders
//! (`Orders`), and `feeds` hands the renderers the feeds as `plan` lays them out.
//! [`Engine::apply`] runs a batch through five phases, each its own method.
//!
//! `--once` builds an engine from every digest at once; the daemon applies each change.
//! Both then render the same feeds, so their output cannot drift apart. Built for one
//! run ([`Engine::for_one_build`]), the engine works out every entry's place in the
//! feeds but computes only the entries that some feed shows.

use crate::author::{
    candidates, name_matches_handle, vote, Candidate, CONFIGURED, HANDLE, REPEATED,
};
use crate::key::EntryKey;
use crate::model::{category_set, Digest, Entry, Prefix, Summaries};
use crate::names::intern;
use crate::par::{par_chunks, par_chunks_mut, par_map, pipeline};
use crate::plan::{self, Feed};
use crate::slug;
use chrono::{DateTime, Duration, FixedOffset};
use std::cmp::Reverse;
// foldhash: the engine hashes millions of small keys; SipHash was a tenth of a full run.
// Its seeds are random per process, so crafted names cannot aim for collisions.
use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};
use std::collections::{BTreeMap, BTreeSet};
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;
use std::sync::Arc;

mod authors;
mod entries;
mod feeds;
mod order;
mod store;

use authors::*;
use entries::*;
use order::*;
use store::*;

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
    /// Set by [`Engine::for_one_build`]: how many entries a feed shows.
    one_build: Option<usize>,
}

impl Engine {
    /// An empty engine. `configured` maps lowercase handles to display names.
    pub fn new(configured: &BTreeMap<String, String>) -> Engine {
        Engine {
            names: Names {
                configured: configured
                    .iter()
                    .map(|(h, n)| (h.clone(), intern(n)))
                    .collect(),
                ..Names::default()
            },
            ..Engine::default()
        }
    }

    /// An engine for one full build, rendered with at most `max_entries` entries per
    /// feed (`--once`): the full build computes only the entries some feed shows, a
    /// few thousand rather than every tweet of the folder, and orders each feed's first
    /// `max_entries` only. Anything that updates it afterwards completes the rest first
    /// ([`Engine::prepare_for_updates`]).
    pub fn for_one_build(configured: &BTreeMap<String, String>, max_entries: usize) -> Engine {
        Engine {
            one_build: Some(max_entries),
            ..Engine::new(configured)
        }
    }

    /// The same digests in `engine`, an empty engine made for another configuration.
    pub fn moved_into(self, mut engine: Engine) -> Engine {
        engine.apply(
            self.recs
                .into_recs()
                .map(|rec| (rec.path, Some(rec.digest))),
        );
        engine
    }

    /// Number of digests and of entries.
    pub fn counts(&self) -> (usize, usize) {
        let entries = match self.orders.partial {
            Some(_) => self.occ.len(),
            None => self.entries.len(),
        };
        (self.recs.len(), entries)
    }

    /// Applies changed digests (`None`: the digest is gone) and returns the feeds whose
    /// entries, order or title may have changed.
    pub fn apply(
        &mut self,
        changes: impl IntoIterator<Item = (PathBuf, Option<Digest>)>,
    ) -> BTreeSet<FeedId> {
        // A full build: every digest is new, so every one goes through both passes and
        // every entry is computed; nothing has to be traced from what changed.
        let batch = if self.recs.is_empty() {
            Batch::Full
        } else {
            Batch::Update
        };
        if batch == Batch::Update {
            self.prepare_for_updates();
        }
        let changes: Vec<(PathBuf, Option<Digest>)> = changes.into_iter().collect();
        if batch == Batch::Full {
            self.recs.reserve(changes.len());
            self.evidence.readers_stale = true;
        }
        let mut trace = Trace::default();
        self.take_in(changes, batch, &mut trace);
        let second = self.first_passes(batch, &mut trace);
        self.second_passes(batch, second, &mut trace);
        let mut dirty = self.display_names(&mut trace);
        self.place_entries(batch, trace.keys, &mut dirty);
        dirty
    }

    /// Phase 1: out with the old, in with the new. What each new digest says on its own is
    /// worked out on another core, ahead of the indexing.
    fn take_in(
        &mut self,
        changes: Vec<(PathBuf, Option<Digest>)>,
        batch: Batch,
        trace: &mut Trace,
    ) {
        let configured = &self.names.configured;
        let alone =
            |(_, d): &(PathBuf, Option<Digest>)| d.as_ref().map(|d| records_of(configured, d));
        let (recs, evidence, occ, syms) = (
            &mut self.recs,
            &mut self.evidence,
            &mut self.occ,
            &mut self.names.syms,
        );
        pipeline(changes, alone, |(file, new), found| {
            let path = dkey(&file);
            if let Some(old) = recs.remove(&path) {
                evidence.index(&old, Change::Remove, batch, &mut trace.pairs);
                occ.index(&old, Change::Remove, batch, &mut trace.keys);
                evidence.count_known(
                    &old,
                    Change::Remove,
                    batch,
                    &mut trace.known,
                    &mut trace.any,
                );
                evidence.count_names(&old, Change::Remove, &mut trace.handles);
            }
            if let (Some(digest), Some(found)) = (new, found) {
                let slot = recs.claim(&path);
                let rec = Rec::new(syms, file, path.clone(), slot, digest, found);
                evidence.index(&rec, Change::Add, batch, &mut trace.pairs);
                occ.index(&rec, Change::Add, batch, &mut trace.keys);
                recs.put(slot, rec);
                if batch == Batch::Update {
                    trace.touched.insert(path);
                }
            } else {
                trace.touched.remove(&path);
            }
        });
    }

    /// Phase 2, the first pass: new digests, and those whose evidence changed (in a full
    /// build: every digest). Returns the digests the second pass must see again.
    fn first_passes(&mut self, batch: Batch, trace: &mut Trace) -> HashSet<DKey> {
        let evidence = &mut self.evidence;
        let mut first: HashSet<DKey> = trace.touched.clone();
        for (h, name) in trace.pairs.take_flipped(|p| evidence.repeated(p)) {
            first.extend(evidence.readers_of((Some(h), name)).cloned());
        }
        let first_pass = |evidence: &Evidence, rec: &mut Rec| {
            let (suffixed, pass1) = evidence.first_pass(rec);
            rec.suffixed = suffixed;
            for (irec, cut) in rec.items.iter_mut().zip(pass1) {
                irec.pass1 = cut;
            }
        };
        let Trace {
            known,
            any,
            touched,
            ..
        } = trace;
        if batch == Batch::Full {
            // Each digest's pass only reads the evidence, so it runs on every core; the
            // counts it adds to are shared, and are added up on one.
            let reading = &*evidence;
            self.recs.on_every_core(|part| {
                for rec in part.iter_mut().flatten() {
                    first_pass(reading, rec);
                }
            });
            for rec in self.recs.iter() {
                evidence.count_known(rec, Change::Add, batch, known, any);
            }
        } else {
            self.recs.for_each_at(&first, |rec| {
                if !touched.contains(&rec.key) {
                    evidence.count_known(rec, Change::Remove, batch, known, any);
                }
                first_pass(evidence, rec);
                evidence.count_known(rec, Change::Add, batch, known, any);
            });
        }
        first
    }

    /// Phase 3, the second pass: the digests of the first, and those that consult a name
    /// that became known or unknown. Sets each item's final cut; the keys of the items
    /// whose cut changed (every first item of a new digest) go to `trace.keys`.
    fn second_passes(&mut self, batch: Batch, mut second: HashSet<DKey>, trace: &mut Trace) {
        let evidence = &mut self.evidence;
        for (h, name) in trace.known.take_flipped(|p| evidence.known_now(p)) {
            second.extend(evidence.readers_of((Some(h), name)).cloned());
        }
        for name in trace.any.take_flipped(|n| evidence.known_any_now(n)) {
            second.extend(evidence.readers_of((None, name)).cloned());
        }
        if batch == Batch::Full {
            // Every name's places, gathered per name on every core: each name's set is
            // then built in one go rather than by an insert per item.
            let reading = &*evidence;
            let parts = self.recs.on_every_core(|part| {
                let mut named: HashMap<(Sym, Sym), Vec<Occ>> = HashMap::new();
                for rec in part.iter_mut().flatten() {
                    second_pass(reading, rec, None);
                    for (h, name, occ) in names_in(rec) {
                        named.entry((h, name)).or_default().push(occ);
                    }
                }
                named
            });
            let mut named: HashMap<(Sym, Sym), Vec<Occ>> = HashMap::new();
            for part in parts {
                for (pair, occs) in part {
                    named.entry(pair).or_default().extend(occs);
                }
            }
            for ((h, name), occs) in named {
                evidence
                    .names_of
                    .entry(h)
                    .or_default()
                    .insert(name, occs.into_iter().collect());
                trace.handles.insert(h);
            }
        } else {
            let Trace {
                keys,
                handles,
                touched,
                ..
            } = trace;
            self.recs.for_each_at(&second, |rec| {
                let new = touched.contains(&rec.key);
                if !new {
                    evidence.count_names(rec, Change::Remove, handles);
                }
                second_pass(evidence, rec, Some((new, keys)));
                evidence.count_names(rec, Change::Add, handles);
            });
        }
    }

    /// Phase 4: display names, and the entries that show them. Returns the author feeds
    /// whose name changed.
    fn display_names(&mut self, trace: &mut Trace) -> BTreeSet<FeedId> {
        let mut dirty = BTreeSet::new();
        for h in trace.handles.drain() {
            let now = self.evidence.compute_display(h);
            let display = &mut self.names.display;
            if now.as_ref() != display.get(&h) {
                match now {
                    Some(name) => display.insert(h, name),
                    None => display.remove(&h),
                };
                let lower = self.names.syms.get(h).to_string();
                if let Some(set) = self.orders.by_author.get(&lower) {
                    trace.keys.extend(set.iter().map(|(_, k)| k.clone()));
                }
                dirty.insert(FeedId::Author(lower));
            }
        }
        dirty
    }

    /// Phase 5: entries. Into an empty engine (a full build), the feed orderings are built
    /// from sorted lists at once, far cheaper than one B-tree insert per entry and feed.
    fn place_entries(
        &mut self,
        batch: Batch,
        mut keys: HashSet<EntryKey>,
        dirty: &mut BTreeSet<FeedId>,
    ) {
        if let (Batch::Full, Some(max)) = (batch, self.one_build) {
            self.place_shown(max, dirty);
            return;
        }
        if self.entries.is_empty() {
            if batch == Batch::Full {
                keys = self.occ.keys().cloned().collect();
            }
            self.place_all(keys, dirty);
            return;
        }
        for key in keys {
            let new = self.compute_entry(&key);
            let old = self.entries.remove(&key);
            // Dates compare by instant; a digest that changes only its offset still
            // changes what the feeds say.
            let same = old.as_deref() == new.as_ref()
                && old.as_ref().map(|e| e.published.offset())
                    == new.as_ref().map(|e| e.published.offset());
            if same {
                if let Some(e) = old {
                    self.entries.insert(key, e);
                }
                continue;
            }
            if let Some(old) = &old {
                self.orders.place(old, Change::Remove, dirty);
            }
            if let Some(new) = new {
                self.orders.place(&new, Change::Add, dirty);
                self.entries.insert(key, Box::new(new));
            }
        }
    }
}

/// An item's final cut from the second pass; with `track`, whether the digest is new
/// and where to note the keys of the first items whose cut changed.
fn second_pass(
    evidence: &Evidence,
    rec: &mut Rec,
    mut track: Option<(bool, &mut HashSet<EntryKey>)>,
) {
    let cuts = evidence.second_pass(rec);
    for ((irec, item), cut) in rec.items.iter_mut().zip(&rec.digest.items).zip(cuts) {
        let cut = irec.cand(cut).and_then(|c| {
            Some(FinalCut {
                name: c.name,
                title_end: u32::try_from(c.cand.cut.title(&item.title).len()).ok()?,
            })
        });
        if let Some((new, keys)) = &mut track {
            if irec.first && (*new || cut != irec.cut) {
                keys.insert(item.link.key.clone());
            }
        }
        irec.cut = cut;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn occ(date: i64, path: &str, pos: usize) -> Occ {
        (date, Arc::from(path.as_bytes()), pos, 0)
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
