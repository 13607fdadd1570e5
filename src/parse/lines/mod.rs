//! A shortcut for the bulk read, which needs each item's line, title and link but not
//! its summary. Running the CommonMark parser over every body is most of the cost of a
//! full run, yet almost every digest is a plain numbered list in which those three
//! facts can be read off line by line with no room for doubt.
//!
//! This module recognises only that plain shape, in the forms digest writers produce:
//! tight or loose items, summaries of any number of blocks, lazy continuation lines of
//! a paragraph, text after the list, titles with code spans, a `<` that opens nothing,
//! and the character references `&amp;`, `&lt;`, `&gt;`, `&quot;` and `&#…;`; titles
//! with emphasis or bare HTML tags have their one link read by the parser. It gives
//! up on anything a CommonMark parser could read otherwise: a line that could open a
//! block where that would change an item, a lazy line after a block that is not a
//! paragraph, a numbered line after the list, a title with escapes, other entities,
//! brackets or HTML with attributes, a link destination with anything but plain ASCII. It
//! says which ([`Doubt`]), so that a run can count what its digests lose to the
//! parser. The caller then runs the real parser, so the result is always the parser's.
//! `tests::agrees_with_the_commonmark_parser` (and the other property tests here) and
//! the fuzz target hold it to that.

use super::commonmark::RawItem;
use crate::model::BodyNote;
use crate::support::text::{collapse_whitespace, collapse_whitespace_borrowed};
use std::borrow::Cow;

mod doubts;
mod link;
mod summary;

pub use crate::model::Doubt;
pub use doubts::Doubts;
use link::plain_link;
pub(crate) use summary::plain_summary;

/// A line's list marker: `1.`–`999999999.` or with `)`, or a bullet `-`, `*` or `+`,
/// then 1–4 spaces, then content.
struct Marker {
    delimiter: u8,
    /// Column where the item's content starts: lines of the item are indented at least this much.
    width: usize,
}

enum MarkerScan {
    None,
    Marker(Marker),
    /// A marker whose item this module does not read (empty, tab, wide indent).
    Unsure,
}

fn marker(line: &str) -> MarkerScan {
    let b = line.as_bytes();
    // The delimiter tells lists apart: a bullet is its own (`-` then `*` starts another
    // list, as `1.` then `2)` does).
    let (delimiter, digits) = match b.first() {
        Some(&bullet @ (b'-' | b'*' | b'+')) => (bullet, 0),
        _ => {
            let digits = b.iter().take_while(|c| c.is_ascii_digit()).count();
            if digits == 0 || digits > 9 {
                return MarkerScan::None;
            }
            match b.get(digits) {
                Some(&d @ (b'.' | b')')) => (d, digits),
                _ => return MarkerScan::None,
            }
        }
    };
    let after = &b[digits + 1..];
    match after.first() {
        None | Some(b'\t') => return MarkerScan::Unsure,
        Some(b' ') => {}
        Some(_) => return MarkerScan::None,
    }
    let spaces = after.iter().take_while(|&&c| c == b' ').count();
    if spaces > 4 || spaces == after.len() || after[spaces] == b'\t' {
        return MarkerScan::Unsure;
    }
    MarkerScan::Marker(Marker {
        delimiter,
        width: digits + 1 + spaces,
    })
}

/// Whether a line (without its indentation) could start a block, or otherwise change
/// how the lines around it are read, rather than continue a paragraph. Errs on the side
/// of "yes".
fn may_start_block(rest: &str) -> bool {
    let b = rest.as_bytes();
    match b[0] {
        b'#' | b'>' | b'<' | b'=' | b'-' | b'+' | b'|' | b'[' | b'\\' => true,
        b'`' => rest.starts_with("```"),
        b'~' => rest.starts_with("~~~"),
        b'*' | b'_' => {
            matches!(b.get(1), None | Some(b' ' | b'\t'))
                || b.iter().all(|&c| matches!(c, b'*' | b'_' | b' ' | b'\t'))
        }
        b'0'..=b'9' => !matches!(marker(rest), MarkerScan::None),
        _ => false,
    }
}

/// A setext heading's underline (`===`, `---`): under a paragraph, it makes the
/// paragraph a heading.
fn underline(rest: &str) -> bool {
    let line = rest.trim_end_matches([' ', '\t']);
    !line.is_empty() && (line.bytes().all(|c| c == b'=') || line.bytes().all(|c| c == b'-'))
}

/// What is open in an item at the end of a line, as far as this module can tell.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Open {
    /// The paragraph that starts with the title link.
    Title,
    /// Under the title's line, a line that may have started a block, or may have
    /// continued the title's paragraph (`| a |`): an underline further down may still
    /// turn that paragraph into a heading.
    TitleOrBlock,
    /// A later paragraph of the summary.
    Paragraph,
    /// Nothing: the line was blank, and every block so far was a paragraph.
    Nothing,
    /// Some block other than a paragraph may have started; what a line indented less
    /// than the item does then is not certain. Lasts to the end of the item.
    Unknown,
}

/// The items of a body in the plain shape, with empty summaries; else the first thing
/// that made it unsure (the caller then parses the body as CommonMark).
pub fn items(body: &str) -> Result<Vec<RawItem<'_>>, Doubt> {
    read(body).map(|(items, _)| items)
}

/// [`items`], and the notes `digestfeed check` reports of them (body lines), seen on
/// the way: reading the text again for them cost a check a twentieth of its time.
/// `body` is as the parse hands it over: without the characters XML forbids (a
/// vertical tab or form feed would be white space to CommonMark and text here).
pub fn read(body: &str) -> Result<(Vec<RawItem<'_>>, Vec<BodyNote>), Doubt> {
    // A lone carriage return also ends a line in CommonMark.
    let bytes = body.as_bytes();
    if memchr::memchr_iter(b'\r', bytes).any(|i| bytes.get(i + 1) != Some(&b'\n')) {
        return Err(Doubt::LoneCarriageReturn);
    }
    let mut reader = Reader::default();
    // The pieces of `body.split('\n')`, found by a vectorised search.
    let mut start = 0;
    let ends = memchr::memchr_iter(b'\n', bytes).chain(std::iter::once(bytes.len()));
    for (index, end) in ends.enumerate() {
        let line = &body[start..end];
        start = end + 1;
        reader.line(index, line.strip_suffix('\r').unwrap_or(line))?;
    }
    reader.close_item();
    Ok((reader.items, reader.notes))
}

/// What [`items`] knows at the end of a line.
#[derive(Default)]
struct Reader<'a> {
    items: Vec<RawItem<'a>>,
    delimiter: Option<u8>,
    /// Width of the open item's indentation, and what is open in it.
    item: Option<(usize, Open)>,
    /// Outside the list: whether the line before was text (a paragraph is open).
    paragraph: bool,
    /// Whether the line before was blank: a line indented less than the item after one
    /// ends the list rather than continuing the item's paragraph.
    after_blank: bool,
    /// Whether the list has ended: what follows holds no items unless it starts a list.
    ended: bool,
    /// Whether the last item has summary text so far: any text in it but its link, or
    /// after it up to the next item, as `digestfeed check` counts it.
    summary: bool,
    notes: Vec<BodyNote>,
}

impl<'a> Reader<'a> {
    /// Takes in line `index` (0-based), without its line end.
    fn line(&mut self, index: usize, line: &'a str) -> Result<(), Doubt> {
        let indent = line.bytes().take_while(|&b| b == b' ').count();
        let rest = &line[indent..];
        if rest.bytes().all(|b| b == b' ' || b == b'\t') {
            self.paragraph = false;
            self.after_blank = true;
            if let Some((_, open)) = &mut self.item {
                *open = match *open {
                    Open::Unknown | Open::TitleOrBlock => Open::Unknown,
                    _ => Open::Nothing,
                };
            }
            return Ok(());
        }
        let blank_before = std::mem::replace(&mut self.after_blank, false);
        if rest.starts_with('\t') {
            return Err(Doubt::TabIndent);
        }
        if self.ended {
            // Whatever block this line is in, a numbered line may start a list whose
            // items count; anything else is no item.
            if !matches!(marker(rest), MarkerScan::None) {
                return Err(Doubt::SecondList);
            }
            if let Some((width, _)) = self.item {
                self.note_text(index, indent, width, blank_before);
            }
            return Ok(());
        }
        if indent == 0 {
            match marker(rest) {
                MarkerScan::Unsure => return Err(Doubt::OddMarker),
                MarkerScan::Marker(m) => return self.item_line(index, rest, &m),
                MarkerScan::None => {}
            }
        }
        self.other_line(index, indent, rest, blank_before)
    }

    /// A line that opens an item.
    fn item_line(&mut self, index: usize, rest: &'a str, m: &Marker) -> Result<(), Doubt> {
        // A list that starts inside a paragraph, or a second list, is left to the parser.
        match self.delimiter {
            None if self.paragraph => return Err(Doubt::ListInIntro),
            Some(d) if d != m.delimiter => return Err(Doubt::OtherDelimiter),
            _ => {}
        }
        let (title, url, after) = plain_link(&rest[m.width..])?;
        let title = match title {
            Cow::Borrowed(title) => collapse_whitespace_borrowed(title),
            Cow::Owned(title) => Cow::Owned(collapse_whitespace(&title)),
        };
        if title.is_empty() {
            return Err(Doubt::EmptyTitle);
        }
        self.close_item();
        self.summary = !after.bytes().all(|b| b.is_ascii_whitespace());
        self.delimiter = Some(m.delimiter);
        self.item = Some((m.width, Open::Title));
        self.items.push(RawItem {
            line: index + 1,
            title,
            url: Cow::Borrowed(url),
            summary_html: String::new(),
        });
        Ok(())
    }

    /// A line that does not open an item: in one, after the list, or before it.
    fn other_line(
        &mut self,
        index: usize,
        indent: usize,
        rest: &str,
        blank_before: bool,
    ) -> Result<(), Doubt> {
        match &mut self.item {
            Some((width, open)) if indent < *width => {
                let width = *width;
                if blank_before {
                    // The item and the list end here; a sibling item indented one to
                    // three spaces would not.
                    if !matches!(marker(rest), MarkerScan::None) {
                        return Err(Doubt::SecondList);
                    }
                    self.ended = true;
                } else if !matches!(open, Open::Title | Open::Paragraph) || may_start_block(rest) {
                    // Only paragraph text continues a paragraph lazily.
                    return Err(Doubt::LazyLine);
                }
                self.note_text(index, indent, width, blank_before);
            }
            Some((width, open)) => {
                *open = match *open {
                    Open::Title | Open::TitleOrBlock if underline(rest) => {
                        return Err(Doubt::UnderlinedTitle)
                    }
                    Open::Title if !may_start_block(rest) => Open::Title,
                    // The title's line is whole: a block that interrupts its paragraph
                    // changes nothing before it, unless the paragraph goes on instead.
                    Open::Title | Open::TitleOrBlock => Open::TitleOrBlock,
                    Open::Paragraph if !may_start_block(rest) => Open::Paragraph,
                    Open::Nothing if indent - *width < 4 && !may_start_block(rest) => {
                        Open::Paragraph
                    }
                    _ => Open::Unknown,
                };
                self.summary = true;
            }
            None => {
                if self.delimiter.is_some() || indent >= 4 || may_start_block(rest) {
                    return Err(Doubt::IntroBlock);
                }
                self.paragraph = true;
            }
        }
        Ok(())
    }

    /// A line of text at line `index` under the last item (whose content starts at
    /// column `width`), up to the next item, as `digestfeed check` reads it: summary
    /// text, unless it stands alone at the left margin after a blank line (text after
    /// the list); if indented, but less than the item, it fell out of the item.
    fn note_text(&mut self, index: usize, indent: usize, width: usize, blank_before: bool) {
        if indent >= width || !blank_before {
            self.summary = true;
        } else if indent > 0 {
            let item = self.items.last().map_or(0, |i| i.line);
            self.notes.push(BodyNote::Fallen {
                line: index + 1,
                indent,
                content: width,
                item,
            });
            self.summary = true;
        }
    }

    /// Notes the last item if it has no summary; called when the next one opens and at
    /// the end.
    fn close_item(&mut self) {
        if let Some(last) = self.items.last() {
            if !std::mem::replace(&mut self.summary, false) {
                self.notes.push(BodyNote::Bare { item: last.line });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::commonmark::commonmark_items;
    use proptest::prelude::*;

    /// What the CommonMark parser reads, when it reads only good items.
    fn parser(body: &str) -> Option<Vec<RawItem<'_>>> {
        commonmark_items(body, crate::model::Summaries::Skip)
            .into_iter()
            .collect::<Result<_, _>>()
            .ok()
    }

    #[track_caller]
    fn same(body: &str) {
        if let Ok(fast) = items(body) {
            assert_eq!(Some(fast), parser(body), "{body:?}");
        }
    }

    /// The notes of the reading, and those `digestfeed check` reads off the text of a
    /// digest that the reading left to the parser: the same, where the reading is sure.
    fn notes_agree(body: &str) -> Result<(), TestCaseError> {
        if let Ok((items, notes)) = read(body) {
            // The text reading takes the first `](` for the link's end, which a `](`
            // inside a code span of the title is not.
            if body.lines().any(|l| l.matches("](").count() > 1) {
                return Ok(());
            }
            let lines: Vec<usize> = items.iter().map(|i| i.line).collect();
            let by_text = crate::check::lint::body_notes(body.as_bytes(), &lines);
            prop_assert_eq!(notes, by_text, "{:?}", body);
        }
        Ok(())
    }

    /// Where the reading is sure and the body defines no link reference, each item read
    /// alone has the summary the whole body's parse gives it.
    fn alone_agrees(body: &str) -> Result<(), TestCaseError> {
        let Ok(items) = items(body) else {
            return Ok(());
        };
        if body.contains("]:") {
            return Ok(());
        }
        let whole = crate::parse::commonmark::commonmark_items(body, crate::model::Summaries::Read);
        let alone = crate::parse::Alone::new(body, &items);
        for (index, item) in items.iter().enumerate() {
            let full = whole.get(index).and_then(|r| r.as_ref().ok());
            prop_assert_eq!(
                alone.alone(index, item),
                full.map(|f| f.summary_html.clone()),
                "item {} of {:?}",
                index,
                body
            );
        }
        Ok(())
    }

    /// Where the reading is sure, each summary written line by line is the one the
    /// whole body's parse gives; how many were.
    fn plain_agrees(body: &str) -> Result<usize, TestCaseError> {
        let Ok(items) = items(body) else {
            return Ok(0);
        };
        let whole = crate::parse::commonmark::commonmark_items(body, crate::model::Summaries::Read);
        let alone = crate::parse::Alone::new(body, &items);
        let mut written = 0;
        for index in 0..items.len() {
            if let Some(plain) = alone.plain(index) {
                let full = whole.get(index).and_then(|r| r.as_ref().ok());
                prop_assert_eq!(
                    Some(plain),
                    full.map(|f| f.summary_html.clone()),
                    "item {} of {:?}",
                    index,
                    body
                );
                written += 1;
            }
        }
        Ok(written)
    }

    #[test]
    fn writes_the_usual_summaries_line_by_line() {
        let cases = [
            (
                "1. [t](u)\n   这强调了**判断力、品味**的核心，**数据**，`a**b` 与 “**引号**”\n",
                1,
            ),
            (
                "1. [t](u) on the line  \n   hard *break*? no: a \"quote\" & 1 < 2 > 0\n",
                0,
            ),
            (
                "1. [t](u) on the line  \n   hard break, a \"quote\" & 1 < 2 > 0\n",
                1,
            ),
            (
                "1.  [t](u)\n\n    one\n    two\n\n    three **x\n    y** z\n\n2.  [v](w)\n",
                2,
            ),
            ("1. [t](u)\n   **a **b** c** d ** e\n\nafter the list\n", 1),
            ("1. [t](u)\n", 1),
            // A circled letter is a symbol to the parser: no emphasis opens before it.
            ("1. [t](u)\n   答案是**Ⓐ**。\n", 0),
        ];
        for (body, plain) in cases {
            let written = plain_agrees(body).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(written, plain, "{body:?}");
        }
        let alone = crate::parse::Alone::new(cases[0].0, &items(cases[0].0).unwrap());
        assert_eq!(
            alone.plain(0).unwrap(),
            "<p>这强调了<strong>判断力、品味</strong>的核心，<strong>数据</strong>，<code>a**b</code> 与 “<strong>引号</strong>”</p>"
        );
    }

    /// An item read alone is tight where its list is loose: its summary must not care
    /// (a later paragraph that opens with `&nbsp;` kept it only when loose).
    #[test]
    fn an_item_read_alone_has_the_summary_of_the_whole_body() {
        let body = "1. [a](https://x.com/a/status/1)\n   # note\n   &nbsp;x\n\n2. [b](https://x.com/b/status/2)\n";
        assert!(items(body).is_ok(), "read line by line");
        alone_agrees(body).unwrap();
    }

    #[test]
    fn notes_items_without_a_summary_and_summaries_that_fell_out() {
        let body = "Intro.\n\n1. [a](u)\n   s\n\n2. [b](v) on the line\n3. [c](w)\n\n  fell out\n\n    and this\nafter\n";
        let (_, notes) = read(body).unwrap_or_else(|d| panic!("not plain ({d:?})"));
        assert_eq!(
            notes,
            [BodyNote::Fallen {
                line: 9,
                indent: 2,
                content: 3,
                item: 7
            }]
        );
        let (_, notes) = read("1. [a](u)\n2. [b](v)\n\n   s\n3. [c](w)\n").unwrap_or_default();
        assert_eq!(
            notes,
            [BodyNote::Bare { item: 1 }, BodyNote::Bare { item: 5 }]
        );
    }

    #[test]
    fn reads_the_usual_digest_shapes() {
        let bodies = [
            "1. [A title-Name](https://x.com/a/status/1)\n    tight **summary**\n\n    more\n\n2. [B](https://x.com/b/status/2)\n\n    loose\n",
            "Intro text.\n\n1.  [甲 - 乙](https://x.com/a/status/1?s=20)\r\n\r\n    摘要\r\n",
            "10) [t](http://a.b/c)\n11) [u](http://a.b/d) and more\n     text\n",
            "\n\n1. [ spaced   title ](u)\n",
            "1. [AT&T, Q&A! (beta) 100%](https://example.com/a?b=1;c)\n",
            "",
            "Only an intro.\n",
            // Lazy continuation lines, in the title's paragraph and in a later one.
            "1. [t](u)\nlazy\n",
            "10. [t](u)\n   s\nlazy line\n11. [v](w)\n   s\n",
            "1. [t](u)\n\n    s\n  lazy\n2. [v](w)\n",
            // Text after the list, in any block but a list.
            "1. [t](u)\n\nafter\n",
            "1. [t](u)\n    s\n\n---\n\n*note* 2026年\n",
            "1. [t](u)\n\n更多见 [往期](https://e.org/)。\n  indented\n\n# end\n",
            "1. [t](u)\n\n```\ncode\n",
            "1. [t](u)\n\n[t]: v\n",
            // Blocks right under the title's line.
            "1. [t](u)\n    - a\n    - b\n\n    s\n2. [v](w)\n",
            "1. [t](u)\n   # h\n   > q\n   ```\n   code\n2. [v](w)\n",
            "1. [t](u)\n   ***\n   <div>\n2. [v](w)\n",
            // Titles with code, references and a `<` that opens nothing.
            "1. [用 `uv` 管理-某人](u)\n",
            "1. [a ` b ` c](u)\n",
            "1. [a`` x`y ``b](u)\n",
            "1. [`a]b` c](u)\n",
            "1. [a ` ` b `  x ` c](u)\n",
            "1. [a `b](u)` c](v)\n",
            "1. [`<b>` &amp; `&amp;` `*x*` `\\`](u)\n",
            "1. [Q&amp;A &lt;b&gt; &quot;x&quot; &#38; &#x26; &#X26; &#0; &#xD800; &#1114112; &#1234567;](u)\n",
            "1. [参数 <10B, <$1, < 5, <<3, <1.5>, <](u)\n",
            // Emphasis, strikethrough and bare tags, matched or not, and what they
            // leave of the title; the link's delimiters are matched among themselves.
            "1. [**重磅**：开源模型发布](u)\n",
            "1. [*Preview* 版上线 ~~旧~~新基准 ~a~](u)\n",
            "1. [推理模型的 <think> 标签 <b>重磅</b>：x</B-1>](u)\n",
            "1. [a **b](u) c** d\n",
            "1. [*a](u)* b\n   c*\n",
            "1. [*.x**](u)\n",
            "1. [snake_case_name __init__ *](u)\n",
            "1. [a *`b*` c* &amp; *d](u)\n",
            "1. [**a *b* c**](u)\n   s **t\n",
            // References to what XML 1.0 forbids or discourages: left out, and the
            // white space around them collapsed.
            "1. [a &#1; b &#x7F;&#x85;c &#xFFFE;](u)\n",
        ];
        for body in bodies {
            let fast = items(body).unwrap_or_else(|d| panic!("not plain ({d:?}): {body:?}"));
            assert_eq!(Some(fast), parser(body), "{body:?}");
            notes_agree(body).unwrap_or_else(|e| panic!("{e}"));
        }
    }

    #[test]
    fn leaves_every_doubtful_shape_to_the_parser_and_says_why() {
        use Doubt::*;
        let bodies = [
            // A setext underline turns the title's paragraph into a heading.
            ("1. [t](u)\n   ===\n", UnderlinedTitle),
            ("1. [t](u)\n   ---  \n", UnderlinedTitle),
            ("1. [t](u)\nlazy\n   -\n", UnderlinedTitle),
            // A line that may open a block may also go on with the title's paragraph.
            ("1. [t](u)\n   | a |\n   ---\n", UnderlinedTitle),
            ("1. [t](u)\n   <b>\n   x\n   ===\n", UnderlinedTitle),
            // A line that may start a block, or follow one, is not lazy for sure.
            ("1. [t](u)\n- x\n", OtherDelimiter),
            ("1. [t](u)\n  > x\n", LazyLine),
            ("1. [t](u)\n===\n", LazyLine),
            ("1. [t](u)\n   - a\nlazy\n", LazyLine),
            ("1. [t](u)\n   ```\nlazy\n", LazyLine),
            ("1. [t](u)\n\n       code\nlazy\n", LazyLine),
            ("10. [t](u)\n 2. [v](w)\n", LazyLine),
            // A numbered line after the list, or a sibling item indented.
            ("1. [t](u)\n\nafter\n\n1. [v](w)\n", SecondList),
            ("1. [t](u)\n\nafter\n   3) x\n", SecondList),
            ("10. [t](u)\n\n 2. [v](w)\n", SecondList),
            // A list inside the intro paragraph, and a list with the other delimiter.
            ("intro\n1. [t](u)\n", ListInIntro),
            ("1. [t](u)\n2) [t](u)\n", OtherDelimiter),
            // Titles and links that need inline parsing.
            ("1. [a `b](u)\n", TitleMarkup),
            ("1. [a `b](u)\n   c`\n", TitleMarkup),
            ("1. [a ``b`](u)\n", TitleMarkup),
            ("1. [a <!-- c -->](u)\n", TitleMarkup),
            ("1. [a <?x?>](u)\n", TitleMarkup),
            ("1. [a <1@b.c> d](u)\n", TitleMarkup),
            ("1. [a [b]](u)\n", TitleMarkup),
            // A tag's attribute may hold the `]` that ends the title.
            ("1. [a <b class=\"x\">c</b>](u)\n", TitleMarkup),
            ("1. [a <span title=\"](u)\">x</span>](v)\n", TitleMarkup),
            ("1. [a <b/>](u)\n", TitleMarkup),
            // Markup that leaves nothing of the title.
            ("1. [<b></b>](u)\n", EmptyTitle),
            ("1. [a &nbsp; b](u)\n", TitleEscape),
            ("1. [a &AMP; b](u)\n", TitleEscape),
            ("1. [a &#12345678; b](u)\n", TitleEscape),
            ("1. [a &#x1234567; b](u)\n", TitleEscape),
            ("1. [a &#x; b](u)\n", TitleEscape),
            ("1. [a \\] b](u)\n", TitleEscape),
            ("1. [a](<u>)\n", LinkDestination),
            ("1. [a](u \"t\")\n", LinkDestination),
            ("1. [a](u&amp;v)\n", LinkDestination),
            ("1. [a](ü)\n", LinkDestination),
            ("1. [a]()\n", LinkDestination),
            ("1. [a](u\n", LinkDestination),
            ("1. [](u)\n", EmptyTitle),
            ("1. [ ](u)\n", EmptyTitle),
            // Code, quotes, HTML and tabs.
            ("```\n1. [t](u)\n```\n", IntroBlock),
            ("    1. [t](u)\n", IntroBlock),
            ("<div>\n1. [t](u)\n", IntroBlock),
            ("[t]: u\n\n1. [t](u)\n", IntroBlock),
            ("1.\t[t](u)\n", OddMarker),
            ("1.      [t](u)\n", OddMarker),
            ("1.\n", OddMarker),
            ("1. [t](u)\n\tx\n", TabIndent),
            ("1. [t](u)\r2. [v](w)\n", LoneCarriageReturn),
            ("1. not a link\n", NoPlainLink),
            ("1. [a] (u)\n", NoPlainLink),
        ];
        for (body, why) in bodies {
            assert_eq!(items(body), Err(why), "{body:?}");
            // Whatever the parser makes of them is the answer.
            same(body);
        }
    }

    #[test]
    fn doubts_are_counted_and_listed_most_frequent_first() {
        for (i, doubt) in Doubt::ALL.iter().enumerate() {
            assert_eq!(*doubt as usize, i, "{doubt:?}");
        }
        let mut doubts = Doubts::default();
        assert_eq!(
            doubts.to_string(),
            "0 digests read by the full CommonMark parser"
        );
        for body in [
            "1. [t](u)\n",
            "1. [a [b]](u)\n",
            "1. [t](u)\n- x\n",
            "1. [a <b c=\"d\">](u)\n",
            "1. [t](u)\n\nafter\n\n1. [v](w)\n",
            "1. [a <!-- b -->](u)\n",
            "1. [a *b*](u)\n",
        ] {
            doubts.add(items(body).err());
        }
        assert_eq!(doubts.total(), 5);
        assert_eq!(doubts.get(Doubt::TitleMarkup), 3);
        assert_eq!(
            doubts.to_string(),
            "5 digests read by the full CommonMark parser: 3 title markup, 1 other list delimiter, 1 second list"
        );
        let mut one = Doubts::default();
        one.add(Some(Doubt::TabIndent));
        one.add(None);
        assert_eq!(
            one.to_string(),
            "1 digest read by the full CommonMark parser: 1 tab indent"
        );
    }

    /// Lines built from the pieces that change how CommonMark reads a document: mostly
    /// the plain shape (item lines, indented summary lines, blank lines), so that whole
    /// lists are read by both, with a doubtful piece here and there.
    fn line() -> impl Strategy<Value = String> {
        let plain_indent = prop::sample::select(vec!["", "   ", "    ", "     ", "        "]);
        let odd_indent = prop::sample::select(vec![" ", "  ", "\t", "  \t", "\t "]);
        let marker = prop::sample::select(vec![
            "1. ",
            "2. ",
            "1) ",
            "3) ",
            "10. ",
            "1.  ",
            "2.   ",
            "7.    ",
            "1.     ",
            "1.\t",
            "1.",
            "0. ",
            "123456789. ",
            "1234567890. ",
            "- ",
            "* ",
            "+ ",
        ]);
        let link = prop::sample::select(vec![
            "[t](u)",
            "[T-Name](https://x.com/a/status/1)",
            "[a b](http://e.org/x)",
            "[x](y) tail",
            "[Q&A](u)",
            "[a](b&c;)",
            "[a](b]c)",
            "[a](\"b\")",
            "[a ! (b)](u)",
            "[ x ]( u )",
            "[a *b*](u)",
            "[a](u \"t\")",
            "[a](<u>)",
            "[a `b](u)`",
            "[a &amp; b](u)",
            "[a\\]](u)",
            "[[a]](u)",
            "[a]",
            "[a]: u",
            "[a](u))",
            "[a](())",
            "[\u{a0}](u)",
            "[a](u)\u{a0}",
            "[`a]b` c](u)",
            "[a ` b `](u)",
            "[a``b`c``](u)",
            "[a `b` `](u)",
            "[a ` ]` b](u)",
            "[`a` <b> `c`](u)",
            "[&lt;&#38;&#x26;&#0;&#XD800;&#1234567;&quot;&gt;](u)",
            "[&#12345678;&nbsp;&amp](u)",
            "[a <1 b](u)",
            "[<$1 <<2 <](u)",
            "[a <1@b> c](u)",
            "[a <1@b](u) c>",
            "[a < b](u)",
            "[a`](u)",
        ]);
        let text = prop::sample::select(vec![
            "text",
            "**bold** text",
            "`code` x",
            "a `b",
            "c` d",
            "```",
            "~~~",
            "~x~",
            "---",
            "***",
            "___",
            "===",
            "# h",
            "#h",
            "> q",
            "<div>",
            "<!-- c -->",
            "&amp;",
            "2026年",
            "1.5x",
            "_a_",
            "* * *",
            "*a",
            "| a |",
            "\\",
            "![i](j)",
            "[a]: u",
            "[t](u)",
            "-x",
            "+x",
            "=x",
            "\u{a0}",
            "x  ",
            "`",
            "c` d",
            "<1@x>",
            "1. x",
            "2) [t](u)",
            "   - y",
        ]);
        let end = prop::sample::select(
            vec!["\n"; 12]
                .into_iter()
                .chain(["\r\n", "\r", ""])
                .collect::<Vec<_>>(),
        );
        let good_marker =
            prop::sample::select(vec!["1. ", "2. ", "10. ", "1.  ", "- ", "* ", "+  "]);
        let good_link = prop::sample::select(vec!["[t](u)", "[a b-C](https://x.com/a/status/1)"]);
        let good_text = prop::sample::select(vec!["text", "**bold** `code`", "，句子"]);
        let piece = prop_oneof![
            6 => (good_marker, good_link).prop_map(|(m, l)| format!("{m}{l}")),
            6 => good_text.prop_map(|t| format!("    {t}")),
            6 => Just(String::new()),
            1 => (Just(""), marker, link).prop_map(|(i, m, l)| format!("{i}{m}{l}")),
            1 => (plain_indent, text.clone()).prop_map(|(i, t)| format!("{i}{t}")),
            1 => (odd_indent, text).prop_map(|(i, t)| format!("{i}{t}")),
        ];
        (piece, end).prop_map(|(p, e)| format!("{p}{e}"))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4000))]
        #[test]
        fn agrees_with_the_commonmark_parser(lines in prop::collection::vec(line(), 0..16)) {
            let body = lines.concat();
            if let Ok(fast) = items(&body) {
                prop_assert_eq!(Some(fast), parser(&body), "{:?}", body);
            }
            notes_agree(&body)?;
            alone_agrees(&body)?;
            plain_agrees(&body)?;
        }

        #[test]
        fn agrees_on_generated_digests(items_ in prop::collection::vec(
            (1u32..1000, "[A-Za-z0-9 ,.!?&()'\"%:;/=+#@$-]{1,20}", "[a-z0-9:/._?=%-]{1,20}", 0usize..4, any::<bool>(), "[^\r]{0,30}"),
            0..8,
        )) {
            let mut body = String::from("intro\n\n");
            for (n, title, url, spaces, tight, summary) in items_ {
                let gap = if tight { "\n" } else { "\n\n" };
                body.push_str(&format!("{n}.{} [{title}]({url}){gap}    {summary}\n\n", " ".repeat(spaces)));
            }
            // What the parsers are given: a file's text without what XML forbids (a
            // vertical tab, which CommonMark counts as white space, cannot reach them).
            let body = crate::support::text::xml_safe(&body).into_owned();
            if let Ok(fast) = items(&body) {
                prop_assert_eq!(Some(fast), parser(&body), "{:?}", body);
            }
            alone_agrees(&body)?;
            plain_agrees(&body)?;
        }

        /// Summaries built from what emphasis, code spans, escapes, references, HTML
        /// and line ends are made of, next to characters of every class.
        #[test]
        fn plain_summaries_agree_with_the_parser(
            after in prop::sample::select(vec!["", " ", "  ", " x", " **a**", "**a**", " `c`  ", " ，x"]),
            lines in prop::collection::vec((
                prop::sample::select(vec!["   ", "   ", "   ", "    ", "     ", "       ", "", " "]),
                prop::collection::vec(prop_oneof![
                    // What it writes, mostly, so that long lines of it come up.
                    6 => prop::sample::select(vec![
                        "a", "字", " ", "  ", "**", "**", "**", "`", "&", ">", "\"", "'", "，",
                        "“", "”", "。", "(", ")", "!", "#", "1.", "-", "=", ".", "5", "é",
                        "\u{2014}", "$", "|", "😀", "+", "Ⓐ", "🅰",
                    ]),
                    1 => prop::sample::select(vec![
                        "*", "***", "``", "&amp;", "&x", "<", "_", "~", "\\", "[", "]", "\u{a0}",
                        "\u{3000}", "\u{85}", "\t",
                    ]),
                ], 0..10),
            ), 0..6),
            next in prop::sample::select(vec!["", "2. [v](w)\n", "\nafter\n", "\n  fell\n"]),
        ) {
            let mut body = format!("1. [t](u){after}\n");
            for (indent, words) in lines {
                body.push_str(indent);
                body.push_str(&words.concat());
                body.push('\n');
            }
            body.push_str(next);
            plain_agrees(&body)?;
        }

        /// Titles built from what code spans, references, autolinks and HTML are made
        /// of, with what may follow them on the line and the next.
        #[test]
        fn agrees_on_titles(
            title in prop::collection::vec(prop::sample::select(vec![
                "a", "b", " ", "  ", "\u{a0}", "字", "`", "``", "<", ">", "&", ";", "#", "x",
                "X", "1", "0", "@", "]", "[", "$", "!", "/", "?", ".", "-", "*", "\\", "(",
                "&amp;", "&lt;", "&#", "&#38;", "&#x26;", "&#0;", "&#55296;", "&nbsp;",
                "&#1;", "&#x9F;", "_", "~", "**", "~~", "<b>", "</b>", "<i-2>", "<b c>",
            ]), 0..14),
            tail in prop::sample::select(vec!["", " x", " `", " ]", "`", " <1@a>", ")`", "*", " b**", "_ ~"]),
            next in prop::sample::select(vec!["", "   c`\n", "2. [v](w)\n", "   ===\n", "c`\n", "   c*\n", "**\n"]),
        ) {
            let body = format!("1. [{}](u){tail}\n{next}", title.concat());
            if let Ok(fast) = items(&body) {
                prop_assert_eq!(Some(fast), parser(&body), "{:?}", body);
            }
        }

        /// Digests in the shapes writers produce: tight and loose, several paragraphs,
        /// summaries on the title's line or opening with a list, lazy lines, text
        /// after the list.
        #[test]
        fn agrees_on_digest_shapes(
            delimiter in prop::sample::select(vec![".", ")", "-", "*", "+"]),
            items_ in prop::collection::vec((
                prop::sample::select(vec![" ", "  "]),
                prop::sample::select(vec!["", " —— on the line"]),
                prop::collection::vec(prop_oneof![
                    5 => prop::sample::select(vec![
                        "\n", "   s\n", "    s **b**\n", "lazy\n", "    - a\n", "   - a\n",
                    ]),
                    1 => prop::sample::select(vec![
                        "  lazy\n", "    > q\n", "    ```\n", "    ---\n", "    ===\n",
                        "        code\n", "  - x\n", "# h\n", "after\n", "[t]: v\n",
                        "    # n\n", "    &nbsp;s\n", "    &#32;\n", "    &#9;t\n",
                    ]),
                ], 0..6),
            ), 1..6),
            closing in prop::sample::select(vec!["", "\nafter\n", "\n---\n\n*n*\n", "\n1. [z](y)\n", "\n   text\n   2. x\n"]),
        ) {
            let mut body = String::new();
            for (k, (spaces, inline, lines)) in items_.into_iter().enumerate() {
                let marker = match delimiter {
                    "." | ")" => format!("{}{delimiter}", k + 8),
                    bullet => bullet.to_string(),
                };
                body.push_str(&format!("{marker}{spaces}[t{k} `c`](https://x.com/a/status/{k}){inline}\n"));
                body.push_str(&lines.concat());
            }
            body.push_str(closing);
            if let Ok(fast) = items(&body) {
                prop_assert_eq!(Some(fast), parser(&body), "{:?}", body);
            }
            notes_agree(&body)?;
            alone_agrees(&body)?;
            plain_agrees(&body)?;
        }
    }
}
