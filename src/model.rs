//! Plain data passed between the pipeline's steps.

use crate::key::{EntryKey, Link};
use chrono::{DateTime, FixedOffset};
use std::collections::BTreeSet;
use std::sync::Arc;

/// One digest file, parsed. Holds nothing that depends on other files.
#[derive(Debug, Clone, PartialEq)]
pub struct Digest {
    /// Whole seconds: every feed format can show it exactly.
    pub date: DateTime<FixedOffset>,
    /// Trimmed, non-empty, without duplicates, in the order written.
    pub categories: Vec<String>,
    pub items: Vec<Item>,
    /// Whether the items' summaries were read; if not, they are empty until filled in.
    pub summaries: bool,
}

/// One numbered item of a digest.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    /// Line of the item's list marker in the file (1-based).
    pub line: usize,
    /// The link text as plain text, possibly still ending in an author's name.
    pub title: String,
    pub link: Link,
    /// The summary rendered to HTML, not yet sanitised. Shared, not copied, by the
    /// entry it becomes.
    pub summary_html: Arc<str>,
}

/// What a file turned out to be.
#[derive(Debug, Clone, PartialEq)]
pub enum Parsed {
    Digest(Digest),
    /// `draft: true`: not published, not an error.
    Draft,
}

/// One tweet (or other link) after merging every digest that mentions it.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub key: EntryKey,
    /// Canonical, absolute: the id/guid and link in every feed.
    pub url: String,
    /// Plain text, without the author's name.
    pub title: String,
    /// The X handle as first written, if the entry is a tweet whose handle is known.
    pub handle: Option<String>,
    /// Display name of the author; `None` for entries credited to the site.
    pub author: Option<String>,
    pub published: DateTime<FixedOffset>,
    pub categories: BTreeSet<String>,
    /// Not yet sanitised.
    pub summary_html: Arc<str>,
}

impl Entry {
    /// Lowercase handle: the author feed this entry belongs to.
    pub fn author_feed(&self) -> Option<String> {
        self.handle.as_ref().map(|h| h.to_ascii_lowercase())
    }
}
