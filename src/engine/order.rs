//! The feeds' orderings: an entry's rank (newest first, then key), the first
//! `max_entries` of each feed, and placing entries in them.

use super::*;

/// A feed's order: newest first, then by key.
pub(super) type Rank = (Reverse<i64>, EntryKey);

/// An entry's date: its earliest digest's, less a second per item above it in that
/// digest (docs/FORMAT.md §2).
pub(super) fn published(date: DateTime<FixedOffset>, pos: usize) -> DateTime<FixedOffset> {
    let offset = Duration::seconds(i64::try_from(pos).unwrap_or(i64::MAX));
    date.checked_sub_signed(offset).unwrap_or(date)
}

/// The first ranks of one feed, found without sorting the rest: ranks are gathered,
/// and whenever there are about twice as many as wanted, the first `max` are kept and
/// anything that ranks after them is turned away from then on.
pub(super) struct Top<'a> {
    pub(super) max: usize,
    pub(super) ranks: Vec<(Reverse<i64>, &'a EntryKey)>,
    /// The first rank that no longer makes it, once there is one.
    pub(super) bound: Option<(Reverse<i64>, &'a EntryKey)>,
}

impl<'a> Top<'a> {
    pub(super) fn new(max: usize) -> Top<'a> {
        Top {
            max,
            ranks: Vec::new(),
            bound: None,
        }
    }

    pub(super) fn push(&mut self, rank: (Reverse<i64>, &'a EntryKey)) {
        if self.bound.is_some_and(|bound| rank >= bound) {
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
        }
    }

    pub(super) fn merge(&mut self, other: Top<'a>) {
        for rank in other.ranks {
            self.push(rank);
        }
        self.trim();
    }
}

/// The first ranks of every feed, as [`Engine::place_shown`] gathers them: the
/// categories with their oldest entry dates, the authors by handle as written.
pub(super) struct Tops<'a> {
    pub(super) max: usize,
    pub(super) global: Top<'a>,
    pub(super) categories: HashMap<&'static str, (Top<'a>, i64)>,
    pub(super) authors: HashMap<Sym, Top<'a>>,
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
            let (mine, my_oldest) = self
                .categories
                .entry(name)
                .or_insert_with(|| (Top::new(max), oldest));
            mine.merge(top);
            *my_oldest = (*my_oldest).min(oldest);
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
    /// [`Engine::place_all`] for a full build by an engine for one build: every
    /// entry's place in the feeds is worked out, but only the first `max` of each feed
    /// are kept, and only their entries computed.
    pub(super) fn place_shown(&mut self, max: usize, dirty: &mut BTreeSet<FeedId>) {
        let (global, categories, authors, entries) = {
            let all: Vec<(&EntryKey, &OccList)> = self.occ.iter().collect();
            let parts = par_chunks(&all, |part| self.tops_of(part, max));
            let mut tops = Tops::new(max);
            for part in parts {
                tops.merge(part);
            }
            let mut authors: HashMap<String, Top<'_>> = HashMap::new();
            for (written, top) in tops.authors {
                let lower = self.syms.get(written).to_ascii_lowercase();
                authors
                    .entry(lower)
                    .or_insert_with(|| Top::new(max))
                    .merge(top);
            }
            let mut shown: HashSet<&EntryKey> = HashSet::new();
            let feeds = std::iter::once(&tops.global)
                .chain(tops.categories.values().map(|(top, _)| top))
                .chain(authors.values());
            for top in feeds {
                shown.extend(top.ranks.iter().map(|(_, key)| *key));
            }
            let shown: Vec<&EntryKey> = shown.into_iter().collect();
            let entries: Vec<Option<Entry>> = par_map(&shown, |key| self.compute_entry(key));
            let owned = |top: Top<'_>| -> BTreeSet<Rank> {
                top.ranks
                    .into_iter()
                    .map(|(date, key)| (date, key.clone()))
                    .collect()
            };
            let categories: Vec<(&'static str, BTreeSet<Rank>, i64)> = tops
                .categories
                .into_iter()
                .map(|(name, (top, oldest))| (name, owned(top), oldest))
                .collect();
            let authors: Vec<(String, BTreeSet<Rank>)> = authors
                .into_iter()
                .map(|(handle, top)| (handle, owned(top)))
                .collect();
            (owned(tops.global), categories, authors, entries)
        };
        self.entries.extend(
            entries
                .into_iter()
                .flatten()
                .map(|entry| (entry.key.clone(), Box::new(entry))),
        );
        dirty.insert(FeedId::Global);
        self.global = global;
        let mut oldest = HashMap::new();
        for (name, ranks, date) in categories {
            dirty.insert(FeedId::Category(name.to_string()));
            self.by_category.insert(name, ranks);
            oldest.insert(name, date);
        }
        for (handle, ranks) in authors {
            dirty.insert(FeedId::Author(handle.clone()));
            self.by_author.insert(handle, ranks);
        }
        self.partial = Some(oldest);
    }

    /// The first `max` entries of every feed among the entries of `part`, and each
    /// category's oldest entry date.
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
            let Some(rec) = self.recs.at(*slot) else {
                continue;
            };
            let Some(irec) = rec.items.get(*pos) else {
                continue;
            };
            let date = published(rec.digest.date, *pos).timestamp();
            let rank = (Reverse(date), key);
            tops.global.push(rank);
            let categories: &[&'static str] = if occs.len() == 1 {
                &rec.categories
            } else {
                union.clear();
                for (_, _, _, s) in occs {
                    if let Some(r) = self.recs.at(*s) {
                        union.extend_from_slice(&r.categories);
                    }
                }
                union.sort_unstable();
                union.dedup();
                &union
            };
            for name in categories {
                let (top, oldest) = tops
                    .categories
                    .entry(name)
                    .or_insert_with(|| (Top::new(max), date));
                top.push(rank);
                *oldest = (*oldest).min(date);
            }
            if let (Some(written), _) = self.written_handle(key, occs, irec) {
                tops.authors
                    .entry(written)
                    .or_insert_with(|| Top::new(max))
                    .push(rank);
            }
        }
        tops
    }

    pub(super) fn top<'a>(&'a self, set: &BTreeSet<Rank>, max: usize) -> Vec<&'a Entry> {
        set.iter()
            .take(max)
            .filter_map(|(_, k)| self.entries.get(k).map(|e| &**e))
            .collect()
    }
}
