//! The live pipeline: what each file of the input folder holds now, in, and the bytes
//! of every output file, out, kept current one change at a time. No disk and no clock:
//! the daemon hands it what it read and the time; the property tests drive it the same
//! way with files held in memory.

use crate::config::Settings;
use crate::engine::{Engine, FeedId};
use crate::error::RenderError;
use crate::input::held::{self, Held};
use crate::input::state::{fingerprint, FileInput, Outcome, Prepared, State};
use crate::model::{Digest, Parsed, Summaries};
use crate::parse::parse_digest_summaries_at;
use crate::render::tree::{Output, Renderer};
use crate::support::par::par_map;
use crate::support::text::count;
use chrono::{DateTime, Utc};
use std::collections::{BTreeSet, HashSet};
use std::path::{Path, PathBuf};
use tracing::{debug, warn};

pub struct Live {
    pub settings: Settings,
    state: State,
    engine: Engine,
    renderer: Renderer,
    /// Digests changed since the last render (`None`: gone).
    changes: Vec<(PathBuf, Option<Digest>)>,
    /// Feeds to render again at the next render; `None`: all of them.
    dirty: Option<BTreeSet<FeedId>>,
    /// Digests dated after now, out of the engine until their date.
    held: Held,
    /// Digests whose summaries could not be read again because the file broke since:
    /// not asked again until they change.
    unavailable: HashSet<PathBuf>,
    /// Digests whose summaries could not be read again because the file was not there
    /// or held other bytes (a rename in progress): asked again at the file's next look,
    /// whatever it finds, since a file renamed back holds what was published and is no
    /// change.
    stale: HashSet<PathBuf>,
    /// Whether a stale digest was looked at again, so that a render reads it.
    refill: bool,
}

/// Why a digest's summaries were not read again.
enum Miss {
    /// Not there, unreadable, or other bytes than those published: its next look
    /// (an event will come) tries again.
    Stale,
    /// The published bytes, but they no longer parse.
    Broken,
}

/// The daemon's renderer: archive pages' bytes go once written, unless they are
/// written to a bucket only (with an output folder, the bucket's publisher reads them
/// back from there).
fn renderer_for(settings: &Settings) -> Renderer {
    if settings.publish.is_none() || settings.output_dir.is_some() {
        Renderer::forgetting_pages()
    } else {
        Renderer::default()
    }
}

impl Live {
    pub fn new(settings: Settings) -> Live {
        Live {
            engine: Engine::new(&settings),
            renderer: renderer_for(&settings),
            settings,
            state: State::default(),
            changes: Vec::new(),
            dirty: None,
            held: Held::default(),
            unavailable: HashSet::new(),
            stale: HashSet::new(),
            refill: false,
        }
    }

    /// The same folder under new settings: last good digests stay (a broken file keeps
    /// its entries across a reload), and every file is parsed again at its next look.
    pub fn reconfigured(mut self, settings: Settings) -> Live {
        self.state.forget_contents();
        Live {
            engine: self.engine.moved_into(Engine::new(&settings)),
            renderer: renderer_for(&settings),
            settings,
            state: self.state,
            changes: self.changes,
            dirty: None,
            held: self.held,
            unavailable: self.unavailable,
            // Every file is looked at again after a reload, and read as it is then.
            stale: HashSet::new(),
            refill: false,
        }
    }

    /// Takes in what the file at `rel` (shown to users as `shown`) holds at `now`.
    /// Returns whether the digests to publish changed. Problems are logged once per
    /// change of the file.
    pub fn file(
        &mut self,
        rel: &Path,
        shown: &Path,
        input: FileInput<'_>,
        now: DateTime<Utc>,
    ) -> bool {
        let prepared = self.prepare(rel, shown, input);
        self.commit(rel, shown, prepared, now)
    }

    /// The part of [`Live::file`] that reads and parses, touching nothing: a scan
    /// prepares many files at once, on every core. Summaries are left out: most are
    /// never shown, and [`Live::render`] reads again the digests whose summaries are.
    /// Archive pages show every entry: with them, every summary is read at once.
    pub fn prepare(&self, rel: &Path, shown: &Path, input: FileInput<'_>) -> Prepared {
        let summaries = if self.settings.archives.any() {
            Summaries::Read
        } else {
            Summaries::Skip
        };
        self.state
            .prepare(rel, shown, input, self.settings.rules(), summaries)
    }

    /// Takes in a prepared file (see [`Live::file`]).
    pub fn commit(
        &mut self,
        rel: &Path,
        shown: &Path,
        prepared: Prepared,
        now: DateTime<Utc>,
    ) -> bool {
        let gone = matches!(prepared, Prepared::Gone);
        let outcome = self.state.commit(rel, prepared);
        self.take(rel, shown, gone, outcome, now)
    }

    /// [`Live::commit`] for the files of a listing (each path once), as a scan takes
    /// them in: `shown` names each in messages.
    pub fn commit_all(
        &mut self,
        files: Vec<(&Path, Prepared)>,
        shown: impl Fn(&Path) -> PathBuf,
        now: DateTime<Utc>,
    ) -> bool {
        let gone: Vec<(&Path, bool)> = files
            .iter()
            .map(|(rel, p)| (*rel, matches!(p, Prepared::Gone)))
            .collect();
        let outcomes = self.state.commit_all(files);
        let mut changed = false;
        for ((rel, gone), outcome) in gone.into_iter().zip(outcomes) {
            changed |= self.take(rel, &shown(rel), gone, outcome, now);
        }
        changed
    }

    /// What a committed file's outcome does: logged, and queued for the engine.
    fn take(
        &mut self,
        rel: &Path,
        shown: &Path,
        gone: bool,
        outcome: Outcome,
        now: DateTime<Utc>,
    ) -> bool {
        if self.stale.remove(rel) {
            self.refill = true;
        }
        match outcome {
            Outcome::Unchanged => false,
            Outcome::Changed(mut digest) => {
                if !gone {
                    debug!(path = %shown.display(), "digest updated");
                }
                for e in digest
                    .iter_mut()
                    .flat_map(|d| std::mem::take(&mut d.skipped))
                {
                    warn!("{e} (this item is left out; the rest of the digest is published)");
                }
                self.changed(rel, shown, digest, now);
                true
            }
            Outcome::Invalid(errors) => {
                let keeping = self.state.is_published(rel);
                for e in errors {
                    if keeping {
                        warn!("{e} (keeping the last good version of this digest)");
                    } else {
                        warn!("{e}");
                    }
                }
                false
            }
        }
    }

    /// Queues what a file now holds for the engine; a digest not yet due waits in
    /// `held`, and whatever the file held before leaves the feeds meanwhile.
    fn changed(&mut self, rel: &Path, shown: &Path, digest: Option<Digest>, now: DateTime<Utc>) {
        self.held.release(rel);
        self.unavailable.remove(rel);
        match digest {
            Some(digest) if !self.settings.publish_future && !held::is_due(digest.date, now) => {
                debug!(path = %shown.display(), date = %digest.date, "dated in the future: held back until then");
                self.held.hold(rel, digest);
                self.changes.push((rel.to_path_buf(), None));
            }
            digest => self.changes.push((rel.to_path_buf(), digest)),
        }
    }

    /// Queues the held digests whose date has come at `now` (all of them, if the
    /// settings publish future digests); whether there were any.
    pub fn release_due(&mut self, now: DateTime<Utc>) -> bool {
        let now = if self.settings.publish_future {
            DateTime::<Utc>::MAX_UTC
        } else {
            now
        };
        let due = self.held.due(now);
        let any = !due.is_empty();
        for (rel, digest) in due {
            debug!(path = %rel.display(), "its date has come: published");
            self.changes.push((rel, Some(digest)));
        }
        any
    }

    /// How long from `now` until the next held digest is due.
    pub fn next_due(&self, now: DateTime<Utc>) -> Option<std::time::Duration> {
        self.held.wait(now)
    }

    /// Paths known below `dir` (relative; `""` for all).
    pub fn known_under(&self, dir: &Path) -> Vec<PathBuf> {
        self.state.known_under(dir)
    }

    /// Whether a render would change anything.
    pub fn pending(&self) -> bool {
        !self.changes.is_empty() || self.dirty.is_none() || self.refill
    }

    /// Hands the queued changes to the engine and renders the feeds they touched.
    /// `read` reads a file of the input folder again (by its relative path), for the
    /// summaries of the entries the feeds show. Returns the output paths whose bytes
    /// changed or that are gone; after an error, the next render renders every feed.
    pub fn render(
        &mut self,
        read: impl Fn(&Path) -> Option<Vec<u8>> + Sync,
    ) -> Result<BTreeSet<String>, RenderError> {
        let started = std::time::Instant::now();
        self.refill = false;
        let changes = std::mem::take(&mut self.changes);
        let count = changes.len();
        let touched = self.engine.apply(changes);
        if let Some(dirty) = &mut self.dirty {
            dirty.extend(touched);
        }
        let prepared = started.elapsed();
        self.fill_summaries(read);
        let filled = started.elapsed();
        let rendered = self
            .renderer
            .render(&self.engine, &self.settings, self.dirty.as_ref());
        debug!(
            changes = count,
            apply_ms = prepared.as_millis() as u64,
            summaries_ms = (filled - prepared).as_millis() as u64,
            render_ms = (started.elapsed() - filled).as_millis() as u64,
            "render"
        );
        match rendered {
            Ok(changed) => {
                self.dirty = Some(BTreeSet::new());
                Ok(changed)
            }
            Err(e) => {
                self.dirty = None;
                Err(e)
            }
        }
    }

    /// Completes what the first build left out for updates (which digests consult
    /// which names). The daemon calls it once its feeds are written and it has said it
    /// is ready; the engine would do it anyway before its first update.
    pub fn complete(&mut self) {
        let started = std::time::Instant::now();
        self.engine.prepare_for_updates();
        debug!(
            ms = started.elapsed().as_millis() as u64,
            "ready for updates"
        );
    }

    /// Reads again, in full, the digests whose summaries some feed shows. Only the bytes
    /// that were published are used: a file that is gone or changed since is read
    /// again at its next look (its event is on the way), and one that broke since
    /// keeps its entries without the summaries that were not read (docs/FORMAT.md §5).
    fn fill_summaries(&mut self, read: impl Fn(&Path) -> Option<Vec<u8>> + Sync) {
        let paths: Vec<(PathBuf, Vec<usize>)> = self
            .engine
            .needs_summaries(&self.settings)
            .into_iter()
            .filter(|(p, _)| !self.unavailable.contains(p) && !self.stale.contains(p))
            .collect();
        let rules = self.settings.rules();
        let state = &self.state;
        let input_dir = &self.settings.input_dir;
        let full = par_map(&paths, |(rel, wanted)| {
            let bytes = read(rel).ok_or(Miss::Stale)?;
            if state
                .print_of(rel)
                .is_some_and(|p| p != fingerprint(&bytes))
            {
                return Err(Miss::Stale);
            }
            match parse_digest_summaries_at(&input_dir.join(rel), &bytes, rules, wanted) {
                Ok(Parsed::Digest(d)) => Ok(d),
                _ => Err(Miss::Broken),
            }
        });
        for ((rel, wanted), full) in paths.into_iter().zip(full) {
            let filled = full.and_then(|full| {
                self.engine
                    .fill_summaries(&rel, &full, &wanted)
                    .ok_or(Miss::Broken)
            });
            match filled {
                Ok(touched) => {
                    if let Some(dirty) = &mut self.dirty {
                        dirty.extend(touched);
                    }
                }
                Err(Miss::Stale) => {
                    debug!(path = %input_dir.join(&rel).display(), "summaries not read: the file is gone or changed since; read at its next event");
                    self.stale.insert(rel);
                }
                Err(Miss::Broken) => {
                    warn!(path = %input_dir.join(&rel).display(), "cannot read its summaries again: the file is no longer what was published; entries of it that come into a feed show no summary until it changes");
                    self.unavailable.insert(rel);
                }
            }
        }
    }

    /// Every output file's bytes, as of the last render, but archive pages when their
    /// bytes go once written ([`Live::renderer`]).
    pub fn files(&self) -> &Output {
        self.renderer.files()
    }

    /// [`Live::files`], shared rather than copied.
    pub fn shared_files(&self) -> std::sync::Arc<Output> {
        self.renderer.shared_files()
    }

    /// The renderer: whether it lets archive pages go, and which it has.
    pub fn renderer(&self) -> &Renderer {
        &self.renderer
    }

    /// The archive pages rendered so far are on disk (`streamed`: every page).
    pub fn pages_written(&mut self, streamed: bool) {
        self.renderer.pages_written(streamed);
    }

    /// The engine, to stream every archive page from.
    pub(crate) fn engine(&self) -> &Engine {
        &self.engine
    }

    /// What the daemon's write after a render makes of `folder` (a folder held in
    /// memory, for tests): the paths `changed` written from the files at hand, or, with
    /// `whole` (the daemon's first write, or one after a failure) or when the pages are
    /// to be streamed, every file, the pages streamed from the engine.
    pub fn write_into(
        &mut self,
        changed: &BTreeSet<String>,
        whole: bool,
        folder: &mut Output,
    ) -> Result<(), RenderError> {
        let streamed = self.renderer.streams_pages(whole);
        if streamed {
            let mut all = self.files().clone();
            let sanitizer = crate::render::sanitize::Sanitizer::default();
            crate::render::history::stream(
                &self.engine,
                &self.settings,
                &sanitizer,
                |_| true,
                |part| {
                    all.extend(part);
                    true
                },
            )?;
            *folder = all;
        } else if whole {
            *folder = self.files().clone();
        } else {
            for path in changed {
                match self.files().get(path).or(self.renderer.pages().get(path)) {
                    Some(bytes) => folder.insert(path.clone(), bytes.clone()),
                    None => folder.remove(path),
                };
            }
        }
        self.pages_written(streamed);
        Ok(())
    }

    /// "N digests, N entries, N invalid[, N held until their date]".
    pub fn status(&self) -> String {
        let (digests, entries) = self.engine.counts();
        let mut status = format!(
            "{}, {}, {} invalid",
            count(digests, "digest", "digests"),
            count(entries, "entry", "entries"),
            self.state.invalid_count()
        );
        if !self.held.is_empty() {
            status.push_str(&format!(", {} held until their date", self.held.len()));
        }
        status
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use std::collections::BTreeMap;
    use std::sync::{Arc, Mutex};

    fn settings(max_entries: usize) -> Settings {
        Settings::for_tests(&format!("max_entries: {max_entries}\n"))
    }

    /// Archive pages' bytes are kept only where nothing else holds them: for a bucket
    /// published to without an output folder.
    #[cfg(feature = "publish")]
    #[test]
    fn page_bytes_are_kept_only_for_a_bucket_without_a_folder() {
        let publish = "archives: [global]\npublish:\n  url: s3://feeds/ai/\n";
        assert!(renderer_for(&Settings::for_tests(publish)).forgets_pages());
        assert!(renderer_for(&settings(3)).forgets_pages());
        let mut bucket_only = Settings::for_tests(publish);
        bucket_only.output_dir = None;
        assert!(!renderer_for(&bucket_only).forgets_pages());
    }

    fn digest(day: u32, id: u64, summary: &str) -> Vec<u8> {
        format!(
            "---\ndate: 2026-01-{day:02}T00:00:00Z\n---\n1. [News {id}](https://x.com/someone/status/{id})\n   {summary}\n"
        )
        .into_bytes()
    }

    /// A folder held in memory, with a log of the files read again.
    struct Folder {
        files: BTreeMap<PathBuf, Vec<u8>>,
        reads: Mutex<Vec<PathBuf>>,
    }

    impl Folder {
        fn new() -> Folder {
            Folder {
                files: BTreeMap::new(),
                reads: Mutex::new(Vec::new()),
            }
        }

        fn write(&mut self, live: &mut Live, name: &str, bytes: Vec<u8>) {
            let rel = PathBuf::from(name);
            self.files.insert(rel.clone(), bytes);
            live.file(
                &rel,
                &rel,
                FileInput::Bytes(&self.files[&rel]),
                DateTime::<Utc>::MAX_UTC,
            );
        }

        fn render(&self, live: &mut Live) -> BTreeSet<String> {
            live.render(|rel| {
                self.reads.lock().unwrap().push(rel.to_path_buf());
                self.files.get(rel).cloned()
            })
            .unwrap()
        }

        fn reads(&self) -> Vec<PathBuf> {
            std::mem::take(&mut *self.reads.lock().unwrap())
        }
    }

    fn rss(live: &Live) -> &str {
        std::str::from_utf8(&live.files()["rss.xml"]).unwrap()
    }

    /// A change takes the fingerprint of the documents it can change, and of no other
    /// archive page: a new digest, of the current document, the page it opens and
    /// the page that gains a link to it; an edit, of its week's page.
    #[test]
    fn a_change_fingerprints_only_the_pages_it_can_change() {
        let mut live = Live::new(Settings::for_tests("max_entries: 1\narchives: [global]\n"));
        let mut folder = Folder::new();
        // Four weeks (2026-W01 to W04): the newest entry is the current document's.
        for (i, day) in [1, 8, 15, 22].into_iter().enumerate() {
            let name = format!("{day:02}.md");
            folder.write(&mut live, &name, digest(day, 1 + i as u64, "News."));
        }
        folder.render(&mut live);
        let fingerprinted = |live: &Live| live.renderer().history().fingerprinted();
        assert_eq!(
            fingerprinted(&live),
            4,
            "the current document and three pages"
        );
        folder.write(&mut live, "23.md", digest(23, 9, "Newer."));
        folder.render(&mut live);
        assert_eq!(fingerprinted(&live), 3, "the current document, W04 and W03");
        folder.write(&mut live, "01.md", digest(1, 1, "Edited."));
        let written = folder.render(&mut live);
        assert_eq!(fingerprinted(&live), 2, "the current document and W01");
        assert!(written.contains("archive/2026-W01/rss.xml"), "{written:?}");
        assert!(!written.contains("archive/2026-W02/rss.xml"), "{written:?}");
        // Nothing changed: no page is fingerprinted again.
        folder.render(&mut live);
        assert_eq!(fingerprinted(&live), 1);
    }

    #[test]
    fn only_the_digests_whose_summaries_are_shown_are_read_again() {
        let mut live = Live::new(settings(1));
        let mut folder = Folder::new();
        folder.write(&mut live, "old.md", digest(1, 1, "Old news."));
        folder.write(&mut live, "new.md", digest(2, 2, "New news."));
        folder.render(&mut live);
        assert_eq!(folder.reads(), vec![PathBuf::from("new.md")]);
        assert!(rss(&live).contains("New news."), "{}", rss(&live));
        // Once read, a digest's summaries stay: a render that shows nothing new reads nothing.
        folder.write(&mut live, "other.md", digest(1, 3, "Other."));
        folder.render(&mut live);
        assert_eq!(folder.reads(), Vec::<PathBuf>::new());
    }

    /// Summaries are read item by item: an item of a digest read before comes into the
    /// feed, and the digest is read again for it.
    #[test]
    fn an_item_that_comes_into_a_feed_later_gets_its_summary() {
        let mut live = Live::new(settings(1));
        let mut folder = Folder::new();
        let two = "---\ndate: 2026-01-05T00:00:00Z\n---\n1. [First](https://x.com/someone/status/1)\n   First summary.\n2. [Second](https://x.com/someone/status/2)\n   Second summary.\n";
        folder.write(&mut live, "a.md", two.as_bytes().to_vec());
        // The newest digest, without items, is the digest feed's one entry: a.md is
        // read only for the items the entry feeds show.
        let newest = "---\ndate: 2026-01-06T00:00:00Z\n---\nNo items today.\n";
        folder.write(&mut live, "z.md", newest.as_bytes().to_vec());
        folder.render(&mut live);
        assert_eq!(
            folder.reads(),
            vec![PathBuf::from("a.md"), PathBuf::from("z.md")]
        );
        assert!(rss(&live).contains("First summary."), "{}", rss(&live));
        // An older digest names the first tweet: it is dated there now, and the second
        // item of a.md is the newest entry.
        folder.write(&mut live, "old.md", digest(1, 1, "Old summary."));
        folder.render(&mut live);
        assert_eq!(folder.reads(), vec![PathBuf::from("a.md")]);
        assert!(rss(&live).contains("Second summary."), "{}", rss(&live));
        assert!(!rss(&live).contains("First summary."), "{}", rss(&live));
    }

    /// A reload keeps what was read: the summaries shown are not read again.
    #[test]
    fn a_reload_reads_no_summary_again() {
        let mut live = Live::new(settings(1));
        let mut folder = Folder::new();
        folder.write(&mut live, "a.md", digest(1, 1, "Read once."));
        folder.render(&mut live);
        assert_eq!(folder.reads(), vec![PathBuf::from("a.md")]);
        let mut live = live.reconfigured(settings(1));
        folder.render(&mut live);
        assert_eq!(folder.reads(), Vec::<PathBuf>::new());
        assert!(rss(&live).contains("Read once."), "{}", rss(&live));
    }

    /// The same files, taken in by a new pipeline: what `--once` writes for them.
    fn fresh(folder: &Folder) -> Output {
        let mut live = Live::new(settings(1));
        let mut again = Folder::new();
        for (rel, bytes) in &folder.files {
            again.write(&mut live, rel.to_str().unwrap(), bytes.clone());
        }
        again.render(&mut live);
        live.files().clone()
    }

    /// A rename storm: the file is away, or holds another digest's bytes, while its
    /// summaries are read; then it is back as it was, which is no change of the file.
    #[test]
    fn a_summary_missed_during_a_rename_is_read_when_the_file_is_back() {
        for away in [None, Some(digest(3, 3, "Another digest."))] {
            let mut live = Live::new(settings(1));
            let mut folder = Folder::new();
            folder.write(&mut live, "a.md", digest(1, 1, "First summary."));
            let bytes = match &away {
                Some(other) => folder.files.insert("a.md".into(), other.clone()),
                None => folder.files.remove(Path::new("a.md")),
            }
            .unwrap();
            folder.render(&mut live);
            assert!(!rss(&live).contains("First summary."));
            folder.write(&mut live, "a.md", bytes);
            assert!(live.pending(), "a summary missed must ask for a render");
            folder.render(&mut live);
            assert!(rss(&live).contains("First summary."), "{}", rss(&live));
            assert_eq!(live.files(), &fresh(&folder));
            // Read once, not again.
            folder.reads();
            assert!(!live.pending());
            folder.render(&mut live);
            assert_eq!(folder.reads(), Vec::<PathBuf>::new());
        }
    }

    /// The output handed to the bucket's publisher is a snapshot: a render while the
    /// publisher holds it leaves it as it was; once let go, a render changes the
    /// output in place instead of copying it (archive pages make it large).
    #[test]
    fn the_output_shared_with_a_publish_is_a_snapshot_and_copied_only_then() {
        let mut live = Live::new(settings(5));
        let mut folder = Folder::new();
        folder.write(&mut live, "a.md", digest(1, 1, "First."));
        folder.render(&mut live);
        let published = live.shared_files();
        let before = published.as_ref().clone();
        folder.write(&mut live, "b.md", digest(2, 2, "Second."));
        assert!(!folder.render(&mut live).is_empty());
        assert_eq!(
            *published, before,
            "a render changed what is being published"
        );
        assert_ne!(live.files(), &before);
        drop(published);
        let now = live.shared_files();
        let at = Arc::as_ptr(&now);
        drop(now);
        folder.write(&mut live, "c.md", digest(3, 3, "Third."));
        assert!(!folder.render(&mut live).is_empty());
        assert!(rss(&live).contains("Third."), "{}", rss(&live));
        assert_eq!(
            Arc::as_ptr(&live.shared_files()),
            at,
            "the output was copied though nothing else held it"
        );
    }

    #[test]
    fn a_digest_that_breaks_keeps_the_summaries_it_showed() {
        let mut live = Live::new(settings(5));
        let mut folder = Folder::new();
        folder.write(&mut live, "a.md", digest(1, 1, "Kept summary."));
        folder.render(&mut live);
        let before = live.files().clone();
        folder.write(&mut live, "a.md", b"---\ndate: broken".to_vec());
        let changed = folder.render(&mut live);
        assert!(changed.is_empty(), "{changed:?}");
        assert_eq!(live.files(), &before);
    }

    #[test]
    fn an_entry_first_shown_while_its_digest_is_broken_gets_its_summary_when_fixed() {
        let mut live = Live::new(settings(1));
        let mut folder = Folder::new();
        folder.write(&mut live, "a.md", digest(1, 1, "First summary."));
        folder.write(&mut live, "b.md", digest(2, 2, "Second summary."));
        folder.render(&mut live);
        // a.md breaks while its entry is not shown; then b.md goes, and a.md's entry
        // comes into the feed, whose summary cannot be read from the broken file.
        folder.write(&mut live, "a.md", b"---\ndate: broken".to_vec());
        folder.files.remove(Path::new("b.md"));
        live.file(
            Path::new("b.md"),
            Path::new("b.md"),
            FileInput::Gone,
            DateTime::<Utc>::MAX_UTC,
        );
        folder.render(&mut live);
        assert!(rss(&live).contains("News 1"), "{}", rss(&live));
        assert!(!rss(&live).contains("First summary."));
        // Asked once, not at every render (c.md, the digest feed's newest, is read
        // whole for it).
        folder.reads();
        folder.write(&mut live, "c.md", digest(1, 3, "Older."));
        folder.render(&mut live);
        assert_eq!(folder.reads(), vec![PathBuf::from("c.md")]);
        // Fixed: the summary is read and shown.
        folder.write(&mut live, "a.md", digest(1, 1, "First summary."));
        folder.render(&mut live);
        assert!(rss(&live).contains("First summary."), "{}", rss(&live));
    }
}
