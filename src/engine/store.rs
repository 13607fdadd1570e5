//! What the engine keeps of each digest: its records (item by item, the candidate cuts
//! of its titles and the cut chosen), the interned names they use, and the occurrence
//! lists that say which digests mention an entry, in corpus order.

use crate::engine::author::candidates_from_the_end;
use crate::engine::author::name_matches_handle;
use crate::engine::author::Candidate;
use crate::engine::author::Cut;
use crate::model::category_set;
use crate::model::key::EntryKey;
use crate::model::names::intern;
use crate::model::Digest;
use crate::support::par::par_chunks_mut;
use foldhash::HashMap;
use foldhash::HashSet;
use foldhash::HashSetExt;
use std::collections::BTreeMap;
use std::collections::BTreeSet;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::PathBuf;
use std::sync::Arc;

pub(super) type Sym = u32;

/// Names seen in titles and handles, each named by a number; entries refer to the
/// process-wide copy ([`crate::model::names`]).
#[derive(Debug, Default)]
pub(super) struct Interner {
    ids: HashMap<&'static str, Sym>,
    strs: Vec<&'static str>,
}

impl Interner {
    /// The symbol of `s`, if it was interned.
    pub(super) fn lookup(&self, s: &str) -> Option<Sym> {
        self.ids.get(s).copied()
    }

    pub(super) fn intern(&mut self, s: &str) -> Sym {
        if let Some(&id) = self.ids.get(s) {
            return id;
        }
        let id = Sym::try_from(self.strs.len()).unwrap_or(Sym::MAX);
        let stored = intern(s);
        self.strs.push(stored);
        self.ids.insert(stored, id);
        id
    }

    pub(super) fn get(&self, id: Sym) -> &str {
        self.strs.get(id as usize).map_or("", |s| s)
    }

    pub(super) fn shared(&self, id: Sym) -> &'static str {
        self.strs.get(id as usize).copied().unwrap_or("")
    }
}

/// A digest's path as bytes with `/` turned into NUL: comparing these compares paths
/// component by component (as `Path` does, and as the corpus order requires) with one
/// `memcmp`, and they hash fast. Boxed twice, to be one pointer wide: every occurrence
/// of a tweet holds one.
pub(super) type DKey = Arc<Box<[u8]>>;

pub(super) fn dkey(path: &std::path::Path) -> DKey {
    Arc::new(
        path.as_os_str()
            .as_bytes()
            .iter()
            .map(|&b| if b == b'/' { 0 } else { b })
            .collect(),
    )
}

/// The path of a [`dkey`]: no path holds a NUL, so the key gives it back whole. The
/// records keep the key alone, not the path as well.
pub(super) fn path_of(key: &DKey) -> PathBuf {
    let bytes: Vec<u8> = key.iter().map(|&b| if b == 0 { b'/' } else { b }).collect();
    PathBuf::from(std::ffi::OsString::from_vec(bytes))
}

/// Where an item stands in the corpus: its digest's date and path, its position.
/// Dates are Unix seconds here: digest dates are whole seconds, and comparing an integer
/// is far cheaper than comparing two offset date-times.
/// The last field is the digest's slot in [`Recs`], which finds it without its path.
/// 24 bytes: the daemon holds one per tweet and digest.
pub(super) type Occ = (i64, DKey, u32, Slot);

/// An item's position as an [`Occ`] holds it (a digest of 4 billion items would not
/// have been read).
pub(super) fn position(pos: usize) -> u32 {
    u32::try_from(pos).unwrap_or(u32::MAX)
}

/// A digest's place in [`Recs`], its own while it is in the engine.
pub(super) type Slot = u32;

/// The digests, each in a numbered slot that it keeps while it is in the engine.
/// Occurrences name their digest by slot, so that computing an entry finds the digest
/// without hashing and comparing its path.
#[derive(Debug, Default)]
pub(super) struct Recs {
    slots: Vec<Option<Rec>>,
    by_path: HashMap<DKey, Slot>,
    free: Vec<Slot>,
    /// The digests in corpus order (date, then path: the order of [`Occ`]), so that the
    /// oldest uses of a name or category are found from the oldest digests on.
    by_date: BTreeSet<(i64, DKey, Slot)>,
    /// The most items any digest had: an entry's date is at most this many seconds
    /// before its digest's.
    max_items: usize,
    /// How many categories an entry holds at most (config `max_categories`).
    max_categories: usize,
}

impl Recs {
    /// Records whose entries take at most `max_categories` categories each.
    pub(super) fn capped(max_categories: usize) -> Recs {
        Recs {
            max_categories,
            ..Recs::default()
        }
    }

    /// The most items any digest had.
    pub(super) fn max_items(&self) -> usize {
        self.max_items
    }

    /// At most this many categories per entry.
    pub(super) fn max_categories(&self) -> usize {
        self.max_categories
    }

    pub(super) fn len(&self) -> usize {
        self.by_path.len()
    }

    pub(super) fn is_empty(&self) -> bool {
        self.by_path.is_empty()
    }

    pub(super) fn reserve(&mut self, more: usize) {
        self.slots.reserve(more);
        self.by_path.reserve(more);
    }

    pub(super) fn slot_of(&self, path: &DKey) -> Option<Slot> {
        self.by_path.get(path).copied()
    }

    pub(super) fn at(&self, slot: Slot) -> Option<&Rec> {
        self.slots.get(slot as usize)?.as_ref()
    }

    pub(super) fn get_mut(&mut self, path: &DKey) -> Option<&mut Rec> {
        let slot = self.slot_of(path)?;
        self.slots.get_mut(slot as usize)?.as_mut()
    }

    /// A slot for a digest about to be [`Recs::put`] there.
    pub(super) fn claim(&mut self, path: &DKey) -> Slot {
        let slot = self.free.pop().unwrap_or_else(|| {
            self.slots.push(None);
            // Four billion digests would have run out of memory long before.
            Slot::try_from(self.slots.len() - 1).unwrap_or(Slot::MAX)
        });
        self.by_path.insert(path.clone(), slot);
        slot
    }

    pub(super) fn put(&mut self, slot: Slot, rec: Rec) {
        if let Some(place) = self.slots.get_mut(slot as usize) {
            self.by_date
                .insert((rec.digest.date.timestamp(), rec.key.clone(), slot));
            self.max_items = self.max_items.max(rec.items.len());
            *place = Some(rec);
        }
    }

    pub(super) fn remove(&mut self, path: &DKey) -> Option<Rec> {
        let slot = self.by_path.remove(path)?;
        self.free.push(slot);
        let rec = self.slots.get_mut(slot as usize)?.take()?;
        self.by_date
            .remove(&(rec.digest.date.timestamp(), rec.key.clone(), slot));
        Some(rec)
    }

    /// The digests from the oldest on.
    pub(super) fn oldest_first(&self) -> impl Iterator<Item = &Rec> {
        self.by_date
            .iter()
            .filter_map(|(_, _, slot)| self.at(*slot))
    }

    /// [`Recs::newest_first`], each digest with its slot.
    pub(super) fn newest_first_at(&self) -> impl Iterator<Item = (Slot, &Rec)> {
        self.by_date
            .iter()
            .rev()
            .filter_map(|(_, _, slot)| Some((*slot, self.at(*slot)?)))
    }

    /// The digests from the newest on (date, then path, both descending).
    pub(super) fn newest_first(&self) -> impl Iterator<Item = &Rec> {
        self.by_date
            .iter()
            .rev()
            .filter_map(|(_, _, slot)| self.at(*slot))
    }

    pub(super) fn iter(&self) -> impl Iterator<Item = &Rec> {
        self.slots.iter().flatten()
    }

    pub(super) fn into_recs(self) -> impl Iterator<Item = Rec> {
        self.slots.into_iter().flatten()
    }

    /// Runs `f` on every core, each on a part of the digests. Returns what each part gave.
    pub(super) fn on_every_core<R: Send>(
        &mut self,
        f: impl Fn(&mut [Option<Rec>]) -> R + Sync,
    ) -> Vec<R> {
        par_chunks_mut(&mut self.slots, f)
    }

    /// Runs `f` on the digests at `paths`.
    pub(super) fn for_each_at(&mut self, paths: &HashSet<DKey>, mut f: impl FnMut(&mut Rec)) {
        for path in paths {
            if let Some(rec) = self.get_mut(path) {
                f(rec);
            }
        }
    }
}

/// Where an entry's tweet stands, in corpus order, without duplicates. Most tweets are
/// in one digest: that one is kept inline, which saves an allocation and, when an entry
/// is computed, a cache miss.
#[derive(Debug, Default)]
pub(super) enum OccList {
    #[default]
    Empty,
    One(Occ),
    Many(Vec<Occ>),
}

impl OccList {
    pub(super) fn as_slice(&self) -> &[Occ] {
        match self {
            OccList::Empty => &[],
            OccList::One(occ) => std::slice::from_ref(occ),
            OccList::Many(list) => list,
        }
    }

    pub(super) fn insert(&mut self, occ: Occ) {
        match std::mem::take(self) {
            OccList::Empty => *self = OccList::One(occ),
            OccList::One(first) => {
                *self = match first.cmp(&occ) {
                    std::cmp::Ordering::Less => OccList::Many(vec![first, occ]),
                    std::cmp::Ordering::Greater => OccList::Many(vec![occ, first]),
                    std::cmp::Ordering::Equal => OccList::One(first),
                }
            }
            OccList::Many(mut list) => {
                if let Err(at) = list.binary_search(&occ) {
                    list.insert(at, occ);
                }
                *self = OccList::Many(list);
            }
        }
    }

    pub(super) fn remove(&mut self, occ: &Occ) {
        match std::mem::take(self) {
            OccList::Empty => {}
            OccList::One(only) => {
                if only != *occ {
                    *self = OccList::One(only);
                }
            }
            OccList::Many(mut list) => {
                if let Ok(at) = list.binary_search(occ) {
                    list.remove(at);
                }
                *self = match list.len() {
                    0 => OccList::Empty,
                    1 => OccList::One(list.remove(0)),
                    _ => OccList::Many(list),
                };
            }
        }
    }
}

/// A candidate's name before [`Rec::new`] names it.
pub(super) const UNNAMED: Sym = Sym::MAX;

/// A candidate cut, whether its name is the handle's configured name, and whether it
/// looks like the handle. Sixteen bytes: the daemon keeps one per hyphen near the end
/// of every title of the folder.
#[derive(Debug, Clone)]
pub(super) struct Cand {
    pub(super) name: Sym,
    /// Where the title ends and the name starts, as in [`Candidate`].
    pub(super) title_end: u32,
    pub(super) name_start: u32,
    pub(super) spaced: bool,
    pub(super) configured: bool,
    pub(super) fuzzy: bool,
}

impl Cand {
    pub(super) fn candidate(&self) -> Candidate {
        Candidate {
            cut: Cut {
                title_end: self.title_end as usize,
                name_start: self.name_start as usize,
            },
            spaced: self.spaced,
        }
    }
}

/// What the engine keeps of an item besides the item: 24 bytes, one per item of the
/// folder. Absent symbols are [`UNNAMED`] rather than `Option`s, which would take a
/// word each ([`ItemRec::handle`] and the like read them).
#[derive(Debug)]
pub(super) struct ItemRec {
    /// Lowercase handle.
    handle: Sym,
    /// The handle as written.
    written: Sym,
    /// Its candidates, `Rec::cands[start..start + len]`: one allocation per digest,
    /// not one per title.
    pub(super) cands_start: u32,
    pub(super) cands_len: u8,
    /// The first item of its digest with this key (later ones are the same entry).
    pub(super) first: bool,
    /// First-pass cut, an index into `cands` (a title has at most one candidate per
    /// byte of a name's longest, 160), or [`NO_PASS`] ([`ItemRec::pass1`]).
    pass1: u8,
    /// Whether the item's summary was read (in a digest read without summaries, the
    /// summaries of the items some feed shows are read again, item by item).
    pub(super) summary: bool,
    /// Final cut: the name split off and where the title ends. Kept here, not as an
    /// index into `cands`, so that computing an entry reads one record per item.
    cut: FinalCut,
}

/// No first-pass cut: [`ItemRec::pass1`] is `None`.
const NO_PASS: u8 = u8::MAX;

/// No cut: [`ItemRec::cut`] is `None`.
const NO_CUT: FinalCut = FinalCut {
    name: UNNAMED,
    title_end: 0,
};

fn named(sym: Sym) -> Option<Sym> {
    (sym != UNNAMED).then_some(sym)
}

impl ItemRec {
    /// The lowercase handle of the item's link.
    pub(super) fn handle(&self) -> Option<Sym> {
        named(self.handle)
    }

    /// The handle as the link writes it.
    pub(super) fn written(&self) -> Option<Sym> {
        named(self.written)
    }

    pub(super) fn pass1(&self) -> Option<u8> {
        (self.pass1 != NO_PASS).then_some(self.pass1)
    }

    pub(super) fn set_pass1(&mut self, cut: Option<u32>) {
        self.pass1 = cut
            .and_then(|c| u8::try_from(c).ok())
            .filter(|&c| c != NO_PASS)
            .unwrap_or(NO_PASS);
    }

    pub(super) fn cut(&self) -> Option<FinalCut> {
        (self.cut.name != UNNAMED).then_some(self.cut)
    }

    pub(super) fn set_cut(&mut self, cut: Option<FinalCut>) {
        self.cut = cut.unwrap_or(NO_CUT);
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct FinalCut {
    pub(super) name: Sym,
    pub(super) title_end: u32,
}

/// The (lowercase handle, name) of every final cut of a digest, and where it stands.
pub(super) fn names_in(rec: &Rec) -> impl Iterator<Item = (Sym, Sym, Occ)> + '_ {
    let date = rec.digest.date.timestamp();
    rec.items.iter().enumerate().filter_map(move |(pos, irec)| {
        let (h, name) = (irec.handle()?, irec.cut()?.name);
        Some((h, name, (date, rec.key.clone(), position(pos), rec.slot)))
    })
}

/// The candidates of every item of a digest, item after item.
pub(super) fn cands_of<'a>(cands: &'a [Cand], irec: &ItemRec) -> &'a [Cand] {
    let start = irec.cands_start as usize;
    cands
        .get(start..start + usize::from(irec.cands_len))
        .unwrap_or_default()
}

impl Rec {
    /// The candidate cuts of an item of this digest.
    pub(super) fn cands_of(&self, irec: &ItemRec) -> &[Cand] {
        cands_of(&self.cands, irec)
    }

    /// An item's candidate at `index`.
    pub(super) fn cand(&self, irec: &ItemRec, index: Option<u32>) -> Option<&Cand> {
        self.cands_of(irec).get(usize::try_from(index?).ok()?)
    }
}

#[derive(Debug)]
pub(super) struct Rec {
    /// The digest's path, as [`dkey`] gives it ([`Rec::path`]).
    pub(super) key: DKey,
    pub(super) slot: Slot,
    pub(super) digest: Digest,
    /// The digest's categories as entries hold them.
    pub(super) categories: &'static [&'static str],
    pub(super) items: Vec<ItemRec>,
    /// The items' candidate cuts ([`Rec::cands_of`]).
    pub(super) cands: Box<[Cand]>,
    pub(super) suffixed: bool,
}

impl Rec {
    /// A digest's record, from [`records_of`]'s item records, naming their handles and
    /// candidate names.
    pub(super) fn new(
        syms: &mut Interner,
        key: DKey,
        slot: Slot,
        mut digest: Digest,
        (mut items, mut cands): (Vec<ItemRec>, Box<[Cand]>),
    ) -> Rec {
        for (item, irec) in digest.items.iter().zip(&mut items) {
            let start = irec.cands_start as usize;
            let end = start + usize::from(irec.cands_len);
            for c in cands.get_mut(start..end).unwrap_or_default() {
                c.name = syms.intern(c.candidate().cut.name(&item.title));
            }
            if let Some(h) = item.link.handle {
                let written = syms.intern(&h);
                irec.written = written;
                irec.handle = if h.bytes().any(|b| b.is_ascii_uppercase()) {
                    syms.intern(&h.to_ascii_lowercase())
                } else {
                    written
                };
            }
        }
        let categories = category_set(digest.categories.iter().map(|c| intern(c)).collect());
        // The set above is all the engine reads: the names as written, a few strings
        // per digest, are not kept ([`Rec::into_digest`] gives the set back); nor are
        // the notes for `digestfeed check`.
        digest.categories = Vec::new();
        digest.notes = None;
        Rec {
            key,
            slot,
            categories,
            digest,
            items,
            cands,
            suffixed: false,
        }
    }

    /// The digest as the engine took it in, but for the order of its categories.
    pub(super) fn into_digest(self) -> (PathBuf, Digest) {
        let path = self.path();
        let mut digest = self.digest;
        digest.categories = self.categories.iter().map(|c| c.to_string()).collect();
        (path, digest)
    }

    pub(super) fn path(&self) -> PathBuf {
        path_of(&self.key)
    }
}

/// A digest's item records as far as they can be made without the engine: the
/// candidate cuts with how each name fits the handle, and which items are the first of
/// their key; [`Rec::new`] then names the handles and names. Pure, so that it
/// runs on another core than the indexing. What it allocates is kept in the records:
/// freeing on one thread what another allocated costs glibc's allocator a lock, which
/// made the indexing a third slower.
pub(super) fn records_of(
    configured: &BTreeMap<String, &'static str>,
    digest: &Digest,
) -> (Vec<ItemRec>, Box<[Cand]>) {
    // A digest names its few keys once each, mostly: a scan of those seen beats a hash
    // set, up to a size.
    let few = digest.items.len() <= 32;
    let mut seen_few: Vec<&EntryKey> = Vec::new();
    let mut seen: HashSet<&EntryKey> = HashSet::new();
    let mut first = |key| {
        if few {
            let new = !seen_few.contains(&key);
            if new {
                seen_few.push(key);
            }
            new
        } else {
            seen.insert(key)
        }
    };
    // About one candidate an item: the suffixed author.
    let mut all: Vec<Cand> = Vec::with_capacity(digest.items.len());
    let items = digest
        .items
        .iter()
        .map(|item| {
            let lower = item.link.handle.map(|h| {
                if h.bytes().any(|b| b.is_ascii_uppercase()) {
                    std::borrow::Cow::Owned(h.to_ascii_lowercase())
                } else {
                    std::borrow::Cow::Borrowed(h.as_str())
                }
            });
            let configured = lower.as_ref().and_then(|h| configured.get(h.as_ref()));
            let start = all.len();
            candidates_from_the_end(&item.title, |c| {
                let name = c.cut.name(&item.title);
                let (Ok(title_end), Ok(name_start)) = (
                    u32::try_from(c.cut.title_end),
                    u32::try_from(c.cut.name_start),
                ) else {
                    return;
                };
                all.push(Cand {
                    name: UNNAMED,
                    title_end,
                    name_start,
                    spaced: c.spaced,
                    configured: configured.is_some_and(|n| n.eq_ignore_ascii_case(name)),
                    fuzzy: lower.as_ref().is_some_and(|h| name_matches_handle(name, h)),
                });
            });
            all[start..].reverse();
            // At most 160 candidates a title (one per byte of the longest name); a
            // digest of 4 billion of them would not have been read.
            let len = u8::try_from(all.len() - start).unwrap_or(u8::MAX);
            all.truncate(start + usize::from(len));
            ItemRec {
                handle: UNNAMED,
                written: UNNAMED,
                cands_start: u32::try_from(start).unwrap_or(u32::MAX),
                cands_len: len,
                first: first(&item.link.key),
                pass1: NO_PASS,
                summary: false,
                cut: NO_CUT,
            }
        })
        .collect();
    (items, all.into_boxed_slice())
}
