//! The lints of one digest's text, read line by line: DF002, DF003 and DF009.

use crate::error::report::Lint;
use crate::model::BodyNote;
use std::path::Path;

/// DF009: a digest that yields no item, though a line of its body looks like a list
/// item or holds a tweet link: most likely a shape digestfeed does not read as items
/// (indented four spaces, a blockquote, `1、`), which publishes nothing without a word.
/// Digests whose items were reported as errors already are left out.
pub fn no_items(path: &Path, digest: &crate::model::Digest, text: &[u8]) -> Option<Lint> {
    if !digest.items.is_empty() || !digest.skipped.is_empty() {
        return None;
    }
    let mut all = lines(text).enumerate();
    // Past the front matter, whose block lists (`  - AI`) are no items.
    if all.next().is_some_and(|(_, l)| {
        l.strip_prefix("\u{feff}".as_bytes())
            .unwrap_or(l)
            .trim_ascii_end()
            == b"---"
    }) {
        all.by_ref().find(|(_, l)| l.trim_ascii_end() == b"---")?;
    }
    let tweet = |l: &[u8]| {
        memchr::memmem::find(l, b"/status/").is_some()
            && ["x.com/", "twitter.com/"]
                .iter()
                .copied()
                .chain(crate::model::key::MIRRORS.iter().copied())
                .any(|h| memchr::memmem::find(l, h.as_bytes()).is_some())
    };
    // Code blocks and HTML comments hold no items, and neither do thematic breaks
    // (`* * *`, `- - -`).
    let (mut fenced, mut commented) = (false, false);
    let (at, _) = all.find(|(_, l)| {
        let l = l.trim_ascii_start();
        if l.starts_with(b"```") || l.starts_with(b"~~~") {
            fenced = !fenced;
            return false;
        }
        if commented || l.starts_with(b"<!--") {
            commented = memchr::memmem::find(l, b"-->").is_none();
            return false;
        }
        if fenced
            || l.iter()
                .all(|b| matches!(b, b'-' | b'*' | b'_' | b' ' | b'\t'))
        {
            return false;
        }
        let l = l.strip_prefix(b">").map_or(l, <[u8]>::trim_ascii_start);
        content_column(l).is_some() || tweet(l)
    })?;
    Some(Lint {
        code: "DF009",
        path: path.to_path_buf(),
        line: Some(at + 1),
        message: "this line looks like a list item or holds a tweet link, yet the digest has no item and publishes nothing: write items as `1. [title](https://x.com/handle/status/ID)` or `- [title](…)` at the start of a line".into(),
    })
}

/// The lines of a file, without their line ends (found with memchr: a byte-wise split
/// was slower than `str::lines`).
pub(super) fn lines(text: &[u8]) -> impl Iterator<Item = &[u8]> {
    let ends = memchr::memchr_iter(b'\n', text).chain(std::iter::once(text.len()));
    let mut start = 0;
    ends.map(move |end| {
        let line = text.get(start..end).unwrap_or_default();
        start = end + 1;
        line.strip_suffix(b"\r").unwrap_or(line)
    })
}

pub(super) fn is_blank(line: &[u8]) -> bool {
    line.iter().all(u8::is_ascii_whitespace)
}

/// The line of a top-level key of the front matter (`date:`), if the text has one.
pub(super) fn front_matter_line(text: &[u8], key: &str) -> Option<usize> {
    let mut lines = lines(text).enumerate();
    let (_, first) = lines.next()?;
    let first = first.strip_prefix("\u{feff}".as_bytes()).unwrap_or(first);
    if first.trim_ascii_end() != b"---" {
        return None;
    }
    for (at, line) in lines {
        let line = line.trim_ascii_end();
        if line == b"---" {
            return None;
        }
        if line
            .strip_prefix(key.as_bytes())
            .is_some_and(|rest| rest.trim_ascii_start().starts_with(b":"))
        {
            return Some(at + 1);
        }
    }
    None
}

/// The lints that need the digest's text: DF002 and DF003, for the items that start at
/// `item_lines` (1-based lines of the file, ascending; the text as the file holds it).
/// For digests that the line-by-line reading left to the CommonMark parser; the others
/// have their [`BodyNote`]s from the parse.
pub fn body_lints(path: &Path, text: &[u8], item_lines: &[usize]) -> Vec<Lint> {
    body_notes(text, item_lines)
        .into_iter()
        .map(|n| note_lint(path, n))
        .collect()
}

/// A note of the parse as the lint it is.
pub(super) fn note_lint(path: &Path, note: BodyNote) -> Lint {
    match note {
        BodyNote::Bare { item } => Lint {
            code: "DF003",
            path: path.to_path_buf(),
            line: Some(item),
            message: "this item has no summary: readers show its title alone".into(),
        },
        BodyNote::Fallen {
            line,
            indent,
            content,
            item,
        } => Lint {
            code: "DF002",
            path: path.to_path_buf(),
            line: Some(line),
            message: format!(
                "indented {indent} spaces, less than the {content} of the item's content at line {item}: CommonMark reads this outside the item, and the summary is lost; indent it {content} spaces"
            ),
        },
    }
}

/// The [`BodyNote`]s of a text whose items start at `item_lines`, read line by line as
/// [`crate::parse::lines`] reads them.
pub fn body_notes(text: &[u8], item_lines: &[usize]) -> Vec<BodyNote> {
    let mut notes = Vec::new();
    let mut starts = item_lines.iter().copied().peekable();
    // The item being read, if its first line opens a numbered item.
    let mut item: Option<ItemScan> = None;
    for (at, line) in lines(text).enumerate() {
        let number = at + 1;
        if starts.peek() == Some(&number) {
            while starts.next_if_eq(&number).is_some() {}
            if let Some(done) = item.take() {
                done.finish(&mut notes);
            }
            item = content_column(line).map(|content| ItemScan {
                start: number,
                content,
                summary: after_link(line),
                blank_before: false,
            });
            continue;
        }
        let Some(item) = item.as_mut() else {
            continue;
        };
        if is_blank(line) {
            item.blank_before = true;
            continue;
        }
        let indent = line.iter().take_while(|&&b| b == b' ').count();
        if indent >= item.content || !item.blank_before {
            // A lazy line continues the title's paragraph: it is summary text.
            item.summary = true;
        } else if indent > 0 && content_column(&line[indent..]).is_none() {
            notes.push(BodyNote::Fallen {
                line: number,
                indent,
                content: item.content,
                item: item.start,
            });
            item.summary = true;
        }
        item.blank_before = false;
    }
    if let Some(done) = item {
        done.finish(&mut notes);
    }
    notes
}

/// An item as [`body_notes`] reads it, line by line.
struct ItemScan {
    /// Its first line.
    start: usize,
    /// The column where its content starts.
    content: usize,
    /// Whether it has summary text so far.
    summary: bool,
    blank_before: bool,
}

impl ItemScan {
    fn finish(self, notes: &mut Vec<BodyNote>) {
        if !self.summary {
            notes.push(BodyNote::Bare { item: self.start });
        }
    }
}

/// Where an item's content starts, if `line` opens an item (`1.`, `12)`, `-`, `*`, `+`).
pub(super) fn content_column(line: &[u8]) -> Option<usize> {
    let width = match line.first() {
        Some(b'-' | b'*' | b'+') => 1,
        _ => {
            let digits = line.iter().take_while(|b| b.is_ascii_digit()).count();
            if digits == 0 || digits > 9 || !matches!(line.get(digits), Some(b'.' | b')')) {
                return None;
            }
            digits + 1
        }
    };
    let spaces = line[width..].iter().take_while(|&&b| b == b' ').count();
    (1..=4).contains(&spaces).then_some(width + spaces)
}

/// Whether an item's first line holds text after its link (`[title](url) —— more`).
pub(super) fn after_link(line: &[u8]) -> bool {
    // Not `memmem::find`, which builds a searcher at each call.
    let Some(at) = memchr::memchr_iter(b']', line).find(|&i| line.get(i + 1) == Some(&b'(')) else {
        return false;
    };
    memchr::memchr(b')', &line[at..]).is_some_and(|close| !is_blank(&line[at + close + 1..]))
}
