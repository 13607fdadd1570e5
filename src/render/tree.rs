//! The whole desired output tree, as bytes: the one path from parsed digests to files
//! that `--once` and the daemon share.

use crate::config::Settings;
use crate::engine::archive;
use crate::engine::layout::{Feed, Paging};
use crate::engine::{Engine, FeedId};
use crate::model::key::EntryKey;
use crate::model::Corpus;
use crate::model::Entry;
use crate::render::history::{is_archived, History};
use crate::render::html::PAGE_FILE;
use crate::render::sanitize::Sanitizer;
use crate::render::{self, Clean, Context, RenderError, ATOM_FILE, JSON_FILE, RSS_FILE};
use crate::support::par::par_map;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::Arc;

/// Relative path (always `/`-separated, inside the output folder) → file content.
pub type Output = BTreeMap<String, Vec<u8>>;

/// An output of text files, for tests.
#[cfg(test)]
pub(crate) fn output_of(files: &[(&str, &str)]) -> Output {
    files
        .iter()
        .map(|(p, b)| (p.to_string(), b.as_bytes().to_vec()))
        .collect()
}

/// Every output file, and how many entries the corpus made.
#[derive(Debug, Default)]
pub struct Built {
    pub files: Output,
    pub entries: usize,
}

/// One feed's three files, and the page for people beside them (but for an archive
/// page, which a reader reaches from the feed).
pub(crate) fn feed_files(
    feed: &Feed<'_>,
    ctx: &Context<'_>,
) -> Result<Vec<(String, Vec<u8>)>, RenderError> {
    let mut files = vec![
        (feed.path(RSS_FILE), render::rss::render(feed, ctx)?),
        (feed.path(ATOM_FILE), render::atom::render(feed, ctx)?),
        (feed.path(JSON_FILE), render::json::render(feed, ctx)?),
    ];
    if has_page(feed) {
        files.push((feed.path(PAGE_FILE), render::html::feed_page(feed, ctx)));
    }
    Ok(files)
}

/// The paths of the files [`feed_files`] renders for `feed`.
pub(crate) fn feed_paths(feed: &Feed<'_>) -> Vec<String> {
    let mut paths = vec![
        feed.path(RSS_FILE),
        feed.path(ATOM_FILE),
        feed.path(JSON_FILE),
    ];
    if has_page(feed) {
        paths.push(feed.path(PAGE_FILE));
    }
    paths
}

/// Whether a page for people goes beside the feed's files: not for an archive page,
/// which a reader reaches from the feed, nor for the global feed, whose page is the
/// front page.
fn has_page(feed: &Feed<'_>) -> bool {
    !matches!(feed.paging, Paging::Archive { .. }) && !feed.dir.is_empty()
}

/// The files that list every feed.
pub(crate) fn index_files(feeds: &[Feed<'_>], ctx: &Context<'_>) -> [(String, Vec<u8>); 2] {
    [
        ("index.opml".to_string(), render::opml::render(feeds, ctx)),
        ("index.html".to_string(), render::html::render(feeds, ctx)),
    ]
}

/// Renders feeds into an [`Output`] it keeps, re-rendering only the feeds it is told
/// may have changed, and reporting which files' bytes changed.
#[derive(Default)]
pub struct Renderer {
    sanitizer: Sanitizer,
    summaries: HashMap<EntryKey, Clean>,
    /// Shared with the bucket's publisher ([`Renderer::shared_files`]): copied only
    /// when a render changes it while a publish still holds it.
    files: Arc<Output>,
    /// The folder each feed was last rendered into.
    dirs: BTreeMap<FeedId, String>,
    /// The archived feeds' documents.
    history: History,
    /// Whether they are left to [`crate::render::history::stream`].
    history_later: bool,
    /// Whether archive pages' bytes are let go once written ([`Renderer::forgetting_pages`]).
    forget_pages: bool,
    /// Archive pages rendered since they were last let go, when they are.
    pages: Output,
    /// Every archive page's path, when their bytes are let go.
    page_paths: BTreeSet<String>,
    /// Whether every page is to be written from a stream ([`crate::render::history::stream`]):
    /// a full render of a renderer that lets pages go renders none of them.
    pages_to_stream: bool,
}

impl Renderer {
    /// A renderer for one build (`--once`): it renders every document once and keeps
    /// nothing to compare a next render with.
    pub fn for_one_build() -> Renderer {
        Renderer {
            history: History::for_one_build(),
            ..Renderer::default()
        }
    }

    /// A renderer that keeps archive pages' bytes only until they are written
    /// ([`Renderer::pages_written`]): they are most of the output, and a page changes
    /// rarely. [`Renderer::files`] then holds every other file.
    pub fn forgetting_pages() -> Renderer {
        Renderer {
            forget_pages: true,
            ..Renderer::default()
        }
    }

    pub fn files(&self) -> &Output {
        &self.files
    }

    /// [`Renderer::files`], shared rather than copied (archive pages make it large).
    pub fn shared_files(&self) -> Arc<Output> {
        Arc::clone(&self.files)
    }

    /// Archive pages rendered and not yet written, when their bytes are let go.
    pub fn pages(&self) -> &Output {
        &self.pages
    }

    /// Every archive page's path, when their bytes are let go.
    pub fn page_paths(&self) -> &BTreeSet<String> {
        &self.page_paths
    }

    /// The pages rendered so far are on disk (with `streamed`, every page, from a
    /// stream): their bytes go.
    pub fn pages_written(&mut self, streamed: bool) {
        self.pages = Output::new();
        if streamed {
            self.pages_to_stream = false;
        }
    }

    /// Whether the next write takes every page from a stream
    /// ([`crate::render::history::stream`]) rather than [`Renderer::pages`]: the pages'
    /// bytes go once written, and the folder is written `whole` or the pages were not
    /// rendered (a full render).
    pub fn streams_pages(&self, whole: bool) -> bool {
        self.forget_pages && (whole || self.pages_to_stream)
    }

    /// The archived feeds' documents as last rendered.
    #[cfg(test)]
    pub(crate) fn history(&self) -> &History {
        &self.history
    }

    pub fn forgets_pages(&self) -> bool {
        self.forget_pages
    }

    pub fn into_files(self) -> Output {
        Arc::unwrap_or_clone(self.files)
    }

    fn clean_summaries(&mut self, feeds: &[(FeedId, Feed<'_>)], only: Option<&BTreeSet<FeedId>>) {
        let mut stale: Vec<&Entry> = Vec::new();
        let mut seen: HashSet<&EntryKey> = HashSet::new();
        for (id, feed) in feeds {
            if only.is_some_and(|o| !o.contains(id)) {
                continue;
            }
            for entry in &feed.entries {
                let fresh = self.summaries.get(&entry.key).is_some_and(|c| {
                    Arc::ptr_eq(&c.raw, &entry.summary_html) || c.raw == entry.summary_html
                });
                if !fresh && seen.insert(&entry.key) {
                    stale.push(entry);
                }
            }
        }
        // A full render cleans a few thousand summaries: on every core.
        let cleaned = par_map(&stale, |entry| self.sanitizer.clean(&entry.summary_html));
        for (entry, html) in stale.into_iter().zip(cleaned) {
            self.summaries.insert(
                entry.key.clone(),
                Clean {
                    raw: entry.summary_html.clone(),
                    html,
                },
            );
        }
    }

    fn put(&mut self, path: String, mut bytes: Vec<u8>, changed: &mut BTreeSet<String>) {
        if self.files.get(&path) != Some(&bytes) {
            changed.insert(path.clone());
            // Kept until the next render: a buffer is made with room to spare
            // ([`Context::size_hint`]), which the daemon would keep.
            bytes.shrink_to_fit();
            Arc::make_mut(&mut self.files).insert(path, bytes);
        }
    }

    /// Brings the kept output in line with `engine`. `dirty` names the feeds that may
    /// have changed (`None`: all). Returns the paths whose bytes changed or that are gone.
    pub fn render(
        &mut self,
        engine: &Engine,
        settings: &Settings,
        dirty: Option<&BTreeSet<FeedId>>,
    ) -> Result<BTreeSet<String>, RenderError> {
        let feeds = engine.feeds(settings);
        let mut changed = BTreeSet::new();
        let dirs: BTreeMap<FeedId, String> = feeds
            .iter()
            .map(|(id, f)| (id.clone(), f.dir.clone()))
            .collect();
        // Feeds that are gone, or whose folder moved (a slug collision appeared or went).
        let moved: BTreeSet<FeedId> = self
            .dirs
            .iter()
            .filter(|(id, dir)| dirs.get(*id) != Some(*dir))
            .map(|(id, _)| id.clone())
            .collect();
        for id in &moved {
            if let Some(dir) = self.dirs.get(id) {
                for file in [RSS_FILE, ATOM_FILE, JSON_FILE, PAGE_FILE] {
                    let path = if dir.is_empty() {
                        file.to_string()
                    } else {
                        format!("{dir}/{file}")
                    };
                    if self.files.contains_key(&path) {
                        Arc::make_mut(&mut self.files).remove(&path);
                        changed.insert(path);
                    }
                }
            }
        }
        let must = |id: &FeedId| {
            dirty.is_none_or(|d| d.contains(id))
                || moved.contains(id)
                || !self.dirs.contains_key(id)
        };
        // The archived feeds' current documents are the history's to render.
        let wanted: BTreeSet<FeedId> = feeds
            .iter()
            .filter(|(id, feed)| must(id) && !is_archived(settings, &feed.kind))
            .map(|(id, _)| id.clone())
            .collect();
        if dirty.is_none() {
            // A full render: forget summaries of entries no feed shows any more.
            self.summaries.clear();
        }
        self.clean_summaries(&feeds, Some(&wanted));
        let mut rendered = Vec::new();
        {
            let ctx = Context {
                settings,
                summaries: &self.summaries,
                sanitizer: &self.sanitizer,
            };
            let todo: Vec<&Feed<'_>> = feeds
                .iter()
                .filter(|(id, _)| wanted.contains(id))
                .map(|(_, feed)| feed)
                .collect();
            for three in par_map(&todo, |feed| feed_files(feed, &ctx)) {
                rendered.extend(three?);
            }
            let all: Vec<Feed<'_>> = feeds.iter().map(|(_, f)| f.clone()).collect();
            rendered.extend(index_files(&all, &ctx));
        }
        for (path, bytes) in rendered {
            self.put(path, bytes, &mut changed);
        }
        if settings.archives.any() && !self.history_later {
            let all: Vec<&Feed<'_>> = feeds.iter().map(|(_, f)| f).collect();
            let (files, page_paths) = (&self.files, &self.page_paths);
            let history = self.history.render(
                engine,
                &all,
                settings,
                &self.sanitizer,
                dirty.is_none(),
                self.forget_pages && dirty.is_none(),
                |path| files.contains_key(path) || page_paths.contains(path),
            )?;
            if self.forget_pages {
                if dirty.is_none() {
                    self.pages = Output::new();
                    self.pages_to_stream = true;
                }
                self.page_paths = history.pages;
            }
            for path in history.gone {
                self.pages.remove(&path);
                let held = self.files.contains_key(&path);
                if held {
                    Arc::make_mut(&mut self.files).remove(&path);
                }
                if held || archive::is_page(&path) {
                    changed.insert(path);
                }
            }
            for (path, bytes) in history.files {
                if self.forget_pages && archive::is_page(&path) {
                    // Whether the bytes differ is the writer's to see: a page's inputs did.
                    changed.insert(path.clone());
                    self.pages.insert(path, bytes);
                } else {
                    self.put(path, bytes, &mut changed);
                }
            }
        }
        // Keep clean summaries only for entries some feed still shows.
        let shown: std::collections::HashSet<&EntryKey> = feeds
            .iter()
            .flat_map(|(_, f)| f.entries.iter().map(|e| &e.key))
            .collect();
        self.summaries.retain(|key, _| shown.contains(key));
        self.dirs = dirs;
        Ok(changed)
    }
}

/// Renders every feed, `index.opml` and `index.html` for a corpus.
pub fn build(corpus: Corpus, settings: &Settings) -> Result<Built, RenderError> {
    build_with(corpus, settings, false, |_, _| None).map(|(built, _)| built)
}

/// [`build`] for a corpus whose digests may have been read without summaries: `read`
/// reads a digest again with the summaries of the items at the given positions, and is
/// asked only for the digests and items whose summaries some feed shows. Also returns
/// the engine, for the caller to keep or drop. With `history_later`, the archived
/// feeds' documents are left out, for the caller to stream from the engine
/// ([`crate::render::history::stream`]).
pub fn build_with(
    corpus: Corpus,
    settings: &Settings,
    history_later: bool,
    read: impl Fn(&std::path::Path, &[usize]) -> Option<crate::model::Digest> + Sync,
) -> Result<(Built, Engine), RenderError> {
    let started = std::time::Instant::now();
    let mut engine = Engine::for_one_build(settings);
    engine.apply(
        corpus
            .into_iter()
            .map(|(path, digest)| (path, Some(digest))),
    );
    let merged = started.elapsed();
    let wanted: Vec<(std::path::PathBuf, Vec<usize>)> =
        engine.needs_summaries(settings).into_iter().collect();
    for ((path, at), full) in wanted.iter().zip(par_map(&wanted, |(p, at)| read(p, at))) {
        if let Some(full) = full {
            // A file that changed since it was read keeps its summaries out.
            engine.fill_summaries(path, &full, at);
        }
    }
    let filled = started.elapsed();
    let mut renderer = Renderer {
        history_later,
        ..Renderer::for_one_build()
    };
    renderer.render(&engine, settings, None)?;
    let files = renderer.into_files();
    tracing::debug!(
        merge_ms = merged.as_millis() as u64,
        summaries_ms = (filled - merged).as_millis() as u64,
        reread = wanted.len(),
        summaries = wanted.iter().map(|(_, at)| at.len()).sum::<usize>(),
        render_ms = (started.elapsed() - filled).as_millis() as u64,
        "build"
    );
    let built = Built {
        entries: engine.counts().1,
        files,
    };
    Ok((built, engine))
}
