//! Plain data passed between the pipeline's steps.

pub(crate) mod key;
pub(crate) mod names;

use crate::error::DigestError;
use crate::model::key::{tweet_url, EntryKey, Link};
use chrono::{DateTime, FixedOffset};
use std::sync::Arc;

/// Why the line-by-line reading ([`crate::parse::lines`]) left a body to the CommonMark parser: the first thing it found that it
/// could not be sure of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Doubt {
    /// A carriage return not followed by a line feed, which CommonMark reads as a line end.
    LoneCarriageReturn,
    /// A line indented with a tab.
    TabIndent,
    /// A list marker with no text after it, a tab after it, or more than four spaces.
    OddMarker,
    /// A numbered line right under the text before the list, which may start a list.
    ListInIntro,
    /// A marker with the other delimiter (`1.` then `2)`), which starts another list.
    OtherDelimiter,
    /// Text before the list that may be a block other than a paragraph (heading, code,
    /// HTML, quote, bullet list, link definition…).
    IntroBlock,
    /// An item that does not start with `[title](url)`, or one not closed on its line.
    NoPlainLink,
    /// A title with brackets, HTML other than bare tags, or a code span not closed on
    /// its line.
    TitleMarkup,
    /// A title with a backslash escape or a character reference (`&amp;`).
    TitleEscape,
    /// A title of whitespace only.
    EmptyTitle,
    /// A link destination with anything but plain ASCII (`<…>`, a title, spaces,
    /// parentheses, escapes, references, other characters).
    LinkDestination,
    /// A line right under an item's title line that underlines it into a heading.
    UnderlinedTitle,
    /// A line indented less than its item, right under it, that may not continue a
    /// paragraph lazily: it may start a block, or follow one that is not a paragraph.
    LazyLine,
    /// A numbered line after the list has ended, which may start another.
    SecondList,
}

/// Every valid, non-draft digest, by path relative to the input folder.
pub type Corpus = std::collections::BTreeMap<std::path::PathBuf, Digest>;

/// One digest file, parsed. Holds nothing that depends on other files.
#[derive(Debug, Clone, PartialEq)]
pub struct Digest {
    /// The front matter's `title`, whitespace collapsed; empty if it has none.
    pub title: Box<str>,
    /// Whole seconds: every feed format can show it exactly.
    pub date: DateTime<FixedOffset>,
    /// The front matter's `lastmod`, when it has one: the digest feed's `updated`.
    pub lastmod: Option<DateTime<FixedOffset>>,
    /// The front matter's `slug`, for the digest's page URL (`post_url`).
    pub slug: Option<Box<str>>,
    /// The text before the list, rendered to HTML, not yet sanitised; empty when the
    /// summaries were not read (see [`Digest::summaries`]) or there is none.
    pub intro_html: Arc<String>,
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
    /// The line of the item it is about.
    pub fn item(&self) -> usize {
        match *self {
            BodyNote::Bare { item } | BodyNote::Fallen { item, .. } => item,
        }
    }

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
    pub title: Shared,
    pub link: Link,
    /// The summary rendered to HTML, not yet sanitised. Shared, not copied, by the
    /// entry it becomes. An `Arc<String>` is one pointer wide, an `Arc<str>` two: the
    /// daemon holds an item for every item of the folder.
    pub summary_html: Arc<String>,
}

/// What a file turned out to be.
#[derive(Debug, Clone, PartialEq)]
pub enum Parsed {
    Digest(Digest),
    /// `draft: true`: not published, not an error.
    Draft,
}

/// Part of a shared string. The titles of a digest are one allocation, each title a
/// part of it, and an entry's title (its item's title up to the author's name) is a
/// part of that: the daemon holds every title of the folder, and an allocation each
/// cost a third again of their text. (Names, fewer and shared by many entries, are
/// `crate::model::names`.)
/// Sixteen bytes: the buffer is an `Arc<String>`, one pointer wide.
#[derive(Clone, Eq)]
pub struct Shared {
    buf: Arc<String>,
    start: u32,
    end: u32,
}

impl Shared {
    /// `buf[range]`; a copy of its own if the range is not one of `buf` (or past the
    /// 4 GiB that the offsets hold).
    pub fn part(buf: &Arc<String>, range: std::ops::Range<usize>) -> Shared {
        let offsets = (u32::try_from(range.start), u32::try_from(range.end));
        match (buf.get(range.clone()), offsets) {
            (Some(_), (Ok(start), Ok(end))) => Shared {
                buf: Arc::clone(buf),
                start,
                end,
            },
            (part, _) => Shared::from(part.unwrap_or_default()),
        }
    }

    /// This string up to `len`; all of it if `len` is not a character boundary inside it.
    pub fn prefix(&self, len: usize) -> Shared {
        let mut prefix = self.clone();
        if self.is_char_boundary(len) {
            // Within the string: no wider than its u32 offsets.
            prefix.end = self.start + len as u32;
        }
        prefix
    }
}

impl From<&str> for Shared {
    fn from(text: &str) -> Shared {
        Shared::from(text.to_string())
    }
}

impl From<String> for Shared {
    fn from(text: String) -> Shared {
        let len = text.len();
        Shared::part(&Arc::new(text), 0..len)
    }
}

impl std::ops::Deref for Shared {
    type Target = str;
    fn deref(&self) -> &str {
        self.buf
            .get(self.start as usize..self.end as usize)
            .unwrap_or_default()
    }
}

impl PartialEq for Shared {
    fn eq(&self, other: &Shared) -> bool {
        **self == **other
    }
}

impl PartialEq<&str> for Shared {
    fn eq(&self, other: &&str) -> bool {
        **self == **other
    }
}

impl std::fmt::Debug for Shared {
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
    pub title: Shared,
    /// The X handle as first written, if the entry is a tweet whose handle is known.
    pub handle: Option<&'static str>,
    /// Display name of the author; `None` for entries credited to the site.
    pub author: Option<&'static str>,
    pub published: DateTime<FixedOffset>,
    /// Sorted, without duplicates; stored once for the process (`crate::model::names`).
    pub categories: &'static [&'static str],
    /// Not yet sanitised.
    pub summary_html: Arc<String>,
    /// When it last changed, if not when it was published (a digest's `lastmod`, in the
    /// digest feed; entry feeds date an entry once).
    pub updated: Option<DateTime<FixedOffset>>,
}

impl Entry {
    /// Canonical, absolute: the id/guid and link in every feed.
    pub fn url(&self) -> String {
        match &self.key {
            EntryKey::Tweet(id) => tweet_url(self.handle, *id),
            EntryKey::Url(url) => url.to_string(),
        }
    }

    /// When it last changed: `updated`, else when it was published.
    pub fn modified(&self) -> DateTime<FixedOffset> {
        self.updated.unwrap_or(self.published)
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
    crate::model::names::intern_set(&names)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_parts_and_prefixes_read_as_their_text() {
        let buf = Arc::new(String::from("Mamba-SSM 新进展-向阳乔木Second"));
        let first = Shared::part(&buf, 0..32);
        assert_eq!(first, "Mamba-SSM 新进展-向阳乔木");
        assert_eq!(Shared::part(&buf, 32..buf.len()), "Second");
        assert!(Arc::ptr_eq(&first.buf, &buf), "a part shares the buffer");
        assert_eq!(first.prefix(19), "Mamba-SSM 新进展");
        // Inside a character, or past the end: the whole string.
        assert_eq!(first.prefix(12), "Mamba-SSM 新进展-向阳乔木");
        assert_eq!(first.prefix(99), "Mamba-SSM 新进展-向阳乔木");
        // A range that is not one of the buffer's gives an empty string, not a panic.
        assert_eq!(Shared::part(&buf, 11..12), "");
        assert_eq!(Shared::part(&buf, 5..99), "");
        assert_eq!(Shared::from(String::from("own")), Shared::from("own"));
    }

    /// The daemon holds an item, and so a title, per item of the folder.
    #[test]
    fn items_stay_small() {
        assert_eq!(std::mem::size_of::<Shared>(), 16);
        assert_eq!(std::mem::size_of::<Item>(), 56);
    }
}
