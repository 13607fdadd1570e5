//! Summaries are rendered from Markdown, which passes raw HTML through, so the HTML is
//! cleaned here before it reaches any feed: one cleaned string serves all three formats.

use ammonia::{Builder, UrlRelative};
use std::collections::HashSet;

/// A reusable cleaner: building one is far costlier than using it.
pub(crate) struct Sanitizer {
    builder: Builder<'static>,
}

impl Default for Sanitizer {
    fn default() -> Self {
        let mut builder = Builder::default();
        // Every link in a feed must be absolute: a reader resolves relative ones against
        // the feed's URL, which is never what the digest meant.
        builder.url_relative(UrlRelative::Deny);
        builder.url_schemes(HashSet::from(["http", "https", "mailto"]));
        Sanitizer { builder }
    }
}

impl Sanitizer {
    /// Removes scripts, frames, event handlers, styles and non-web URLs; keeps text,
    /// emphasis, code and links.
    pub(crate) fn clean(&self, html: &str) -> String {
        match plain::clean(html) {
            // As below: nothing XML cannot carry.
            Some(clean) => crate::support::text::xml_safe_owned(clean),
            None => self.clean_any(html),
        }
    }

    /// [`Sanitizer::clean`] by ammonia, whatever the HTML.
    fn clean_any(&self, html: &str) -> String {
        // Character references in raw HTML (`&#1;`) only become characters here, and
        // ammonia writes them out unescaped: strip what XML cannot carry once more.
        crate::support::text::xml_safe_owned(self.builder.clean(html).to_string())
    }
}

/// What ammonia makes of the HTML that pulldown-cmark writes for Markdown without raw
/// HTML, written directly. Parsing every summary into a DOM and writing it out again was
/// a tenth of a full run's time (2,000 summaries shown at any folder size), for HTML
/// that is safe by construction but for its links' URLs. Anything else (raw HTML, an
/// image, an attribute or a character reference this does not know) is left to
/// ammonia: property tests hold the two to the same output wherever this answers.
mod plain {
    /// The elements written as they are, without attributes (pulldown-cmark and
    /// html5ever write them alike), and which of them hold text rather than blocks.
    const BLOCKS: &[&str] = &["p", "ul", "ol", "li", "blockquote"];
    const INLINE: &[&str] = &["strong", "em", "del", "code", "a"];

    /// `tag` if it is one of [`BLOCKS`] or [`INLINE`], as written there.
    fn element(tag: &str) -> Option<&'static str> {
        Some(match tag {
            "p" => "p",
            "ul" => "ul",
            "ol" => "ol",
            "li" => "li",
            "blockquote" => "blockquote",
            "strong" => "strong",
            "em" => "em",
            "del" => "del",
            "code" => "code",
            "a" => "a",
            _ => return None,
        })
    }

    #[test]
    fn every_element_is_known_and_nothing_else() {
        for &name in BLOCKS.iter().chain(INLINE) {
            assert_eq!(element(name), Some(name));
        }
        for other in ["br", "P", "img", "a href", ""] {
            assert_eq!(element(other), None);
        }
    }

    /// Where the HTML stands: the elements open around it.
    #[derive(Default)]
    struct Open(Vec<&'static str>);

    impl Open {
        fn top(&self) -> Option<&'static str> {
            self.0.last().copied()
        }

        fn in_inline(&self) -> bool {
            self.0.iter().any(|t| INLINE.contains(t))
        }

        /// Whether `tag` may open here with html5ever building the same tree: no block
        /// inside a paragraph or inline element, items only in lists, no link in a
        /// link, nothing but text in code. (Raw HTML in a summary can ask for anything;
        /// the rest is left to ammonia.)
        fn may_open(&self, tag: &str) -> bool {
            let top = self.top();
            if matches!(top, Some("code" | "ul" | "ol")) && tag != "li" {
                return false;
            }
            match tag {
                "li" => matches!(top, Some("ul" | "ol")),
                "a" => !self.0.contains(&"a"),
                _ if BLOCKS.contains(&tag) => !self.in_inline() && top != Some("p"),
                _ => true,
            }
        }
    }

    pub(super) fn clean(html: &str) -> Option<String> {
        // html5ever turns CR into LF, and drops NUL: ammonia's business.
        if memchr::memchr2(b'\r', 0, html.as_bytes()).is_some() {
            return None;
        }
        let nbsp = memchr::memmem::find(html.as_bytes(), "\u{a0}".as_bytes()).is_some();
        let mut out = String::with_capacity(html.len() + 32);
        let mut open = Open::default();
        let mut rest = html;
        loop {
            let at = special(rest.as_bytes(), nbsp);
            let text = &rest[..at];
            if matches!(open.top(), Some("ul" | "ol")) && !text.trim().is_empty() {
                return None;
            }
            out.push_str(text);
            rest = &rest[at..];
            let Some(c) = rest.chars().next() else {
                break;
            };
            if let Some(after) = rest.strip_prefix('<') {
                let end = memchr::memchr(b'>', after.as_bytes())?;
                let tag = &after[..end];
                rest = &after[end + 1..];
                if let Some(name) = tag.strip_prefix('/') {
                    if open.top() != Some(name) {
                        return None;
                    }
                    open.0.pop();
                    out.push_str("</");
                    out.push_str(name);
                    out.push('>');
                } else if tag == "br /" {
                    if !open.may_open("br") {
                        return None;
                    }
                    out.push_str("<br>");
                } else if let Some(name) = element(tag) {
                    if name == "a" || !open.may_open(name) {
                        return None;
                    }
                    open.0.push(name);
                    out.push('<');
                    out.push_str(name);
                    out.push('>');
                } else {
                    // `href` alone: a title, or any other attribute, is ammonia's.
                    let href = tag.strip_prefix("a href=\"")?.strip_suffix('"')?;
                    if href.contains('"') {
                        return None;
                    }
                    let url = decode(href)?;
                    if !allowed(&url) || !open.may_open("a") {
                        return None;
                    }
                    open.0.push("a");
                    out.push_str("<a href=\"");
                    escape(&mut out, &url, true);
                    out.push_str("\" rel=\"noopener noreferrer\">");
                }
            } else if c == '&' {
                let end = memchr::memchr(b';', rest.as_bytes())?;
                let reference = &rest[..=end];
                // What pulldown-cmark writes for `&`, `<` and `>` is written back as it
                // stands; anything else decoded and escaped as html5ever would.
                if matches!(reference, "&amp;" | "&lt;" | "&gt;") {
                    out.push_str(reference);
                } else {
                    escape(&mut out, &decode(reference)?, false);
                }
                rest = &rest[end + 1..];
            } else {
                match c {
                    '>' => out.push_str("&gt;"),
                    '\u{a0}' => out.push_str("&nbsp;"),
                    // `special` stops at nothing else.
                    _ => return None,
                }
                rest = &rest[c.len_utf8()..];
            }
        }
        open.0.is_empty().then_some(out)
    }

    /// Where the first character [`clean`] looks at is (`<`, `&`, `>`, or U+00A0
    /// if `nbsp`), or the end. Every byte of every summary passes here, and most have
    /// no U+00A0: for them, a vectorised search.
    fn special(b: &[u8], nbsp: bool) -> usize {
        if !nbsp {
            return memchr::memchr3(b'<', b'&', b'>', b).unwrap_or(b.len());
        }
        let mut at = 0;
        while at < b.len() {
            match b[at] {
                b'<' | b'&' | b'>' => return at,
                0xC2 if b.get(at + 1) == Some(&0xA0) => return at,
                _ => at += 1,
            }
        }
        b.len()
    }

    /// Text with the character references pulldown-cmark writes decoded; `None` for any
    /// other reference.
    fn decode(text: &str) -> Option<String> {
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(at) = rest.find('&') {
            out.push_str(&rest[..at]);
            rest = &rest[at..];
            let (c, len) = [
                ('&', "&amp;"),
                ('<', "&lt;"),
                ('>', "&gt;"),
                ('"', "&quot;"),
                ('\'', "&#39;"),
                ('\'', "&#x27;"),
            ]
            .into_iter()
            .find(|(_, r)| rest.starts_with(r))
            .map(|(c, r)| (c, r.len()))?;
            out.push(c);
            rest = &rest[len..];
        }
        out.push_str(rest);
        Some(out)
    }

    /// How html5ever writes text (`attribute` false) or a quoted attribute value.
    fn escape(out: &mut String, text: &str, attribute: bool) {
        for c in text.chars() {
            match c {
                '&' => out.push_str("&amp;"),
                '\u{a0}' => out.push_str("&nbsp;"),
                '"' if attribute => out.push_str("&quot;"),
                '<' if !attribute => out.push_str("&lt;"),
                '>' if !attribute => out.push_str("&gt;"),
                _ => out.push(c),
            }
        }
    }

    /// The URLs ammonia keeps as they are, as [`super::Sanitizer`] sets it up.
    fn allowed(url: &str) -> bool {
        url::Url::parse(url).is_ok_and(|u| matches!(u.scheme(), "http" | "https" | "mailto"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn clean(html: &str) -> String {
        Sanitizer::default().clean(html)
    }

    #[test]
    fn removes_scripts_frames_handlers_and_javascript_urls() {
        let dirty = r#"<p>ok<script>alert(1)</script><iframe src="https://evil.example"></iframe><img src="https://a.example/x.png" onerror="alert(2)"><a href="javascript:alert(3)">j</a><a href="jav&#x61;script:alert(4)">k</a><svg><script>alert(5)</script></svg><a href="data:text/html,x">d</a></p>"#;
        let out = clean(dirty);
        for bad in [
            "<script",
            "<iframe",
            "onerror",
            "javascript:",
            "alert(",
            "data:",
            "<svg",
        ] {
            assert!(!out.to_lowercase().contains(bad), "{bad} survived in {out}");
        }
        assert!(out.contains("ok") && out.contains(">j</a>"), "{out}");
    }

    #[test]
    fn keeps_bold_code_and_absolute_links() {
        let out = clean(
            r#"<p><strong>b</strong> <code>c</code> <a href="https://example.com/x">l</a></p>"#,
        );
        assert_eq!(
            out,
            r#"<p><strong>b</strong> <code>c</code> <a href="https://example.com/x" rel="noopener noreferrer">l</a></p>"#
        );
    }

    #[test]
    fn character_references_to_controls_do_not_survive() {
        let out = clean("<div>a&#1;b&#x1B;c&#xFFFE;d</div><span title=\"&#x1;x\">y</span>");
        assert!(
            !out.chars().any(crate::support::text::is_xml_unsafe),
            "{out:?}"
        );
        assert!(out.contains("abcd"), "{out}");
    }

    #[test]
    fn drops_relative_links_but_keeps_their_text() {
        let out = clean(r#"<a href="/local">text</a>"#);
        assert!(!out.contains("/local") && out.contains("text"), "{out}");
    }

    /// A summary's HTML as a digest's item gives it to the renderer.
    fn summary_html(markdown: &str) -> String {
        let indented: String = markdown
            .split('\n')
            .map(|line| format!("    {line}\n"))
            .collect();
        let body = format!("1.  [T](https://x.com/a/status/1)\n\n{indented}");
        match crate::parse::commonmark::commonmark_items(&body, crate::model::Summaries::Read)
            .first()
        {
            Some(Ok(item)) => item.summary_html.clone(),
            other => panic!("no item in {body:?}: {other:?}"),
        }
    }

    /// The direct writing, where it answers, is what ammonia writes.
    fn same_as_ammonia(html: &str) -> Result<bool, TestCaseError> {
        if plain::clean(html).is_none() {
            return Ok(false);
        }
        let sanitizer = Sanitizer::default();
        prop_assert_eq!(
            sanitizer.clean(html),
            sanitizer.clean_any(html),
            "for {:?}",
            html
        );
        Ok(true)
    }

    #[test]
    fn everyday_summaries_skip_the_dom() {
        for markdown in [
            "Some **bold**, *emphasis*, ~~struck~~ and `code <&>` text.",
            "A [link](https://example.com/a?b=1&c='x') and [mail](mailto:a@example.com).",
            "中文摘要，带\u{a0}不换行空格和 \"引号\" & 符号 > 1",
            "First paragraph.\n\nSecond, with a hard  \nbreak.",
            "- one\n- **two**\n\n> quoted\n\n1. first\n2. second",
        ] {
            let html = summary_html(markdown);
            assert!(
                same_as_ammonia(&html).unwrap(),
                "{markdown:?} gave {html:?}"
            );
        }
    }

    #[test]
    fn what_ammonia_would_rebuild_is_left_to_it() {
        for html in [
            "<p>a <p> b</p>",
            "<p>a <strong>b</p>",
            "</p>",
            "<p><a href=\"https://e.com\">a<a href=\"https://f.com\">b</a></a></p>",
            "<ul>text<li>x</li></ul>",
            "<li>x</li>",
            "<p><a href=\"javascript:alert(1)\">x</a></p>",
            "<p><a href=\"/local\">x</a></p>",
            "<p>&copy;</p>",
            "<p>a\r\nb</p>",
            "<p><img src=\"https://e.com/i.png\" alt=\"\" /></p>",
            "<strong><p>x</p></strong>",
            "<code><em>x</em></code>",
            "<p><a href=\"https://example.com/x\" title=\"t\">x</a></p>",
            "<p><a href=\"https://e.com/\" onclick=\"x\">x</a></p>",
            "<p><a href=\"https://e.com/\" href=\"https://f.com/\">x</a></p>",
            "<p\r>x</p>",
        ] {
            assert_eq!(plain::clean(html), None, "{html}");
        }
    }

    proptest! {
        /// Summaries written in Markdown, raw HTML and all.
        #[test]
        fn markdown_summaries_clean_as_ammonia_cleans_them(
            parts in proptest::collection::vec(proptest::sample::select(vec![
                "word", "漢字", " ", "a & b", "1 < 2 > 0", "\"q\"", "it's", "\u{a0}", "\t", "30°·x",
                "**bold**", "*em*", "_em_", "~~del~~", "`code <&>`", "``a ` b``",
                "[l](https://example.com/a?b=1&c=2)", "[q](https://example.com/it's)",
                "[m](mailto:a@example.com)", "[js](javascript:alert(1))", "[r](/local)",
                "[s](<https://example.com/a b>)", "[t](https://example.com \"title\")",
                "[t](https://example.com/x \"title\")", "[t](https://example.com/x 'a\"b')",
                "<https://auto.example/x>", "![i](https://example.com/i.png)",
                "<b>raw</b>", "<strong>", "</strong>", "<p>", "</p>", "<em>x</em>",
                "<a href=\"https://e.com\">raw</a>", "<br />", "&amp;", "&copy;", "&#1;",
                "&#x27;", "\\*", "  \n", "\n", "\n\n", "\n\n- item\n- item2\n\n",
                "\n\n> quote\n\n", "\n\n1. one\n2. two\n\n", "\n\n3. three\n\n",
                "\n\n    code block\n\n", "\n\n# head\n\n", "\r\n",
            ]), 0..14),
        ) {
            same_as_ammonia(&summary_html(&parts.concat()))?;
        }

        /// HTML of the allowed elements in any order and nesting.
        #[test]
        fn any_nesting_cleans_as_ammonia_cleans_it(
            parts in proptest::collection::vec(proptest::sample::select(vec![
                "<p>", "</p>", "<strong>", "</strong>", "<em>", "</em>", "<del>", "</del>",
                "<code>", "</code>", "<ul>", "</ul>", "<ol>", "</ol>", "<li>", "</li>",
                "<blockquote>", "</blockquote>", "<br />", "</a>",
                "<a href=\"https://x.example/?a=1&amp;b=&#x27;c&#x27;\">",
                "<a href=\"mailto:a@x.example\">", "<a href=\"HTTPS://X.EXAMPLE/%20\">",
                "<a href=\"https://x.example/p\" title=\"t\">", "<a href=\"https://x.example/\" onclick=\"y\">",
                "text", " ", "\n", "&amp;", "&lt;", "&gt;", "&quot;", "&#39;", "\u{a0}", ">", "°",
                "a very long run of text without any markup in it, longer than a block",
            ]), 0..16),
        ) {
            same_as_ammonia(&parts.concat())?;
        }
    }
}
