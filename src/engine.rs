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
use crate::model::{category_set, Digest, Entry, Prefix};
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

type Sym = u32;

/// Names seen in titles and handles, each named by a number; entries refer to the
/// process-wide copy ([`crate::names`]).
#[derive(Debug, Default)]
struct Interner {
    ids: HashMap<&'static str, Sym>,
    strs: Vec<&'static str>,
}

impl Interner {
    fn intern(&mut self, s: &str) -> Sym {
        if let Some(&id) = self.ids.get(s) {
            return id;
        }
        let id = Sym::try_from(self.strs.len()).unwrap_or(Sym::MAX);
        let stored = intern(s);
        self.strs.push(stored);
        self.ids.insert(stored, id);
        id
    }

    fn get(&self, id: Sym) -> &str {
        self.strs.get(id as usize).map_or("", |s| s)
    }

    fn shared(&self, id: Sym) -> &'static str {
        self.strs.get(id as usize).copied().unwrap_or("")
    }
}

/// A digest's path as bytes with `/` turned into NUL: comparing these compares paths
/// component by component (as `Path` does, and as the corpus order requires) with one
/// `memcmp`, and they hash fast.
type DKey = Arc<[u8]>;

fn dkey(path: &std::path::Path) -> DKey {
    path.as_os_str()
        .as_bytes()
        .iter()
        .map(|&b| if b == b'/' { 0 } else { b })
        .collect()
}

/// Where an item stands in the corpus: its digest's date and path, its position.
/// Dates are Unix seconds here: digest dates are whole seconds, and comparing an integer
/// is far cheaper than comparing two offset date-times.
/// The last field is the digest's slot in [`Recs`], which finds it without its path.
type Occ = (i64, DKey, usize, Slot);

/// A digest's place in [`Recs`], its own while it is in the engine.
type Slot = u32;

/// The digests, each in a numbered slot that it keeps while it is in the engine.
/// Occurrences name their digest by slot, so that computing an entry finds the digest
/// without hashing and comparing its path.
#[derive(Debug, Default)]
struct Recs {
    slots: Vec<Option<Rec>>,
    by_path: HashMap<DKey, Slot>,
    free: Vec<Slot>,
}

impl Recs {
    fn len(&self) -> usize {
        self.by_path.len()
    }

    fn is_empty(&self) -> bool {
        self.by_path.is_empty()
    }

    fn reserve(&mut self, more: usize) {
        self.slots.reserve(more);
        self.by_path.reserve(more);
    }

    fn slot_of(&self, path: &DKey) -> Option<Slot> {
        self.by_path.get(path).copied()
    }

    fn at(&self, slot: Slot) -> Option<&Rec> {
        self.slots.get(slot as usize)?.as_ref()
    }

    fn get_mut(&mut self, path: &DKey) -> Option<&mut Rec> {
        let slot = self.slot_of(path)?;
        self.slots.get_mut(slot as usize)?.as_mut()
    }

    /// A slot for a digest about to be [`Recs::put`] there.
    fn claim(&mut self, path: &DKey) -> Slot {
        let slot = self.free.pop().unwrap_or_else(|| {
            self.slots.push(None);
            // Four billion digests would have run out of memory long before.
            Slot::try_from(self.slots.len() - 1).unwrap_or(Slot::MAX)
        });
        self.by_path.insert(path.clone(), slot);
        slot
    }

    fn put(&mut self, slot: Slot, rec: Rec) {
        if let Some(place) = self.slots.get_mut(slot as usize) {
            *place = Some(rec);
        }
    }

    fn remove(&mut self, path: &DKey) -> Option<Rec> {
        let slot = self.by_path.remove(path)?;
        self.free.push(slot);
        self.slots.get_mut(slot as usize)?.take()
    }

    fn iter(&self) -> impl Iterator<Item = &Rec> {
        self.slots.iter().flatten()
    }

    fn into_recs(self) -> impl Iterator<Item = Rec> {
        self.slots.into_iter().flatten()
    }
}

/// Where an entry's tweet stands, in corpus order, without duplicates. Most tweets are
/// in one digest: that one is kept inline, which saves an allocation and, when an entry
/// is computed, a cache miss.
#[derive(Debug, Default)]
enum OccList {
    #[default]
    Empty,
    One(Occ),
    Many(Vec<Occ>),
}

impl OccList {
    fn as_slice(&self) -> &[Occ] {
        match self {
            OccList::Empty => &[],
            OccList::One(occ) => std::slice::from_ref(occ),
            OccList::Many(list) => list,
        }
    }

    fn insert(&mut self, occ: Occ) {
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

    fn remove(&mut self, occ: &Occ) {
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

/// A feed's order: newest first, then by key.
type Rank = (Reverse<i64>, EntryKey);

/// An entry's date: its earliest digest's, less a second per item above it in that
/// digest (docs/FORMAT.md §2).
fn published(date: DateTime<FixedOffset>, pos: usize) -> DateTime<FixedOffset> {
    let offset = Duration::seconds(i64::try_from(pos).unwrap_or(i64::MAX));
    date.checked_sub_signed(offset).unwrap_or(date)
}

/// The first ranks of one feed, found without sorting the rest: ranks are gathered,
/// and whenever there are about twice as many as wanted, the first `max` are kept and
/// anything that ranks after them is turned away from then on.
struct Top<'a> {
    max: usize,
    ranks: Vec<(Reverse<i64>, &'a EntryKey)>,
    /// The first rank that no longer makes it, once there is one.
    bound: Option<(Reverse<i64>, &'a EntryKey)>,
}

impl<'a> Top<'a> {
    fn new(max: usize) -> Top<'a> {
        Top {
            max,
            ranks: Vec::new(),
            bound: None,
        }
    }

    fn push(&mut self, rank: (Reverse<i64>, &'a EntryKey)) {
        if self.bound.is_some_and(|bound| rank >= bound) {
            return;
        }
        self.ranks.push(rank);
        if self.ranks.len() >= self.max.saturating_mul(2).saturating_add(16) {
            self.trim();
        }
    }

    fn trim(&mut self) {
        if self.ranks.len() > self.max {
            let (_, bound, _) = self.ranks.select_nth_unstable(self.max);
            self.bound = Some(*bound);
            self.ranks.truncate(self.max);
        }
    }

    fn merge(&mut self, other: Top<'a>) {
        for rank in other.ranks {
            self.push(rank);
        }
        self.trim();
    }
}

/// The first ranks of every feed, as [`Engine::place_shown`] gathers them: the
/// categories with their oldest entry dates, the authors by handle as written.
struct Tops<'a> {
    max: usize,
    global: Top<'a>,
    categories: HashMap<&'static str, (Top<'a>, i64)>,
    authors: HashMap<Sym, Top<'a>>,
}

impl<'a> Tops<'a> {
    fn new(max: usize) -> Tops<'a> {
        Tops {
            max,
            global: Top::new(max),
            categories: HashMap::new(),
            authors: HashMap::new(),
        }
    }

    fn merge(&mut self, other: Tops<'a>) {
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

/// A candidate's name before [`Engine::prepare`] names it.
const UNNAMED: Sym = Sym::MAX;

/// A candidate cut, whether its name is the handle's configured name, and whether it
/// looks like the handle.
#[derive(Debug, Clone)]
struct Cand {
    name: Sym,
    cand: Candidate,
    configured: bool,
    fuzzy: bool,
}

#[derive(Debug)]
struct ItemRec {
    /// Lowercase handle.
    handle: Option<Sym>,
    /// The handle as written.
    written: Option<Sym>,
    id: Option<u64>,
    cands: Vec<Cand>,
    /// The first item of its digest with this key (later ones are the same entry).
    first: bool,
    /// First-pass cut, an index into `cands`.
    pass1: Option<u32>,
    /// Final cut: the name split off and where the title ends. Kept here, not as an
    /// index into `cands`, so that computing an entry reads one record per item.
    cut: Option<FinalCut>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct FinalCut {
    name: Sym,
    title_end: u32,
}

/// The (lowercase handle, name) of every final cut of a digest, and where it stands.
fn names_in(rec: &Rec) -> impl Iterator<Item = (Sym, Sym, Occ)> + '_ {
    let date = rec.digest.date.timestamp();
    rec.items.iter().enumerate().filter_map(move |(pos, irec)| {
        let (h, name) = (irec.handle?, irec.cut?.name);
        Some((h, name, (date, rec.key.clone(), pos, rec.slot)))
    })
}

impl ItemRec {
    fn cand(&self, index: Option<u32>) -> Option<&Cand> {
        self.cands.get(usize::try_from(index?).ok()?)
    }
}

#[derive(Debug)]
struct Rec {
    path: PathBuf,
    key: DKey,
    slot: Slot,
    digest: Digest,
    /// The digest's categories as entries hold them.
    categories: Box<[&'static str]>,
    items: Vec<ItemRec>,
    suffixed: bool,
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

/// A digest's item records as far as they can be made without the engine: the
/// candidate cuts with how each name fits the handle, and which items are the first of
/// their key; [`Engine::prepare`] then names the handles and names. Pure, so that it
/// runs on another core than the indexing. What it allocates is kept in the records:
/// freeing on one thread what another allocated costs glibc's allocator a lock, which
/// made the indexing a third slower.
fn records_of(configured: &BTreeMap<String, &'static str>, digest: &Digest) -> Vec<ItemRec> {
    let mut seen: HashSet<&EntryKey> = HashSet::new();
    digest
        .items
        .iter()
        .map(|item| {
            let lower = item.link.handle.map(|h| h.to_ascii_lowercase());
            let configured = lower.as_ref().and_then(|h| configured.get(h));
            let cands = candidates(&item.title)
                .into_iter()
                .map(|c| {
                    let name = c.cut.name(&item.title);
                    Cand {
                        name: UNNAMED,
                        cand: c,
                        configured: configured.is_some_and(|n| n.eq_ignore_ascii_case(name)),
                        fuzzy: lower.as_ref().is_some_and(|h| name_matches_handle(name, h)),
                    }
                })
                .collect();
            ItemRec {
                handle: None,
                written: None,
                id: match item.link.key {
                    EntryKey::Tweet(id) => Some(id),
                    EntryKey::Url(_) => None,
                },
                cands,
                first: seen.insert(&item.link.key),
                pass1: None,
                cut: None,
            }
        })
        .collect()
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

    /// Names the handles and candidate names of [`records_of`]'s records.
    fn prepare(
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

    fn repeated(&self, pair: &(Sym, Sym)) -> bool {
        self.pair_ids.get(pair).is_some_and(|ids| ids.len() >= 2)
    }

    fn known_now(&self, pair: &(Sym, Sym)) -> bool {
        self.known.get(pair).is_some_and(|&n| n > 0)
    }

    fn known_any_now(&self, name: &Sym) -> bool {
        self.known_any.get(name).is_some_and(|&n| n > 0)
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

    /// Adds or removes a digest in `readers`.
    fn index_readers(&mut self, path: &DKey, rec: &Rec, add: bool) {
        for irec in &rec.items {
            for c in &irec.cands {
                let reader = (irec.handle, c.name);
                if add {
                    self.readers.entry(reader).or_default().insert(path.clone());
                } else if let Some(set) = self.readers.get_mut(&reader) {
                    set.remove(path);
                    if set.is_empty() {
                        self.readers.remove(&reader);
                    }
                }
            }
        }
    }

    /// Builds what only updates need, if a full build left it out. The daemon calls it
    /// after every batch it applies (a no-op but after a full build), before it reports
    /// ready, so that the first change it sees is quick; [`Engine::apply`] calls it too,
    /// before an update, in case nobody did. `--once` never needs it.
    pub fn prepare_for_updates(&mut self) {
        if self.partial.take().is_some() {
            self.entries.clear();
            self.global.clear();
            self.by_category.clear();
            self.by_author.clear();
            let keys = self.occ.keys().cloned().collect();
            // Every feed was rendered from the shown entries, which stay the same.
            self.place_all(keys, &mut BTreeSet::new());
        }
        if self.readers_stale {
            let recs = std::mem::take(&mut self.recs);
            for rec in recs.iter() {
                self.index_readers(&rec.key, rec, true);
            }
            self.recs = recs;
            self.readers_stale = false;
        }
    }

    /// Adds or removes what a digest adds to the evidence and entry indexes. In a full
    /// build (`full`) every digest is new: nothing needs to be found again later, so
    /// neither flips nor changed keys are recorded, and `readers` is left for later.
    fn index(
        &mut self,
        path: &DKey,
        rec: &Rec,
        add: bool,
        full: bool,
        flips: &mut Flips<(Sym, Sym)>,
        keys: &mut HashSet<EntryKey>,
    ) {
        if !full {
            self.index_readers(path, rec, add);
        }
        for (pos, (item, irec)) in rec.digest.items.iter().zip(&rec.items).enumerate() {
            for c in &irec.cands {
                if let (Some(h), Some(id)) = (irec.handle, irec.id) {
                    let pair = (h, c.name);
                    if !full {
                        flips.touch(&pair, self.repeated(&pair));
                    }
                    let ids = self.pair_ids.entry(pair).or_default();
                    if add {
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
                if add {
                    list.insert(occ);
                } else {
                    list.remove(&occ);
                }
                if list.as_slice().is_empty() {
                    self.occ.remove(&item.link.key);
                }
                if !full {
                    keys.insert(item.link.key.clone());
                }
            }
        }
    }

    /// Adds or removes a digest's first-pass cuts from the known names (recording
    /// flips unless in a full build).
    fn count_known(
        &mut self,
        rec: &Rec,
        add: bool,
        full: bool,
        flips: &mut Flips<(Sym, Sym)>,
        any: &mut Flips<Sym>,
    ) {
        for irec in &rec.items {
            let (Some(h), Some(name)) = (irec.handle, irec.cand(irec.pass1).map(|c| c.name)) else {
                continue;
            };
            let pair = (h, name);
            if !full {
                flips.touch(&pair, self.known_now(&pair));
                any.touch(&name, self.known_any_now(&name));
            }
            let n = self.known.entry(pair).or_insert(0);
            let m = self.known_any.entry(name).or_insert(0);
            if add {
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
    fn count_names(&mut self, rec: &Rec, add: bool, handles: &mut HashSet<Sym>) {
        for (h, name, occ) in names_in(rec) {
            handles.insert(h);
            let names = self.names_of.entry(h).or_default();
            if add {
                names.entry(name).or_default().insert(occ);
            } else if let Some(set) = names.get_mut(&name) {
                set.remove(&occ);
                if set.is_empty() {
                    names.remove(&name);
                }
            }
            if names.is_empty() {
                self.names_of.remove(&h);
            }
        }
    }

    fn first_pass(&self, rec: &Rec) -> (bool, Vec<Option<u32>>) {
        let ranked: Vec<(bool, Vec<(u8, Candidate)>)> = rec
            .items
            .iter()
            .map(|irec| match irec.handle {
                Some(h) => (
                    true,
                    irec.cands
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
                            (rank, c.cand)
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
                pick.and_then(|p| irec.cands.iter().position(|c| c.cand == p))
                    .and_then(|i| u32::try_from(i).ok())
            })
            .collect();
        (suffixed, cuts)
    }

    fn second_pass(&self, rec: &Rec) -> Vec<Option<u32>> {
        rec.items
            .iter()
            .map(|irec| {
                if irec.pass1.is_some() {
                    return irec.pass1;
                }
                let found = match irec.handle {
                    Some(_) if rec.suffixed => None,
                    Some(h) => irec
                        .cands
                        .iter()
                        .rposition(|c| self.known_now(&(h, c.name))),
                    None if rec.suffixed => {
                        irec.cands.iter().rposition(|c| self.known_any_now(&c.name))
                    }
                    None => None,
                };
                found.and_then(|i| u32::try_from(i).ok())
            })
            .collect()
    }

    fn compute_display(&self, h: Sym) -> Option<Sym> {
        let names = self.names_of.get(&h)?;
        names
            .iter()
            .filter_map(|(name, occs)| Some((occs.len(), Reverse(occs.first()?), *name)))
            .max()
            .map(|(_, _, name)| name)
    }

    /// The display name for a handle as written.
    fn display_of(&self, written: &str) -> &'static str {
        let lower = written.to_ascii_lowercase();
        if let Some(name) = self.configured.get(&lower) {
            return name;
        }
        self.syms
            .ids
            .get(lower.as_str())
            .and_then(|h| self.display.get(h))
            .map_or_else(|| intern(written), |&name| self.syms.shared(name))
    }

    /// The handle an entry shows, as written: its earliest item's, or, if that item has
    /// none (an `/i/web/` link), the first one named later in corpus order, possibly
    /// later in the same digest. Also whether it is the earliest item's own.
    fn written_handle(&self, key: &EntryKey, occs: &[Occ], first: &ItemRec) -> (Option<Sym>, bool) {
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

    fn compute_entry(&self, key: &EntryKey) -> Option<Entry> {
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

    fn place(&mut self, entry: &Entry, add: bool, dirty: &mut BTreeSet<FeedId>) {
        let rank: Rank = (Reverse(entry.published.timestamp()), entry.key.clone());
        let apply = |set: &mut BTreeSet<Rank>| {
            if add {
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

    /// Applies changed digests (`None`: the digest is gone) and returns the feeds whose
    /// entries, order or title may have changed.
    pub fn apply(
        &mut self,
        changes: impl IntoIterator<Item = (PathBuf, Option<Digest>)>,
    ) -> BTreeSet<FeedId> {
        let mut pairs = Flips::default();
        let mut known = Flips::default();
        let mut any = Flips::default();
        let mut keys: HashSet<EntryKey> = HashSet::new();
        let mut handles: HashSet<Sym> = HashSet::new();
        let mut touched: HashSet<DKey> = HashSet::new();

        // A full build: every digest is new, so every one goes through both passes and
        // every entry is computed; nothing has to be traced from what changed.
        let full = self.recs.is_empty();
        if !full {
            self.prepare_for_updates();
        }
        let changes: Vec<(PathBuf, Option<Digest>)> = changes.into_iter().collect();
        if full {
            self.recs.reserve(changes.len());
            self.readers_stale = true;
        }

        // 1. Out with the old, in with the new. What each new digest says on its own is
        // worked out on another core, ahead of the indexing.
        let configured = std::mem::take(&mut self.configured);
        let alone =
            |(_, d): &(PathBuf, Option<Digest>)| d.as_ref().map(|d| records_of(&configured, d));
        pipeline(changes, alone, |(file, new), found| {
            let path = dkey(&file);
            if let Some(old) = self.recs.remove(&path) {
                self.index(&path, &old, false, full, &mut pairs, &mut keys);
                self.count_known(&old, false, full, &mut known, &mut any);
                self.count_names(&old, false, &mut handles);
            }
            if let (Some(digest), Some(found)) = (new, found) {
                let slot = self.recs.claim(&path);
                let rec = self.prepare(file, path.clone(), slot, digest, found);
                self.index(&path, &rec, true, full, &mut pairs, &mut keys);
                self.recs.put(slot, rec);
                if !full {
                    touched.insert(path);
                }
            } else {
                touched.remove(&path);
            }
        });
        self.configured = configured;

        // 2. First pass: new digests, and those whose evidence changed (in a full
        // build: every digest).
        let mut first: HashSet<DKey> = touched.clone();
        for (h, name) in pairs.flipped(|p| self.repeated(p)) {
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
        if full {
            // Each digest's pass only reads the evidence, so it runs on every core; the
            // counts it adds to are shared, and are added up on one.
            self.on_every_core(|engine, part| {
                for rec in part.iter_mut().flatten() {
                    first_pass(engine, rec);
                }
            });
            self.for_each_rec(None, |engine, rec| {
                engine.count_known(rec, true, full, &mut known, &mut any);
            });
        } else {
            self.for_each_rec(Some(&first), |engine, rec| {
                if !touched.contains(&rec.key) {
                    engine.count_known(rec, false, full, &mut known, &mut any);
                }
                first_pass(engine, rec);
                engine.count_known(rec, true, full, &mut known, &mut any);
            });
        }

        // 3. Second pass: those, and digests that consult a name that became known or unknown.
        let mut second = first;
        for (h, name) in known.flipped(|p| self.known_now(p)) {
            if let Some(readers) = self.readers.get(&(Some(h), name)) {
                second.extend(readers.iter().cloned());
            }
        }
        for name in any.flipped(|n| self.known_any_now(n)) {
            if let Some(readers) = self.readers.get(&(None, name)) {
                second.extend(readers.iter().cloned());
            }
        }
        // Sets each item's final cut. With `track`, the keys of the items whose cut
        // changed (every first item of a new digest) go to `keys`.
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
        if full {
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
                handles.insert(h);
            }
        } else {
            self.for_each_rec(Some(&second), |engine, rec| {
                let new = touched.contains(&rec.key);
                if !new {
                    engine.count_names(rec, false, &mut handles);
                }
                second_pass(engine, rec, Some((new, &mut keys)));
                engine.count_names(rec, true, &mut handles);
            });
        }

        // 4. Display names, and the entries that show them.
        let mut dirty = BTreeSet::new();
        for h in handles {
            let now = self.compute_display(h);
            if now.as_ref() != self.display.get(&h) {
                match now {
                    Some(name) => self.display.insert(h, name),
                    None => self.display.remove(&h),
                };
                let lower = self.syms.get(h).to_string();
                if let Some(set) = self.by_author.get(&lower) {
                    keys.extend(set.iter().map(|(_, k)| k.clone()));
                }
                dirty.insert(FeedId::Author(lower));
            }
        }

        // 5. Entries. Into an empty engine (a full build), the feed orderings are built
        // from sorted lists at once, far cheaper than one B-tree insert per entry and feed.
        if let (true, Some(max)) = (full, self.one_build) {
            self.place_shown(max, &mut dirty);
            return dirty;
        }
        if self.entries.is_empty() {
            if full {
                keys = self.occ.keys().cloned().collect();
            }
            self.place_all(keys, &mut dirty);
            return dirty;
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
                self.place(old, false, &mut dirty);
            }
            if let Some(new) = new {
                self.place(&new, true, &mut dirty);
                self.entries.insert(key, Box::new(new));
            }
        }
        dirty
    }

    fn place_all(&mut self, keys: HashSet<EntryKey>, dirty: &mut BTreeSet<FeedId>) {
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

    /// [`Engine::place_all`] for a full build by an engine for one build: every
    /// entry's place in the feeds is worked out, but only the first `max` of each feed
    /// are kept, and only their entries computed.
    fn place_shown(&mut self, max: usize, dirty: &mut BTreeSet<FeedId>) {
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
    fn tops_of<'a>(&'a self, part: &[(&'a EntryKey, &'a OccList)], max: usize) -> Tops<'a> {
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

    /// Digests read without their summaries whose summaries some feed shows: the
    /// entries' earliest digests.
    pub fn needs_summaries(&self, settings: &crate::config::Settings) -> BTreeSet<PathBuf> {
        let mut out = BTreeSet::new();
        for (_, feed) in self.feeds(settings) {
            for entry in feed.entries {
                let Some((_, _, _, slot)) =
                    self.occ.get(&entry.key).and_then(|o| o.as_slice().first())
                else {
                    continue;
                };
                if let Some(rec) = self.recs.at(*slot) {
                    if !rec.digest.summaries {
                        out.insert(rec.path.clone());
                    }
                }
            }
        }
        out
    }

    /// Fills in the summaries of a digest that was read without them, from a full read
    /// of the same file. Ignored if the file no longer holds the same items.
    pub fn fill_summaries(&mut self, path: &std::path::Path, full: &Digest) {
        let key = dkey(path);
        let Some(rec) = self.recs.get_mut(&key) else {
            return;
        };
        let same = rec.digest.items.len() == full.items.len()
            && rec
                .digest
                .items
                .iter()
                .zip(&full.items)
                .all(|(a, b)| a.link.key == b.link.key && a.title == b.title);
        if rec.digest.summaries || !same {
            return;
        }
        for (item, filled) in rec.digest.items.iter_mut().zip(&full.items) {
            item.summary_html = filled.summary_html.clone();
        }
        rec.digest.summaries = true;
        for (pos, item) in rec.digest.items.iter().enumerate() {
            let earliest = self
                .occ
                .get(&item.link.key)
                .and_then(|o| o.as_slice().first());
            if earliest.is_some_and(|(_, p, i, _)| *p == key && *i == pos) {
                if let Some(entry) = self.entries.get_mut(&item.link.key) {
                    entry.summary_html = item.summary_html.clone();
                }
            }
        }
    }

    /// Every entry, newest first (for tests and tools; feeds use [`Engine::feeds`]).
    pub fn entries(&self) -> Vec<&Entry> {
        self.global
            .iter()
            .filter_map(|(_, k)| self.entries.get(k).map(|e| &**e))
            .collect()
    }

    fn top<'a>(&'a self, set: &BTreeSet<Rank>, max: usize) -> Vec<&'a Entry> {
        set.iter()
            .take(max)
            .filter_map(|(_, k)| self.entries.get(k).map(|e| &**e))
            .collect()
    }

    /// Every feed, as `plan::plan` would lay them out: the global one, then categories
    /// and authors in folder order. Costs a few hundred lookups per feed.
    pub fn feeds(&self, settings: &crate::config::Settings) -> Vec<(FeedId, Feed<'_>)> {
        let max = settings.max_entries;
        // An engine built for one run keeps only what it was built to show.
        debug_assert!(self.partial.is_none() || self.one_build.is_some_and(|kept| kept >= max));
        let mut feeds = vec![(
            FeedId::Global,
            plan::global_feed(settings, self.top(&self.global, max)),
        )];
        // Seniority: the date of each category's oldest entry (its last in feed order).
        let slugs = slug::assign(self.by_category.iter().filter_map(|(name, set)| {
            let oldest = match &self.partial {
                Some(oldest) => oldest.get(name).copied(),
                None => set.iter().next_back().map(|(Reverse(date), _)| *date),
            };
            Some((*name, oldest?))
        }));
        let mut categories: Vec<(FeedId, Feed<'_>)> = self
            .by_category
            .iter()
            .map(|(name, set)| {
                (
                    FeedId::Category(name.to_string()),
                    plan::category_feed(settings, name, &slugs[*name], self.top(set, max)),
                )
            })
            .collect();
        categories.sort_by(|a, b| a.1.dir.cmp(&b.1.dir));
        feeds.extend(categories);
        for (handle, set) in &self.by_author {
            let entries = self.top(set, max);
            let written = entries
                .first()
                .and_then(|e| e.handle)
                .unwrap_or(handle.as_str());
            let name = self.display_of(written);
            feeds.push((
                FeedId::Author(handle.clone()),
                plan::author_feed(settings, handle, written, name, entries),
            ));
        }
        feeds
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
