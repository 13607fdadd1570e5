//! The feeds' orderings, kept short: each feed keeps its first ranks (newest first,
//! then key), a few more than it shows, so that an entry that leaves a feed does not
//! need the rest of it; each category keeps its oldest date, its seniority. A scan of
//! every entry ([`Engine::scan_orders`]) makes them, and makes them again on the rare
//! change that leaves a feed short; a category whose oldest entries left finds the
//! next from the oldest digests on.
//!
//! Every entry of the folder in every feed it belongs to was a third of the daemon's
//! memory at 50,000 digests; the first ranks of every feed are a few thousand.

use super::store::{OccList, Sym};
use super::{Engine, FeedId};
use crate::model::key::EntryKey;
use crate::model::Entry;
use crate::support::par::par_chunks;
use chrono::DateTime;
use chrono::Duration;
use chrono::FixedOffset;
use foldhash::HashMap;
use foldhash::HashMapExt;
use std::cmp::Reverse;
use std::collections::hash_map::Entry as MapEntry;
use std::collections::BTreeMap;
use std::collections::BTreeSet;

/// A feed's order: newest first, then by key.
pub(super) type Rank = (Reverse<i64>, EntryKey);

/// An entry's date: its earliest digest's, less a second per item above it in that
/// digest (docs/FORMAT.md §2).
pub(super) fn published(date: DateTime<FixedOffset>, pos: usize) -> DateTime<FixedOffset> {
    let offset = Duration::seconds(i64::try_from(pos).unwrap_or(i64::MAX));
    date.checked_sub_signed(offset).unwrap_or(date)
}

/// Where an entry stands in the feeds: its date, its categories, and its handle as
/// written (its author feed is the handle in lowercase).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Place {
    pub(super) date: i64,
    pub(super) categories: &'static [&'static str],
    pub(super) handle: Option<&'static str>,
}

impl Place {
    pub(super) fn of(entry: &Entry) -> Place {
        Place {
            date: entry.published.timestamp(),
            categories: entry.categories,
            handle: entry.handle,
        }
    }
}

/// A feed's first ranks.
#[derive(Debug, Default)]
pub(super) struct Kept {
    pub(super) first: BTreeSet<Rank>,
    /// Whether the feed has entries that rank after `first`.
    pub(super) more: bool,
    /// How many entries the feed has: at most what it shows makes it complete
    /// (RFC 5005's `fh:complete`).
    pub(super) count: usize,
}

impl Kept {
    /// Counts an entry in, and keeps `rank` if it is among the feed's first `keep`;
    /// returns whether it did, or the feed stopped showing all it has.
    fn add(&mut self, rank: Rank, keep: usize, shown: usize) -> bool {
        self.count += 1;
        let crossed = self.count == shown + 1;
        crossed | self.keep_rank(rank, keep)
    }

    /// Counts an entry out; returns whether its rank was among the first kept, or the
    /// feed now shows all it has.
    fn take_out(&mut self, rank: &Rank, shown: usize) -> bool {
        self.count = self.count.saturating_sub(1);
        let crossed = self.count == shown;
        self.first.remove(rank) | crossed
    }

    fn keep_rank(&mut self, rank: Rank, keep: usize) -> bool {
        let fits = match self.first.last() {
            // An emptied feed with more entries waits for the scan.
            None => !self.more,
            Some(last) => rank < *last || (!self.more && self.first.len() < keep),
        };
        if !fits {
            self.more = true;
            return false;
        }
        self.first.insert(rank);
        if self.first.len() > keep {
            self.first.pop_last();
            self.more = true;
        }
        true
    }

    /// Whether the feed shows fewer than `max` entries while it has more.
    fn short(&self, max: usize) -> bool {
        self.more && self.first.len() < max
    }

    fn is_gone(&self) -> bool {
        self.first.is_empty() && !self.more
    }
}

/// A category's oldest date and how many of its entries have it; `Gone` when the
/// entries of that date left and the next oldest is not known (every entry left
/// is newer than the date it holds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Oldest {
    Known(i64, u32),
    Gone(i64),
}

impl Oldest {
    fn add(&mut self, date: i64) {
        *self = match *self {
            Oldest::Known(oldest, n) if date == oldest => Oldest::Known(oldest, n + 1),
            Oldest::Known(oldest, _) | Oldest::Gone(oldest) if date > oldest => *self,
            _ => Oldest::Known(date, 1),
        };
    }

    fn remove(&mut self, date: i64) {
        if let Oldest::Known(oldest, n) = *self {
            if date == oldest {
                *self = if n > 1 {
                    Oldest::Known(oldest, n - 1)
                } else {
                    Oldest::Gone(oldest)
                };
            }
        }
    }

    pub(super) fn known(self) -> Option<i64> {
        match self {
            Oldest::Known(date, _) => Some(date),
            Oldest::Gone(_) => None,
        }
    }
}

/// Each feed's first ranks, and each category's oldest date.
#[derive(Debug, Default)]
pub(super) struct Orders {
    global: Kept,
    by_category: BTreeMap<&'static str, Kept>,
    /// By lowercase handle.
    by_author: BTreeMap<String, Kept>,
    oldest: HashMap<&'static str, Oldest>,
    /// How many first ranks a feed keeps.
    keep: usize,
    /// How many entries a feed shows: a feed whose count crosses it gains or loses
    /// `fh:complete`, and is rendered again.
    shown: usize,
}

impl Orders {
    /// Orders whose feeds keep `keep` first ranks and show `shown`.
    pub(super) fn keeping(keep: usize, shown: usize) -> Orders {
        Orders {
            keep,
            shown,
            ..Orders::default()
        }
    }

    pub(super) fn global(&self) -> &Kept {
        &self.global
    }

    pub(super) fn by_category(&self) -> &BTreeMap<&'static str, Kept> {
        &self.by_category
    }

    /// By lowercase handle.
    pub(super) fn by_author(&self) -> &BTreeMap<String, Kept> {
        &self.by_author
    }

    /// Every feed's first ranks: the global feed's, then categories', then authors'.
    pub(super) fn every_feed(&self) -> impl Iterator<Item = &Kept> {
        std::iter::once(&self.global)
            .chain(self.by_category.values())
            .chain(self.by_author.values())
    }

    /// How many first ranks a feed keeps.
    pub(super) fn keep(&self) -> usize {
        self.keep
    }

    /// The date of category `name`'s oldest entry, where it is known.
    pub(super) fn oldest_known(&self, name: &str) -> Option<i64> {
        self.oldest.get(name).and_then(|o| o.known())
    }

    /// Each category's oldest date, where known (for the debug builds' check).
    pub(super) fn oldest_dates(&self) -> BTreeMap<&'static str, Option<i64>> {
        self.oldest.iter().map(|(k, v)| (*k, v.known())).collect()
    }

    /// The categories whose oldest entry left and is not yet found again.
    pub(super) fn oldest_lost(&self) -> Vec<&'static str> {
        self.oldest
            .iter()
            .filter(|(_, oldest)| oldest.known().is_none())
            .map(|(name, _)| *name)
            .collect()
    }

    pub(super) fn set_oldest(&mut self, name: &'static str, oldest: Oldest) {
        self.oldest.insert(name, oldest);
    }

    /// Places an entry at `place`, marking the feeds whose first ranks changed.
    pub(super) fn add(&mut self, key: &EntryKey, place: &Place, dirty: &mut BTreeSet<FeedId>) {
        let rank: Rank = (Reverse(place.date), key.clone());
        let (keep, shown) = (self.keep, self.shown);
        if self.global.add(rank.clone(), keep, shown) {
            dirty.insert(FeedId::Global);
        }
        for name in place.categories {
            if self
                .by_category
                .entry(name)
                .or_default()
                .add(rank.clone(), keep, shown)
            {
                dirty.insert(FeedId::Category(name.to_string()));
            }
            self.oldest
                .entry(name)
                .and_modify(|o| o.add(place.date))
                .or_insert(Oldest::Known(place.date, 1));
        }
        if let Some(handle) = place.handle {
            let lower = handle.to_ascii_lowercase();
            if self
                .by_author
                .entry(lower.clone())
                .or_default()
                .add(rank, keep, shown)
            {
                dirty.insert(FeedId::Author(lower));
            }
        }
    }

    /// Takes out an entry that was at `place`, marking the feeds whose first ranks
    /// changed, or that are gone.
    pub(super) fn remove(&mut self, key: &EntryKey, place: &Place, dirty: &mut BTreeSet<FeedId>) {
        let rank: Rank = (Reverse(place.date), key.clone());
        let shown = self.shown;
        if self.global.take_out(&rank, shown) {
            dirty.insert(FeedId::Global);
        }
        for name in place.categories {
            let Some(kept) = self.by_category.get_mut(name) else {
                continue;
            };
            let removed = kept.take_out(&rank, shown);
            if kept.is_gone() {
                self.by_category.remove(name);
                self.oldest.remove(name);
            } else if let Some(oldest) = self.oldest.get_mut(name) {
                oldest.remove(place.date);
            }
            if removed {
                dirty.insert(FeedId::Category(name.to_string()));
            }
        }
        if let Some(handle) = place.handle {
            let lower = handle.to_ascii_lowercase();
            if let Some(kept) = self.by_author.get_mut(&lower) {
                let removed = kept.take_out(&rank, shown);
                if kept.is_gone() {
                    self.by_author.remove(&lower);
                }
                if removed {
                    dirty.insert(FeedId::Author(lower));
                }
            }
        }
    }

    /// Whether a feed shows fewer than `max` entries while it has more, or a category's
    /// oldest date is not known: then only a scan of every entry tells.
    pub(super) fn need_scan(&self, max: usize) -> bool {
        self.global.short(max)
            || self.by_category.values().any(|k| k.short(max))
            || self.by_author.values().any(|k| k.short(max))
            || self.oldest.values().any(|o| o.known().is_none())
    }

    /// Every feed, for marking them all.
    pub(super) fn ids(&self) -> impl Iterator<Item = FeedId> + '_ {
        std::iter::once(FeedId::Global)
            .chain(
                self.by_category
                    .keys()
                    .map(|name| FeedId::Category(name.to_string())),
            )
            .chain(self.by_author.keys().map(|h| FeedId::Author(h.clone())))
    }

    pub(super) fn get(&self, id: &FeedId) -> Option<&Kept> {
        match id {
            FeedId::Global => Some(&self.global),
            FeedId::Category(name) => self.by_category.get(name.as_str()),
            FeedId::Author(handle) => self.by_author.get(handle),
            FeedId::Digests => None,
        }
    }
}

/// The first ranks of one feed, found without sorting the rest: ranks are gathered,
/// and whenever there are about twice as many as wanted, the first `max` are kept and
/// anything that ranks after them is turned away from then on.
pub(super) struct Top<'a> {
    pub(super) max: usize,
    pub(super) ranks: Vec<(Reverse<i64>, &'a EntryKey)>,
    /// The first rank that no longer makes it, once there is one.
    pub(super) bound: Option<(Reverse<i64>, &'a EntryKey)>,
    /// Whether a rank was turned away.
    pub(super) dropped: bool,
    /// How many ranks were pushed, kept or not.
    pub(super) count: usize,
}

impl<'a> Top<'a> {
    pub(super) fn new(max: usize) -> Top<'a> {
        Top {
            max,
            ranks: Vec::new(),
            bound: None,
            dropped: false,
            count: 0,
        }
    }

    pub(super) fn push(&mut self, rank: (Reverse<i64>, &'a EntryKey)) {
        self.count += 1;
        if self.bound.is_some_and(|bound| rank >= bound) {
            self.dropped = true;
            return;
        }
        self.ranks.push(rank);
        if self.ranks.len() >= self.max.saturating_mul(2).saturating_add(16) {
            self.trim();
        }
    }

    pub(super) fn trim(&mut self) {
        if self.ranks.len() > self.max {
            let (_, bound, _) = self.ranks.select_nth_unstable(self.max);
            self.bound = Some(*bound);
            self.ranks.truncate(self.max);
            self.dropped = true;
        }
    }

    pub(super) fn merge(&mut self, other: Top<'a>) {
        let count = self.count + other.count;
        self.dropped |= other.dropped;
        for rank in other.ranks {
            self.push(rank);
        }
        self.trim();
        self.count = count;
    }

    /// The ranks kept, as a feed keeps them.
    fn kept(self) -> Kept {
        Kept {
            first: self
                .ranks
                .into_iter()
                .map(|(date, key)| (date, key.clone()))
                .collect(),
            more: self.dropped,
            count: self.count,
        }
    }
}

/// The first ranks of every feed, as [`Engine::scan_orders`] gathers them: the
/// categories with their oldest dates, the authors by handle as written.
pub(super) struct Tops<'a> {
    pub(super) max: usize,
    pub(super) global: Top<'a>,
    pub(super) categories: HashMap<&'static str, (Top<'a>, Oldest)>,
    pub(super) authors: HashMap<Sym, Top<'a>>,
}

/// Two counts of a category's oldest date, from parts of the entries, as one.
fn merge_oldest(a: Oldest, b: Oldest) -> Oldest {
    match (a, b) {
        (Oldest::Known(x, n), Oldest::Known(y, m)) if x == y => Oldest::Known(x, n + m),
        (Oldest::Known(x, n), Oldest::Known(y, _)) if x < y => Oldest::Known(x, n),
        (_, other) => other,
    }
}

impl<'a> Tops<'a> {
    pub(super) fn new(max: usize) -> Tops<'a> {
        Tops {
            max,
            global: Top::new(max),
            categories: HashMap::new(),
            authors: HashMap::new(),
        }
    }

    pub(super) fn merge(&mut self, other: Tops<'a>) {
        let max = self.max;
        self.global.merge(other.global);
        for (name, (top, oldest)) in other.categories {
            match self.categories.entry(name) {
                MapEntry::Vacant(place) => {
                    place.insert((top, oldest));
                }
                MapEntry::Occupied(mut place) => {
                    let (mine, my_oldest) = place.get_mut();
                    mine.merge(top);
                    *my_oldest = merge_oldest(*my_oldest, oldest);
                }
            }
        }
        for (written, top) in other.authors {
            self.authors
                .entry(written)
                .or_insert_with(|| Top::new(max))
                .merge(top);
        }
    }
}

impl Engine {
    /// Every feed's first `keep` ranks and every category's oldest date, from every
    /// entry; computes nothing but where each entry stands.
    pub(super) fn scan_orders(&self, keep: usize) -> Orders {
        let all: Vec<(&EntryKey, &OccList)> = self.occ.iter().collect();
        let parts = par_chunks(&all, |part| self.tops_of(part, keep));
        let mut tops = Tops::new(keep);
        for part in parts {
            tops.merge(part);
        }
        let mut authors: HashMap<String, Top<'_>> = HashMap::new();
        for (written, top) in tops.authors {
            let lower = self.names.syms().get(written).to_ascii_lowercase();
            authors
                .entry(lower)
                .or_insert_with(|| Top::new(keep))
                .merge(top);
        }
        let mut orders = Orders {
            global: tops.global.kept(),
            keep,
            shown: self.max,
            ..Orders::default()
        };
        for (name, (top, oldest)) in tops.categories {
            orders.by_category.insert(name, top.kept());
            orders.oldest.insert(name, oldest);
        }
        for (handle, top) in authors {
            orders.by_author.insert(handle, top.kept());
        }
        orders
    }

    /// Where the entry of `key` stands, from where its tweet stands; `None` if no
    /// digest has it. The same as [`Place::of`] its computed entry, at a fraction of
    /// the cost.
    pub(super) fn place_of(&self, key: &EntryKey) -> Option<Place> {
        let occs = self.occ.get(key)?;
        let (_, _, pos, slot) = occs.first()?;
        let pos = &(*pos as usize);
        let rec = self.recs.at(*slot)?;
        let irec = rec.items.get(*pos)?;
        Some(Place {
            date: published(rec.digest.date, *pos).timestamp(),
            categories: self.recs.categories_of(occs),
            handle: self
                .recs
                .written_handle(key, occs, irec)
                .0
                .map(|h| self.names.syms().shared(h)),
        })
    }

    /// The first `max` entries of every feed among the entries of `part`, and each
    /// category's oldest date.
    pub(super) fn tops_of<'a>(
        &'a self,
        part: &[(&'a EntryKey, &'a OccList)],
        max: usize,
    ) -> Tops<'a> {
        let mut tops = Tops::new(max);
        let mut union: Vec<&'static str> = Vec::new();
        for &(key, occs) in part {
            let occs = occs.as_slice();
            let Some((_, _, pos, slot)) = occs.first() else {
                continue;
            };
            let pos = &(*pos as usize);
            let Some(rec) = self.recs.at(*slot) else {
                continue;
            };
            let Some(irec) = rec.items.get(*pos) else {
                continue;
            };
            let date = published(rec.digest.date, *pos).timestamp();
            let rank = (Reverse(date), key);
            tops.global.push(rank);
            let categories: &[&'static str] = if occs.len() == 1 && self.recs.within_cap(rec) {
                rec.categories
            } else {
                self.recs.capped_union(occs, &mut union);
                &union
            };
            for name in categories {
                let (top, oldest) = tops
                    .categories
                    .entry(name)
                    .or_insert_with(|| (Top::new(max), Oldest::Known(date, 0)));
                top.push(rank);
                oldest.add(date);
            }
            if let (Some(written), _) = self.recs.written_handle(key, occs, irec) {
                tops.authors
                    .entry(written)
                    .or_insert_with(|| Top::new(max))
                    .push(rank);
            }
        }
        tops
    }

    pub(super) fn top<'a>(&'a self, kept: &Kept, max: usize) -> Vec<&'a Entry> {
        kept.first
            .iter()
            .take(max)
            .filter_map(|(_, k)| self.entries.get(k).map(|e| &**e))
            .collect()
    }
}
