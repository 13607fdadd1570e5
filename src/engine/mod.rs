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
    fn flipped(self, now: impl Fn(&K) -> bool) -> Vec<K> {
        self.before
            .into_iter()
            .filter(|(k, was)| now(k) != *was)
            .map(|(k, _)| k)
            .collect()
    }
}

#[derive(Debug, Default)]
pub struct Engine {
    /// Lowercase handle → configured display name.
    configured: BTreeMap<String, &'static str>,
    syms: Interner,
    recs: Recs,
    /// Distinct tweets (with their number of mentions) of a handle whose titles can end in a name.
    pair_ids: HashMap<(Sym, Sym), HashMap<u64, u32>>,
    /// Digests with an item whose title can end in a name, by handle (`None`: no handle).
    /// Only updates consult it: a full build leaves it for [`Engine::prepare_for_updates`].
    readers: HashMap<(Option<Sym>, Sym), HashSet<DKey>>,
    /// Whether `readers` covers every digest.
    readers_stale: bool,
    /// First-pass cuts per (handle, name), and per name.
    known: HashMap<(Sym, Sym), u32>,
    known_any: HashMap<Sym, u32>,
    /// Final cuts per handle and name, where they stand.
    names_of: HashMap<Sym, HashMap<Sym, BTreeSet<Occ>>>,
    /// Lowercase handle → display name from the titles (the configured name wins over it).
    display: HashMap<Sym, Sym>,
    /// Where each entry's tweet stands, in corpus order: a sorted `Vec`, since a tweet
    /// is in a handful of digests (a `BTreeSet` node would cost ten times the memory).
    occ: HashMap<EntryKey, OccList>,
    /// Boxed: a full build allocates the entries on every core, and then moves only
    /// pointers into the map.
    entries: HashMap<EntryKey, Box<Entry>>,
    global: BTreeSet<Rank>,
    by_category: BTreeMap<&'static str, BTreeSet<Rank>>,
    by_author: BTreeMap<String, BTreeSet<Rank>>,
    /// Set by [`Engine::for_one_build`]: how many entries a feed shows.
    one_build: Option<usize>,
    /// Set after a full build by an engine for one build, while only the entries that
    /// some feed shows are computed and the feed orders hold those only: each
    /// category's oldest entry date, its seniority (see [`slug::assign`]), which such
    /// an order no longer tells.
    partial: Option<HashMap<&'static str, i64>>,
}

impl Engine {
    /// An empty engine. `configured` maps lowercase handles to display names.
    pub fn new(configured: &BTreeMap<String, String>) -> Engine {
        Engine {
            configured: configured
                .iter()
                .map(|(h, n)| (h.clone(), intern(n)))
                .collect(),
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

    /// The same digests under another `authors` configuration.
    pub fn reconfigured(self, configured: &BTreeMap<String, String>) -> Engine {
        let mut engine = Engine::new(configured);
        engine.apply(
            self.recs
                .into_recs()
                .map(|rec| (rec.path, Some(rec.digest))),
        );
        engine
    }

    /// Number of digests and of entries.
    pub fn counts(&self) -> (usize, usize) {
        let entries = match self.partial {
            Some(_) => self.occ.len(),
            None => self.entries.len(),
        };
        (self.recs.len(), entries)
    }

    /// Runs `f` on every core, each on a part of the digests, which are out of the
    /// engine for the while: `f` can only read the engine's other indexes. Returns what
    /// each part gave.
    fn on_every_core<R: Send>(
        &mut self,
        f: impl Fn(&Engine, &mut [Option<Rec>]) -> R + Sync,
    ) -> Vec<R> {
        let mut slots = std::mem::take(&mut self.recs.slots);
        let engine = &*self;
        let parts = par_chunks_mut(&mut slots, |part| f(engine, part));
        self.recs.slots = slots;
        parts
    }

    /// Runs `f` on the digests at `paths` (every digest if `None`), each out of the map
    /// for the while, so that `f` can update the engine's other indexes. `f` must not
    /// look at the map of digests.
    fn for_each_rec(
        &mut self,
        paths: Option<&HashSet<DKey>>,
        mut f: impl FnMut(&mut Engine, &mut Rec),
    ) {
        match paths {
            None => {
                let mut slots = std::mem::take(&mut self.recs.slots);
                for rec in slots.iter_mut().flatten() {
                    f(self, rec);
                }
                self.recs.slots = slots;
            }
            Some(paths) => {
                for path in paths {
                    let Some(slot) = self.recs.slot_of(path) else {
                        continue;
                    };
                    let taken = self
                        .recs
                        .slots
                        .get_mut(slot as usize)
                        .and_then(Option::take);
                    if let Some(mut rec) = taken {
                        f(self, &mut rec);
                        self.recs.put(slot, rec);
                    }
                }
            }
        }
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
            self.readers_stale = true;
        }
        let mut trace = Trace::default();
        self.take_in(changes, batch, &mut trace);
        let second = self.first_passes(batch, &mut trace);
        self.second_passes(batch, second, &mut trace);
        let mut dirty = self.display_names(&mut trace);
        self.place_entries(batch, std::mem::take(&mut trace.keys), &mut dirty);
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
        let configured = std::mem::take(&mut self.configured);
        let alone =
            |(_, d): &(PathBuf, Option<Digest>)| d.as_ref().map(|d| records_of(&configured, d));
        pipeline(changes, alone, |(file, new), found| {
            let path = dkey(&file);
            if let Some(old) = self.recs.remove(&path) {
                self.index(
                    &path,
                    &old,
                    Change::Remove,
                    batch,
                    &mut trace.pairs,
                    &mut trace.keys,
                );
                self.count_known(
                    &old,
                    Change::Remove,
                    batch,
                    &mut trace.known,
                    &mut trace.any,
                );
                self.count_names(&old, Change::Remove, &mut trace.handles);
            }
            if let (Some(digest), Some(found)) = (new, found) {
                let slot = self.recs.claim(&path);
                let rec = self.prepare(file, path.clone(), slot, digest, found);
                self.index(
                    &path,
                    &rec,
                    Change::Add,
                    batch,
                    &mut trace.pairs,
                    &mut trace.keys,
                );
                self.recs.put(slot, rec);
                if batch == Batch::Update {
                    trace.touched.insert(path);
                }
            } else {
                trace.touched.remove(&path);
            }
        });
        self.configured = configured;
    }

    /// Phase 2, the first pass: new digests, and those whose evidence changed (in a full
    /// build: every digest). Returns the digests the second pass must see again.
    fn first_passes(&mut self, batch: Batch, trace: &mut Trace) -> HashSet<DKey> {
        let mut first: HashSet<DKey> = trace.touched.clone();
        for (h, name) in std::mem::take(&mut trace.pairs).flipped(|p| self.repeated(p)) {
            if let Some(readers) = self.readers.get(&(Some(h), name)) {
                first.extend(readers.iter().cloned());
            }
        }
        let first_pass = |engine: &Engine, rec: &mut Rec| {
            let (suffixed, pass1) = engine.first_pass(rec);
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
            self.on_every_core(|engine, part| {
                for rec in part.iter_mut().flatten() {
                    first_pass(engine, rec);
                }
            });
            self.for_each_rec(None, |engine, rec| {
                engine.count_known(rec, Change::Add, batch, known, any);
            });
        } else {
            self.for_each_rec(Some(&first), |engine, rec| {
                if !touched.contains(&rec.key) {
                    engine.count_known(rec, Change::Remove, batch, known, any);
                }
                first_pass(engine, rec);
                engine.count_known(rec, Change::Add, batch, known, any);
            });
        }
        first
    }

    /// Phase 3, the second pass: the digests of the first, and those that consult a name
    /// that became known or unknown. Sets each item's final cut; the keys of the items
    /// whose cut changed (every first item of a new digest) go to `trace.keys`.
    fn second_passes(&mut self, batch: Batch, mut second: HashSet<DKey>, trace: &mut Trace) {
        for (h, name) in std::mem::take(&mut trace.known).flipped(|p| self.known_now(p)) {
            if let Some(readers) = self.readers.get(&(Some(h), name)) {
                second.extend(readers.iter().cloned());
            }
        }
        for name in std::mem::take(&mut trace.any).flipped(|n| self.known_any_now(n)) {
            if let Some(readers) = self.readers.get(&(None, name)) {
                second.extend(readers.iter().cloned());
            }
        }
        let second_pass =
            |engine: &Engine, rec: &mut Rec, mut track: Option<(bool, &mut HashSet<EntryKey>)>| {
                let cuts = engine.second_pass(rec);
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
            };
        if batch == Batch::Full {
            // Every name's places, gathered per name on every core: each name's set is
            // then built in one go rather than by an insert per item.
            let parts = self.on_every_core(|engine, part| {
                let mut named: HashMap<(Sym, Sym), Vec<Occ>> = HashMap::new();
                for rec in part.iter_mut().flatten() {
                    second_pass(engine, rec, None);
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
                self.names_of
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
            self.for_each_rec(Some(&second), |engine, rec| {
                let new = touched.contains(&rec.key);
                if !new {
                    engine.count_names(rec, Change::Remove, handles);
                }
                second_pass(engine, rec, Some((new, keys)));
                engine.count_names(rec, Change::Add, handles);
            });
        }
    }

    /// Phase 4: display names, and the entries that show them. Returns the author feeds
    /// whose name changed.
    fn display_names(&mut self, trace: &mut Trace) -> BTreeSet<FeedId> {
        let mut dirty = BTreeSet::new();
        for h in std::mem::take(&mut trace.handles) {
            let now = self.compute_display(h);
            if now.as_ref() != self.display.get(&h) {
                match now {
                    Some(name) => self.display.insert(h, name),
                    None => self.display.remove(&h),
                };
                let lower = self.syms.get(h).to_string();
                if let Some(set) = self.by_author.get(&lower) {
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
                self.place(old, Change::Remove, dirty);
            }
            if let Some(new) = new {
                self.place(&new, Change::Add, dirty);
                self.entries.insert(key, Box::new(new));
            }
        }
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
