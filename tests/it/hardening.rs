//! `--once` against what a hostile or careless folder holds: links planted in the
//! output, a restrictive umask, one long line of front matter, a digest of thousands of
//! categories, a sub-folder that cannot be read. digestfeed often runs as root, so
//! nothing outside the output folder may ever be written, chmod'ed or removed.

use crate::support::*;
use std::fs;
use std::os::unix::fs::{symlink, PermissionsExt};
use std::path::{Path, PathBuf};

fn one_digest(input: &Path, name: &str, status: u64) {
    write(
        input,
        name,
        digest(
            "2026-01-01T08:00:00Z",
            &["AI"],
            &[(
                "A - Ben Tossell",
                &format!("https://x.com/bentossell/status/{status}"),
                "s",
            )],
        ),
    );
}

/// A folder outside the output, holding one file with mode 0600, that must stay so.
struct Outside {
    dir: tempfile::TempDir,
}

impl Outside {
    fn new() -> Outside {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("secret"), "precious").unwrap();
        fs::set_permissions(dir.path().join("secret"), fs::Permissions::from_mode(0o600)).unwrap();
        Outside { dir }
    }

    fn file(&self) -> PathBuf {
        self.dir.path().join("secret")
    }

    fn assert_untouched(&self) {
        let tree = read_tree(self.dir.path());
        assert_eq!(tree.len(), 1, "{:?}", tree.keys());
        assert_eq!(tree["secret"], b"precious");
        let mode = fs::metadata(self.file()).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "chmod'ed through a link");
    }
}

#[test]
fn a_link_planted_at_a_temporary_name_is_not_written_through() {
    let (input, out) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    one_digest(input.path(), "a.md", 1);
    let outside = Outside::new();
    symlink(outside.file(), out.path().join(".rss.xml.digestfeed-tmp")).unwrap();
    let result = run_once(input.path(), out.path(), &[]);
    assert_eq!(result.status.code(), Some(0), "{}", stderr(&result));
    outside.assert_untouched();
    let meta = fs::symlink_metadata(out.path().join("rss.xml")).unwrap();
    assert!(meta.is_file());
    assert_valid_tree(&read_tree(out.path()));
}

#[test]
fn a_linked_feed_folder_is_refused_with_exit_2_and_nothing_is_written() {
    let (input, out) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    one_digest(input.path(), "a.md", 1);
    let outside = Outside::new();
    symlink(outside.dir.path(), out.path().join("categories")).unwrap();
    let result = run_once(input.path(), out.path(), &[]);
    assert_eq!(result.status.code(), Some(2), "{}", stderr(&result));
    let err = stderr(&result);
    assert!(
        err.contains(&out.path().join("categories").display().to_string())
            && err.contains("symbolic link"),
        "{err}"
    );
    outside.assert_untouched();
    let written: Vec<String> = fs::read_dir(out.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(written, ["categories"], "nothing written");

    // A run that went well, then the folder swapped for a link: the stale feeds the
    // manifest lists "in" it are not removed from where the link points.
    fs::remove_file(out.path().join("categories")).unwrap();
    let result = run_once(input.path(), out.path(), &[]);
    assert_eq!(result.status.code(), Some(0), "{}", stderr(&result));
    fs::rename(
        out.path().join("categories/ai"),
        outside.dir.path().join("ai"),
    )
    .unwrap();
    fs::remove_dir(out.path().join("categories")).unwrap();
    symlink(outside.dir.path(), out.path().join("categories")).unwrap();
    fs::remove_file(input.path().join("a.md")).unwrap();
    let result = run_once(input.path(), out.path(), &["--allow-empty"]);
    assert_eq!(result.status.code(), Some(2), "{}", stderr(&result));
    let moved = read_tree(outside.dir.path());
    assert_eq!(
        moved.keys().collect::<Vec<_>>(),
        [
            "ai/atom.xml",
            "ai/feed.json",
            "ai/index.html",
            "ai/rss.xml",
            "secret"
        ]
    );
}

#[test]
fn folders_are_0755_whatever_the_umask() {
    let (input, root) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    one_digest(input.path(), "a.md", 1);
    let out = root.path().join("public/feeds");
    let result = run_once_under(
        &["sh", "-c", "umask 077 && exec \"$0\" \"$@\""],
        input.path(),
        &out,
        &[],
    );
    assert_eq!(result.status.code(), Some(0), "{}", stderr(&result));
    let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
    for dir in [
        root.path().join("public"),
        out.clone(),
        out.join("categories"),
        out.join("categories/ai"),
        out.join("authors/bentossell"),
    ] {
        assert_eq!(mode(&dir), 0o755, "{}", dir.display());
    }
    assert_eq!(mode(&out.join("categories/ai/rss.xml")), 0o644);
}

#[test]
fn one_long_line_of_front_matter_is_refused_before_yaml_reads_it() {
    let (input, out) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    one_digest(input.path(), "a.md", 1);
    let nested = format!("---\ndate: 2026-01-01\nx: {}\n---\n", "[".repeat(100_000));
    write(input.path(), "deep.md", nested);
    let result = run_once(input.path(), out.path(), &[]);
    assert_eq!(result.status.code(), Some(1), "{}", stderr(&result));
    let err = stderr(&result);
    let shown = format!(
        "{}:1: front matter is over 16 KiB",
        input.path().join("deep.md").display()
    );
    assert!(err.contains(&shown), "{err}");
    assert!(read_tree(out.path()).contains_key("authors/bentossell/rss.xml"));
}

#[test]
fn a_digest_of_many_categories_is_refused_and_makes_no_feeds() {
    let (input, out) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    one_digest(input.path(), "a.md", 1);
    let names: Vec<String> = (0..500).map(|i| format!("c{i}")).collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    write(
        input.path(),
        "many.md",
        digest(
            "2026-01-02T08:00:00Z",
            &names,
            &[("B - Ben Tossell", "https://x.com/bentossell/status/2", "s")],
        ),
    );
    let result = run_once(input.path(), out.path(), &[]);
    assert_eq!(result.status.code(), Some(1), "{}", stderr(&result));
    let err = stderr(&result);
    let shown = format!(
        "{}:4: 500 categories; a digest may name at most 20 (config max_categories)",
        input.path().join("many.md").display()
    );
    assert!(err.contains(&shown), "{err}");
    let categories: Vec<String> = read_tree(out.path())
        .into_keys()
        .filter(|k| k.starts_with("categories/"))
        .collect();
    // One category's three feeds and its page.
    assert_eq!(categories.len(), 4, "{categories:?}");
}

#[ignore = "needs root and setpriv, to run the binary as nobody; .ci/run runs it"]
#[test]
fn what_cannot_be_read_changes_no_feed_and_is_named() {
    // Root reads every folder whatever its mode, so the run drops to `nobody`.
    assert!(
        can_run_as_nobody(),
        "cannot run as nobody here (needs root and setpriv)"
    );
    let root = tempfile::tempdir().unwrap();
    let (input, out) = (root.path().join("in"), root.path().join("out"));
    one_digest(&input, "a.md", 1);
    one_digest(&input, "locked/b.md", 2);
    one_digest(&input, "c.md", 3);
    fs::create_dir_all(&out).unwrap();
    for dir in [root.path(), &input, &input.join("locked"), &out] {
        fs::set_permissions(dir, fs::Permissions::from_mode(0o777)).unwrap();
    }
    for file in ["a.md", "locked/b.md", "c.md"] {
        fs::set_permissions(input.join(file), fs::Permissions::from_mode(0o644)).unwrap();
    }
    let good = run_once_under(&AS_NOBODY, &input, &out, &[]);
    assert_eq!(good.status.code(), Some(0), "{}", stderr(&good));
    let (tree, times) = (read_tree(&out), mtimes(&out));
    assert_eq!(parse_feed("rss.xml", &tree["rss.xml"]).entries.len(), 3);

    // A folder, then a file, that digestfeed's user cannot read: each is named, the
    // run exits 1, and not one feed changes (nor its mtime).
    let folder = format!("{}: cannot read the folder", input.join("locked").display());
    let file = format!("{}: cannot read the file", input.join("c.md").display());
    for (locked, shown) in [(input.join("locked"), &folder), (input.join("c.md"), &file)] {
        fs::set_permissions(&locked, fs::Permissions::from_mode(0o000)).unwrap();
        for extra in [&[][..], &["--allow-empty"]] {
            let result = run_once_under(&AS_NOBODY, &input, &out, extra);
            let err = stderr(&result);
            assert_eq!(result.status.code(), Some(1), "{err}");
            assert!(
                err.contains(shown.as_str()) && err.contains("nothing was written"),
                "{err}"
            );
            assert_eq!(read_tree(&out), tree, "{shown}");
            assert_eq!(mtimes(&out), times, "{shown}");
        }
        fs::set_permissions(&locked, fs::Permissions::from_mode(0o755)).unwrap();
    }
}

/// A feed folder per author: thousands of them are written holding a handful of
/// descriptors at a time, well under a low limit on open files.
#[test]
fn thousands_of_feed_folders_need_few_open_files() {
    let (input, out) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let items: Vec<(String, String)> = (0..1500)
        .map(|i| {
            (
                format!("Item {i}"),
                format!("https://x.com/author{i}/status/{}", 1000 + i),
            )
        })
        .collect();
    let items: Vec<(&str, &str, &str)> = items
        .iter()
        .map(|(t, u)| (t.as_str(), u.as_str(), "s"))
        .collect();
    write(
        input.path(),
        "many.md",
        digest("2026-01-01T08:00:00Z", &["AI"], &items),
    );
    let result = run_once_under(
        &["sh", "-c", "ulimit -n 64 && exec \"$0\" \"$@\""],
        input.path(),
        out.path(),
        &[],
    );
    assert_eq!(result.status.code(), Some(0), "{}", stderr(&result));
    let authors = fs::read_dir(out.path().join("authors")).unwrap().count();
    assert_eq!(authors, 1500);
}

/// The output of `n` digests that all name one tweet, each with five categories of its
/// own and a tweet of its own: its bytes, and the categories of the shared entry (in
/// the feed of the first digest's first category: the global feed shows the newest).
fn one_tweet_in_every_digest(n: usize) -> (usize, Vec<String>) {
    let settings = digestfeed::config::Settings::for_tests("");
    let mut corpus = digestfeed::model::Corpus::new();
    for i in 0..n {
        let names: Vec<String> = (0..5).map(|c| format!("c{i:05}-{c}")).collect();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        let date = chrono::DateTime::from_timestamp(1_767_225_600 + i as i64 * 3600, 0)
            .unwrap()
            .to_rfc3339();
        let text = digest(
            &date,
            &names,
            &[
                (
                    "Shared - Ben Tossell",
                    "https://x.com/bentossell/status/1",
                    "s",
                ),
                (
                    "Own",
                    &format!("https://x.com/vista8/status/{}", 1000 + i),
                    "t",
                ),
            ],
        );
        let path = PathBuf::from(format!("{i:05}.md"));
        match digestfeed::parse::parse_digest(&path, text.as_bytes(), settings.rules()) {
            Ok(digestfeed::model::Parsed::Digest(d)) => corpus.insert(path, d),
            other => panic!("{other:?}"),
        };
    }
    let built = digestfeed::render::tree::build(corpus, &settings).unwrap();
    let bytes = built.files.values().map(Vec::len).sum();
    let first = "categories/c00000-0/atom.xml";
    let shared = parse_feed(first, &built.files[first]);
    let shared = shared
        .entries
        .iter()
        .find(|e| e.id == "https://x.com/bentossell/status/1")
        .unwrap();
    (
        bytes,
        shared.categories.iter().map(|c| c.term.clone()).collect(),
    )
}

#[test]
fn categories_gathered_across_digests_are_capped_and_the_output_grows_linearly() {
    let (small, categories) = one_tweet_in_every_digest(100);
    // The earliest digests' first, each's by name, up to max_categories (20).
    let expected: Vec<String> = (0..4)
        .flat_map(|i| (0..5).map(move |c| format!("c{i:05}-{c}")))
        .collect();
    assert_eq!(categories, expected);
    let (large, _) = one_tweet_in_every_digest(1000);
    // Ten times the input: about ten times the output. Uncapped, the shared entry
    // stood in every category feed listing every category: a hundred times.
    let ratio = large as f64 / small as f64;
    assert!(ratio < 12.0, "{small} → {large} bytes: ×{ratio:.1}");
}
