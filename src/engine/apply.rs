//! One batch of changes through the engine's parts, step by step: the digests taken
//! in, both author passes, the display names, each changed entry placed in its feeds,
//! and the entries the dirty feeds show computed.

use super::evidence::Evidence;
use super::order::{Oldest, Place};
use super::store::{cands_of, dkey, names_in, records_of, DKey, FinalCut, Occ, Rec, Sym};
use super::{Batch, Change, Engine, FeedId, Trace};
use crate::model::key::EntryKey;
use crate::model::{Digest, Entry};
use crate::support::par::{par_map, pipeline};
use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};
use std::collections::BTreeSet;
use std::path::PathBuf;

impl Engine {
    /// Where the entries of the digests that `changes` replace or add stand before the
    /// changes: only theirs can move in the feeds, and the feeds keep too little to
    /// tell where an entry was once it has moved.
    pub(super) fn places_before(
        &self,
        changes: &[(PathBuf, Option<Digest>)],
    ) -> HashMap<EntryKey, Option<Place>> {
        let mut before = HashMap::new();
        for (path, new) in changes {
            let old = self.recs.slot_of(&dkey(path)).and_then(|s| self.recs.at(s));
            let items = old
                .map(|r| r.digest.items.as_slice())
                .into_iter()
                .chain(new.as_ref().map(|d| d.items.as_slice()));
            for item in items.flatten() {
                if !before.contains_key(&item.link.key) {
                    before.insert(item.link.key.clone(), self.place_of(&item.link.key));
                }
            }
        }
        before
    }

    /// Phase 1: out with the old, in with the new. What each new digest says on its own is
    /// worked out on another core, ahead of the indexing.
    pub(super) fn take_in(
        &mut self,
        changes: Vec<(PathBuf, Option<Digest>)>,
        batch: Batch,
        trace: &mut Trace,
    ) {
        let (configured, syms) = self.names.configured_and_syms();
        let alone =
            |(_, d): &(PathBuf, Option<Digest>)| d.as_ref().map(|d| records_of(configured, d));
        let (recs, evidence, occ, syms) = (&mut self.recs, &mut self.evidence, &mut self.occ, syms);
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
                let rec = Rec::new(syms, path.clone(), slot, digest, found);
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
    pub(super) fn first_passes(&mut self, batch: Batch, trace: &mut Trace) -> HashSet<DKey> {
        let evidence = &mut self.evidence;
        let mut first: HashSet<DKey> = trace.touched.clone();
        for (h, name) in trace.pairs.take_flipped(|p| evidence.repeated(p)) {
            first.extend(evidence.readers_of(&self.recs, (Some(h), name)));
        }
        let first_pass = |evidence: &Evidence, rec: &mut Rec| {
            let (suffixed, pass1) = evidence.first_pass(rec);
            rec.suffixed = suffixed;
            for (irec, cut) in rec.items.iter_mut().zip(pass1) {
                irec.set_pass1(cut);
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
    pub(super) fn second_passes(
        &mut self,
        batch: Batch,
        mut second: HashSet<DKey>,
        trace: &mut Trace,
    ) {
        let evidence = &mut self.evidence;
        for (h, name) in trace.known.take_flipped(|p| evidence.known_now(p)) {
            second.extend(evidence.readers_of(&self.recs, (Some(h), name)));
        }
        for name in trace.any.take_flipped(|n| evidence.known_any_now(n)) {
            second.extend(evidence.readers_of(&self.recs, (None, name)));
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
                evidence.set_name_uses(h, name, occs);
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
    pub(super) fn display_names(&mut self, trace: &mut Trace) -> BTreeSet<FeedId> {
        let mut dirty = BTreeSet::new();
        for h in trace.handles.drain() {
            self.evidence.settle(h, &self.recs);
            let now = self.evidence.compute_display(h);
            if self.names.set_display(h, now) {
                let lower = self.names.syms().get(h).to_string();
                self.log_entries(|log| {
                    log.handles.insert(lower.clone());
                });
                if let Some(kept) = self.orders.by_author().get(&lower) {
                    trace.keys.extend(kept.first.iter().map(|(_, k)| k.clone()));
                }
                // Shown in other feeds, an entry of this author may rank too far down
                // this author's own feed to be kept there.
                trace.keys.extend(
                    self.entries
                        .values()
                        .filter(|e| e.handle.is_some_and(|w| w.eq_ignore_ascii_case(&lower)))
                        .map(|e| e.key.clone()),
                );
                dirty.insert(FeedId::Author(lower));
            }
        }
        dirty
    }

    /// Phase 5: entries. Each entry whose digests changed moves in the feeds from where
    /// it was (`before`); the entries that feeds show are computed again, and their
    /// feeds marked if they changed. A category whose oldest entries left finds the
    /// next ([`Engine::oldest_of`]); if a feed is left short, the orders are made again
    /// from every entry.
    pub(super) fn place_entries(
        &mut self,
        keys: HashSet<EntryKey>,
        before: HashMap<EntryKey, Option<Place>>,
        dirty: &mut BTreeSet<FeedId>,
    ) {
        for key in keys {
            let new = self.compute_entry(&key);
            let place = new.as_ref().map(Place::of);
            // Keys of unchanged digests are here for their titles or names: they stay.
            if let Some(was) = before.get(&key) {
                if *was != place {
                    if let Some(was) = was {
                        self.orders.remove(&key, was, dirty);
                    }
                    if let Some(place) = &place {
                        self.orders.add(&key, place, dirty);
                    }
                }
            }
            let Some(shown) = self.entries.get(&key) else {
                continue;
            };
            // Dates compare by instant; a digest that changes only its offset still
            // changes what the feeds say.
            let same = new.as_ref().is_some_and(|new| {
                **shown == *new && shown.published.offset() == new.published.offset()
            });
            if !same {
                dirty.extend(feeds_of(&Place::of(shown)));
                self.entries.remove(&key);
            }
        }
        for name in self.orders.oldest_lost() {
            if let Some(oldest) = self.oldest_of(name) {
                self.orders.set_oldest(name, oldest);
            }
        }
        if self.orders.need_scan(self.max) {
            self.orders = self.scan_orders(self.orders.keep());
            dirty.extend(self.orders.ids());
        }
    }

    /// A category's oldest entry date and how many entries have it, from the oldest
    /// digest on: an entry is dated at most `max_items` seconds before its digest, so
    /// the search ends a few digests after the oldest entry of the category.
    pub(super) fn oldest_of(&self, name: &str) -> Option<Oldest> {
        let slack = i64::try_from(self.recs.max_items()).unwrap_or(i64::MAX);
        let mut best: Option<(i64, u32)> = None;
        for rec in self.recs.oldest_first() {
            let date = rec.digest.date.timestamp();
            if best.is_some_and(|(oldest, _)| date.saturating_sub(slack) > oldest) {
                break;
            }
            for (pos, (item, irec)) in rec.digest.items.iter().zip(&rec.items).enumerate() {
                let key = &item.link.key;
                // An entry stands where its earliest item is.
                if !irec.first || self.occ.earliest(key) != Some((rec.slot, pos)) {
                    continue;
                }
                let Some(place) = self.place_of(key) else {
                    continue;
                };
                if !place.categories.contains(&name) {
                    continue;
                }
                best = match best {
                    Some((oldest, n)) if place.date == oldest => Some((oldest, n + 1)),
                    Some((oldest, n)) if place.date > oldest => Some((oldest, n)),
                    _ => Some((place.date, 1)),
                };
            }
        }
        best.map(|(date, n)| Oldest::Known(date, n))
    }

    /// Computes the entries that the `dirty` feeds show and were not computed yet, and,
    /// now and then, forgets those no feed shows any more.
    pub(super) fn show(&mut self, dirty: &BTreeSet<FeedId>) {
        let max = self.max;
        let mut missing: HashSet<&EntryKey> = HashSet::new();
        for id in dirty {
            if let Some(kept) = self.orders.get(id) {
                missing.extend(
                    kept.first
                        .iter()
                        .take(max)
                        .map(|(_, k)| k)
                        .filter(|k| !self.entries.contains_key(*k)),
                );
            }
        }
        let missing: Vec<&EntryKey> = missing.into_iter().collect();
        let computed: Vec<Option<Entry>> = par_map(&missing, |key| self.compute_entry(key));
        self.entries.extend(
            computed
                .into_iter()
                .flatten()
                .map(|entry| (entry.key.clone(), Box::new(entry))),
        );
        if self.entries.len() > self.shown_after_sweep.saturating_mul(2).max(1024) {
            let orders = &self.orders;
            let shown: HashSet<EntryKey> = orders
                .ids()
                .filter_map(|id| orders.get(&id))
                .flat_map(|kept| kept.first.iter().take(max).map(|(_, k)| k.clone()))
                .collect();
            self.entries.retain(|key, _| shown.contains(key));
            self.shown_after_sweep = self.entries.len();
        }
    }
}

/// The feeds an entry at `place` belongs to.
pub(super) fn feeds_of(place: &Place) -> impl Iterator<Item = FeedId> + '_ {
    std::iter::once(FeedId::Global)
        .chain(
            place
                .categories
                .iter()
                .map(|c| FeedId::Category(c.to_string())),
        )
        .chain(place.handle.map(|h| FeedId::Author(h.to_ascii_lowercase())))
}

/// An item's final cut from the second pass; with `track`, whether the digest is new
/// and where to note the keys of the first items whose cut changed.
pub(super) fn second_pass(
    evidence: &Evidence,
    rec: &mut Rec,
    mut track: Option<(bool, &mut HashSet<EntryKey>)>,
) {
    let cuts = evidence.second_pass(rec);
    let Rec {
        items,
        digest,
        cands,
        ..
    } = rec;
    for ((irec, item), cut) in items.iter_mut().zip(&digest.items).zip(cuts) {
        let index = cut.and_then(|i| usize::try_from(i).ok());
        let cut = index
            .and_then(|i| cands_of(cands, irec).get(i))
            .map(|c| FinalCut {
                name: c.name,
                title_end: c.title_end,
            });
        if let Some((new, keys)) = &mut track {
            if irec.first && (*new || cut != irec.cut()) {
                keys.insert(item.link.key.clone());
            }
        }
        irec.set_cut(cut);
    }
}
