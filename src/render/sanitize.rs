//! Summaries are rendered from Markdown, which passes raw HTML through, so the HTML is
//! cleaned here before it reaches any feed: one cleaned string serves all three formats.

use ammonia::{Builder, UrlRelative};
use std::collections::HashSet;

/// A reusable cleaner: building one is far costlier than using it.
pub struct Sanitizer {
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
    pub fn clean(&self, html: &str) -> String {
        // Character references in raw HTML (`&#1;`) only become characters here, and
        // ammonia writes them out unescaped: strip what XML cannot carry once more.
        crate::text::xml_safe(&self.builder.clean(html).to_string()).into_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert!(!out.chars().any(crate::text::is_xml_unsafe), "{out:?}");
        assert!(out.contains("abcd"), "{out}");
    }

    #[test]
    fn drops_relative_links_but_keeps_their_text() {
        let out = clean(r#"<a href="/local">text</a>"#);
        assert!(!out.contains("/local") && out.contains("text"), "{out}");
    }
}
