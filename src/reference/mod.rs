//! The reference pipeline: docs/FORMAT.md §1-3 computed the plain way, in passes over
//! the whole corpus. The binary never runs it: tests, the fuzz target and benchmarks
//! hold what the binary runs (the [`crate::engine`], for `--once` and the daemon alike)
//! to it, byte for byte.

pub(crate) mod layout;
pub(crate) mod merge;
pub(crate) mod split;

use crate::config::Settings;
use crate::engine::digest_entry;
use crate::model::key::EntryKey;
use crate::model::names::intern;
use crate::model::{category_set, Corpus, Digest, Entry};
use crate::render::history::history_files;
use crate::render::sanitize::Sanitizer;
use crate::render::tree::{feed_files, index_files, Built, Output};
use crate::render::{Clean, Context, RenderError};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// The whole output, computed the simple way: one pass of `merge::merge` over the
/// whole corpus, then `layout::plan`, then the same renderers.
pub fn build(corpus: &Corpus, settings: &Settings) -> Result<Built, RenderError> {
    let merged = merge::merge(corpus, &settings.authors, settings.max_categories);
    // The digest feed: the newest digests.
    let digests: Vec<Entry> = newest_digests(corpus)
        .into_iter()
        .take(settings.max_entries)
        .map(|(path, digest)| digest_entry_of(path, digest, settings))
        .collect();
    let feeds = layout::plan(
        &merged.entries,
        &digests,
        corpus.len(),
        &merged.names,
        settings,
    );
    let sanitizer = Sanitizer::default();
    let mut summaries: HashMap<EntryKey, Clean> = HashMap::new();
    for entry in feeds.iter().flat_map(|f| f.entries.iter()) {
        summaries.entry(entry.key.clone()).or_insert_with(|| Clean {
            raw: entry.summary_html.clone(),
            html: sanitizer.clean(&entry.summary_html),
        });
    }
    let ctx = Context {
        settings,
        summaries: &summaries,
        sanitizer: &sanitizer,
    };
    let mut out = Output::new();
    for feed in &feeds {
        out.extend(feed_files(feed, &ctx)?);
    }
    out.extend(index_files(&feeds, &ctx));
    if settings.archives.any() {
        let every: Vec<Entry> = newest_digests(corpus)
            .into_iter()
            .map(|(path, digest)| digest_entry_of(path, digest, settings))
            .collect();
        out.extend(history_files(
            &feeds,
            &merged.entries,
            &every,
            settings,
            &sanitizer,
        )?);
    }
    Ok(Built {
        files: out,
        entries: merged.entries.len(),
    })
}

/// The digests newest first: by date, then path, both descending.
fn newest_digests(corpus: &Corpus) -> Vec<(&PathBuf, &Digest)> {
    let mut newest: Vec<_> = corpus.iter().collect();
    newest.sort_by(|a, b| (b.1.date.timestamp(), b.0).cmp(&(a.1.date.timestamp(), a.0)));
    newest
}

fn digest_entry_of(path: &Path, digest: &Digest, settings: &Settings) -> Entry {
    let categories = category_set(digest.categories.iter().map(|c| intern(c)).collect());
    digest_entry(
        path,
        digest,
        categories,
        &settings.post_url,
        settings.timezone,
    )
}
