//! Entries (docs/FORMAT.md §2): where each entry's tweet stands among the digests, and
//! an entry computed from the digests that mention it.

use super::order::published;
use super::store::{position, ItemRec, Occ, OccList, Rec, Recs, Slot, Sym};
use super::{Batch, Change, Engine};
use crate::model::category_set;
use crate::model::key::EntryKey;
use crate::model::Entry;
use foldhash::HashMap;
use foldhash::HashSet;

/// Where each entry's tweet stands, in corpus order: a sorted list, since a tweet is in
/// a handful of digests (a `BTreeSet` node would cost ten times the memory).
#[derive(Debug, Default)]
pub(super) struct Occurrences(HashMap<EntryKey, OccList>);

impl Occurrences {
    pub(super) fn len(&self) -> usize {
        self.0.len()
    }

    pub(super) fn get(&self, key: &EntryKey) -> Option<&[Occ]> {
        self.0.get(key).map(OccList::as_slice)
    }

    /// The earliest item that mentions an entry: its digest's slot and its position.
    pub(super) fn earliest(&self, key: &EntryKey) -> Option<(Slot, usize)> {
        self.get(key)?
            .first()
            .map(|(_, _, pos, slot)| (*slot, *pos as usize))
    }

    pub(super) fn iter(&self) -> impl Iterator<Item = (&EntryKey, &OccList)> {
        self.0.iter()
    }

    /// Adds or removes a digest's items (recording the keys they touch unless in a full
    /// build, where every entry is computed anyway).
    pub(super) fn index(
        &mut self,
        rec: &Rec,
        change: Change,
        batch: Batch,
        keys: &mut HashSet<EntryKey>,
    ) {
        let date = rec.digest.date.timestamp();
        for (pos, (item, irec)) in rec.digest.items.iter().zip(&rec.items).enumerate() {
            if !irec.first {
                continue;
            }
            let occ = (date, rec.key.clone(), position(pos), rec.slot);
            let list = self.0.entry(item.link.key.clone()).or_default();
            if change == Change::Add {
                list.insert(occ);
            } else {
                list.remove(&occ);
            }
            if list.as_slice().is_empty() {
                self.0.remove(&item.link.key);
            }
            if batch == Batch::Update {
                keys.insert(item.link.key.clone());
            }
        }
    }
}

impl Recs {
    /// The handle an entry shows, as written: its earliest item's, or, if that item has
    /// none (an `/i/web/` link), the first one named later in corpus order, possibly
    /// later in the same digest. Also whether it is the earliest item's own.
    pub(super) fn written_handle(
        &self,
        key: &EntryKey,
        occs: &[Occ],
        first: &ItemRec,
    ) -> (Option<Sym>, bool) {
        if let Some(h) = first.written() {
            return (Some(h), true);
        }
        let handle_from = |slot: Slot, from: usize| {
            self.at(slot).and_then(|r| {
                let items = r.digest.items.get(from..)?;
                items
                    .iter()
                    .zip(r.items.get(from..)?)
                    .filter(|(it, _)| it.link.key == *key)
                    .find_map(|(_, ir)| ir.written())
            })
        };
        (
            occs.iter()
                .find_map(|(_, _, i, s)| handle_from(*s, *i as usize)),
            false,
        )
    }

    /// The union of the categories of the digests at `occs`, at most `max_categories`
    /// of them (docs/FORMAT.md §2).
    pub(super) fn categories_of(&self, occs: &[Occ]) -> &'static [&'static str] {
        match occs {
            [(_, _, _, slot)] if self.at(*slot).is_some_and(|r| self.within_cap(r)) => {
                self.at(*slot).map_or(&[], |r| r.categories)
            }
            _ => {
                let mut union = Vec::new();
                self.capped_union(occs, &mut union);
                category_set(union)
            }
        }
    }

    /// Whether a digest's own categories are within `max_categories` (the parse's rules
    /// see to it, but the engine does not rely on them), so they serve as they are.
    pub(super) fn within_cap(&self, rec: &Rec) -> bool {
        rec.categories.len() <= self.max_categories()
    }

    /// Into `union` (emptied first), the categories of the digests at `occs`, those of
    /// the earliest digests first, each digest's by name, until `max_categories`: an
    /// entry named by a thousand digests with new categories each would otherwise be in
    /// a thousand feeds, each listing a thousand categories. Unsorted.
    pub(super) fn capped_union(&self, occs: &[Occ], union: &mut Vec<&'static str>) {
        union.clear();
        for (_, _, _, s) in occs {
            let Some(r) = self.at(*s) else {
                continue;
            };
            // A digest's own set is sorted by name (`category_set`).
            for name in r.categories {
                if union.len() >= self.max_categories() {
                    return;
                }
                if !union.contains(name) {
                    union.push(name);
                }
            }
        }
    }
}

impl Engine {
    pub(super) fn compute_entry(&self, key: &EntryKey) -> Option<Entry> {
        let occs = self.occ.get(key)?;
        let (_, _, pos, slot) = occs.first()?;
        let pos = &(*pos as usize);
        let rec = self.recs.at(*slot)?;
        let item = rec.digest.items.get(*pos)?;
        let irec = rec.items.get(*pos)?;
        let cut = irec.cut();
        let (written, from_first) = self.recs.written_handle(key, occs, irec);
        let names = &self.names;
        let handle = written.map(|h| names.syms().shared(h));
        let author = handle.as_ref().map(|h| {
            if !from_first {
                return names.display_of(h);
            }
            let configured = irec
                .handle()
                .and_then(|lower| names.configured().get(names.syms().get(lower)));
            match (configured, cut) {
                (Some(name), _) => *name,
                (None, Some(cut)) => names.syms().shared(cut.name),
                (None, None) => names.display_of(h),
            }
        });
        let title_len = cut.map_or(item.title.len(), |c| c.title_end as usize);
        Some(Entry {
            key: key.clone(),
            title: item.title.prefix(title_len),
            handle,
            author,
            published: published(rec.digest.date, *pos),
            categories: self.recs.categories_of(occs),
            summary_html: item.summary_html.clone(),
            updated: None,
        })
    }
}
