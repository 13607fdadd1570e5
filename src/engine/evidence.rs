//! Evidence for authors (docs/FORMAT.md §1): which names each handle is known by,
//! counted across the corpus, the two passes that decide every title's cut, and display
//! names.

use super::store::{names_in, DKey, Interner, Occ, Rec, Recs, Slot, Sym};
use super::{Batch, Change, Flips};
use crate::engine::author::vote;
use crate::engine::author::Candidate;
use crate::engine::author::CONFIGURED;
use crate::engine::author::HANDLE;
use crate::engine::author::REPEATED;
use crate::model::key::EntryKey;
use crate::model::names::intern;
use foldhash::HashMap;
use foldhash::HashSet;
use std::cmp::Reverse;
use std::collections::BTreeMap;

/// The evidence of every digest's titles, counted so that a change finds what it
/// flips.
#[derive(Debug, Default)]
pub(super) struct Evidence {
    /// Distinct tweets (with their number of mentions) of a handle whose titles can end in a name.
    pair_ids: HashMap<(Sym, Sym), HashMap<u64, u32>>,
    /// Digests with an item whose title can end in a name, by handle (`None`: no handle).
    /// Only updates consult it: a full build leaves it for [`Evidence::index_readers`].
    /// By slot: a quarter of the memory of their paths.
    readers: HashMap<(Option<Sym>, Sym), HashSet<Slot>>,
    /// Whether `readers` covers every digest.
    readers_stale: bool,
    /// First-pass cuts per (handle, name), and per name.
    known: HashMap<(Sym, Sym), u32>,
    known_any: HashMap<Sym, u32>,
    /// Final cuts per handle and name: how many, and the earliest.
    names_of: HashMap<Sym, HashMap<Sym, NameUses>>,
}

/// How often a handle's name is split off, and where first: all a display name needs
/// (every place of every name was 15 MB at 50,000 digests). The earliest is `None`
/// when the item that held it left, until [`Evidence::settle`] finds the next one in
/// the digests that consult the name: only an edit of an author's oldest digests
/// needs that.
#[derive(Debug, Clone, Default)]
pub(super) struct NameUses {
    pub(super) count: u32,
    pub(super) earliest: Option<Occ>,
}

impl NameUses {
    /// The uses at `occs`.
    pub(super) fn of(occs: Vec<Occ>) -> NameUses {
        NameUses {
            count: u32::try_from(occs.len()).unwrap_or(u32::MAX),
            earliest: occs.into_iter().min(),
        }
    }
}

/// The names the engine knows and shows: every name interned, the configured ones,
/// and each handle's display name.
#[derive(Debug, Default)]
pub(super) struct Names {
    /// Lowercase handle → configured display name.
    configured: BTreeMap<String, &'static str>,
    syms: Interner,
    /// Lowercase handle → display name from the titles (the configured name wins over it).
    display: HashMap<Sym, Sym>,
}

impl Names {
    /// Names with these configured display names, by lowercase handle.
    pub(super) fn configured_as(configured: BTreeMap<String, &'static str>) -> Names {
        Names {
            configured,
            ..Names::default()
        }
    }

    /// The names handles and categories are stored under.
    pub(super) fn syms(&self) -> &Interner {
        &self.syms
    }

    /// The configured names to read while the interner takes new names, in one
    /// batch.
    pub(super) fn configured_and_syms(
        &mut self,
    ) -> (&BTreeMap<String, &'static str>, &mut Interner) {
        (&self.configured, &mut self.syms)
    }

    /// The configured display names, by lowercase handle.
    pub(super) fn configured(&self) -> &BTreeMap<String, &'static str> {
        &self.configured
    }

    /// Sets the display name of handle `h` (none: the handle itself); whether it
    /// changed.
    pub(super) fn set_display(&mut self, h: Sym, name: Option<Sym>) -> bool {
        if name.as_ref() == self.display.get(&h) {
            return false;
        }
        match name {
            Some(name) => self.display.insert(h, name),
            None => self.display.remove(&h),
        };
        true
    }

    /// The display name for a handle as written.
    pub(super) fn display_of(&self, written: &str) -> &'static str {
        let lower = written.to_ascii_lowercase();
        if let Some(name) = self.configured.get(&lower) {
            return name;
        }
        self.syms
            .lookup(&lower)
            .and_then(|h| self.display.get(&h))
            .map_or_else(|| intern(written), |&name| self.syms.shared(name))
    }
}

impl Evidence {
    /// Whether which digests consult which names is out of date (a full build leaves
    /// it for the first update).
    pub(super) fn readers_stale(&self) -> bool {
        self.readers_stale
    }

    pub(super) fn set_readers_stale(&mut self, stale: bool) {
        self.readers_stale = stale;
    }

    /// Records that `name` is split off handle `h`'s tweets at `occs`.
    pub(super) fn set_name_uses(&mut self, h: Sym, name: Sym, occs: Vec<Occ>) {
        self.names_of
            .entry(h)
            .or_default()
            .insert(name, NameUses::of(occs));
    }

    pub(super) fn repeated(&self, pair: &(Sym, Sym)) -> bool {
        self.pair_ids.get(pair).is_some_and(|ids| ids.len() >= 2)
    }

    pub(super) fn known_now(&self, pair: &(Sym, Sym)) -> bool {
        self.known.get(pair).is_some_and(|&n| n > 0)
    }

    pub(super) fn known_any_now(&self, name: &Sym) -> bool {
        self.known_any.get(name).is_some_and(|&n| n > 0)
    }

    /// Adds or removes a digest's first-pass cuts from the known names (recording
    /// flips unless in a full build).
    pub(super) fn count_known(
        &mut self,
        rec: &Rec,
        change: Change,
        batch: Batch,
        flips: &mut Flips<(Sym, Sym)>,
        any: &mut Flips<Sym>,
    ) {
        for irec in &rec.items {
            let (Some(h), Some(name)) = (
                irec.handle(),
                rec.cand(irec, irec.pass1().map(u32::from)).map(|c| c.name),
            ) else {
                continue;
            };
            let pair = (h, name);
            if batch == Batch::Update {
                flips.touch(&pair, self.known_now(&pair));
                any.touch(&name, self.known_any_now(&name));
            }
            let n = self.known.entry(pair).or_insert(0);
            let m = self.known_any.entry(name).or_insert(0);
            if change == Change::Add {
                *n += 1;
                *m += 1;
            } else {
                *n = n.saturating_sub(1);
                *m = m.saturating_sub(1);
            }
            if self.known[&pair] == 0 {
                self.known.remove(&pair);
            }
            if self.known_any[&name] == 0 {
                self.known_any.remove(&name);
            }
        }
    }

    /// Adds or removes a digest's final cuts from the display-name counts (one by one;
    /// a full build gathers [`names_in`] every digest and sorts them instead).
    pub(super) fn count_names(&mut self, rec: &Rec, change: Change, handles: &mut HashSet<Sym>) {
        for (h, name, occ) in names_in(rec) {
            handles.insert(h);
            let names = self.names_of.entry(h).or_default();
            if change == Change::Add {
                let uses = names.entry(name).or_default();
                if uses.count == 0 || uses.earliest.as_ref().is_some_and(|e| occ < *e) {
                    uses.earliest = Some(occ);
                }
                uses.count += 1;
            } else if let Some(uses) = names.get_mut(&name) {
                uses.count = uses.count.saturating_sub(1);
                if uses.count == 0 {
                    names.remove(&name);
                } else if uses.earliest.as_ref() == Some(&occ) {
                    uses.earliest = None;
                }
            }
            if names.is_empty() {
                self.names_of.remove(&h);
            }
        }
    }

    pub(super) fn first_pass(&self, rec: &Rec) -> (bool, Vec<Option<u32>>) {
        let ranked: Vec<(bool, Vec<(u8, Candidate)>)> = rec
            .items
            .iter()
            .map(|irec| match irec.handle() {
                Some(h) => (
                    true,
                    rec.cands_of(irec)
                        .iter()
                        .map(|c| {
                            let rank = if c.configured {
                                CONFIGURED
                            } else if self.repeated(&(h, c.name)) {
                                REPEATED
                            } else if c.fuzzy {
                                HANDLE
                            } else {
                                0
                            };
                            (rank, c.candidate())
                        })
                        .collect(),
                ),
                None => (false, Vec::new()),
            })
            .collect();
        let (suffixed, picked) = vote(&ranked);
        let cuts = picked
            .iter()
            .zip(&rec.items)
            .map(|(pick, irec)| {
                pick.and_then(|p| rec.cands_of(irec).iter().position(|c| c.candidate() == p))
                    .and_then(|i| u32::try_from(i).ok())
            })
            .collect();
        (suffixed, cuts)
    }

    pub(super) fn second_pass(&self, rec: &Rec) -> Vec<Option<u32>> {
        rec.items
            .iter()
            .map(|irec| {
                if let Some(cut) = irec.pass1() {
                    return Some(u32::from(cut));
                }
                let found = match irec.handle() {
                    Some(_) if rec.suffixed => None,
                    Some(h) => rec
                        .cands_of(irec)
                        .iter()
                        .rposition(|c| self.known_now(&(h, c.name))),
                    None if rec.suffixed => rec
                        .cands_of(irec)
                        .iter()
                        .rposition(|c| self.known_any_now(&c.name)),
                    None => None,
                };
                found.and_then(|i| u32::try_from(i).ok())
            })
            .collect()
    }

    /// Finds the earliest use of each of a handle's names whose earliest left, from the
    /// oldest digest on: usually the next digest of the author.
    pub(super) fn settle(&mut self, h: Sym, recs: &Recs) {
        let Some(names) = self.names_of.get_mut(&h) else {
            return;
        };
        for (name, uses) in names.iter_mut() {
            if uses.earliest.is_some() {
                continue;
            }
            // Digests in corpus order, and a digest's uses by position: the first found
            // is the earliest.
            uses.earliest = recs.oldest_first().find_map(|rec| {
                names_in(rec)
                    .find(|(hh, nn, _)| *hh == h && nn == name)
                    .map(|(_, _, occ)| occ)
            });
        }
    }

    pub(super) fn compute_display(&self, h: Sym) -> Option<Sym> {
        let names = self.names_of.get(&h)?;
        names
            .iter()
            .filter_map(|(name, uses)| Some((uses.count, Reverse(uses.earliest.as_ref()?), *name)))
            .max()
            .map(|(_, _, name)| name)
    }

    /// Adds or removes what a digest adds to the evidence. In a full build
    /// ([`Batch::Full`]) every digest is new: nothing needs to be found again later, so
    /// no flips are recorded, and `readers` is left for later.
    pub(super) fn index(
        &mut self,
        rec: &Rec,
        change: Change,
        batch: Batch,
        flips: &mut Flips<(Sym, Sym)>,
    ) {
        if batch == Batch::Update {
            self.index_readers(rec, change);
        }
        for (irec, item) in rec.items.iter().zip(&rec.digest.items) {
            let (Some(h), EntryKey::Tweet(id)) = (irec.handle(), &item.link.key) else {
                continue;
            };
            let id = *id;
            for c in rec.cands_of(irec) {
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
    }

    /// Adds or removes a digest in `readers`.
    pub(super) fn index_readers(&mut self, rec: &Rec, change: Change) {
        for irec in &rec.items {
            for c in rec.cands_of(irec) {
                let reader = (irec.handle(), c.name);
                if change == Change::Add {
                    self.readers.entry(reader).or_default().insert(rec.slot);
                } else if let Some(set) = self.readers.get_mut(&reader) {
                    set.remove(&rec.slot);
                    if set.is_empty() {
                        self.readers.remove(&reader);
                    }
                }
            }
        }
    }

    /// The digests that consult a (handle, name) pair, or a name without a handle.
    pub(super) fn readers_of<'a>(
        &'a self,
        recs: &'a Recs,
        reader: (Option<Sym>, Sym),
    ) -> impl Iterator<Item = DKey> + 'a {
        let slots = self.readers.get(&reader).into_iter().flatten();
        slots.filter_map(|slot| recs.at(*slot).map(|rec| rec.key.clone()))
    }
}
