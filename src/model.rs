//! Plain data passed between the pipeline's steps.

use crate::error::DigestError;
use crate::key::{tweet_url, EntryKey, Link};
pub use crate::parse::plain::Doubt;
use chrono::{DateTime, FixedOffset};
use std::sync::Arc;

/// Every valid, non-draft digest, by path relative to the input folder.
pub type Corpus = std::collections::BTreeMap<std::path::PathBuf, Digest>;

/// One digest file, parsed. Holds nothing that depends on other files.
#[derive(Debug, Clone, PartialEq)]
pub struct Digest {
    /// Whole seconds: every feed format can show it exactly.
    pub date: DateTime<FixedOffset>,
    /// Trimmed, non-empty, without duplicates, in the order written.
    pub categories: Vec<String>,
    pub items: Vec<Item>,
    /// Whether the items' summaries were read; if not, they are empty until filled in.
    pub summaries: Summaries,
    /// Items left out, each with why (no leading link, or a link that is not an
    /// absolute http(s) URL): the rest of the digest is published without them.
    pub skipped: Vec<DigestError>,
    /// Why the line-by-line reading of the items left them to the CommonMark parser;
    /// `None` when it read them, or was not tried (summaries read), so that a run can
    /// say what its digests cost.
    pub doubt: Option<Doubt>,
    /// What the line-by-line reading saw of items without a summary and of summaries
    /// that fell out of their item, for `digestfeed check`; `None` when it did not read
    /// the items (the check then reads the text again).
    pub notes: Option<Vec<BodyNote>>,
}

/// An item's shape that `digestfeed check` reports (DF002, DF003). Lines are 1-based.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyNote {
    /// The item that starts at this line has no summary.
    Bare { item: usize },
    /// A line after a blank one, indented less than the content of the item that
    /// starts at `item`: CommonMark reads it outside the item.
    Fallen {
        line: usize,
        indent: usize,
        content: usize,
        item: usize,
    },
}

impl BodyNote {
    /// The same note `by` lines further down.
    pub fn shifted(self, by: usize) -> BodyNote {
        match self {
            BodyNote::Bare { item } => BodyNote::Bare { item: item + by },
            BodyNote::Fallen {
                line,
                indent,
                content,
                item,
            } => BodyNote::Fallen {
                line: line + by,
                indent,
                content,
                item: item + by,
            },
        }
    }
}

/// Whether a digest is read with its items' summaries. A full run reads them only for
/// the entries some feed shows: rendering every summary is most of a parse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Summaries {
    Read,
    Skip,
}

/// One numbered item of a digest.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    /// Line of the item's list marker in the file (1-based).
    pub line: usize,
    /// The link text as plain text, possibly still ending in an author's name.
    pub title: Arc<str>,
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

/// The start of a shared string. An entry's title is its item's title up to the
/// author's name: pointing into the item's title saves a copy per entry, and a full run
/// holds hundreds of thousands of entries. (Names, fewer and shared by many entries,
/// are [`crate::names`].)
#[derive(Clone, Eq)]
pub struct Prefix {
    full: Arc<str>,
    len: usize,
}

impl Prefix {
    /// `full[..len]`; all of `full` if `len` is not a character boundary inside it.
    pub fn new(full: Arc<str>, len: usize) -> Prefix {
        let len = if full.is_char_boundary(len) {
            len
        } else {
            full.len()
        };
        Prefix { full, len }
    }
}

impl std::ops::Deref for Prefix {
    type Target = str;
    fn deref(&self) -> &str {
        &self.full[..self.len]
    }
}

impl PartialEq for Prefix {
    fn eq(&self, other: &Prefix) -> bool {
        **self == **other
    }
}

impl PartialEq<&str> for Prefix {
    fn eq(&self, other: &&str) -> bool {
        **self == **other
    }
}

impl std::fmt::Debug for Prefix {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&**self, f)
    }
}

/// One tweet (or other link) after merging every digest that mentions it. Strings are
/// shared with the digests, or stored once for the process, rather than copied.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub key: EntryKey,
    /// Plain text, without the author's name.
    pub title: Prefix,
    /// The X handle as first written, if the entry is a tweet whose handle is known.
    pub handle: Option<&'static str>,
    /// Display name of the author; `None` for entries credited to the site.
    pub author: Option<&'static str>,
    pub published: DateTime<FixedOffset>,
    /// Sorted, without duplicates; stored once for the process ([`crate::names`]).
    pub categories: &'static [&'static str],
    /// Not yet sanitised.
    pub summary_html: Arc<str>,
}

impl Entry {
    /// Canonical, absolute: the id/guid and link in every feed.
    pub fn url(&self) -> String {
        match &self.key {
            EntryKey::Tweet(id) => tweet_url(self.handle, *id),
            EntryKey::Url(url) => url.to_string(),
        }
    }

    /// Lowercase handle: the author feed this entry belongs to.
    pub fn author_feed(&self) -> Option<String> {
        self.handle.as_ref().map(|h| h.to_ascii_lowercase())
    }
}

/// Categories as an entry holds them: sorted, without duplicates.
pub fn category_set(mut names: Vec<&'static str>) -> &'static [&'static str] {
    names.sort_unstable();
    names.dedup();
    crate::names::intern_set(&names)
}
