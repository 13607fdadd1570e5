//! Arbitrary bytes as a digest: the parser must never panic, and whatever it accepts
//! must be safe to put in XML. The same bytes as a body: the plain-shape shortcut and
//! the CommonMark parser must agree.
#![no_main]

use digestfeed::model::Parsed;
use digestfeed::parse::parse_digest;
use digestfeed::text::is_xml_unsafe;
use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    // The plain-shape shortcut must read a body exactly as the CommonMark parser does.
    if let Ok(body) = std::str::from_utf8(data) {
        let body = digestfeed::text::xml_safe(body);
        if let Some(fast) = digestfeed::parse::plain::items(&body) {
            let parsed: Result<Vec<_>, _> =
                digestfeed::parse::body::commonmark_items(&body, false).into_iter().collect();
            assert_eq!(Ok(fast), parsed, "{body:?}");
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
