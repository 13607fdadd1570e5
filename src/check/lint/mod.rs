//! Lints: digests that are valid but probably not what their writer meant. Each has a
//! code, is reported at `path:line` where there is a line, and is a warning unless
//! `digestfeed check --deny CODE` (or `--deny all`) makes it fail the check. Pure:
//! over parsed digests, with the time passed in.

mod body;
mod corpus;

use crate::error::report::Lint;
use crate::model::key::EntryKey;
use crate::model::Corpus;
pub use body::{body_lints, body_notes, no_items};
use body::{front_matter_line, note_lint};
use chrono::{DateTime, NaiveDate, Utc};
use corpus::{retitled, similar_categories, too_many_categories};
use std::collections::HashMap;
use std::path::Path;

/// Every lint: its code, its name, and what it finds.
pub const LINTS: &[(&str, &str, &str)] = &[
    (
        "DF001",
        "duplicate-item",
        "the same tweet twice in one digest",
    ),
    (
        "DF002",
        "summary-outside-item",
        "summary text indented less than its item's content, which CommonMark reads outside the item (and the summary is lost)",
    ),
    ("DF003", "no-summary", "an item without a summary"),
    ("DF004", "future-date", "a digest dated after now"),
    (
        "DF005",
        "date-name-mismatch",
        "a date more than a day from the one in the file name",
    ),
    (
        "DF006",
        "similar-categories",
        "category names that differ only in case, width or spacing",
    ),
    (
        "DF007",
        "retitled-tweet",
        "a tweet titled differently than in the earliest digest that has it (reported only when named: digests retitle repeats routinely)",
    ),
    (
        "DF008",
        "too-many-categories",
        "a tweet that earlier digests gave max_categories categories already: this digest's others are left out for it",
    ),
    (
        "DF009",
        "no-items",
        "a digest with list-like lines or tweet links that yields no item (it publishes nothing)",
    ),
];

/// Lints reported only when `--warn` or `--deny` names them (not by `all`).
pub const OPT_IN: &[&str] = &["DF007"];

/// Every lint, by code and name, for `check --help`.
pub fn help() -> String {
    let mut help = String::from("Lints (--deny and --warn take a code or a name):\n");
    for (code, name, what) in LINTS {
        let off = if OPT_IN.contains(code) {
            " (off unless named)"
        } else {
            ""
        };
        help.push_str(&format!("  {code}  {name:<22} {what}{off}\n"));
    }
    help
}

/// Whether a lint is reported under these `--warn` and `--deny` lists.
pub fn is_reported(lint: &Lint, warn: &[String], deny: &[String]) -> bool {
    !OPT_IN.contains(&lint.code) || is_named(lint.code, warn, deny)
}

/// Whether `list` names the lint `code` (by code or name; `all` too when `all` counts).
fn names(code: &str, list: &[String], all: bool) -> bool {
    list.iter().any(|d| {
        (all && d == "all")
            || d.eq_ignore_ascii_case(code)
            || LINTS.iter().any(|(c, n, _)| *c == code && d == n)
    })
}

/// Whether `code` names a lint (by code or name) or is `all`.
pub fn is_known(code: &str) -> bool {
    code == "all"
        || LINTS
            .iter()
            .any(|(c, n, _)| code.eq_ignore_ascii_case(c) || code == *n)
}

/// Whether `--deny` makes this lint fail the check (`all`: every lint but the opt-in
/// ones, which must be named).
pub fn is_denied(lint: &Lint, deny: &[String]) -> bool {
    names(lint.code, deny, !OPT_IN.contains(&lint.code))
}

/// Every lint of a corpus whose paths are relative to `root`, in path order, without
/// the digests' text (so without DF002 and DF003, and without the date's line).
pub fn lint(corpus: &Corpus, root: &Path, now: DateTime<Utc>, max_categories: usize) -> Vec<Lint> {
    let mut lints = corpus_lints(corpus, root, true, max_categories);
    for (rel, digest) in corpus {
        lints.extend(digest_lints(&root.join(rel), digest, None, Some(now)));
    }
    lints.sort_by(|a, b| (&a.path, a.line, a.code).cmp(&(&b.path, b.line, b.code)));
    lints
}

/// The lints across digests: DF006, DF008 (an entry holds at most `max_categories`),
/// and DF007 if `retitles` (it indexes every tweet of the folder, a tenth of a check,
/// for a lint that is off by default).
pub fn corpus_lints(
    corpus: &Corpus,
    root: &Path,
    retitles: bool,
    max_categories: usize,
) -> Vec<Lint> {
    let mut lints = similar_categories(corpus, root);
    lints.extend(too_many_categories(corpus, root, max_categories));
    if retitles {
        lints.extend(retitled(corpus, root));
    }
    lints
}

/// Whether `--warn` or `--deny` names this opt-in lint.
pub fn is_named(code: &str, warn: &[String], deny: &[String]) -> bool {
    names(code, warn, false) || names(code, deny, false)
}

/// The lints of one digest at `path`: DF001, DF004, DF005, and, given its bytes, DF002
/// and DF003, and the line of `date:` for DF004 and DF005. Bytes, not text: the parse
/// has checked them, and checking them again was a third of these lints' cost.
/// `held_after` is now, or `None` under `publish_future: true`: nothing is held back
/// then, so a date after now is what the user asked for, not a lint.
pub fn digest_lints(
    path: &Path,
    digest: &crate::model::Digest,
    text: Option<&[u8]>,
    held_after: Option<DateTime<Utc>>,
) -> Vec<Lint> {
    let mut lints = Vec::new();
    // A digest holds a dozen items: a list is cheaper than a map, but a map for a file
    // of thousands, which a list would take quadratic time over.
    let mut few: Vec<(&EntryKey, usize)> = Vec::with_capacity(digest.items.len().min(64));
    let mut many: HashMap<&EntryKey, usize> = HashMap::new();
    for item in &digest.items {
        let key = &item.link.key;
        let first = if digest.items.len() <= 64 {
            let found = few.iter().find(|(k, _)| *k == key).map(|(_, l)| *l);
            if found.is_none() {
                few.push((key, item.line));
            }
            found
        } else {
            let found = many.get(key).copied();
            many.entry(key).or_insert(item.line);
            found
        };
        if let Some(first) = first {
            lints.push(Lint {
                code: "DF001",
                path: path.to_path_buf(),
                line: Some(item.line),
                message: format!(
                    "the same tweet as the item at line {first}; only that one is published"
                ),
            });
        }
    }
    let date_line = text.and_then(|t| front_matter_line(t, "date"));
    if held_after.is_some_and(|now| digest.date > now) {
        lints.push(Lint {
            code: "DF004",
            path: path.to_path_buf(),
            line: date_line,
            message: format!(
                "dated {}, after now: held back until then (publish_future: true publishes it at once)",
                digest.date.to_rfc3339()
            ),
        });
    }
    if let Some(named) = date_in_name(path) {
        let dated = digest.date.date_naive();
        if (dated - named).num_days().abs() > 1 {
            lints.push(Lint {
                code: "DF005",
                path: path.to_path_buf(),
                line: date_line,
                message: format!(
                    "dated {dated}, but the file name says {named}; is one of them a typo?"
                ),
            });
        }
    }
    if let Some(text) = text {
        lints.extend(no_items(path, digest, text));
        match &digest.notes {
            // What the parse saw on its way through the lines, of the items published
            // (one whose link is not a URL is an error already).
            Some(notes) => {
                let published = |line: usize| digest.items.iter().any(|i| i.line == line);
                lints.extend(
                    notes
                        .iter()
                        .filter(|n| published(n.item()))
                        .map(|n| note_lint(path, *n)),
                );
            }
            None => {
                let lines: Vec<usize> = digest.items.iter().map(|i| i.line).collect();
                lints.extend(body_lints(path, text, &lines));
            }
        }
    }
    lints
}

/// The first `YYYY-MM-DD` in a file name, if any.
fn date_in_name(rel: &Path) -> Option<NaiveDate> {
    let name = rel.file_name()?.to_str()?;
    let bytes = name.as_bytes();
    (0..bytes.len().saturating_sub(9)).find_map(|i| {
        let part = name.get(i..i + 10)?;
        let shape = part.bytes().enumerate().all(|(j, b)| match j {
            4 | 7 => b == b'-',
            _ => b.is_ascii_digit(),
        });
        if !shape || (i > 0 && bytes[i - 1].is_ascii_digit()) {
            return None;
        }
        // The shape is checked: the fields are digits (a format-string parse was a
        // fifth of these lints' cost).
        let number = |range: std::ops::Range<usize>| {
            part.as_bytes()[range]
                .iter()
                .fold(0u32, |n, d| n * 10 + u32::from(d - b'0'))
        };
        let year = i32::try_from(number(0..4)).ok()?;
        NaiveDate::from_ymd_opt(year, number(5..7), number(8..10))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Parsed;
    use crate::parse::parse_digest;
    use std::path::PathBuf;

    fn corpus(files: &[(&str, &str)]) -> Corpus {
        files
            .iter()
            .filter_map(|(path, text)| {
                match parse_digest(Path::new(path), text.as_bytes(), chrono_tz::Tz::UTC) {
                    Ok(Parsed::Digest(d)) => Some((PathBuf::from(path), d)),
                    _ => None,
                }
            })
            .collect()
    }

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-06-01T00:00:00Z")
            .unwrap()
            .into()
    }

    fn codes(lints: &[Lint]) -> Vec<(&str, String)> {
        lints.iter().map(|l| (l.code, l.to_string())).collect()
    }

    #[test]
    fn categories_past_the_cap_are_reported_at_the_item_of_the_digest_that_went_over() {
        let a = "---\ndate: 2026-01-01T00:00:00Z\ncategories: [B, A]\n---\n1. [t](https://x.com/a/status/1)\n";
        // Later: C is taken (third), D left out; the same tweet twice counts once.
        let b = "---\ndate: 2026-01-02T00:00:00Z\ncategories: [D, C, A]\n---\n1. [t](https://x.com/a/status/1)\n2. [t](https://x.com/A/status/1?s=20)\n3. [u](https://x.com/a/status/2)\n";
        // Same date as b, a later path: over too, at its own item.
        let c = "---\ndate: 2026-01-02T00:00:00Z\ncategories: [E, F, G, H, I]\n---\n\n1. [t](https://x.com/a/status/1)\n";
        let lints = lint(
            &corpus(&[("c.md", c), ("b.md", b), ("a.md", a)]),
            Path::new("in"),
            now(),
            3,
        );
        let lints: Vec<Lint> = lints.into_iter().filter(|l| l.code == "DF008").collect();
        assert_eq!(
            codes(&lints),
            [
                ("DF008", "in/b.md:5: this tweet has its 3 categories (max_categories) from earlier digests and this one's first by name; \"D\" left out for it [DF008]".to_string()),
                ("DF008", "in/c.md:6: this tweet has its 3 categories (max_categories) from earlier digests and this one's first by name; \"E\", \"F\", \"G\" and 2 more left out for it [DF008]".to_string()),
            ]
        );
    }

    #[test]
    fn a_digest_without_items_is_reported_only_where_a_line_looks_like_one() {
        let no_items = |body: &str| {
            let text = format!("---\ndate: 2026-01-01T00:00:00Z\ncategories:\n  - AI\n---\n{body}");
            let digest = match crate::parse::parse_digest(
                Path::new("d.md"),
                text.as_bytes(),
                chrono_tz::Tz::UTC,
            ) {
                Ok(Parsed::Digest(d)) => d,
                other => panic!("{other:?}"),
            };
            no_items(Path::new("d.md"), &digest, text.as_bytes()).and_then(|l| l.line)
        };
        assert_eq!(no_items("Intro only.\n"), None);
        assert_eq!(
            no_items("```\n1. [t](https://x.com/a/status/1)\n```\n"),
            None
        );
        assert_eq!(
            no_items("<!--\n1. [t](https://x.com/a/status/1)\n-->\n"),
            None
        );
        assert_eq!(no_items("* * *\n\n- - -\n"), None);
        assert_eq!(
            no_items("\n    1. [t](https://x.com/a/status/1)\n"),
            Some(7)
        );
        assert_eq!(
            no_items("See https://xcancel.com/a/status/1 today.\n"),
            Some(6)
        );
    }

    #[test]
    fn each_lint_finds_its_case_and_nothing_in_a_clean_digest() {
        let clean = "---\ndate: 2026-01-06T08:00:00+08:00\ncategories: [AI]\n---\n1. [a](https://x.com/a/status/1)\n2. [b](https://x.com/b/status/2)\n";
        assert!(lint(
            &corpus(&[("2026-01-06-08.md", clean)]),
            Path::new("in"),
            now(),
            20
        )
        .is_empty());
        let dup = "---\ndate: 2026-01-06T08:00:00Z\n---\n1. [a](https://x.com/a/status/1)\n2. [b](https://twitter.com/A/status/1?s=20)\n";
        let future = "---\ndate: 2027-01-01T00:00:00Z\n---\n";
        let misnamed = "---\ndate: 2026-02-06T08:00:00Z\n---\n";
        let cats_a = "---\ndate: 2026-01-01T00:00:00Z\ncategories: [Open Source, AI]\n---\n";
        let cats_b = "---\ndate: 2026-01-02T00:00:00Z\ncategories: [Open Source]\n---\n";
        let cats_c = "---\ndate: 2026-01-03T00:00:00Z\ncategories: [\"ｏｐｅｎ-source\"]\n---\n";
        let lints = lint(
            &corpus(&[
                ("dup.md", dup),
                ("future.md", future),
                ("2026-01-06-x.md", misnamed),
                ("a.md", cats_a),
                ("b.md", cats_b),
                ("c.md", cats_c),
            ]),
            Path::new("in"),
            now(),
            20,
        );
        assert_eq!(
            codes(&lints),
            [
                ("DF005", "in/2026-01-06-x.md: dated 2026-02-06, but the file name says 2026-01-06; is one of them a typo? [DF005]".to_string()),
                ("DF006", "in/c.md: category \"ｏｐｅｎ-source\" (1 digests) differs from \"Open Source\" only in case, width or spacing: two feeds where one is meant [DF006]".to_string()),
                ("DF001", "in/dup.md:5: the same tweet as the item at line 4; only that one is published [DF001]".to_string()),
                ("DF004", "in/future.md: dated 2027-01-01T00:00:00+00:00, after now: held back until then (publish_future: true publishes it at once) [DF004]".to_string()),
            ]
        );
    }

    #[test]
    fn body_lints_find_a_summary_outside_its_item_and_an_item_without_one() {
        let text = "---\ndate: 2026-01-01T00:00:00Z\n---\n\n1.  [a](https://x.com/a/status/1)\n    Fine.\n\n2.  [b](https://x.com/b/status/2)\n\n   Indented three, under four.\n\n3.  [c](https://x.com/c/status/3)\n4.  [d](https://x.com/d/status/4) —— said on the title's line\n5.  [e](https://x.com/e/status/5)\nlazy line\n\nAn outro paragraph.\n";
        let lints = body_lints(Path::new("a.md"), text.as_bytes(), &[5, 8, 12, 13, 14]);
        let shown: Vec<String> = lints.iter().map(ToString::to_string).collect();
        assert_eq!(
            shown,
            [
                "a.md:10: indented 3 spaces, less than the 4 of the item's content at line 8: CommonMark reads this outside the item, and the summary is lost; indent it 4 spaces [DF002]",
                "a.md:12: this item has no summary: readers show its title alone [DF003]",
            ]
        );
        // CRLF and two-digit markers.
        let crlf = "10. [a](https://x.com/a/status/1)\r\n\r\n    Four, under four.\r\n";
        assert!(body_lints(Path::new("b.md"), crlf.as_bytes(), &[1]).is_empty());
    }

    /// Read line by line (as a check reads), a digest's body lints come from the parse;
    /// an item left out for its link is an error already, and no lint of its own.
    #[test]
    fn body_lints_of_the_parse_are_those_of_the_text_for_published_items() {
        let text = "---\ndate: 2026-01-01T00:00:00Z\n---\n1. [a](https://x.com/a/status/1)\n2. [b](ftp://example.com/b)\n3. [c](https://x.com/c/status/3)\n\n   s\n\n  fell out\n";
        let parsed = crate::parse::parse_digest_with(
            Path::new("a.md"),
            text.as_bytes(),
            chrono_tz::Tz::UTC,
            crate::model::Summaries::Skip,
        );
        let Ok(Parsed::Digest(digest)) = parsed else {
            panic!("{parsed:?}");
        };
        assert!(digest.notes.is_some(), "read line by line");
        let shown = |lints: Vec<Lint>| -> Vec<(&str, Option<usize>)> {
            lints.iter().map(|l| (l.code, l.line)).collect()
        };
        let from_parse = digest_lints(Path::new("a.md"), &digest, Some(text.as_bytes()), None);
        assert_eq!(shown(from_parse), [("DF003", Some(4)), ("DF002", Some(10))]);
        let lines: Vec<usize> = digest.items.iter().map(|i| i.line).collect();
        assert_eq!(lines, [4, 6]);
        // The text reading counts item 2's line as item 1's text: item 1 has a summary.
        let from_text = body_lints(Path::new("a.md"), text.as_bytes(), &lines);
        assert_eq!(shown(from_text), [("DF002", Some(10))]);
    }

    #[test]
    fn a_retitled_tweet_is_found_at_its_later_items_and_only_reported_when_named() {
        let early =
            "---\ndate: 2026-01-01T00:00:00Z\n---\n1. [First title](https://x.com/a/status/1)\n";
        let later = "---\ndate: 2026-01-02T00:00:00Z\n---\n1. [Other words](https://twitter.com/a/status/1)\n2. [First title](https://x.com/a/status/2)\n";
        let lints = lint(
            &corpus(&[("z.md", early), ("a.md", later)]),
            Path::new("in"),
            now(),
            20,
        );
        assert_eq!(
            codes(&lints),
            [("DF007", "in/a.md:4: this tweet is titled \"First title\" at in/z.md:4, the title readers see [DF007]".to_string())]
        );
        let l = &lints[0];
        assert!(!is_reported(l, &[], &[]));
        assert!(!is_reported(l, &[], &["all".into()]) && !is_denied(l, &["all".into()]));
        assert!(is_reported(l, &["retitled-tweet".into()], &[]));
        assert!(is_reported(l, &[], &["DF007".into()]) && is_denied(l, &["DF007".into()]));
    }

    #[test]
    fn with_the_text_a_date_lint_names_the_date_line() {
        let text = "\u{feff}---\ntitle: x\ndate: 2027-01-01T00:00:00Z\n---\n1. [a](https://x.com/a/status/1)\n   Sum.\n";
        let parsed = corpus(&[("2026-05-01.md", text)]);
        let digest = &parsed[Path::new("2026-05-01.md")];
        let lints = digest_lints(
            Path::new("in/2026-05-01.md"),
            digest,
            Some(text.as_bytes()),
            Some(now()),
        );
        let shown: Vec<(&str, Option<usize>)> = lints.iter().map(|l| (l.code, l.line)).collect();
        assert_eq!(shown, [("DF004", Some(3)), ("DF005", Some(3))]);
        // Under `publish_future: true` nothing is held back: the date is no lint.
        let published = digest_lints(Path::new("in/2026-05-01.md"), digest, None, None);
        let codes: Vec<&str> = published.iter().map(|l| l.code).collect();
        assert_eq!(codes, ["DF005"]);
        assert_eq!(
            front_matter_line(b"---\ndated: x\ndate : y\n---\n", "date"),
            Some(3)
        );
        assert_eq!(
            front_matter_line(b"no front matter\ndate: x\n", "date"),
            None
        );
    }

    #[test]
    fn a_duplicate_is_found_in_a_long_digest_too() {
        let mut text = "---\ndate: 2026-01-01T00:00:00Z\n---\n".to_string();
        for n in 1..=70 {
            text.push_str(&format!(
                "{n}. [t](https://x.com/a/status/{})\n",
                n % 69 + 1
            ));
        }
        let lints = lint(&corpus(&[("long.md", &text)]), Path::new("in"), now(), 20);
        let shown: Vec<(&str, Option<usize>)> = lints.iter().map(|l| (l.code, l.line)).collect();
        assert_eq!(shown, [("DF001", Some(73))]);
    }

    #[test]
    fn deny_takes_codes_names_and_all() {
        let l = Lint {
            code: "DF001",
            path: PathBuf::from("a.md"),
            line: None,
            message: String::new(),
        };
        assert!(is_denied(&l, &["df001".into()]));
        assert!(is_denied(&l, &["duplicate-item".into()]));
        assert!(is_denied(&l, &["all".into()]));
        assert!(!is_denied(&l, &["DF004".into()]));
        assert!(is_known("future-date") && is_known("DF006") && !is_known("DF999"));
    }

    #[test]
    fn a_date_is_found_in_a_file_name() {
        assert_eq!(
            date_in_name(Path::new("x/2026-01-07-08.md")),
            NaiveDate::from_ymd_opt(2026, 1, 7)
        );
        assert_eq!(
            date_in_name(Path::new("digest-2025-12-31.md")),
            NaiveDate::from_ymd_opt(2025, 12, 31)
        );
        assert_eq!(date_in_name(Path::new("12026-01-07.md")), None);
        assert_eq!(date_in_name(Path::new("2026-13-07.md")), None);
        assert_eq!(date_in_name(Path::new("notes.md")), None);
    }
}
