//! The archived feeds' documents (RFC 5005 §4): each such feed's current document,
//! linked to its history, and its archive pages (paged by `engine::archive`).
//!
//! [`History`] keeps them current for the [`super::tree::Renderer`], which `--once` and
//! the daemon share: every call lays out every archived feed's whole history again
//! (dates and keys decide the pages) and renders only the documents whose inputs
//! changed since the last call, told by a fingerprint of each document's entries,
//! links and titles (taken again only of the pages a change can touch: those of the
//! weeks of the entries it changed, and those whose shape moved). A new digest
//! renders the current documents and the newest page; an edit deep in the history,
//! that week's page alone. [`stream`] renders them all a
//! part at a time, for a write of the whole folder (`crate::streamed`);
//! [`history_files`] all at once, the simple way, for the reference build.

use super::every::Every;
use super::tree::{feed_files, feed_paths, Output};
use crate::config::Settings;
use crate::engine::archive;
use crate::engine::layout::{file_in, Feed, FeedKind, Paging};
use crate::engine::Engine;
use crate::model::key::EntryKey;
use crate::model::Entry;
use crate::render::html::PAGE_FILE;
use crate::render::sanitize::Sanitizer;
use crate::render::{Clean, Context, RenderError, ATOM_FILE, JSON_FILE, RSS_FILE};
use crate::support::par::par_map;
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::hash::{BuildHasher, Hash, Hasher};
use std::sync::Arc;

/// Whether feed `kind` keeps its history in archive pages.
pub(crate) fn is_archived(settings: &Settings, kind: &FeedKind) -> bool {
    let archives = &settings.archives;
    match kind {
        FeedKind::Global => archives.global,
        FeedKind::Digests => archives.digests,
        FeedKind::Category { .. } => archives.categories,
        FeedKind::Author { .. } => archives.authors,
    }
}

/// Every archived feed's whole history, newest first: the global and digest feeds'
/// are `every` and `digests` (every entry of the folder, every digest's entry, both
/// newest first); categories' and authors' are gathered from `every` in one pass.
struct Histories<'a> {
    every: Vec<&'a Entry>,
    digests: &'a [Cow<'a, Entry>],
    by_category: HashMap<&'static str, Vec<&'a Entry>>,
    by_author: HashMap<String, Vec<&'a Entry>>,
}

impl<'a> Histories<'a> {
    fn new(
        every: Vec<&'a Entry>,
        digests: &'a [Cow<'a, Entry>],
        settings: &Settings,
    ) -> Histories<'a> {
        let mut by_category: HashMap<&'static str, Vec<&'a Entry>> = HashMap::new();
        let mut by_author: HashMap<String, Vec<&'a Entry>> = HashMap::new();
        for &entry in &every {
            if settings.archives.categories {
                for name in entry.categories {
                    by_category.entry(name).or_default().push(entry);
                }
            }
            if settings.archives.authors {
                if let Some(handle) = entry.author_feed() {
                    by_author.entry(handle).or_default().push(entry);
                }
            }
        }
        Histories {
            every,
            digests,
            by_category,
            by_author,
        }
    }

    fn of(&self, feed: &Feed<'_>) -> Vec<&'a Entry> {
        match &feed.kind {
            FeedKind::Global => self.every.clone(),
            FeedKind::Digests => self.digests.iter().map(|e| e.as_ref()).collect(),
            FeedKind::Category { name } => self
                .by_category
                .get(name.as_str())
                .cloned()
                .unwrap_or_default(),
            FeedKind::Author { handle, .. } => self
                .by_author
                .get(&handle.to_ascii_lowercase())
                .cloned()
                .unwrap_or_default(),
        }
    }

    /// The documents of every archived feed of `feeds`: each current document (now
    /// linked to its pages), then its pages.
    fn documents<'s>(
        &'s self,
        feeds: impl Iterator<Item = &'s Feed<'s>>,
        settings: &Settings,
    ) -> Vec<Feed<'s>> {
        feeds
            .filter(|feed| is_archived(settings, &feed.kind))
            .flat_map(|feed| {
                let full = Feed {
                    entries: self.of(feed),
                    ..feed.clone()
                };
                archive::paged(full, settings.max_entries, settings.timezone)
            })
            .collect()
    }
}

/// The sanitised summaries of the entries of `docs`, each once, on every core.
fn clean_summaries(docs: &[&Feed<'_>], sanitizer: &Sanitizer) -> HashMap<EntryKey, Clean> {
    let mut seen: HashSet<(&EntryKey, *const String)> = HashSet::new();
    let entries: Vec<&Entry> = docs
        .iter()
        .flat_map(|doc| doc.entries.iter().copied())
        .filter(|e| seen.insert((&e.key, Arc::as_ptr(&e.summary_html))))
        .collect();
    let cleaned = par_map(&entries, |entry| sanitizer.clean(&entry.summary_html));
    let mut summaries: HashMap<EntryKey, Clean> = HashMap::with_capacity(entries.len());
    for (entry, html) in entries.into_iter().zip(cleaned) {
        summaries.entry(entry.key.clone()).or_insert(Clean {
            raw: entry.summary_html.clone(),
            html,
        });
    }
    summaries
}

/// Renders `docs`, each document's files in turn.
fn render_all(
    docs: &[&Feed<'_>],
    settings: &Settings,
    sanitizer: &Sanitizer,
) -> Result<Vec<(String, Vec<u8>)>, RenderError> {
    let summaries = clean_summaries(docs, sanitizer);
    let ctx = Context {
        settings,
        summaries: &summaries,
        sanitizer,
    };
    let mut files = Vec::new();
    for three in par_map(docs, |doc| feed_files(doc, &ctx)) {
        files.extend(three?);
    }
    Ok(files)
}

/// Every archived feed's documents, rendered afresh. `every`: every entry of the
/// folder, `digests`: every digest's entry, both newest first.
pub(crate) fn history_files(
    feeds: &[Feed<'_>],
    every: &[Entry],
    digests: &[Entry],
    settings: &Settings,
    sanitizer: &Sanitizer,
) -> Result<Output, RenderError> {
    let digests: Vec<Cow<'_, Entry>> = digests.iter().map(Cow::Borrowed).collect();
    let histories = Histories::new(every.iter().collect(), &digests, settings);
    let docs = histories.documents(feeds.iter(), settings);
    let docs: Vec<&Feed<'_>> = docs.iter().collect();
    Ok(render_all(&docs, settings, sanitizer)?
        .into_iter()
        .collect())
}

fn is_page(doc: &Feed<'_>) -> bool {
    matches!(doc.paging, Paging::Archive { .. })
}

/// Every archived feed's documents for one build, laid out, for a caller that renders
/// them a few at a time: into the output folder ([`stream`]), or for a bucket without
/// one, twice (`crate::streamed`).
pub(crate) struct Documents<'a> {
    docs: Vec<Feed<'a>>,
    settings: &'a Settings,
    sanitizer: &'a Sanitizer,
}

impl Documents<'_> {
    pub(crate) fn len(&self) -> usize {
        self.docs.len()
    }

    /// The paths of the files of document `doc`.
    pub(crate) fn paths(&self, doc: usize) -> Vec<String> {
        self.docs.get(doc).map(feed_paths).unwrap_or_default()
    }

    /// The files of the documents `docs`.
    pub(crate) fn render(
        &self,
        docs: std::ops::Range<usize>,
    ) -> Result<Vec<(String, Vec<u8>)>, RenderError> {
        let docs: Vec<&Feed<'_>> = self.docs.get(docs).unwrap_or_default().iter().collect();
        render_all(&docs, self.settings, self.sanitizer)
    }
}

/// Runs `f` with every archived feed's documents of `engine`, laid out.
pub(crate) fn with_documents<R>(
    engine: &Engine,
    settings: &Settings,
    sanitizer: &Sanitizer,
    f: impl FnOnce(&Documents<'_>) -> R,
) -> R {
    let (every, digests) = (entries_of(engine, settings), digests_of(engine, settings));
    let feeds = engine.feeds(settings);
    let histories = Histories::new(every.iter().collect(), &digests, settings);
    f(&Documents {
        docs: histories.documents(feeds.iter().map(|(_, feed)| feed), settings),
        settings,
        sanitizer,
    })
}

/// How many documents [`stream`] renders at a time: some 30 MB of files.
pub(crate) const PART: usize = 16;

/// Every archived feed's documents for one build, a part at a time, so that they are
/// never all in memory: `paths` hears the path of every file first, then `send` each
/// part as it is rendered; either returning `false` stops the stream.
pub(crate) fn stream(
    engine: &Engine,
    settings: &Settings,
    sanitizer: &Sanitizer,
    paths: impl FnOnce(BTreeSet<String>) -> bool,
    mut send: impl FnMut(Output) -> bool,
) -> Result<(), RenderError> {
    with_documents(engine, settings, sanitizer, |docs| {
        if !paths((0..docs.len()).flat_map(|i| docs.paths(i)).collect()) {
            return Ok(());
        }
        for start in (0..docs.len()).step_by(PART) {
            let part = docs.render(start..docs.len().min(start + PART))?;
            if !send(part.into_iter().collect()) {
                break;
            }
        }
        Ok(())
    })
}

/// Every entry of the folder, newest first, if an archived kind of feed needs it.
fn entries_of(engine: &Engine, settings: &Settings) -> Vec<Entry> {
    let a = &settings.archives;
    if a.global || a.categories || a.authors {
        engine.every_entry()
    } else {
        Vec::new()
    }
}

/// Every digest's entry, newest first, if the digest feed is archived.
fn digests_of<'e>(engine: &'e Engine, settings: &Settings) -> Vec<Cow<'e, Entry>> {
    if settings.archives.digests {
        engine.every_digest()
    } else {
        Vec::new()
    }
}

/// What a render of the history changed.
pub(crate) struct Changes {
    /// Files of documents that are gone.
    pub(crate) gone: Vec<String>,
    /// Documents rendered again: their files.
    pub(crate) files: Vec<(String, Vec<u8>)>,
    /// The files of every archive page there is now.
    pub(crate) pages: BTreeSet<String>,
}

/// The archived feeds' documents as last rendered: each document's folder and the
/// fingerprint of what it was rendered from.
#[derive(Default)]
pub(crate) struct History {
    /// By folder: the fingerprint, and that of the shape ([`Prints::shape`]).
    docs: BTreeMap<String, (u64, u64)>,
    prints: Prints,
    /// Rendered once (`--once`): nothing to compare with next time.
    once: bool,
    /// Every entry, kept between renders when the engine logs what changes.
    every: Every,
    /// How many documents the last call took the fingerprint of.
    fingerprinted: usize,
}

impl History {
    /// Lays out every archived feed of `feeds` again from the whole of `engine`, and
    /// renders the documents whose inputs changed since the last call (all of them if
    /// `full`, or whose files `have` lacks); with `no_pages`, the current documents
    /// only (the pages are to be streamed, [`stream`]), though every document's
    /// fingerprint is taken.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn render(
        &mut self,
        engine: &Engine,
        feeds: &[&Feed<'_>],
        settings: &Settings,
        sanitizer: &Sanitizer,
        full: bool,
        no_pages: bool,
        have: impl Fn(&str) -> bool,
    ) -> Result<Changes, RenderError> {
        let started = std::time::Instant::now();
        // Every entry kept between renders, if the engine logs what changes; then the
        // weeks of the pages a changed entry was or is on (`None`: any page may have
        // changed).
        let mut touched: Option<HashSet<String>> = None;
        let keep = match engine.take_entry_log() {
            Some(log) if !self.once => {
                let dates = self.every.update(engine, log);
                touched = dates.filter(|_| !full).map(|dates| {
                    let week = |d| archive::page_week(d, settings.timezone);
                    dates.iter().map(week).collect()
                });
                true
            }
            _ => false,
        };
        let fresh;
        let every: Vec<&Entry> = if keep {
            self.every.newest_first()
        } else {
            fresh = entries_of(engine, settings);
            fresh.iter().collect()
        };
        let digests = digests_of(engine, settings);
        let computed = started.elapsed();
        let histories = Histories::new(every, &digests, settings);
        let docs = histories.documents(feeds.iter().copied(), settings);
        let (prints, shapes) = if self.once {
            (vec![0; docs.len()], vec![0; docs.len()])
        } else {
            let (prints, shapes, fresh) = self.prints.all(&self.docs, &docs, touched.as_ref());
            self.fingerprinted = fresh;
            (prints, shapes)
        };
        let compared = started.elapsed();
        let todo: Vec<&Feed<'_>> = docs
            .iter()
            .zip(&prints)
            .filter(|(doc, _)| !(no_pages && is_page(doc)))
            .filter(|(doc, print)| {
                full || self.once
                    || self.docs.get(&doc.dir).map(|(print, _)| print) != Some(print)
                    || !have(&doc.path(ATOM_FILE))
            })
            .map(|(doc, _)| doc)
            .collect();
        let files = render_all(&todo, settings, sanitizer)?;
        let pages = docs
            .iter()
            .filter(|doc| is_page(doc))
            .flat_map(feed_paths)
            .collect();
        let now: BTreeMap<String, (u64, u64)> = docs
            .iter()
            .map(|d| d.dir.clone())
            .zip(prints.into_iter().zip(shapes))
            .collect();
        let gone = self
            .docs
            .keys()
            .filter(|dir| !now.contains_key(*dir))
            .flat_map(|dir| {
                [RSS_FILE, ATOM_FILE, JSON_FILE, PAGE_FILE].map(|file| file_in(dir, file))
            })
            .collect();
        self.docs = now;
        tracing::debug!(
            entries_ms = computed.as_millis() as u64,
            compare_ms = (compared - computed).as_millis() as u64,
            render_ms = (started.elapsed() - compared).as_millis() as u64,
            documents = docs.len(),
            fingerprinted = self.fingerprinted,
            rendered = todo.len(),
            "history"
        );
        Ok(Changes { gone, files, pages })
    }

    /// How many documents the last call took the fingerprint of (the others kept it).
    #[cfg(test)]
    pub(crate) fn fingerprinted(&self) -> usize {
        self.fingerprinted
    }

    /// A renderer's history for one build: documents are rendered, not remembered.
    pub(crate) fn for_one_build() -> History {
        History {
            once: true,
            ..History::default()
        }
    }
}

/// Fingerprints of documents, and of the summaries they show.
#[derive(Default)]
struct Prints {
    /// Seeded at random, per process: no digest can aim for two documents that look
    /// alike.
    seed: foldhash::fast::RandomState,
    /// Each summary's fingerprint, by the text it was taken of, and the last call that
    /// saw it shown. The text is held, so that no other text can come to live at its
    /// address while it is here.
    summaries: foldhash::HashMap<usize, (Arc<String>, u64, u64)>,
    /// How many times summaries were taken.
    call: u64,
}

impl Prints {
    /// The fingerprint and the shape of each of `docs`, and how many fingerprints were
    /// taken. A document keeps the fingerprint it had last time (`had`: fingerprint
    /// and shape, by folder) where it cannot have changed:
    /// an archive page of a feed drawn from every entry (the engine logs which entries
    /// change; the digest feed's are not logged) whose shape is the same and whose
    /// week no changed entry was or is in (`touched`; `None`: any may have changed).
    /// Entries leave and join a page otherwise only at the current document's end,
    /// which its shape tells.
    fn all(
        &mut self,
        had: &BTreeMap<String, (u64, u64)>,
        docs: &[Feed<'_>],
        touched: Option<&HashSet<String>>,
    ) -> (Vec<u64>, Vec<u64>, usize) {
        let shapes: Vec<u64> = docs.iter().map(|doc| self.shape(doc)).collect();
        let kept: Vec<Option<u64>> = docs
            .iter()
            .zip(&shapes)
            .map(|(doc, shape)| {
                let &(print, was) = had.get(&doc.dir)?;
                let same = was == *shape
                    && is_page(doc)
                    && doc.kind != FeedKind::Digests
                    && touched.is_some_and(|t| !t.contains(archive::week_of_page(&doc.dir)));
                same.then_some(print)
            })
            .collect();
        let fresh: Vec<&Feed<'_>> = docs
            .iter()
            .zip(&kept)
            .filter(|(_, kept)| kept.is_none())
            .map(|(doc, _)| doc)
            .collect();
        self.take_summaries(&fresh);
        let mut taken = par_map(&fresh, |doc| self.of(doc)).into_iter();
        let prints: Vec<u64> = kept
            .iter()
            .map(|kept| kept.or_else(|| taken.next()).unwrap_or_default())
            .collect();
        if cfg!(debug_assertions) && docs.len() <= 200 {
            self.take_summaries(&docs.iter().collect::<Vec<_>>());
            for (doc, print) in docs.iter().zip(&prints) {
                assert_eq!(
                    self.of(doc),
                    *print,
                    "the fingerprint kept for {} is not its own",
                    doc.dir
                );
            }
        }
        (prints, shapes, fresh.len())
    }

    /// Keeps the fingerprint of every summary the documents show: those kept from the
    /// last call, the others taken now, on every core. Those these documents do not
    /// show (no document does any more, or only pages whose fingerprint is kept) are
    /// let go once they are an eighth as many as those shown: building the whole map
    /// again at every call cost more than the rest of a change's comparison.
    fn take_summaries(&mut self, docs: &[&Feed<'_>]) {
        use std::collections::hash_map::Entry as Slot;
        self.call = self.call.wrapping_add(1);
        let call = self.call;
        let mut fresh: Vec<&Arc<String>> = Vec::new();
        let mut shown = 0usize;
        for entry in docs.iter().flat_map(|doc| doc.entries.iter()) {
            let at = Arc::as_ptr(&entry.summary_html) as usize;
            match self.summaries.entry(at) {
                Slot::Vacant(slot) => {
                    fresh.push(&entry.summary_html);
                    // Taken below; here so that it is taken once.
                    slot.insert((Arc::clone(&entry.summary_html), 0, call));
                    shown += 1;
                }
                Slot::Occupied(mut slot) if slot.get().2 != call => {
                    slot.get_mut().2 = call;
                    shown += 1;
                }
                Slot::Occupied(_) => {}
            }
        }
        let prints = par_map(&fresh, |text| self.seed.hash_one(text.as_str()));
        for (text, print) in fresh.into_iter().zip(prints) {
            if let Some(slot) = self.summaries.get_mut(&(Arc::as_ptr(text) as usize)) {
                slot.1 = print;
            }
        }
        if self.summaries.len() > shown + shown / 8 + 1024 {
            self.summaries.retain(|_, (_, _, seen)| *seen == call);
        }
    }

    /// A document's shape: what [`Prints::of`] takes but for the entries between its
    /// first and last.
    fn shape(&self, doc: &Feed<'_>) -> u64 {
        let mut h = self.seed.build_hasher();
        Self::outline(doc, &mut h);
        let ends = [doc.entries.first(), doc.entries.last()];
        ends.map(|e| e.map(|e| &e.key)).hash(&mut h);
        h.finish()
    }

    /// What every fingerprint of a document takes: its folder, kind, titles, count,
    /// links and number of entries.
    fn outline(doc: &Feed<'_>, h: &mut impl Hasher) {
        (&doc.kind, &doc.dir, &doc.title, &doc.description).hash(h);
        (&doc.paging, doc.entries.len()).hash(h);
        // Shown by a current document (fh:complete, its page); no archive page shows
        // it, and each would change with every digest.
        if !matches!(doc.paging, Paging::Archive { .. }) {
            doc.count.hash(h);
        }
    }

    /// What a document is rendered from, but for the settings (a reload makes a new
    /// renderer): its outline and entries.
    fn of(&self, doc: &Feed<'_>) -> u64 {
        let mut h = self.seed.build_hasher();
        Self::outline(doc, &mut h);
        for e in &doc.entries {
            (&e.key, &*e.title, e.handle, e.author, e.categories).hash(&mut h);
            // The offset too: a date is written as its digest wrote it.
            for date in std::iter::once(e.published).chain(e.updated) {
                (date.timestamp(), date.offset().local_minus_utc()).hash(&mut h);
            }
            e.updated.is_some().hash(&mut h);
            // Every summary shown is there (`take_summaries`).
            let at = Arc::as_ptr(&e.summary_html) as usize;
            self.summaries
                .get(&at)
                .map(|(_, print, _)| *print)
                .hash(&mut h);
        }
        h.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::layout::FeedKind;
    use crate::model::Shared;

    fn entries(n: usize, text: &str) -> Vec<Entry> {
        (0..n)
            .map(|i| Entry {
                key: EntryKey::Url(format!("https://example.org/{i}").into()),
                title: Shared::from(format!("Entry {i}")),
                handle: None,
                author: None,
                published: chrono::DateTime::parse_from_rfc3339("2026-01-05T08:00:00Z").unwrap(),
                categories: &[],
                summary_html: Arc::new(format!("<p>{text} {i}</p>")),
                updated: None,
            })
            .collect()
    }

    fn doc(entries: &[Entry]) -> Feed<'_> {
        Feed {
            kind: FeedKind::Global,
            dir: String::new(),
            title: "t".into(),
            description: String::new(),
            entries: entries.iter().collect(),
            paging: Paging::Open,
            count: entries.len(),
        }
    }

    /// A daemon's summaries change one batch at a time: the fingerprints of those no
    /// longer shown go, so the map never holds much more than the summaries shown, and
    /// the fingerprints of those still shown stay what they were.
    #[test]
    fn summaries_no_longer_shown_are_let_go() {
        let mut prints = Prints::default();
        let kept = entries(3000, "kept");
        let first = entries(3000, "first");
        // Shown twice, as an entry is in the global feed and its category's.
        prints.take_summaries(&[&doc(&kept), &doc(&kept), &doc(&first)]);
        let before = prints.of(&doc(&kept));
        for round in 0..5 {
            let changed = entries(3000, &format!("round {round}"));
            prints.take_summaries(&[&doc(&kept), &doc(&kept), &doc(&changed)]);
            assert!(prints.summaries.len() <= 6000 + 6000 / 8 + 1024);
            assert_eq!(prints.of(&doc(&kept)), before);
            for e in &changed {
                let at = Arc::as_ptr(&e.summary_html) as usize;
                assert_eq!(
                    prints.summaries.get(&at).map(|(_, p, _)| *p),
                    Some(prints.seed.hash_one(e.summary_html.as_str()))
                );
            }
        }
        prints.take_summaries(&[&doc(&kept)]);
        prints.take_summaries(&[&doc(&kept)]);
        assert!(prints.summaries.len() <= 3000 + 3000 / 8 + 1024);
    }
}
