//! Same files in, same bytes out; only what changed is rewritten; only what digestfeed
//! wrote is ever removed.

use crate::support::*;
use std::collections::BTreeSet;
use std::fs;

fn fixture(input: &std::path::Path) {
    write(
        input,
        "2026/a.md",
        digest(
            "2026-01-01T08:00:00+08:00",
            &["Robots", "大模型"],
            &[
                (
                    "First - Ben Tossell",
                    "https://x.com/bentossell/status/11",
                    "one",
                ),
                (
                    "Second - Andrew Ng",
                    "https://x.com/AndrewYNg/status/12",
                    "two",
                ),
            ],
        ),
    );
    write(
        input,
        "b.md",
        digest(
            "2026-01-02T08:00:00+08:00",
            &["大模型"],
            &[
                (
                    "First again - Ben Tossell",
                    "https://twitter.com/BenTossell/status/11?s=20",
                    "again",
                ),
                (
                    "Solo post - Demis Hassabis",
                    "https://x.com/demishassabis/status/13",
                    "three",
                ),
            ],
        ),
    );
}

#[test]
fn two_runs_into_two_folders_are_byte_identical() {
    let input = tempfile::tempdir().unwrap();
    fixture(input.path());
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    assert!(run_once(input.path(), a.path(), &[]).status.success());
    assert!(run_once(input.path(), b.path(), &[]).status.success());
    let (ta, tb) = (read_tree(a.path()), read_tree(b.path()));
    assert!(ta.len() > 10);
    assert_eq!(ta, tb);
    assert_valid_tree(&ta);
}

#[test]
fn a_rerun_rewrites_nothing() {
    let input = tempfile::tempdir().unwrap();
    fixture(input.path());
    let out = tempfile::tempdir().unwrap();
    assert!(run_once(input.path(), out.path(), &[]).status.success());
    age_files(out.path());
    let pinned = mtimes(out.path());
    assert!(run_once(input.path(), out.path(), &[]).status.success());
    assert_eq!(
        mtimes(out.path()),
        pinned,
        "a file was rewritten with the same bytes"
    );
}

#[test]
fn adding_a_digest_rewrites_only_the_feeds_it_touches() {
    let input = tempfile::tempdir().unwrap();
    fixture(input.path());
    let out = tempfile::tempdir().unwrap();
    assert!(run_once(input.path(), out.path(), &[]).status.success());
    let old = age_files(out.path());
    write(
        input.path(),
        "c.md",
        digest(
            "2026-01-03T08:00:00+08:00",
            &["Robots"],
            &[(
                "New - Ben Tossell",
                "https://x.com/bentossell/status/14",
                "four",
            )],
        ),
    );
    assert!(run_once(input.path(), out.path(), &[]).status.success());
    let touched: BTreeSet<String> = mtimes(out.path())
        .into_iter()
        .filter(|(_, t)| *t != old)
        .map(|(p, _)| p)
        .collect();
    let mut expected = BTreeSet::new();
    // The new digest is the digest feed's newest entry too.
    for dir in ["", "digests/", "categories/robots/", "authors/bentossell/"] {
        for file in ["rss.xml", "atom.xml", "feed.json"] {
            expected.insert(format!("{dir}{file}"));
        }
        // Each feed's page beside it; the global feed's is the front page.
        if !dir.is_empty() {
            expected.insert(format!("{dir}index.html"));
        }
    }
    expected.insert("index.html".to_string());
    // The manifest records what was written.
    expected.insert(".digestfeed-manifest".to_string());
    assert_eq!(touched, expected);
}

#[test]
fn removing_an_authors_only_digest_removes_that_author_and_nothing_else() {
    let input = tempfile::tempdir().unwrap();
    fixture(input.path());
    let out = tempfile::tempdir().unwrap();
    write(out.path(), "robots.txt", "User-agent: *\n");
    write(out.path(), "authors/notes.txt", "mine\n");
    write(out.path(), "categories/大模型/extra.css", "body{}\n");
    assert!(run_once(input.path(), out.path(), &[]).status.success());
    assert!(out.path().join("authors/demishassabis/atom.xml").exists());
    let before = read_tree(out.path());

    fs::remove_file(input.path().join("b.md")).unwrap();
    assert!(run_once(input.path(), out.path(), &[]).status.success());
    let after = read_tree(out.path());
    assert!(
        !out.path().join("authors/demishassabis").exists(),
        "the author's folder is gone"
    );
    let gone: Vec<&String> = before.keys().filter(|k| !after.contains_key(*k)).collect();
    assert_eq!(
        gone,
        vec![
            "authors/demishassabis/atom.xml",
            "authors/demishassabis/feed.json",
            "authors/demishassabis/index.html",
            "authors/demishassabis/rss.xml"
        ]
    );
    // Files digestfeed did not write survive every run.
    assert_eq!(after["robots.txt"], b"User-agent: *\n");
    assert_eq!(after["authors/notes.txt"], b"mine\n");
    assert_eq!(after["categories/大模型/extra.css"], b"body{}\n");
    // And the result equals a fresh run.
    let fresh = tempfile::tempdir().unwrap();
    assert!(run_once(input.path(), fresh.path(), &[]).status.success());
    let mut ours = after.clone();
    for foreign in [
        "robots.txt",
        "authors/notes.txt",
        "categories/大模型/extra.css",
    ] {
        ours.remove(foreign);
    }
    assert_eq!(ours, read_tree(fresh.path()));
}

#[test]
fn feeds_are_readable_by_a_web_server() {
    use std::os::unix::fs::PermissionsExt;
    let input = tempfile::tempdir().unwrap();
    fixture(input.path());
    let out = tempfile::tempdir().unwrap();
    assert!(run_once(input.path(), out.path(), &[]).status.success());
    let mode = fs::metadata(out.path().join("rss.xml"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o044, 0o044, "group and others can read: {mode:o}");
    let leftovers: Vec<String> = read_tree(out.path())
        .into_keys()
        .filter(|k| k.contains("tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn a_file_digestfeed_did_not_write_is_never_replaced() {
    let input = tempfile::tempdir().unwrap();
    fixture(input.path());
    let out = tempfile::tempdir().unwrap();
    write(out.path(), "index.html", "<h1>my own page</h1>\n");
    let result = run_once(input.path(), out.path(), &[]);
    assert_eq!(result.status.code(), Some(2));
    let err = stderr(&result);
    assert!(
        err.contains("index.html") && err.contains("did not write"),
        "{err}"
    );
    assert_eq!(
        fs::read_to_string(out.path().join("index.html")).unwrap(),
        "<h1>my own page</h1>\n"
    );
    assert!(!out.path().join("rss.xml").exists(), "nothing written");
    // Moved away, the run goes through.
    fs::remove_file(out.path().join("index.html")).unwrap();
    assert_eq!(
        run_once(input.path(), out.path(), &[]).status.code(),
        Some(0)
    );
}

#[test]
fn temporary_files_left_by_a_killed_run_are_removed() {
    let input = tempfile::tempdir().unwrap();
    fixture(input.path());
    let out = tempfile::tempdir().unwrap();
    assert!(run_once(input.path(), out.path(), &[]).status.success());
    // What a SIGKILL between write and rename leaves behind.
    write(out.path(), ".rss.xml.digestfeed-tmp", "<rss>half");
    write(
        out.path(),
        "authors/bentossell/.atom.xml.digestfeed-tmp",
        "<feed>half",
    );
    assert!(run_once(input.path(), out.path(), &[]).status.success());
    let leftovers: Vec<String> = read_tree(out.path())
        .into_keys()
        .filter(|k| k.ends_with("-tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}
