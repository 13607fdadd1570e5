//! From a digest file's bytes to a [`Digest`]: pure, no I/O.

pub mod commonmark;
pub mod front_matter;
pub mod lines;

use crate::error::DigestError;
use crate::model::key::parse_link_with;
use crate::model::{BodyNote, Digest, Item, Parsed, Shared, Summaries};
use crate::support::text::{collapse_whitespace, xml_safe};
use chrono_tz::Tz;
use std::path::Path;
use std::sync::Arc;

/// Categories one digest may name, by default: real digests name one to three. Every
/// category is a feed holding every entry of the digest, and every entry lists every
/// category, so what a digest can make grows with the square of this number.
pub const DEFAULT_MAX_CATEGORIES: usize = 20;
/// Bytes a category name may hold, by default (a CJK character takes three).
pub const DEFAULT_MAX_CATEGORY_BYTES: usize = 128;

/// How digests are read: the zone of dates without an offset, and the bounds that keep
/// one file from making output without end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rules {
    pub timezone: Tz,
    pub max_categories: usize,
    pub max_category_bytes: usize,
    /// Hosts whose status links are tweets besides X's own and its usual mirrors
    /// (config `x_hosts`, lowercase).
    pub x_hosts: &'static [&'static str],
}

impl Default for Rules {
    fn default() -> Self {
        Rules::from(Tz::UTC)
    }
}

/// A time zone alone: the default bounds.
impl From<Tz> for Rules {
    fn from(timezone: Tz) -> Self {
        Rules {
            timezone,
            max_categories: DEFAULT_MAX_CATEGORIES,
            max_category_bytes: DEFAULT_MAX_CATEGORY_BYTES,
            x_hosts: &[],
        }
    }
}

/// Parses one digest. `path` only names the file in errors. A problem with the file as a
/// whole (encoding, front matter, date) leaves it unpublished (`Err`, every such
/// problem); an item that cannot be published is left out, with why in
/// [`Digest::skipped`], and the others are published.
pub fn parse_digest(
    path: &Path,
    bytes: &[u8],
    rules: impl Into<Rules>,
) -> Result<Parsed, Vec<DigestError>> {
    parse_digest_with(path, bytes, rules, Summaries::Read)
}

/// [`parse_digest`]; with `summaries` false the items' summaries are left empty
/// ([`Digest::summaries`] says so), which is cheaper in time and memory. Everything
/// else, every error included, is the same.
pub fn parse_digest_with(
    path: &Path,
    bytes: &[u8],
    rules: impl Into<Rules>,
    summaries: Summaries,
) -> Result<Parsed, Vec<DigestError>> {
    let want = match summaries {
        Summaries::Read => Want::All,
        Summaries::Skip => Want::None,
    };
    parse(path, bytes, rules.into(), want)
}

/// [`parse_digest_with`] without summaries but for the items at `wanted` (positions in
/// [`Digest::items`], ascending): the summaries some feed shows, of a digest read
/// without them. Each of these items is parsed alone, not the whole body, where that
/// gives the same summary: for the three items a digest has in the feeds on average,
/// two fifths of the time of the whole parse.
pub fn parse_digest_summaries_at(
    path: &Path,
    bytes: &[u8],
    rules: impl Into<Rules>,
    wanted: &[usize],
) -> Result<Parsed, Vec<DigestError>> {
    parse(path, bytes, rules.into(), Want::At(wanted))
}

/// Which items' summaries a reading renders.
#[derive(Clone, Copy)]
enum Want<'a> {
    All,
    None,
    /// Positions in [`Digest::items`], ascending.
    At(&'a [usize]),
}

fn parse(
    path: &Path,
    bytes: &[u8],
    rules: Rules,
    want: Want<'_>,
) -> Result<Parsed, Vec<DigestError>> {
    let fail = |line: usize, message: String| vec![DigestError::new(path, Some(line), message)];
    let text = decode(bytes).map_err(|(line, message)| fail(line, message))?;
    // Every string taken from here on is safe for XML 1.0.
    let text = xml_safe(text);
    let split = front_matter::split(&text).map_err(|p| fail(p.line, p.message))?;
    let fm =
        front_matter::parse(split.yaml, split.yaml_line).map_err(|p| fail(p.line, p.message))?;
    if fm.draft {
        return Ok(Parsed::Draft);
    }
    let date_line = front_matter::key_line(split.yaml, split.yaml_line, "date");
    let date = match &fm.date {
        None => {
            return Err(fail(
                1,
                "front matter has no `date:`; add e.g. `date: 2026-01-07T08:00:00+08:00`"
                    .to_string(),
            ))
        }
        Some(value) => {
            front_matter::parse_date(value, rules.timezone).map_err(|m| fail(date_line, m))?
        }
    };
    let categories = categories(&fm.categories);
    check_categories(&categories, &rules).map_err(|m| {
        fail(
            front_matter::key_line(split.yaml, split.yaml_line, "categories"),
            m,
        )
    })?;
    // A `lastmod` that is no date only loses the digest feed its `updated`: the digest
    // is published, and the problem reported (exit 1), as a bad item is.
    let mut lastmod_problem = None;
    let lastmod = fm.lastmod.as_ref().and_then(|value| {
        front_matter::parse_date(value, rules.timezone)
            .map_err(|m| {
                let line = front_matter::key_line(split.yaml, split.yaml_line, "lastmod");
                lastmod_problem = Some(DigestError::new(
                    path,
                    Some(line),
                    format!(
                        "{}; the digest is published without it",
                        m.replacen("date", "lastmod", 1)
                    ),
                ));
            })
            .ok()
    });
    let mut body = body_items(path, split.body, split.body_line, want, rules.x_hosts);
    let intro_html = match want {
        Want::None => Arc::default(),
        Want::All | Want::At(_) => {
            // The first item's marker, read or left out, in body lines (1-based).
            let first = body
                .items
                .iter()
                .map(|item| item.line)
                .chain(body.skipped.iter().filter_map(|e| e.line))
                .min()
                .map(|line| (line + 1).saturating_sub(split.body_line));
            Arc::new(commonmark::intro_html(split.body, first))
        }
    };
    // After the intro: its line is in the front matter, before the body.
    body.skipped.extend(lastmod_problem);
    Ok(Parsed::Digest(Digest {
        title: collapse_whitespace(&xml_safe(fm.title.as_deref().unwrap_or_default())).into(),
        date,
        lastmod,
        slug: fm
            .slug
            .as_deref()
            .map(|s| collapse_whitespace(&xml_safe(s)).into()),
        intro_html,
        categories,
        items: body.items,
        summaries: match want {
            Want::All => Summaries::Read,
            Want::None | Want::At(_) => Summaries::Skip,
        },
        skipped: body.skipped,
        doubt: body.doubt,
        notes: body.notes,
    }))
}

/// The file as text, without a byte-order mark; else the line and what is wrong.
fn decode(bytes: &[u8]) -> Result<&str, (usize, String)> {
    // Every input byte is validated: simdutf8 does it several times faster than std
    // for CJK text; std's error, with the offset, is taken only for a file that fails.
    let valid = simdutf8::basic::from_utf8(bytes).ok();
    match valid.map_or_else(|| std::str::from_utf8(bytes), Ok) {
        Ok(text) => Ok(text.strip_prefix('\u{FEFF}').unwrap_or(text)),
        Err(e) => {
            let good = &bytes[..e.valid_up_to()];
            let line = good.iter().filter(|&&b| b == b'\n').count() + 1;
            Err((
                line,
                format!(
                    "not UTF-8 text (invalid byte at offset {}); save the file as UTF-8",
                    e.valid_up_to()
                ),
            ))
        }
    }
}

/// Category names as written: whitespace collapsed, blanks and duplicates dropped,
/// order kept.
fn categories(names: &[String]) -> Vec<String> {
    let mut categories: Vec<String> = Vec::new();
    // Front matter may name thousands before the bound refuses them.
    let mut seen = std::collections::HashSet::new();
    for name in names {
        // YAML escapes (`"\x01"`) can produce what the raw text did not hold.
        let name = collapse_whitespace(&xml_safe(name));
        if !name.is_empty() && seen.insert(name.clone()) {
            categories.push(name);
        }
    }
    categories
}

/// What [`body_items`] reads of a body.
struct Body {
    items: Vec<Item>,
    /// The problems of the items left out.
    skipped: Vec<DigestError>,
    doubt: Option<lines::Doubt>,
    /// File lines.
    notes: Option<Vec<BodyNote>>,
}

/// The items of the body (which starts at line `body_line` of the file), the problems
/// of the items left out, why the body was left to the CommonMark parser, and the
/// notes of the line-by-line reading.
fn body_items(path: &Path, body: &str, body_line: usize, want: Want<'_>, x_hosts: &[&str]) -> Body {
    let mut errors = Vec::new();
    // Items read without summaries share one empty string rather than allocate one each.
    let empty: Arc<String> = Arc::default();
    let (read, alone) = match want {
        Want::None => (self::items(body, Summaries::Skip), None),
        Want::All | Want::At(_) => match lines::read(body) {
            // A link reference definition anywhere applies to every item: read alone,
            // an item would not see it. And an item the line-by-line reading leaves
            // to the parser costs a third more read alone than its share of the whole
            // body's parse: worth it for a few.
            Ok((raw, notes))
                if !body.contains("]:")
                    && match want {
                        Want::At(at) => at.len() * 4 < raw.len() * 3,
                        _ => true,
                    } =>
            {
                let alone = Alone::new(body, &raw);
                let read = Read {
                    items: raw.into_iter().map(Ok).collect(),
                    doubt: None,
                    notes: Some(notes),
                };
                (read, Some(alone))
            }
            _ => (self::items(body, Summaries::Read), None),
        },
    };
    let wanted = |position: usize| match want {
        Want::All => true,
        Want::None => false,
        Want::At(at) => at.binary_search(&position).is_ok(),
    };
    // The daemon keeps every digest's items: no room to spare.
    let mut items = Vec::with_capacity(read.items.len());
    // Every title, one after the other, and where each is.
    let mut titles = String::with_capacity(
        read.items
            .iter()
            .map(|r| r.as_ref().map_or(0, |raw| raw.title.len()))
            .sum(),
    );
    let mut ranges = Vec::with_capacity(read.items.len());
    let unset = Shared::from("");
    for (index, raw) in read.items.into_iter().enumerate() {
        match raw {
            Ok(raw) => {
                let line = body_line + raw.line - 1;
                let summary_html = match &alone {
                    _ if !wanted(items.len()) => String::new(),
                    Some(alone) => alone.summary(index, &raw),
                    None => raw.summary_html,
                };
                match parse_link_with(&raw.url, x_hosts) {
                    Ok(link) => items.push(Item {
                        line,
                        title: {
                            // Both readers give titles safe for XML.
                            let start = titles.len();
                            titles.push_str(&raw.title);
                            ranges.push(start..titles.len());
                            unset.clone()
                        },
                        link,
                        summary_html: if summary_html.is_empty() {
                            empty.clone()
                        } else {
                            Arc::new(crate::support::text::xml_safe_owned(summary_html))
                        },
                    }),
                    Err(e) => errors.push(DigestError::new(
                        path,
                        Some(line),
                        format!("item {}: {e}", items.len() + errors.len() + 1),
                    )),
                }
            }
            Err(bad) => errors.push(DigestError::new(
                path,
                Some(body_line + bad.line - 1),
                bad.message,
            )),
        }
    }
    titles.shrink_to_fit();
    let titles = Arc::new(titles);
    for (item, range) in items.iter_mut().zip(ranges) {
        item.title = Shared::part(&titles, range);
    }
    Body {
        items,
        skipped: errors,
        doubt: read.doubt,
        notes: read.notes.map(|notes| {
            let by = body_line.saturating_sub(1);
            notes.into_iter().map(|n| n.shifted(by)).collect()
        }),
    }
}

/// The summaries of a body's items, each parsed alone: from its list marker's line to
/// the next item's. The item's blocks are the same there as in the whole body (its
/// marker line ends whatever came before it, and the next marker ends the item);
/// what the whole body decides for all items (whether the list is loose) does not
/// change a summary ([`commonmark`] writes tight and loose items alike). Link reference
/// definitions would; the caller reads a body with any in full. Property tests hold
/// each summary to the one the whole body's parse gives.
pub struct Alone<'a> {
    body: &'a str,
    /// Where each item's text starts, and the body's end.
    starts: Vec<usize>,
    /// The whole body's items, for an item that does not read alone as it should.
    full: std::cell::OnceCell<Vec<Result<commonmark::RawItem<'a>, commonmark::BadItem>>>,
}

impl<'a> Alone<'a> {
    /// `items`: the body's items as [`lines`] reads them.
    pub fn new(body: &'a str, items: &[commonmark::RawItem<'_>]) -> Alone<'a> {
        let newlines = crate::support::text::newline_offsets(body);
        let start_of = |line: usize| match line {
            0 | 1 => 0,
            _ => newlines.get(line - 2).map_or(body.len(), |&n| n + 1),
        };
        let mut starts: Vec<usize> = items.iter().map(|item| start_of(item.line)).collect();
        starts.push(body.len());
        Alone {
            body,
            starts,
            full: std::cell::OnceCell::new(),
        }
    }

    /// The summary of the body's `index`th item, `item` (its title and link as read):
    /// written line by line where that is sure, else by the parser.
    pub fn summary(&self, index: usize, item: &commonmark::RawItem<'_>) -> String {
        self.plain(index)
            .or_else(|| self.alone(index, item))
            .unwrap_or_else(|| {
                match self
                    .full
                    .get_or_init(|| commonmark::commonmark_items(self.body, Summaries::Read))
                    .get(index)
                {
                    Some(Ok(full)) => full.summary_html.clone(),
                    _ => String::new(),
                }
            })
    }

    /// The summary of the `index`th item as [`lines::plain_summary`] writes it.
    pub fn plain(&self, index: usize) -> Option<String> {
        lines::plain_summary(self.text(index)?)
    }

    fn text(&self, index: usize) -> Option<&'a str> {
        self.body
            .get(*self.starts.get(index)?..*self.starts.get(index + 1)?)
    }

    /// The summary of the item read alone; `None` if, read alone, it is not the item
    /// it was in the body.
    pub fn alone(&self, index: usize, item: &commonmark::RawItem<'_>) -> Option<String> {
        let text = self.text(index)?;
        match commonmark::commonmark_items(text, Summaries::Read).first() {
            Some(Ok(alone))
                if alone.line == 1 && alone.title == item.title && alone.url == item.url =>
            {
                Some(alone.summary_html.clone())
            }
            _ => None,
        }
    }
}

/// What [`items`] reads of a body.
pub struct Read<'a> {
    pub items: Vec<Result<commonmark::RawItem<'a>, commonmark::BadItem>>,
    /// Why the line-by-line reading left the body to the CommonMark parser.
    pub doubt: Option<lines::Doubt>,
    /// The notes of the line-by-line reading (body lines), when it read the body.
    pub notes: Option<Vec<BodyNote>>,
}

/// The items of a digest's body: by the line-by-line reading of [`lines`] where it is
/// sure (summaries not needed, the shapes digest writers produce), else by the
/// CommonMark parser ([`commonmark`]), with what made [`lines`] unsure when it was tried.
/// Property tests and a fuzz target hold the two to the same answer.
pub fn items(body: &str, summaries: Summaries) -> Read<'_> {
    let mut doubt = None;
    if summaries == Summaries::Skip {
        match lines::read(body) {
            Ok((items, notes)) => {
                return Read {
                    items: items.into_iter().map(Ok).collect(),
                    doubt: None,
                    notes: Some(notes),
                }
            }
            Err(why) => doubt = Some(why),
        }
    }
    Read {
        items: commonmark::commonmark_items(body, summaries),
        doubt,
        notes: None,
    }
}

/// The bounds of [`Rules`] on a digest's distinct categories.
fn check_categories(categories: &[String], rules: &Rules) -> Result<(), String> {
    if categories.len() > rules.max_categories {
        return Err(format!(
            "{} categories; a digest may name at most {} (config max_categories)",
            categories.len(),
            rules.max_categories
        ));
    }
    if let Some(long) = categories
        .iter()
        .find(|c| c.len() > rules.max_category_bytes)
    {
        let shown: String = long.chars().take(40).collect();
        return Err(format!(
            "category \"{shown}…\" is {} bytes long; a name may hold at most {} (config max_category_bytes)",
            long.len(),
            rules.max_category_bytes
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::key::EntryKey;

    fn parse(text: &str) -> Result<Parsed, Vec<DigestError>> {
        parse_digest(Path::new("d/a.md"), text.as_bytes(), Tz::UTC)
    }

    fn digest(text: &str) -> Digest {
        match parse(text) {
            Ok(Parsed::Digest(d)) => d,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn title_lastmod_slug_and_the_intro_are_read_for_the_digest_feed() {
        let text = "---\ntitle: \"  Morning\n  digest \"\ndate: 2026-01-01T08:00:00+08:00\nlastmod: 2026-01-01 10:30:00\nslug: 2026\n---\n\nToday, **in short**:\n\n- a note, not an item\n\n1. [A](https://x.com/a/status/1)\n   One.\n";
        let d = digest(text);
        assert_eq!(&*d.title, "Morning digest");
        // Without an offset, in the configured zone (UTC here).
        assert_eq!(d.lastmod.unwrap().to_rfc3339(), "2026-01-01T10:30:00+00:00");
        assert_eq!(d.slug.as_deref(), Some("2026"));
        assert_eq!(
            d.intro_html.as_str(),
            "<p>Today, <strong>in short</strong>:</p>\n<ul>\n<li>a note, not an item</li>\n</ul>\n"
        );
        // Read without summaries, the intro is left for when some feed shows it.
        let skipped =
            parse_digest_with(Path::new("a.md"), text.as_bytes(), Tz::UTC, Summaries::Skip);
        let Ok(Parsed::Digest(skipped)) = skipped else {
            panic!("{skipped:?}")
        };
        assert!(skipped.intro_html.is_empty());
        let at = parse_digest_summaries_at(Path::new("a.md"), text.as_bytes(), Tz::UTC, &[]);
        let Ok(Parsed::Digest(at)) = at else {
            panic!("{at:?}")
        };
        assert_eq!(at.intro_html, d.intro_html);
        // A body that starts with its list has no intro; one without items is all intro.
        assert!(
            digest("---\ndate: 2026-01-01\n---\n1. [A](https://x.com/a/status/1)\n")
                .intro_html
                .is_empty()
        );
        assert_eq!(
            digest("---\ndate: 2026-01-01\n---\nNothing today.\n")
                .intro_html
                .as_str(),
            "<p>Nothing today.</p>\n"
        );
        // A reference defined after the list resolves in the intro.
        let text = "---\ndate: 2026-01-01\n---\nSee [yesterday][y].\n\n1. [A](https://x.com/a/status/1)\n\n[y]: https://example.org/y\n   [not]: a definition once indented four\n";
        assert_eq!(
            digest(text).intro_html.as_str(),
            "<p>See <a href=\"https://example.org/y\">yesterday</a>.</p>\n"
        );
    }

    #[test]
    fn a_lastmod_that_is_no_date_is_reported_and_the_digest_published_without_it() {
        let d = digest(
            "---\ndate: 2026-01-01\nlastmod: soon\nslug: [a, b]\n---\n1. [A](https://x.com/a/status/1)\n",
        );
        assert_eq!(d.items.len(), 1);
        assert_eq!((d.lastmod, d.slug), (None, None));
        let problems: Vec<String> = d.skipped.iter().map(ToString::to_string).collect();
        assert_eq!(problems.len(), 1);
        assert!(
            problems[0].contains(":3: lastmod \"soon\" is not a date"),
            "{problems:?}"
        );
    }

    fn errors(text: &[u8]) -> Vec<String> {
        parse_digest(Path::new("d/a.md"), text, Tz::UTC)
            .unwrap_err()
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    const GOOD: &str = "---\ntitle: \"2026.03.09.12 digest\"\ndate: 2026-03-09T12:00:03+08:00\ncategories: [\"AI新闻\", \"开源\", \" 开源 \", \"\"]\n---\n\n1.  [某模型登顶-向阳乔木](https://x.com/vista8/status/1900000000000000001)\n    一个**开源模型**。\n\n2.  [Notes - Andrej Karpathy](https://twitter.com/karpathy/status/1900000000000000002?s=20)\n\n    Small models.\n";

    /// Counted after duplicates and blanks are dropped; a bound that is met is fine.
    #[test]
    fn categories_are_bounded_in_number_and_length() {
        let with = |cats: &str| format!("---\ndate: 2026-01-01\ncategories:\n{cats}---\n");
        let rules = Rules {
            max_categories: 3,
            max_category_bytes: 6,
            ..Rules::default()
        };
        let parse = |text: &str| parse_digest(Path::new("d/a.md"), text.as_bytes(), rules);
        assert!(parse(&with("  - a\n  - b\n  - a\n  - \"\"\n  - 开源\n")).is_ok());
        let errors = parse(&with("  - a\n  - b\n  - c\n  - d\n")).unwrap_err();
        assert_eq!(
            errors[0].to_string(),
            "d/a.md:3: 4 categories; a digest may name at most 3 (config max_categories)"
        );
        let errors = parse(&with("  - 开源模型\n")).unwrap_err();
        assert!(
            errors[0]
                .to_string()
                .starts_with("d/a.md:3: category \"开源模型…\" is 12 bytes long"),
            "{errors:?}"
        );
        // The default bound: a digest of 1,500 categories makes no feeds at all.
        let many: String = (0..1500).map(|i| format!("  - c{i}\n")).collect();
        let errors =
            parse_digest(Path::new("d/a.md"), with(&many).as_bytes(), Tz::UTC).unwrap_err();
        assert!(errors[0].message.contains("at most 20"), "{errors:?}");
    }

    #[test]
    fn reads_a_whole_digest() {
        let d = digest(GOOD);
        assert_eq!(d.date.to_rfc3339(), "2026-03-09T12:00:03+08:00");
        assert_eq!(
            d.categories.iter().map(|c| &**c).collect::<Vec<_>>(),
            ["AI新闻", "开源"]
        );
        assert_eq!(d.items.len(), 2);
        assert_eq!(d.items[0].line, 7);
        assert_eq!(&*d.items[0].title, "某模型登顶-向阳乔木");
        assert_eq!(d.items[1].line, 10);
        assert_eq!(d.items[1].link.key, EntryKey::Tweet(1900000000000000002));
        assert_eq!(&*d.items[1].summary_html, "<p>Small models.</p>");
    }

    #[test]
    fn bom_and_crlf_give_the_same_digest() {
        let crlf = format!("\u{FEFF}{}", GOOD.replace('\n', "\r\n"));
        let a = digest(GOOD);
        let b = digest(&crlf);
        assert_eq!(a.date, b.date);
        assert_eq!(a.categories, b.categories);
        assert_eq!(a.items.len(), b.items.len());
        for (x, y) in a.items.iter().zip(&b.items) {
            assert_eq!((x.line, &x.title, &x.link), (y.line, &y.title, &y.link));
            assert_eq!(
                x.summary_html.replace('\r', ""),
                y.summary_html.replace('\r', "")
            );
        }
    }

    #[test]
    fn draft_is_not_published() {
        assert_eq!(
            parse("---\ndate: 2026-01-01\ndraft: true\n---\n1. [x](nonsense)\n").unwrap(),
            Parsed::Draft
        );
    }

    #[test]
    fn empty_digest_is_valid_with_no_items() {
        assert!(digest("---\ndate: 2026-01-01\n---\n").items.is_empty());
        assert!(digest("---\ndate: 2026-01-01\n---").items.is_empty());
    }

    #[test]
    fn control_characters_never_reach_the_model() {
        let d = digest("---\ndate: 2026-01-01\ncategories: [\"A\u{1}I\", \"B\\x01C\"]\n---\n1. [T\u{0}i\u{1B}tle&#1;](https://x.com/a/status/1)\n   s\u{8}um\u{FFFF}&#x1B;\n");
        assert_eq!(
            d.categories.iter().map(|c| &**c).collect::<Vec<_>>(),
            ["AI", "BC"]
        );
        assert_eq!(&*d.items[0].title, "Title");
        assert_eq!(&*d.items[0].summary_html, "<p>sum</p>");
    }

    #[test]
    fn bad_files_name_file_and_line() {
        assert_eq!(
            errors(b"---\ndate: 2026-01-01\n---\n\xff\xfe"),
            vec!["d/a.md:4: not UTF-8 text (invalid byte at offset 25); save the file as UTF-8"]
        );
        assert_eq!(errors(b"---\ntitle: x\ndate: 2026-02-30\n---\n")[0], "d/a.md:3: date \"2026-02-30\" is not a date; write RFC 3339, e.g. 2026-01-07T08:00:00+08:00, or `YYYY-MM-DD HH:MM:SS` in the configured timezone");
        assert!(
            errors(b"---\ntitle: x\n---\n")[0].starts_with("d/a.md:1: front matter has no `date:`")
        );
        assert!(
            errors(b"+++\ndate = 2026-01-01\n+++\n")[0].starts_with("d/a.md:1: TOML front matter")
        );
        assert!(errors(b"---\ndate: [2026\n---\n")[0].starts_with("d/a.md:"));
        assert!(errors(b"\x00\x01\x02binary\xff")[0].contains("not UTF-8"));
    }

    #[test]
    fn every_bad_item_is_reported_and_the_rest_published() {
        let d = digest("---\ndate: 2026-01-01\n---\n1. [a](https://x.com/a/status/1)\n2. [b](notaurl)\n3. no link\n4. [d](/relative)\n5. [e](https://example.org/e)\n");
        let kept: Vec<(usize, &str)> = d.items.iter().map(|i| (i.line, &*i.title)).collect();
        assert_eq!(kept, [(4, "a"), (8, "e")]);
        let e: Vec<String> = d.skipped.iter().map(ToString::to_string).collect();
        assert_eq!(e.len(), 3, "{e:?}");
        assert!(
            e[0].starts_with("d/a.md:5: item 2: link `notaurl` is not an absolute URL"),
            "{e:?}"
        );
        assert!(
            e[1].starts_with("d/a.md:6: item 3 does not start with a link"),
            "{e:?}"
        );
        assert!(
            e[2].starts_with("d/a.md:7: item 4: link `/relative`"),
            "{e:?}"
        );
    }
}

#[cfg(test)]
mod bounds {
    //! Inputs built to be expensive: each must finish in bounded time. The elapsed-time
    //! checks are generous guards against quadratic blow-ups (minutes), not benchmarks.
    use super::*;
    use std::time::{Duration, Instant};

    fn time(text: &str) -> (Duration, Result<Parsed, Vec<DigestError>>) {
        let started = Instant::now();
        let result = parse_digest(Path::new("big.md"), text.as_bytes(), Tz::UTC);
        (started.elapsed(), result)
    }

    #[test]
    fn a_hundred_thousand_items_parse_in_bounded_time() {
        let mut text = String::from("---\ndate: 2026-01-01T00:00:00Z\n---\n");
        for i in 0..100_000u64 {
            text.push_str(&format!(
                "{}. [Item {i} - Ben Tossell](https://x.com/bentossell/status/{i})\n   s\n",
                i + 1
            ));
        }
        let (took, result) = time(&text);
        match result {
            Ok(Parsed::Digest(d)) => assert_eq!(d.items.len(), 100_000),
            other => panic!("{other:?}"),
        }
        assert!(took < Duration::from_secs(30), "{took:?}");
    }

    #[test]
    fn the_deepest_list_that_fits_the_size_cap_parses_in_bounded_time() {
        // Each level of a list indents two more spaces, so 10,000 levels would take
        // 100 MB: the 8 MiB file cap stops that first. 2,800 levels fit under it.
        let mut text = String::from("---\ndate: 2026-01-01T00:00:00Z\n---\n1. [T - Ben Tossell](https://x.com/bentossell/status/1)\n");
        for depth in 1..2_800usize {
            text.push_str(&" ".repeat(3 + 2 * depth));
            text.push_str("- x\n");
        }
        assert!(text.len() as u64 <= crate::config::DEFAULT_MAX_FILE_BYTES);
        let (took, result) = time(&text);
        assert!(
            matches!(result, Ok(Parsed::Digest(ref d)) if d.items.len() == 1),
            "{result:?}"
        );
        assert!(took < Duration::from_secs(30), "{took:?}");
    }

    #[test]
    fn ten_thousand_nested_block_quotes_parse_in_bounded_time() {
        let text = format!(
            "---\ndate: 2026-01-01T00:00:00Z\n---\n1. [T](https://x.com/a/status/1)\n   {}x\n",
            "> ".repeat(10_000)
        );
        let (took, result) = time(&text);
        assert!(
            matches!(result, Ok(Parsed::Digest(ref d)) if d.items.len() == 1),
            "{result:?}"
        );
        assert!(took < Duration::from_secs(30), "{took:?}");
    }

    #[test]
    fn deeply_nested_brackets_and_emphasis_parse_in_bounded_time() {
        let body = format!("{}{}", "[".repeat(50_000), "*a_".repeat(50_000));
        let text = format!(
            "---\ndate: 2026-01-01T00:00:00Z\n---\n1. [T](https://x.com/a/status/1)\n   {body}\n"
        );
        let (took, result) = time(&text);
        assert!(result.is_ok());
        assert!(took < Duration::from_secs(30), "{took:?}");
    }
}
