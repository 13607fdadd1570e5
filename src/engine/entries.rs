//! Entries (docs/FORMAT.md §2): a digest's records indexed under the entries they
//! mention, and an entry computed from the digests that mention it.

use super::*;

impl Engine {
    /// Names the handles and candidate names of [`records_of`]'s records.
    pub(super) fn prepare(
        &mut self,
        path: PathBuf,
        key: DKey,
        slot: Slot,
        digest: Digest,
        mut items: Vec<ItemRec>,
    ) -> Rec {
        for (item, irec) in digest.items.iter().zip(&mut items) {
            for c in &mut irec.cands {
                c.name = self.syms.intern(c.cand.cut.name(&item.title));
            }
            if let Some(h) = item.link.handle {
                let written = self.syms.intern(h);
                irec.written = Some(written);
                irec.handle = Some(if h.bytes().any(|b| b.is_ascii_uppercase()) {
                    self.syms.intern(&h.to_ascii_lowercase())
                } else {
                    written
                });
            }
        }
        Rec {
            path,
            key,
            slot,
            categories: category_set(digest.categories.iter().map(|c| intern(c)).collect()),
            digest,
            items,
            suffixed: false,
        }
    }

    /// Adds or removes what a digest adds to the evidence and entry indexes. In a full
    /// build ([`Batch::Full`]) every digest is new: nothing needs to be found again later, so
    /// neither flips nor changed keys are recorded, and `readers` is left for later.
    pub(super) fn index(
        &mut self,
        path: &DKey,
        rec: &Rec,
        change: Change,
        batch: Batch,
        flips: &mut Flips<(Sym, Sym)>,
        keys: &mut HashSet<EntryKey>,
    ) {
        if batch == Batch::Update {
            self.index_readers(path, rec, change);
        }
        for (pos, (item, irec)) in rec.digest.items.iter().zip(&rec.items).enumerate() {
            for c in &irec.cands {
                if let (Some(h), Some(id)) = (irec.handle, irec.id) {
                    let pair = (h, c.name);
                    if batch == Batch::Update {
                        flips.touch(&pair, self.repeated(&pair));
                    }
                    let ids = self.pair_ids.entry(pair).or_default();
                    if change == Change::Add {
                        *ids.entry(id).or_insert(0) += 1;
                    } else if let Some(n) = ids.get_mut(&id) {
                        *n -= 1;
                        if *n == 0 {
                            ids.remove(&id);
                        }
                    }
                    if ids.is_empty() {
                        self.pair_ids.remove(&pair);
                    }
                }
            }
            if irec.first {
                let occ = (rec.digest.date.timestamp(), path.clone(), pos, rec.slot);
                let list = self.occ.entry(item.link.key.clone()).or_default();
                if change == Change::Add {
                    list.insert(occ);
                } else {
                    list.remove(&occ);
                }
                if list.as_slice().is_empty() {
                    self.occ.remove(&item.link.key);
                }
                if batch == Batch::Update {
                    keys.insert(item.link.key.clone());
                }
            }
        }
    }

    /// The handle an entry shows, as written: its earliest item's, or, if that item has
    /// none (an `/i/web/` link), the first one named later in corpus order, possibly
    /// later in the same digest. Also whether it is the earliest item's own.
    pub(super) fn written_handle(
        &self,
        key: &EntryKey,
        occs: &[Occ],
        first: &ItemRec,
    ) -> (Option<Sym>, bool) {
        if let Some(h) = first.written {
            return (Some(h), true);
        }
        let handle_from = |slot: Slot, from: usize| {
            self.recs.at(slot).and_then(|r| {
                let items = r.digest.items.get(from..)?;
                items
                    .iter()
                    .zip(r.items.get(from..)?)
                    .filter(|(it, _)| it.link.key == *key)
                    .find_map(|(_, ir)| ir.written)
            })
        };
        (
            occs.iter().find_map(|(_, _, i, s)| handle_from(*s, *i)),
            false,
        )
    }

    pub(super) fn compute_entry(&self, key: &EntryKey) -> Option<Entry> {
        let occs = self.occ.get(key)?.as_slice();
        let (_, _, pos, slot) = occs.first()?;
        let rec = self.recs.at(*slot)?;
        let item = rec.digest.items.get(*pos)?;
        let irec = rec.items.get(*pos)?;
        let cut = irec.cut;
        let (written, from_first) = self.written_handle(key, occs, irec);
        let handle = written.map(|h| self.syms.shared(h));
        let author = handle.as_ref().map(|h| {
            if !from_first {
                return self.display_of(h);
            }
            let configured = irec
                .handle
                .and_then(|lower| self.configured.get(self.syms.get(lower)));
            match (configured, cut) {
                (Some(name), _) => *name,
                (None, Some(cut)) => self.syms.shared(cut.name),
                (None, None) => self.display_of(h),
            }
        });
        let categories = if occs.len() == 1 {
            rec.categories.clone()
        } else {
            let mut union = Vec::new();
            for (_, _, _, s) in occs {
                if let Some(r) = self.recs.at(*s) {
                    union.extend_from_slice(&r.categories);
                }
            }
            category_set(union)
        };
        let title_len = cut.map_or(item.title.len(), |c| c.title_end as usize);
        Some(Entry {
            key: key.clone(),
            title: Prefix::new(item.title.clone(), title_len),
            handle,
            author,
            published: published(rec.digest.date, *pos),
            categories,
            summary_html: item.summary_html.clone(),
        })
    }

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
        for name in &entry.categories {
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

    pub(super) fn place_all(&mut self, keys: HashSet<EntryKey>, dirty: &mut BTreeSet<FeedId>) {
        // Computing an entry only reads the engine: share the work among the cores.
        let keys: Vec<EntryKey> = keys.into_iter().collect();
        let parts: Vec<Vec<Box<Entry>>> = par_chunks(&keys, |part| {
            part.iter()
                .filter_map(|k| self.compute_entry(k).map(Box::new))
                .collect()
        });
        drop(keys);
        let count = parts.iter().map(Vec::len).sum();
        self.entries.reserve(count);
        let mut global = Vec::with_capacity(count);
        let mut categories: HashMap<&'static str, Vec<Rank>> = HashMap::new();
        // By handle as written: lowercased once per handle, not once per entry.
        let mut authors: HashMap<&'static str, Vec<Rank>> = HashMap::new();
        for entry in parts.into_iter().flatten() {
            let key = entry.key.clone();
            let rank: Rank = (Reverse(entry.published.timestamp()), key.clone());
            for name in &entry.categories {
                categories.entry(*name).or_default().push(rank.clone());
            }
            if let Some(h) = entry.handle {
                authors.entry(h).or_default().push(rank.clone());
            }
            global.push(rank);
            self.entries.insert(key, entry);
        }
        let mut lowercase: HashMap<String, Vec<Rank>> = HashMap::new();
        for (written, ranks) in authors {
            lowercase
                .entry(written.to_ascii_lowercase())
                .or_default()
                .extend(ranks);
        }
        let authors = lowercase;
        dirty.insert(FeedId::Global);
        self.global = global.into_iter().collect();
        for (name, ranks) in categories {
            dirty.insert(FeedId::Category(name.to_string()));
            self.by_category.insert(name, ranks.into_iter().collect());
        }
        for (handle, ranks) in authors {
            dirty.insert(FeedId::Author(handle.clone()));
            self.by_author.insert(handle, ranks.into_iter().collect());
        }
    }
}
