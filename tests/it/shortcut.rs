//! The bulk read's shortcut (`parse::lines`) must take realistic digests, and read
//! them exactly as the CommonMark parser does; the examples too, where they are plain.

use crate::corpus;
use digestfeed::parse::commonmark::commonmark_items;
use digestfeed::parse::front_matter::split;
use digestfeed::parse::lines;

#[test]
fn generated_digests_take_the_shortcut_and_read_the_same() {
    let files = corpus::generate(300, 7);
    let mut items = 0;
    for (path, text) in &files {
        let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
        let body = split(text).unwrap_or_else(|p| panic!("{path}: {p:?}")).body;
        let fast = lines::items(body).unwrap_or_else(|d| panic!("{path} is not taken: {d:?}"));
        let full: Vec<_> = commonmark_items(body, digestfeed::model::Summaries::Skip)
            .into_iter()
            .collect::<Result<_, _>>()
            .unwrap_or_else(|e| panic!("{path}: {e:?}"));
        assert_eq!(fast, full, "{path}");
        items += fast.len();
    }
    assert!(items > 300 * 10, "{items} items");
}

/// The other shapes digests take (gen_corpus --variants): read the same either way, and
/// all but those with HTML or emphasis in a title (1.5% of them) read line by line.
#[test]
fn variant_digests_read_the_same_and_mostly_take_the_shortcut() {
    let files = corpus::generate_mix(1000, 7, corpus::Mix::Variants);
    let mut left = 0;
    for (path, text) in &files {
        let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
        let body = split(text).unwrap_or_else(|p| panic!("{path}: {p:?}")).body;
        let full: Vec<_> = commonmark_items(body, digestfeed::model::Summaries::Skip)
            .into_iter()
            .collect::<Result<_, _>>()
            .unwrap_or_else(|e| panic!("{path}: {e:?}"));
        match lines::items(body) {
            Ok(fast) => assert_eq!(fast, full, "{path}"),
            Err(_) => left += 1,
        }
    }
    assert!(left <= 30, "{left} of 1000 left to the parser");
}

#[test]
fn example_digests_read_the_same_either_way() {
    let mut taken = 0;
    for entry in walk(std::path::Path::new("examples/digests")) {
        let text = std::fs::read_to_string(&entry).unwrap();
        let text = text.strip_prefix('\u{FEFF}').unwrap_or(&text);
        let Ok(parts) = split(text) else { continue };
        if let Ok(fast) = lines::items(parts.body) {
            taken += 1;
            let full: Vec<_> = commonmark_items(parts.body, digestfeed::model::Summaries::Skip)
                .into_iter()
                .collect::<Result<_, _>>()
                .unwrap();
            assert_eq!(fast, full, "{}", entry.display());
        }
    }
    assert!(taken >= 4, "only {taken} examples are plain");
}

/// `--once -v` says how many digests the shortcut left to the CommonMark parser, and
/// why; without `-v`, nothing.
#[test]
fn once_verbose_counts_the_digests_left_to_the_parser() {
    use crate::support::{run_once, stderr, write};
    let input = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let front = "---\ndate: 2026-01-05T08:00:00Z\n---\n";
    write(
        input.path(),
        "plain.md",
        format!("{front}1. [Plain](https://x.com/a/status/1)\n    s\n"),
    );
    write(
        input.path(),
        "marked.md",
        format!("{front}1. [A [nested] link](https://x.com/a/status/2)\n    s\n"),
    );
    let result = run_once(input.path(), out.path(), &["-v"]);
    let err = stderr(&result);
    assert_eq!(result.status.code(), Some(0), "{err}");
    assert!(
        err.contains("1 digest read by the full CommonMark parser: 1 title markup\n"),
        "{err}"
    );
    let quiet = stderr(&run_once(input.path(), out.path(), &[]));
    assert!(!quiet.contains("CommonMark parser"), "{quiet}");
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else if path.extension().is_some_and(|e| e == "md") {
            out.push(path);
        }
    }
    out.sort();
    out
}
