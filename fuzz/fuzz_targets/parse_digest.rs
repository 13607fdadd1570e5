//! Arbitrary bytes as a digest: the parser must never panic, and whatever it accepts
//! must be safe to put in XML.
#![no_main]

use digestfeed::model::Parsed;
use digestfeed::parse::parse_digest;
use digestfeed::text::is_xml_unsafe;
use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
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
