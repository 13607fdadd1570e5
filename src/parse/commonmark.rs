//! The digest's body: a CommonMark document whose top-level numbered lists hold the
//! items. Each item starts with a link; whatever follows it in the item is the summary.

use crate::model::Summaries;
use crate::support::text::{collapse_whitespace, line_of, newline_offsets};
use pulldown_cmark::{CowStr, Event, Options, Parser, Tag, TagEnd};
use std::borrow::Cow;
use std::ops::Range;

/// One item as written, before its link is checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawItem<'a> {
    /// Line in the body (1-based).
    pub line: usize,
    /// Whitespace collapsed, and safe for XML 1.0 ([`crate::support::text::xml_safe`]).
    /// Borrowed from the body where it is written so (most titles, read line by line).
    pub title: Cow<'a, str>,
    pub url: Cow<'a, str>,
    pub summary_html: String,
}

/// An item that does not have the shape of a digest item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadItem {
    pub line: usize,
    pub message: String,
}

fn options() -> Options {
    Options::ENABLE_STRIKETHROUGH
}

/// The text before the list, rendered to HTML (not sanitised): the body's lines
/// before line `first_item` (1-based, the first item's marker), or the whole body if it
/// has no item. Empty when that text is blank.
pub fn intro_html(body: &str, first_item: Option<usize>) -> String {
    // Where line `first_item` starts: after the newline that ends the line before it.
    let end = match first_item {
        None => body.len(),
        Some(0 | 1) => 0,
        Some(line) => body
            .match_indices('\n')
            .nth(line - 2)
            .map_or(body.len(), |(at, _)| at + 1),
    };
    let text = &body[..end];
    if text.trim().is_empty() {
        return String::new();
    }
    // Link reference definitions apply to the whole body: those written after the list
    // are read with the intro too (they render as nothing).
    let mut with_references = text.to_string();
    for line in body[end..]
        .lines()
        .filter(|line| is_reference_definition(line))
    {
        with_references.push_str("\n\n");
        with_references.push_str(line);
    }
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, Parser::new_ext(&with_references, options()));
    html
}

/// `[label]: destination` on one line, indented at most three spaces.
fn is_reference_definition(line: &str) -> bool {
    let trimmed = line.trim_start_matches(' ');
    if line.len() - trimmed.len() > 3 {
        return false;
    }
    let Some(rest) = trimmed.strip_prefix('[') else {
        return false;
    };
    let Some((label, after)) = rest.split_once("]:") else {
        return false;
    };
    // A destination, then nothing or a quoted title: anything else is text.
    let mut words = after.trim().splitn(2, [' ', '\t']);
    let destination = words.next().unwrap_or("");
    let title = words.next().unwrap_or("").trim();
    let titled = title.is_empty()
        || [('"', '"'), ('\'', '\''), ('(', ')')]
            .iter()
            .any(|(open, close)| {
                title.len() > 1 && title.starts_with(*open) && title.ends_with(*close)
            });
    !label.is_empty()
        && !label.contains(['[', ']'])
        && after.starts_with([' ', '\t'])
        && !destination.is_empty()
        && titled
}

/// A top-level list: its marker (`None`: numbered) and its items, each its first line
/// and its events.
type List<'a> = (Option<char>, Vec<(usize, Vec<Event<'a>>)>);

/// Reads every item of the top-level lists, numbered (`1.`, `1)`) or bulleted (`-`,
/// `*`, `+`), with the CommonMark parser: a digest written either way gives the same
/// items. Where the body has a numbered list, its numbered lists are the items and a
/// bulleted list is text (a footer of links, notes); without one, its bulleted lists
/// are, but for one none of whose items starts with a link (notes in the intro). Items
/// that lack a leading link are returned as problems. With `summaries` false the
/// summaries are left empty (a full run renders only those some feed shows).
/// [`super::items`] tries a faster reading first.
pub fn commonmark_items(body: &str, summaries: Summaries) -> Vec<Result<RawItem<'_>, BadItem>> {
    let newlines = newline_offsets(body);
    let mut lists: Vec<List<'_>> = Vec::new();
    let mut depth = 0usize;
    let mut in_list = false;
    let mut current: Option<(usize, Vec<Event<'_>>)> = None;
    let mut title_done = false;
    for (event, range) in Parser::new_ext(body, options()).into_offset_iter() {
        let Range { start, .. } = range;
        match (&event, &mut current) {
            (Event::Start(Tag::Item), None) if depth == 1 && in_list => {
                title_done = false;
                current = Some((line_of(&newlines, start), Vec::new()));
                depth += 1;
                continue;
            }
            (Event::End(TagEnd::Item), Some(_)) if depth == 2 => {
                depth -= 1;
                if let (Some(done), Some((_, items))) = (current.take(), lists.last_mut()) {
                    items.push(done);
                }
                continue;
            }
            _ => {}
        }
        match &event {
            Event::Start(tag) => {
                if depth == 0 {
                    in_list = match tag {
                        Tag::List(Some(_)) => {
                            lists.push((None, Vec::new()));
                            true
                        }
                        Tag::List(None) => {
                            let bullet = body[start..].trim_start().chars().next().unwrap_or('-');
                            lists.push((Some(bullet), Vec::new()));
                            true
                        }
                        _ => false,
                    };
                }
                depth += 1;
            }
            Event::End(_) => depth = depth.saturating_sub(1),
            _ => {}
        }
        if let Some((_, events)) = &mut current {
            if !title_done {
                // Without summaries, nothing after the title link is needed.
                title_done =
                    summaries == Summaries::Skip && matches!(event, Event::End(TagEnd::Link));
                events.push(event);
            }
        }
    }
    let numbered = lists.iter().any(|(bullet, _)| bullet.is_none());
    let mut out = Vec::new();
    let mut position = 0;
    for (bullet, items) in lists {
        let taken = match bullet {
            None => true,
            Some(_) => !numbered && items.iter().any(|(_, events)| leads_with_link(events)),
        };
        if !taken {
            continue;
        }
        for (line, events) in items {
            position += 1;
            out.push(item(line, position, bullet, events, summaries));
        }
    }
    out
}

/// Whether an item's events start with a link (after the paragraph of a loose item).
fn leads_with_link(events: &[Event<'_>]) -> bool {
    let mut events = events
        .iter()
        .skip_while(|e| matches!(e, Event::Start(Tag::Paragraph)));
    matches!(events.next(), Some(Event::Start(Tag::Link { .. })))
}

/// A link's title: the text of the events from its start to its end (which it takes),
/// its white space collapsed. Safe for XML, as the line-by-line reading makes it: a
/// reference (`&#1;`) can decode to what the text did not hold.
fn link_title<'a>(events: &mut impl Iterator<Item = Event<'a>>) -> String {
    let mut title = String::new();
    let mut nesting = 0usize;
    for event in events.by_ref() {
        match event {
            Event::End(TagEnd::Link) if nesting == 0 => break,
            Event::Start(_) => nesting += 1,
            Event::End(_) => nesting = nesting.saturating_sub(1),
            Event::Text(t) | Event::Code(t) => title.push_str(&t),
            Event::SoftBreak | Event::HardBreak => title.push(' '),
            _ => {}
        }
    }
    collapse_whitespace(&crate::support::text::xml_safe(&title))
}

/// The title of `link`, a lone `[title](dest)`, as the parser reads it; `None` when the
/// parser reads anything else there. The line-by-line reading hands it titles with
/// emphasis or HTML, whose reading within an item is the same as alone: once a link
/// forms, the delimiters inside it are matched among themselves.
pub fn lone_link_title(link: &str, dest: &str) -> Option<String> {
    let mut events = Parser::new_ext(link, options());
    if events.next()? != Event::Start(Tag::Paragraph) {
        return None;
    }
    match events.next()? {
        Event::Start(Tag::Link { dest_url, .. }) if *dest_url == *dest => {}
        _ => return None,
    }
    let title = link_title(&mut events);
    let rest = (events.next(), events.next());
    (rest == (Some(Event::End(TagEnd::Paragraph)), None)).then_some(title)
}

fn item(
    line: usize,
    position: usize,
    bullet: Option<char>,
    events: Vec<Event<'_>>,
    summaries: Summaries,
) -> Result<RawItem<'static>, BadItem> {
    let marker = bullet.map_or_else(|| format!("{position}."), String::from);
    let no_link = || {
        BadItem {
        line,
        message: format!(
            "item {position} does not start with a link; write `{marker} [title](https://x.com/handle/status/ID)`"
        ),
    }
    };
    let mut events = events.into_iter().peekable();
    let loose = matches!(events.peek(), Some(Event::Start(Tag::Paragraph)));
    if loose {
        events.next();
    }
    let url = match events.next() {
        Some(Event::Start(Tag::Link { dest_url, .. })) => dest_url.to_string(),
        _ => return Err(no_link()),
    };
    let title = link_title(&mut events);
    if title.is_empty() {
        return Err(BadItem {
            line,
            message: format!("item {position} has a link with no title; write `[title]({url})`"),
        });
    }
    if url.trim().is_empty() {
        return Err(BadItem {
            line,
            message: format!("item {position} has a link with no URL; write `[{title}](https://x.com/handle/status/ID)`"),
        });
    }
    let mut html = String::new();
    if summaries == Summaries::Read {
        let rest: Vec<Event<'_>> = events.collect();
        pulldown_cmark::html::push_html(&mut html, summary_events(rest, loose).into_iter());
    }
    Ok(RawItem {
        line,
        title: title.into(),
        url: url.into(),
        summary_html: html.trim_end().to_string(),
    })
}

fn is_inline(event: &Event<'_>) -> bool {
    match event {
        Event::Start(tag) => matches!(
            tag,
            Tag::Emphasis
                | Tag::Strong
                | Tag::Strikethrough
                | Tag::Link { .. }
                | Tag::Image { .. }
                | Tag::Superscript
                | Tag::Subscript
        ),
        Event::End(tag) => matches!(
            tag,
            TagEnd::Emphasis
                | TagEnd::Strong
                | TagEnd::Strikethrough
                | TagEnd::Link
                | TagEnd::Image
                | TagEnd::Superscript
                | TagEnd::Subscript
        ),
        Event::Text(_)
        | Event::Code(_)
        | Event::InlineHtml(_)
        | Event::InlineMath(_)
        | Event::SoftBreak
        | Event::HardBreak
        | Event::FootnoteReference(_) => true,
        _ => false,
    }
}

/// The events after the title link, as a sequence of blocks: the rest of the link's
/// line and any loose text of a tight list item are wrapped in paragraphs, so that a
/// tight item and a loose item with the same words give the same HTML.
fn summary_events(rest: Vec<Event<'_>>, loose: bool) -> Vec<Event<'_>> {
    let mut out = Vec::with_capacity(rest.len() + 4);
    let mut open = false;
    let mut depth = 0usize;
    // The remainder of the link's paragraph (loose items) is a paragraph of its own.
    let mut in_first_paragraph = loose;
    // Still in the remainder of the link's paragraph, before its first word: the space
    // and line break after the link go. Only there: a later paragraph of a loose item
    // keeps a leading `&nbsp;`, so a tight one must too.
    let mut leading = true;
    for event in rest {
        if in_first_paragraph && depth == 0 && matches!(event, Event::End(TagEnd::Paragraph)) {
            in_first_paragraph = false;
            if open {
                out.push(Event::End(TagEnd::Paragraph));
                open = false;
            }
            leading = false;
            continue;
        }
        let inline = is_inline(&event);
        if depth == 0 && inline {
            if leading {
                match event {
                    Event::SoftBreak | Event::HardBreak => continue,
                    Event::Text(ref t) if t.trim().is_empty() => continue,
                    Event::Text(t) => {
                        leading = false;
                        out.push(Event::Start(Tag::Paragraph));
                        open = true;
                        out.push(Event::Text(CowStr::from(t.trim_start().to_string())));
                        continue;
                    }
                    _ => {}
                }
                leading = false;
            }
            if !open {
                out.push(Event::Start(Tag::Paragraph));
                open = true;
            }
        } else if depth == 0 && open && !inline {
            out.push(Event::End(TagEnd::Paragraph));
            open = false;
        }
        match &event {
            Event::Start(_) => depth += 1,
            Event::End(_) => depth = depth.saturating_sub(1),
            _ => {}
        }
        if !inline {
            leading = false;
        }
        out.push(event);
    }
    if open {
        out.push(Event::End(TagEnd::Paragraph));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(body: &str) -> Vec<Result<RawItem<'_>, BadItem>> {
        commonmark_items(body, Summaries::Read)
    }

    fn ok(body: &str) -> Vec<RawItem<'_>> {
        items(body).into_iter().map(|r| r.unwrap()).collect()
    }

    /// A later paragraph that opens with a character reference for a space keeps it,
    /// tight or loose.
    #[test]
    fn only_the_link_line_loses_its_leading_space() {
        let tight = ok("1. [a](https://x.com/a/status/1)\n   # note\n   &nbsp;x\n2. [b](u)\n");
        let loose = ok("1. [a](https://x.com/a/status/1)\n   # note\n   &nbsp;x\n\n2. [b](u)\n");
        assert_eq!(tight[0].summary_html, "<h1>note</h1>\n<p>\u{a0}x</p>");
        assert_eq!(tight[0].summary_html, loose[0].summary_html);
    }

    #[test]
    fn tight_and_loose_items_give_the_same_summary() {
        let tight = ok("1.  [T-A](https://x.com/a/status/1)\n    Some **bold** text.\n");
        let loose = ok("1.  [T-A](https://x.com/a/status/1)\n\n    Some **bold** text.\n");
        assert_eq!(
            tight[0].summary_html,
            "<p>Some <strong>bold</strong> text.</p>"
        );
        assert_eq!(tight, loose);
    }

    #[test]
    fn summary_keeps_several_paragraphs_code_and_links() {
        let body = "Intro paragraph.\n\n1.  [Title](https://x.com/a/status/1)\n\n    First `code`.\n\n    Second [link](https://example.com).\n\n2.  [Next](https://x.com/b/status/2)\n";
        let items = ok(body);
        assert_eq!(items.len(), 2);
        assert_eq!(
            items[0].summary_html,
            "<p>First <code>code</code>.</p>\n<p>Second <a href=\"https://example.com\">link</a>.</p>"
        );
        assert_eq!(items[0].line, 3);
        assert_eq!(items[1].line, 9);
        assert_eq!(items[1].summary_html, "");
    }

    #[test]
    fn text_on_the_link_line_starts_the_summary() {
        let items = ok("1. [T](https://x.com/a/status/1) — said today.\n   More.\n");
        assert_eq!(items[0].summary_html, "<p>— said today.\nMore.</p>");
    }

    #[test]
    fn title_is_plain_text() {
        let items = ok("1. [`hf-mem` **工具** <b>x</b> &amp; y](https://x.com/a/status/1)\n");
        assert_eq!(items[0].title, "hf-mem 工具 x & y");
    }

    #[test]
    fn nested_lists_stay_in_the_summary() {
        let items = ok("1. [T](https://x.com/a/status/1)\n   Points:\n   - one\n   - two\n2. [U](https://x.com/a/status/2)\n");
        assert_eq!(items.len(), 2);
        assert_eq!(
            items[0].summary_html,
            "<p>Points:</p>\n<ul>\n<li>one</li>\n<li>two</li>\n</ul>"
        );
    }

    #[test]
    fn beside_a_numbered_list_bullets_are_text_and_quoted_lists_are_no_items() {
        let body = "- [a bullet](https://x.com/a/status/9)\n\n> 1. [quoted](https://x.com/a/status/8)\n\n1. [T](https://x.com/a/status/1)\n\n---\n\n- [Subscribe](https://news.example.com)\n- thanks all\n";
        let urls: Vec<String> = ok(body).iter().map(|i| i.url.to_string()).collect();
        assert_eq!(urls, ["https://x.com/a/status/1"]);
        assert_eq!(
            items(body).len(),
            1,
            "the footer's items are not reported either"
        );
        // Bullets alone: each list whose items lead with links, numbered across lists.
        let r = items("- [A](https://x.com/a/status/1)\n\n* [B]()\n* no link\n");
        assert_eq!(r.len(), 3);
        assert!(
            r[1].as_ref()
                .unwrap_err()
                .message
                .contains("item 2 has a link with no URL"),
            "{r:?}"
        );
        assert!(
            r[2].as_ref()
                .unwrap_err()
                .message
                .contains("item 3 does not start with a link; write `* [title]"),
            "{r:?}"
        );
    }

    /// `-`, `*` and `+` lists give the items of the same list numbered, with the same
    /// lines, titles, links and summaries; a bulleted list of notes without a link is
    /// no list of items, while one with links reports its items that have none.
    #[test]
    fn a_bulleted_digest_reads_as_its_numbered_form() {
        let numbered = "Intro.\n\n1.  [First - A](https://x.com/a/status/1)\n\n    Summary **one**.\n\n2.  [Second](https://x.com/b/status/2)\n    - nested\n    - notes\n\n    More.\n";
        let full = |body: &str| -> Vec<(usize, String, String, String)> {
            commonmark_items(body, Summaries::Read)
                .into_iter()
                .map(|r| r.unwrap())
                .map(|i| {
                    (
                        i.line,
                        i.title.to_string(),
                        i.url.to_string(),
                        i.summary_html,
                    )
                })
                .collect()
        };
        for bullet in ["-   ", "*   ", "+   "] {
            let bulleted = numbered.replace("1.  ", bullet).replace("2.  ", bullet);
            assert_eq!(full(&bulleted), full(numbered), "{bulleted}");
        }
        let notes = "Notes:\n\n- one\n- two\n\n1. [T](https://x.com/a/status/1)\n";
        let urls: Vec<String> = ok(notes).iter().map(|i| i.url.to_string()).collect();
        assert_eq!(urls, ["https://x.com/a/status/1"]);
        let r = items("- [T](https://x.com/a/status/1)\n- no link\n");
        let e = r[1].as_ref().unwrap_err();
        assert!(
            e.message
                .contains("item 2 does not start with a link; write `- [title]"),
            "{e:?}"
        );
    }

    #[test]
    fn items_without_a_leading_link_are_reported_with_their_line() {
        let r = items(
            "1. [T](https://x.com/a/status/1)\n2. no link here\n3. [](https://x.com/a/status/3)\n",
        );
        assert!(r[0].is_ok());
        let e = r[1].as_ref().unwrap_err();
        assert_eq!(e.line, 2);
        assert!(
            e.message.contains("item 2 does not start with a link"),
            "{e:?}"
        );
        let e = r[2].as_ref().unwrap_err();
        assert!(e.message.contains("no title"), "{e:?}");
    }

    #[test]
    fn empty_body_has_no_items() {
        assert!(items("").is_empty());
        assert!(items("Just an intro.\n").is_empty());
    }

    #[test]
    fn lists_starting_at_other_numbers_and_crlf_work() {
        let items =
            ok("5. [A](https://x.com/a/status/1)\r\n   x\r\n6. [B](https://x.com/a/status/2)\r\n");
        assert_eq!(items.len(), 2);
        assert_eq!(items[1].line, 3);
        assert_eq!(items[0].summary_html, "<p>x</p>");
    }
}
