//! A few arbitrary digests through the whole pure pipeline. Asserts: no panic; every
//! XML output well-formed (a strict parser) with no XML-forbidden character; every JSON
//! output valid; ids unique per feed; the engine fed one digest at a time, the engine
//! fed all at once and the simple reference merge give the same bytes.
#![no_main]

use digestfeed::config::Settings;
use chrono::{DateTime, Utc};
use digestfeed::daemon::live::Live;
use digestfeed::model::Corpus;
use digestfeed::input::state::FileInput;
use digestfeed::model::Parsed;
use digestfeed::render::tree;
use digestfeed::parse::parse_digest;
use digestfeed::support::text::is_xml_unsafe;
use libfuzzer_sys::fuzz_target;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

fn settings() -> &'static Settings {
    static SETTINGS: OnceLock<Settings> = OnceLock::new();
    SETTINGS.get_or_init(|| {
        Settings::for_tests("max_entries: 3\nauthors:\n  vista8: 向阳乔木\n")
    })
}

fuzz_target!(|data: &[u8]| {
    // Up to four digests, separated by a line "%%%%".
    let mut corpus = Corpus::new();
    let mut files = Vec::new();
    for (i, chunk) in data
        .split(|&b| b == b'%')
        .filter(|c| !c.is_empty())
        .take(4)
        .enumerate()
    {
        let path = PathBuf::from(format!("{}/{i}.md", i % 2));
        if let Ok(Parsed::Digest(d)) = parse_digest(&path, chunk, chrono_tz::Tz::UTC) {
            corpus.insert(path.clone(), d);
        }
        files.push((path, chunk));
    }
    let settings = settings();
    let reference = digestfeed::reference::build(&corpus, settings)
        .expect("reference renders")
        .files;
    let bulk = tree::build(corpus.clone(), settings)
        .expect("engine renders")
        .files;
    assert_eq!(
        reference, bulk,
        "bulk engine differs from the reference merge"
    );
    // The daemon's own pipeline, one file at a time, each update rendered.
    let mut live = Live::new(settings.clone());
    let mut rendered = false;
    for (path, chunk) in &files {
        // The end of time: every digest is due.
        if live.file(path, path, FileInput::Bytes(chunk), DateTime::<Utc>::MAX_UTC) || !rendered {
            let read = |rel: &std::path::Path| {
                files.iter().find(|(p, _)| p == rel).map(|(_, c)| c.to_vec())
            };
            live.render(read).expect("renders");
            rendered = true;
        }
    }
    if rendered {
        assert_eq!(live.files(), &bulk, "one at a time differs from all at once");
    }
    for (name, bytes) in &bulk {
        let text = std::str::from_utf8(bytes).expect("UTF-8 output");
        assert!(!text.chars().any(is_xml_unsafe), "{name}");
        if name.ends_with(".xml") || name.ends_with(".opml") {
            roxmltree::Document::parse(text).unwrap_or_else(|e| panic!("{name}: {e}"));
        }
        if name.ends_with(".json") {
            let feed: serde_json::Value = serde_json::from_str(text).expect("valid JSON");
            let ids: Vec<&str> = feed["items"]
                .as_array()
                .expect("items")
                .iter()
                .map(|i| i["id"].as_str().expect("id"))
                .collect();
            let unique: BTreeSet<&str> = ids.iter().copied().collect();
            assert_eq!(unique.len(), ids.len(), "{name}: duplicate ids");
        }
    }
});
