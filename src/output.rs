//! The whole desired output tree, as bytes: the one path from parsed digests to files
//! that `--once` and the daemon share.

use crate::config::Settings;
use crate::key::EntryKey;
use crate::merge::{merge, Corpus};
use crate::plan::plan;
use crate::render::sanitize::Sanitizer;
use crate::render::{self, Context, RenderError, ATOM_FILE, JSON_FILE, RSS_FILE};
use std::collections::{BTreeMap, HashMap};

/// Relative path (always `/`-separated, inside the output folder) → file content.
pub type Output = BTreeMap<String, Vec<u8>>;

/// Every output file, and how many entries the corpus made.
#[derive(Debug, Default)]
pub struct Built {
    pub files: Output,
    pub entries: usize,
}

/// Renders every feed, `index.opml` and `index.html` for a corpus.
pub fn build(corpus: &Corpus, settings: &Settings) -> Result<Built, RenderError> {
    let merged = merge(corpus, &settings.authors);
    let feeds = plan(&merged.entries, &merged.names, settings);

    // Sanitise each entry once, and only the entries that some feed shows.
    let sanitizer = Sanitizer::default();
    let mut summaries: HashMap<&EntryKey, String> = HashMap::new();
    for entry in feeds.iter().flat_map(|f| f.entries.iter()) {
        summaries
            .entry(&entry.key)
            .or_insert_with(|| sanitizer.clean(&entry.summary_html));
    }
    let ctx = Context {
        settings,
        summaries: &summaries,
    };

    let mut out = Output::new();
    for feed in &feeds {
        out.insert(feed.path(RSS_FILE), render::rss::render(feed, &ctx)?);
        out.insert(feed.path(ATOM_FILE), render::atom::render(feed, &ctx)?);
        out.insert(feed.path(JSON_FILE), render::json::render(feed, &ctx)?);
    }
    out.insert("index.opml".to_string(), render::opml::render(&feeds, &ctx));
    out.insert("index.html".to_string(), render::html::render(&feeds, &ctx));
    Ok(Built {
        files: out,
        entries: merged.entries.len(),
    })
}
