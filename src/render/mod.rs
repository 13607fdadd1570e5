//! Feeds to bytes. Nothing here reads the clock or the disk: a feed's dates are its
//! entries' dates, so the same entries always give the same bytes.

pub(crate) mod atom;
pub(crate) mod every;
pub(crate) mod history;
pub(crate) mod html;
pub(crate) mod json;
pub(crate) mod labels;
pub(crate) mod opml;
pub(crate) mod rss;
pub(crate) mod sanitize;
pub mod tree;

use crate::config::Settings;
use crate::engine::layout::{file_in, Feed, Paging};
use crate::model::key::EntryKey;
use crate::model::Entry;
use crate::support::text::display_name;
use chrono::{DateTime, FixedOffset};
use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

pub const RSS_FILE: &str = "rss.xml";
pub const ATOM_FILE: &str = "atom.xml";
pub const JSON_FILE: &str = "feed.json";

pub use crate::error::RenderError;

/// A summary as written and as cleaned, so that a cached clean version is used only
/// while the summary is unchanged.
#[derive(Debug, Clone, Default)]
pub struct Clean {
    pub raw: std::sync::Arc<String>,
    pub html: String,
}

/// Shared by every renderer of one run.
pub struct Context<'a> {
    pub settings: &'a Settings,
    /// Sanitised summary HTML of every entry that is in some feed.
    pub summaries: &'a HashMap<EntryKey, Clean>,
    /// For a summary not in `summaries`: an entry of the digest feed whose page URL
    /// is also an item's link shares that entry's key, not its text.
    pub(crate) sanitizer: &'a sanitize::Sanitizer,
}

impl Context<'_> {
    /// Absolute URL of an output file; non-ASCII slugs are percent-encoded.
    pub fn url(&self, path: &str) -> String {
        output_url(&self.settings.base_url, path)
    }

    pub fn summary(&self, entry: &Entry) -> Cow<'_, str> {
        match self.summaries.get(&entry.key) {
            Some(c) if Arc::ptr_eq(&c.raw, &entry.summary_html) || c.raw == entry.summary_html => {
                Cow::Borrowed(c.html.as_str())
            }
            _ if entry.summary_html.is_empty() => Cow::Borrowed(""),
            _ => Cow::Owned(self.sanitizer.clean(&entry.summary_html)),
        }
    }

    /// About how many bytes a document of `feed` takes in any format: each entry's
    /// summary, a quarter more for escaping, and its other elements. A document's
    /// buffer made this large at once is not copied as it grows (archive pages run to
    /// megabytes).
    pub(crate) fn size_hint(&self, feed: &Feed<'_>) -> usize {
        let summaries: usize = feed.entries.iter().map(|e| self.summary_len(e)).sum();
        self.size_hint_without_summaries(feed) + summaries / 4 * 5
    }

    /// [`Context::size_hint`] for a document without its entries' summaries.
    pub(crate) fn size_hint_without_summaries(&self, feed: &Feed<'_>) -> usize {
        4096 + feed.entries.len() * 1024
    }

    fn summary_len(&self, entry: &Entry) -> usize {
        self.summaries
            .get(&entry.key)
            .map_or(entry.summary_html.len(), |c| c.html.len())
    }

    /// Who an entry is credited to, the same in every format: its author with their
    /// profile, else the site with its home page. Every entry has one, so that no
    /// reader shows an entry without an author.
    pub fn credit<'e>(&'e self, entry: &'e Entry) -> Credit<'e> {
        match (entry.author, entry.handle) {
            (Some(name), Some(handle)) => Credit {
                name: display_name(name, handle),
                url: profile_url(handle),
            },
            _ => Credit {
                name: Cow::Borrowed(&self.settings.site.author),
                url: self.settings.site.link.to_string(),
            },
        }
    }
}

/// Absolute URL of the output file at `path` under `base` (the feeds' self links, the
/// topics told to WebSub hubs); non-ASCII slugs are percent-encoded.
pub fn output_url(base: &url::Url, path: &str) -> String {
    match base.join(path) {
        Ok(url) => url.to_string(),
        // Paths are built from slugs and fixed names, which always join.
        Err(_) => format!("{base}{path}"),
    }
}

/// RFC 5005's namespace, of `fh:complete` and `fh:archive`.
pub(crate) const HISTORY_NAMESPACE: &str = "http://purl.org/syndication/history/1.0";

/// A feed document's RFC 5005 links, to its documents in the same format (`file`):
/// (rel, path relative to the output root).
pub(crate) fn history_links(feed: &Feed<'_>, file: &str) -> Vec<(&'static str, String)> {
    match &feed.paging {
        Paging::Open | Paging::Complete => Vec::new(),
        Paging::Current { prev } => vec![("prev-archive", file_in(prev, file))],
        Paging::Archive {
            current,
            prev,
            next,
        } => [
            ("current", Some(current)),
            ("prev-archive", prev.as_ref()),
            ("next-archive", next.as_ref()),
        ]
        .into_iter()
        .filter_map(|(rel, dir)| Some((rel, file_in(dir?, file))))
        .collect(),
    }
}

/// Path of the current document of `feed`'s feed in `file`'s format: the document
/// itself, or for an archive page the one it belongs to (whose id it shares, as the
/// documents of one logical feed do in RFC 5005's examples).
pub(crate) fn current_path(feed: &Feed<'_>, file: &str) -> String {
    match &feed.paging {
        Paging::Archive { current, .. } => file_in(current, file),
        _ => feed.path(file),
    }
}

/// The `fh:` element a feed document carries: `complete` when it holds every entry of
/// its feed, `archive` on an archive page.
pub(crate) fn history_mark(feed: &Feed<'_>) -> Option<&'static str> {
    match feed.paging {
        Paging::Complete => Some("complete"),
        Paging::Archive { .. } => Some("archive"),
        Paging::Open | Paging::Current { .. } => None,
    }
}

/// A name and the page that stands for it.
pub struct Credit<'e> {
    pub name: Cow<'e, str>,
    pub url: String,
}

/// The feed's date: its latest entry change, or the Unix epoch for a feed with no entries
/// (a fixed value, so that an empty feed is as reproducible as a full one).
pub fn feed_updated(feed: &Feed<'_>) -> DateTime<FixedOffset> {
    feed.entries
        .iter()
        .map(|e| e.modified())
        .max()
        .unwrap_or_else(|| DateTime::UNIX_EPOCH.fixed_offset())
}

/// The profile URL of an X handle.
pub fn profile_url(handle: &str) -> String {
    format!("https://x.com/{handle}")
}
