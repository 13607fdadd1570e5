//! Arbitrary bytes as a digest: the parser must never panic, and whatever it accepts
//! must be safe to put in XML. The shortcuts (plain lists, plain front matter, items
//! read alone for their summaries, summaries written line by line) must agree with the
//! CommonMark and YAML parsers.
#![no_main]

use digestfeed::model::Parsed;
use digestfeed::parse::parse_digest;
use digestfeed::support::text::is_xml_unsafe;
use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    // The shortcuts must read a body exactly as the CommonMark parser does, and front
    // matter exactly as the YAML parser does.
    if let Ok(text) = std::str::from_utf8(data) {
        let text = digestfeed::support::text::xml_safe(text);
        if let Ok(split) = digestfeed::parse::front_matter::split(&text) {
            if !split.yaml.trim().is_empty() {
                use digestfeed::parse::front_matter::{parse, yaml_parse};
                assert_eq!(parse(split.yaml, 2), yaml_parse(split.yaml, 2), "{:?}", split.yaml);
            }
        }
        let body = text;
        if let Ok(fast) = digestfeed::parse::lines::items(&body) {
            let parsed: Result<Vec<_>, _> =
                digestfeed::parse::commonmark::commonmark_items(&body, digestfeed::model::Summaries::Skip).into_iter().collect();
            assert_eq!(Ok(fast.clone()), parsed, "{body:?}");
            // Each item read alone has the summary the whole body gives it, unless the
            // body defines link references (then the whole body is parsed).
            if !body.contains("]:") {
                let whole = digestfeed::parse::commonmark::commonmark_items(&body, digestfeed::model::Summaries::Read);
                let alone = digestfeed::parse::Alone::new(&body, &fast);
                for (index, item) in fast.iter().enumerate() {
                    let full = whole.get(index).and_then(|r| r.as_ref().ok()).map(|f| f.summary_html.clone());
                    assert_eq!(alone.alone(index, item), full, "item {index} of {body:?}");
                    // And a summary written line by line is the parser's.
                    if let Some(plain) = alone.plain(index) {
                        assert_eq!(Some(plain), full, "item {index} of {body:?}");
                    }
                }
            }
        }
    }
    if let Ok(Parsed::Digest(digest)) = parse_digest(Path::new("fuzz.md"), data, chrono_tz::Tz::UTC)
    {
        let lines = data.iter().filter(|&&b| b == b'\n').count() + 1;
        for item in &digest.items {
            assert!(
                item.line >= 1 && item.line <= lines,
                "line {} of {lines}",
                item.line
            );
            assert!(!item.title.is_empty());
            assert!(!item.title.chars().any(is_xml_unsafe), "{:?}", item.title);
            assert!(
                !item.summary_html.chars().any(is_xml_unsafe),
                "{:?}",
                item.summary_html
            );
        }
        for name in &digest.categories {
            assert!(
                !name.is_empty() && !name.chars().any(is_xml_unsafe),
                "{name:?}"
            );
        }
    }
});
