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

/// Each feed's entries in feed order.
#[derive(Debug, Default)]
pub(super) struct Orders {
    pub(super) global: BTreeSet<Rank>,
    pub(super) by_category: BTreeMap<&'static str, BTreeSet<Rank>>,
    /// By lowercase handle.
    pub(super) by_author: BTreeMap<String, BTreeSet<Rank>>,
    /// Set after a full build by an engine for one build, while only the entries that
    /// some feed shows are computed and the orders hold those only: each category's
    /// oldest entry date, its seniority (see [`slug::assign`]), which such an order no
    /// longer tells.
    pub(super) partial: Option<HashMap<&'static str, i64>>,
}

impl Orders {
    pub(super) fn place(&mut self, entry: &Entry, change: Change, dirty: &mut BTreeSet<FeedId>) {
        let rank: Rank = (Reverse(entry.published.timestamp()), entry.key.clone());
        let apply = |set: &mut BTreeSet<Rank>| {
            if change == Change::Add {
                set.insert(rank.clone());
            } else {
                set.remove(&rank);
            }
        };
        apply(&mut self.global);
        dirty.insert(FeedId::Global);
        for name in entry.categories {
            apply(self.by_category.entry(*name).or_default());
            if self.by_category[name].is_empty() {
                self.by_category.remove(name);
            }
            dirty.insert(FeedId::Category(name.to_string()));
        }
        if let Some(h) = entry.author_feed() {
            apply(self.by_author.entry(h.clone()).or_default());
            if self.by_author[&h].is_empty() {
                self.by_author.remove(&h);
            }
            dirty.insert(FeedId::Author(h));
        }
    }

    /// Fills empty orders at once from what [`Sorted`] gathered: far cheaper than one
    /// B-tree insert per entry and feed.
    pub(super) fn fill(&mut self, sorted: Sorted, dirty: &mut BTreeSet<FeedId>) {
        let mut authors: HashMap<String, Vec<Rank>> = HashMap::new();
        for (written, ranks) in sorted.authors {
            authors
                .entry(written.to_ascii_lowercase())
                .or_default()
                .extend(ranks);
        }
        dirty.insert(FeedId::Global);
        self.global = sorted.global.into_iter().collect();
        for (name, ranks) in sorted.categories {
            dirty.insert(FeedId::Category(name.to_string()));
            self.by_category.insert(name, ranks.into_iter().collect());
        }
        for (handle, ranks) in authors {
            dirty.insert(FeedId::Author(handle.clone()));
            self.by_author.insert(handle, ranks.into_iter().collect());
        }
    }

    pub(super) fn clear(&mut self) {
        *self = Orders::default();
    }
}

/// Every entry's rank in each of its feeds, gathered for [`Orders::fill`].
pub(super) struct Sorted {
    global: Vec<Rank>,
    categories: HashMap<&'static str, Vec<Rank>>,
    /// By handle as written: lowercased once per handle, not once per entry.
    authors: HashMap<&'static str, Vec<Rank>>,
}

impl Sorted {
    pub(super) fn with_capacity(count: usize) -> Sorted {
        Sorted {
            global: Vec::with_capacity(count),
            categories: HashMap::new(),
            authors: HashMap::new(),
        }
    }

    pub(super) fn push(&mut self, entry: &Entry) {
        let rank: Rank = (Reverse(entry.published.timestamp()), entry.key.clone());
        for name in entry.categories {
            self.categories.entry(*name).or_default().push(rank.clone());
        }
        if let Some(h) = entry.handle {
            self.authors.entry(h).or_default().push(rank.clone());
        }
        self.global.push(rank);
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
                let lower = self.names.syms.get(written).to_ascii_lowercase();
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
        let orders = &mut self.orders;
        dirty.insert(FeedId::Global);
        orders.global = global;
        let mut oldest = HashMap::new();
        for (name, ranks, date) in categories {
            dirty.insert(FeedId::Category(name.to_string()));
            orders.by_category.insert(name, ranks);
            oldest.insert(name, date);
        }
        for (handle, ranks) in authors {
            dirty.insert(FeedId::Author(handle.clone()));
            orders.by_author.insert(handle, ranks);
        }
        orders.partial = Some(oldest);
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
                rec.categories
            } else {
                union.clear();
                for (_, _, _, s) in occs {
                    if let Some(r) = self.recs.at(*s) {
                        union.extend_from_slice(r.categories);
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
            if let (Some(written), _) = self.recs.written_handle(key, occs, irec) {
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
