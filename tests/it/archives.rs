//! Archived feeds (RFC 5005 §4), written by `--once` and followed the way a reader
//! follows them: from the current document, `prev-archive` after `prev-archive` (JSON
//! Feed: `next_url`), with a feed reader's parser.

use crate::support::*;
use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

const HISTORY: &str = "http://purl.org/syndication/history/1.0";

/// An input folder of `count` generated digests.
fn corpus(count: u64) -> tempfile::TempDir {
    let input = tempfile::tempdir().unwrap();
    for (name, text) in crate::corpus::generate(count, 7) {
        write(input.path(), &name, text);
    }
    input
}

fn config(dir: &Path, text: &str) -> String {
    let path = dir.join(format!("config-{}.yaml", text.len()));
    fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_string()
}

fn once(input: &Path, out: &Path, config: &str) {
    let run = run_once(input, out, &["--config", config]);
    assert!(run.status.success(), "{}", stderr(&run));
}

/// `digestfeed check` of `input` against `out` with `config`, and the paths it lists.
fn check(input: &Path, out: &Path, config: &str) -> (std::process::Output, BTreeSet<String>) {
    let run = crate::check::check(input, out, &["--config", config]);
    let listed = String::from_utf8(run.stdout.clone())
        .unwrap()
        .lines()
        .map(|line| line.split_whitespace().nth(1).unwrap().to_string())
        .collect();
    (run, listed)
}

/// The output of `input` with every entry of a feed in one document, and with `text`
/// as the config.
fn whole_and(input: &Path, text: &str) -> (BTreeMap<String, Vec<u8>>, BTreeMap<String, Vec<u8>>) {
    let (whole, other) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    once(input, whole.path(), &config(input, "max_entries: 100000\n"));
    once(input, other.path(), &config(input, text));
    (read_tree(whole.path()), read_tree(other.path()))
}

/// The output path of an absolute URL under the base URL.
fn rel(url: &str) -> String {
    let encoded = url
        .strip_prefix(BASE_URL)
        .unwrap_or_else(|| panic!("{url} is not under {BASE_URL}"));
    let mut bytes = Vec::new();
    let mut rest = encoded.as_bytes();
    while let Some((&b, tail)) = rest.split_first() {
        match (b, tail.get(..2)) {
            (b'%', Some(hex)) => {
                bytes.push(u8::from_str_radix(std::str::from_utf8(hex).unwrap(), 16).unwrap());
                rest = &tail[2..];
            }
            _ => {
                bytes.push(b);
                rest = tail;
            }
        }
    }
    String::from_utf8(bytes).unwrap()
}

/// The ids of every entry reached from `start` by following `prev-archive`, and the
/// documents passed through.
fn follow_xml(tree: &BTreeMap<String, Vec<u8>>, start: &str) -> (Vec<String>, Vec<String>) {
    let (mut ids, mut docs) = (Vec::new(), Vec::new());
    let mut at = Some(start.to_string());
    while let Some(path) = at.take() {
        assert!(!docs.contains(&path), "{path}: a loop");
        let bytes = tree
            .get(&path)
            .unwrap_or_else(|| panic!("{path} is linked but missing"));
        let feed = parse_feed(&path, bytes);
        ids.extend(feed.entries.iter().map(|e| e.id.clone()));
        // feed-rs keeps Atom's links; RSS's atom:link is read from the XML.
        let text = std::str::from_utf8(bytes).unwrap();
        let doc = roxmltree::Document::parse(text).unwrap();
        let prev = doc
            .descendants()
            .filter(|n| n.tag_name().name() == "link")
            .find(|n| n.attribute("rel") == Some("prev-archive"))
            .and_then(|n| n.attribute("href"));
        at = prev.map(rel);
        docs.push(path);
    }
    (ids, docs)
}

fn follow_json(tree: &BTreeMap<String, Vec<u8>>, start: &str) -> Vec<String> {
    let mut ids = Vec::new();
    let mut at = Some(start.to_string());
    let mut seen = BTreeSet::new();
    while let Some(path) = at.take() {
        assert!(seen.insert(path.clone()), "{path}: a loop");
        let json: serde_json::Value = serde_json::from_slice(&tree[&path]).unwrap();
        ids.extend(
            json["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["id"].as_str().unwrap().to_string()),
        );
        at = json["next_url"].as_str().map(rel);
    }
    ids
}

fn mark(bytes: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(bytes).unwrap();
    let doc = roxmltree::Document::parse(text).unwrap();
    let mark = doc
        .descendants()
        .find(|n| n.tag_name().namespace() == Some(HISTORY))
        .map(|n| n.tag_name().name().to_string());
    mark
}

#[test]
fn following_prev_archive_reaches_every_entry_once_newest_to_oldest() {
    let input = corpus(60);
    // The reference: every entry in one document, as no archive is needed.
    let (whole, paged) = whole_and(
        input.path(),
        "max_entries: 5\narchives: [global, digests, categories, authors]\n",
    );
    assert_valid_tree(&paged);
    let mut followed = 0;
    for current in whole.keys().filter(|k| k.ends_with("atom.xml")) {
        let dir = &current[..current.len() - "atom.xml".len()];
        let expected: Vec<String> = parse_feed(current, &whole[current])
            .entries
            .into_iter()
            .map(|e| e.id)
            .collect();
        for (format, start) in [("atom", "atom.xml"), ("rss", "rss.xml")] {
            let (ids, docs) = follow_xml(&paged, &format!("{dir}{start}"));
            assert_eq!(ids, expected, "{dir}: {format} history");
            if docs.len() > 1 {
                followed += 1;
            }
            // The current document holds what it held without archives.
            let current_ids: Vec<String> = parse_feed(&docs[0], &paged[&docs[0]])
                .entries
                .into_iter()
                .map(|e| e.id)
                .collect();
            assert_eq!(
                current_ids,
                expected[..expected.len().min(5)],
                "{}",
                docs[0]
            );
            for doc in &docs[1..] {
                assert_eq!(mark(&paged[doc]).as_deref(), Some("archive"), "{doc}");
                assert!(doc.starts_with(&format!("{dir}archive/")), "{doc}");
            }
            let first_mark = mark(&paged[&docs[0]]);
            if docs.len() == 1 {
                assert_eq!(first_mark.as_deref(), Some("complete"), "{}", docs[0]);
            } else {
                assert_eq!(first_mark, None, "{}", docs[0]);
            }
        }
        assert_eq!(
            follow_json(&paged, &format!("{dir}feed.json")),
            expected,
            "{dir}: JSON Feed history"
        );
    }
    assert!(followed > 4, "few feeds had archive pages: {followed}");
    // Nothing else: every archive page is reached from its current document.
    let pages = paged
        .keys()
        .filter(|k| k.contains("archive/") && k.ends_with("atom.xml"))
        .count();
    let reached: usize = whole
        .keys()
        .filter(|k| k.ends_with("atom.xml"))
        .map(|k| follow_xml(&paged, k).1.len() - 1)
        .sum();
    assert_eq!(pages, reached);
}

#[test]
fn a_new_digest_rewrites_the_current_documents_and_the_newest_page_only() {
    let input = corpus(40);
    let out = tempfile::tempdir().unwrap();
    let config = config(
        input.path(),
        "max_entries: 5\narchives: [global, digests]\n",
    );
    once(input.path(), out.path(), &config);
    let old = age_files(out.path());
    let before = read_tree(out.path());
    let newest_page = |tree: &BTreeMap<String, Vec<u8>>, dir: &str| -> String {
        let (_, docs) = follow_xml(tree, &format!("{dir}atom.xml"));
        docs[1].clone()
    };
    let newest_before = [newest_page(&before, ""), newest_page(&before, "digests/")];
    write(
        input.path(),
        "2099-extra.md",
        digest(
            "2024-06-01T08:00:00+08:00",
            &["Robots"],
            &[
                (
                    "One - Ben Tossell",
                    "https://x.com/bentossell/status/901",
                    "a",
                ),
                (
                    "Two - Ben Tossell",
                    "https://x.com/bentossell/status/902",
                    "b",
                ),
            ],
        ),
    );
    once(input.path(), out.path(), &config);
    let changed: BTreeSet<String> = mtimes(out.path())
        .into_iter()
        .filter(|(_, t)| *t != old)
        .map(|(p, _)| p)
        .collect();
    let archive_pages: BTreeSet<&str> = changed
        .iter()
        .filter(|p| p.contains("archive/"))
        .map(|p| &p[..p.rfind('/').unwrap()])
        .collect();
    // The newest page of each feed takes what left the current document; a page is
    // created where that fills a new week.
    let after = read_tree(out.path());
    for page in &archive_pages {
        let existed = before.keys().any(|k| k.starts_with(&format!("{page}/")));
        assert!(
            !existed
                || newest_before
                    .iter()
                    .any(|p| p.starts_with(&format!("{page}/"))),
            "{page} rewritten, though not the newest: {changed:?}"
        );
    }
    assert!(changed.contains("atom.xml") && changed.contains("digests/atom.xml"));
    assert!(newest_page(&after, "").contains("archive/"));
}

#[test]
fn deleting_a_digest_rewrites_only_the_page_that_held_its_entry() {
    let input = corpus(40);
    let out = tempfile::tempdir().unwrap();
    let config = config(input.path(), "max_entries: 5\narchives: [digests]\n");
    once(input.path(), out.path(), &config);
    let before = read_tree(out.path());
    // Generated oldest first.
    let (oldest, _) = crate::corpus::generate(40, 7).swap_remove(0);
    fs::remove_file(input.path().join(&oldest)).unwrap();
    once(input.path(), out.path(), &config);
    let after = read_tree(out.path());
    let changed: Vec<&String> = after
        .keys()
        .chain(before.keys())
        .filter(|k| k.starts_with("digests/archive/") && before.get(*k) != after.get(*k))
        .collect();
    let dirs: BTreeSet<&str> = changed
        .iter()
        .map(|p| &p[..p.rfind('/').unwrap()])
        .collect();
    // Its one entry was on one page, the only one to change (or go).
    let id = format!("{BASE_URL}posts/{}/", oldest.trim_end_matches(".md"));
    let held: Vec<&String> = before
        .iter()
        .filter(|(k, bytes)| {
            k.starts_with("digests/archive/")
                && k.ends_with("atom.xml")
                && parse_feed(k, bytes).entries.iter().any(|e| e.id == id)
        })
        .map(|(k, _)| k)
        .collect();
    assert_eq!(held.len(), 1, "{id} on {held:?}");
    let page = &held[0][..held[0].rfind('/').unwrap()];
    assert_eq!(dirs, BTreeSet::from([page]), "{changed:?}");
}

/// `--once` streams the archive pages into the folder a part at a time (the output is
/// never whole in memory); with `--diff`, which wants it whole, it renders them all
/// first. Both write the same files, and a second streamed run into the same folder
/// changes nothing.
#[test]
fn streamed_archive_pages_are_the_pages_rendered_whole() {
    let input = corpus(60);
    let config = config(
        input.path(),
        "max_entries: 3\narchives: [global, digests, categories, authors]\n",
    );
    let (streamed, whole) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    once(input.path(), streamed.path(), &config);
    let run = run_once(input.path(), whole.path(), &["--config", &config, "--diff"]);
    assert!(run.status.success(), "{}", stderr(&run));
    let tree = read_tree(streamed.path());
    assert!(tree.keys().filter(|k| k.contains("archive/")).count() > 200);
    assert_eq!(tree, read_tree(whole.path()));
    let run = run_once(input.path(), streamed.path(), &["--config", &config]);
    assert!(
        stderr(&run).contains("nothing to write"),
        "{}",
        stderr(&run)
    );
    assert_eq!(read_tree(streamed.path()), tree);
}

/// The daemon keeps every archived feed's documents as `--once` writes them, through
/// a new digest, an edit deep in the history, a rename, a deletion and a category that
/// comes and goes.
#[test]
fn the_daemon_keeps_the_history_as_once_writes_it() {
    let input = corpus(30);
    let out = tempfile::tempdir().unwrap();
    let settings = "max_entries: 4\narchives: [global, digests, categories, authors]\n";
    let once_config = config(input.path(), settings);
    let args = ["--config", once_config.as_str()];
    let d = crate::daemon::Daemon::start(input.path(), &out.path().join("feeds"), settings, &[]);
    d.settles_like_once_with("start", &args);
    let pages = |tree: &BTreeMap<String, Vec<u8>>| {
        tree.keys()
            .filter(|k| k.contains("/archive/") || k.starts_with("archive/"))
            .count()
    };
    assert!(pages(&read_tree(&out.path().join("feeds"))) > 20);
    write(
        input.path(),
        "2099-new.md",
        digest(
            "2024-06-01T08:00:00+08:00",
            &["Brand New"],
            &[(
                "Fresh - Ben Tossell",
                "https://x.com/bentossell/status/777001",
                "fresh",
            )],
        ),
    );
    d.settles_like_once_with("a new digest", &args);
    let names: Vec<String> = crate::corpus::generate(30, 7)
        .into_iter()
        .map(|(name, _)| name)
        .collect();
    // The oldest digests are deep in every history.
    let edited = input.path().join(&names[1]);
    let text = fs::read_to_string(&edited).unwrap();
    // The first item's summary: that tweet's entry is dated by this digest.
    let changed = text.replacen("\n    ", "\n    Edited, ", 1);
    assert_ne!(changed, text);
    fs::write(&edited, changed).unwrap();
    d.settles_like_once_with("an old digest edited", &args);
    fs::rename(
        input.path().join(&names[2]),
        input.path().join("renamed.md"),
    )
    .unwrap();
    d.settles_like_once_with("an old digest renamed", &args);
    fs::remove_file(input.path().join(&names[0])).unwrap();
    d.settles_like_once_with("the oldest digest deleted", &args);
    fs::remove_file(input.path().join("2099-new.md")).unwrap();
    d.settles_like_once_with("the newest digest deleted", &args);
    assert!(!read_tree(&out.path().join("feeds"))
        .keys()
        .any(|k| k.contains("brand-new")));
    // The folder removed: written whole again at the next change, the pages the daemon
    // no longer holds streamed, at the first try.
    fs::remove_dir_all(out.path().join("feeds")).unwrap();
    fs::remove_file(input.path().join(&names[3])).unwrap();
    d.settles_like_once_with("the output folder removed", &args);
    assert!(!d.log().contains("was not made"), "{}", d.log());
}

#[test]
fn a_feed_that_shows_every_entry_it_has_says_so_and_no_other() {
    let input = corpus(40);
    let (whole, capped) = whole_and(input.path(), "max_entries: 5\n");
    let (mut complete, mut open) = (0, 0);
    for (path, bytes) in whole
        .iter()
        .filter(|(k, _)| k.ends_with("atom.xml") || k.ends_with("rss.xml"))
    {
        let has = parse_feed(path, bytes).entries.len();
        assert_eq!(mark(bytes).as_deref(), Some("complete"), "{path}");
        let expected = (has <= 5).then(|| "complete".to_string());
        assert_eq!(mark(&capped[path]), expected, "{path}: {has} entries");
        if has <= 5 {
            complete += 1;
        } else {
            open += 1;
        }
    }
    assert!(complete > 4 && open > 4, "{complete} complete, {open} not");
}

/// `check` with archives compares the archive pages with the folder a part at a time,
/// as `--once` writes them: it lists exactly the files `--once` then changes, new and
/// removed pages included, and refuses what `--once` refuses (a page changed by hand
/// that the run would replace), naming it.
#[test]
fn check_says_which_archive_pages_once_would_change() {
    let input = corpus(60);
    let out = tempfile::tempdir().unwrap();
    let config = config(
        input.path(),
        "max_entries: 3\narchives: [global, digests]\n",
    );
    let check = || check(input.path(), out.path(), &config);
    once(input.path(), out.path(), &config);
    let (run, listed) = check();
    assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
    assert!(listed.is_empty(), "{listed:?}");
    // The oldest digest gone (its week's pages change or go), one deep in the history
    // retitled, and one in a new week after the newest.
    let digests = crate::corpus::generate(60, 7);
    fs::remove_file(input.path().join(&digests[0].0)).unwrap();
    let (deep, text) = &digests[20];
    write(
        input.path(),
        deep,
        text.replacen("title: \"", "title: \"Retitled ", 1),
    );
    let newest = &digests[59].1;
    let date = newest.find("\ndate: ").unwrap() + 1;
    let end = date + newest[date..].find('\n').unwrap();
    let later = format!(
        "{}date: 2025-06-01T08:00:00+00:00{}",
        &newest[..date],
        &newest[end..]
    );
    write(input.path(), "2025/06/2025-06-01-08.md", later);
    let (run, listed) = check();
    assert_eq!(run.status.code(), Some(3), "{}", stderr(&run));
    let before = read_tree(out.path());
    // A page the run would replace, changed by hand: refused by both, named by both.
    let page = listed
        .iter()
        .find(|p| {
            p.starts_with("digests/archive/") && p.ends_with("atom.xml") && before.contains_key(*p)
        })
        .unwrap_or_else(|| panic!("no archive page would change: {listed:?}"))
        .clone();
    fs::write(out.path().join(&page), "edited by hand").unwrap();
    let (refused, _) = check();
    assert_eq!(refused.status.code(), Some(2), "{}", stderr(&refused));
    assert!(stderr(&refused).contains(&page), "{}", stderr(&refused));
    let run = run_once(input.path(), out.path(), &["--config", &config]);
    assert_eq!(run.status.code(), Some(2), "{}", stderr(&run));
    fs::write(out.path().join(&page), &before[&page]).unwrap();
    once(input.path(), out.path(), &config);
    let after = read_tree(out.path());
    let changed: BTreeSet<String> = before
        .keys()
        .chain(after.keys())
        .filter(|k| !k.starts_with('.') && before.get(*k) != after.get(*k))
        .cloned()
        .collect();
    assert!(
        changed.iter().any(|p| p.contains("archive/")),
        "{changed:?}"
    );
    assert_eq!(listed, changed);
}

/// With a bucket to publish to, `--once` syncs the folder whole rather than streaming
/// the pages: `check` then compares it whole too, so that of two files changed by hand
/// it names the one `--once` names.
#[cfg(feature = "publish")]
#[test]
fn check_refuses_first_what_once_refuses_first_with_a_bucket() {
    let input = corpus(30);
    let out = tempfile::tempdir().unwrap();
    let plain = config(input.path(), "max_entries: 3\narchives: [digests]\n");
    once(input.path(), out.path(), &plain);
    // Nothing listens there: both refuse before publishing anything.
    let bucket = config(
        input.path(),
        "max_entries: 3\narchives: [digests]\npublish:\n  url: s3://feeds/ai/\n  endpoint: http://127.0.0.1:9\n",
    );
    // A new digest changes the front page and the digest feed's newest archive page;
    // both were edited by hand since they were written.
    write(
        input.path(),
        "2025/06/2025-06-01-08.md",
        digest(
            "2025-06-01T08:00:00Z",
            &["AI"],
            &[(
                "A new story",
                "https://x.com/someone/status/999999999",
                "New.",
            )],
        ),
    );
    let before = read_tree(out.path());
    let (_, changed) = check(input.path(), out.path(), &plain);
    let page = changed
        .iter()
        .find(|p| p.starts_with("digests/archive/") && before.contains_key(*p))
        .unwrap_or_else(|| panic!("no archive page would change: {changed:?}"));
    assert!(changed.iter().any(|p| p == "index.html"), "{changed:?}");
    for path in [page.as_str(), "index.html"] {
        fs::write(out.path().join(path), "edited by hand").unwrap();
    }
    let named = |run: &std::process::Output| {
        let err = stderr(run);
        assert_eq!(run.status.code(), Some(2), "{err}");
        [page.as_str(), "index.html"]
            .into_iter()
            .filter(|p| err.contains(*p))
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    let (checked, _) = check(input.path(), out.path(), &bucket);
    let run = run_once(input.path(), out.path(), &["--config", &bucket]);
    assert_eq!(named(&checked), named(&run));
    assert_eq!(named(&run).len(), 1, "{}", stderr(&run));
}
