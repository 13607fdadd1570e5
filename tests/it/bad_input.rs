//! docs/FORMAT.md §6: every bad file is named with its line, skipped alone, and the
//! other digests are still published; usage and write errors exit 2 with nothing half-written.

use crate::support::*;
use std::fs;

const GOOD_ID: &str = "https://x.com/bentossell/status/1";

fn good() -> String {
    digest(
        "2026-01-05T08:00:00Z",
        &["AI"],
        &[("Good one - Ben Tossell", GOOD_ID, "fine")],
    )
}

fn alias_bomb() -> String {
    let mut yaml = String::from(
        "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
    );
    for i in 1..9u8 {
        let (p, n) = ((b'a' + i - 1) as char, (b'a' + i) as char);
        yaml.push_str(&format!(
            "{n}: &{n} [*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p}]\n"
        ));
    }
    format!("---\ndate: 2026-01-01T00:00:00Z\n{yaml}title: *i\n---\n")
}

/// The same bomb under a key digestfeed does not read: skipped without expansion.
fn ignored_alias_bomb() -> String {
    alias_bomb()
        .replace("title: *i", "tags: *i")
        .replace("---\n", "---\ncategories: [\"Bomb\"]\n")
}

#[test]
fn each_bad_digest_is_reported_with_file_and_line_and_the_rest_is_published() {
    let input = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let p = input.path();
    write(p, "good.md", good());
    write(p, "empty.md", "---\ndate: 2026-01-04T00:00:00Z\n---\n");
    write(
        p,
        "unterminated.md",
        "---\ndate: 2026-01-01T00:00:00Z\ntitle: x\n",
    );
    write(p, "invalid_yaml.md", "---\ntitle: x\ndate: [2026\n---\n");
    write(p, "no_date.md", "---\ntitle: x\n---\n");
    write(p, "bad_date.md", "---\ntitle: x\ndate: next tuesday\n---\n");
    write(
        p,
        "latin1.md",
        b"---\ndate: 2026-01-01T00:00:00Z\n---\n1. [caf\xe9](https://x.com/a/status/9)\n"
            .as_slice(),
    );
    write(p, "toml.md", "+++\ndate = 2026-01-01\n+++\n");
    write(p, "bomb.md", alias_bomb());
    write(p, "quiet_bomb.md", ignored_alias_bomb());
    write(
        p,
        "garbage.md",
        (0..4096u32)
            .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
            .collect::<Vec<u8>>(),
    );
    write(p, "huge.md", vec![b'A'; 50 * 1024 * 1024]);
    // Two bad items and a good one: the good one is published.
    write(p, "no_link.md", "---\ndate: 2026-01-01T00:00:00Z\n---\n\n1. [ok](https://x.com/a/status/7)\n2. just words\n3. [no url]()\n");
    write(
        p,
        "not_url.md",
        "---\ndate: 2026-01-01T00:00:00Z\n---\n\n1. [title](www.example.com/x)\n",
    );
    // A FIFO named like a digest: reported, and it must not hang the run.
    let fifo = p.join("fifo.md");
    assert!(std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    // Not digests at all: skipped without a word.
    write(p, "_index.md", "---\ntitle: section\n---\n");
    write(p, ".#good.md", "lock");
    write(p, "notes.txt", "not markdown");

    let result = run_once(p, out.path(), &[]);
    let err = stderr(&result);
    assert_eq!(result.status.code(), Some(1), "{err}");
    let expect = [
        "unterminated.md:1: front matter is not closed",
        "invalid_yaml.md:3: invalid front matter",
        "no_date.md:1: front matter has no `date:`",
        "bad_date.md:3: date \"next tuesday\" is not a date",
        "latin1.md:4: not UTF-8 text",
        "toml.md:1: TOML front matter (+++) is not supported",
        "bomb.md:",
        "garbage.md:",
        "huge.md: file is larger than 8388608 bytes",
        "fifo.md: not a regular file",
        "no_link.md:6: item 2 does not start with a link",
        "not_url.md:5: item 1: link `www.example.com/x` is not an absolute URL",
    ];
    for e in expect {
        let line = err
            .lines()
            .find(|l| l.contains(e))
            .unwrap_or_else(|| panic!("no line with {e:?} in:\n{err}"));
        assert!(
            line.contains(&p.display().to_string()),
            "the path is named: {line}"
        );
    }
    for quiet in [
        "_index.md",
        ".#good.md",
        "notes.txt",
        "empty.md",
        "good.md",
        "quiet_bomb.md",
    ] {
        assert!(
            !err.contains(&format!("{quiet}:")),
            "{quiet} reported:\n{err}"
        );
    }
    assert!(!err.contains("panicked"));
    let tree = read_tree(out.path());
    assert_valid_tree(&tree);
    let rss = parse_feed("rss.xml", &tree["rss.xml"]);
    let ids: Vec<&str> = rss.entries.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids, vec![GOOD_ID, "https://x.com/a/status/7"]);
    // Files are counted once however many problems they have.
    assert!(err.contains("invalid=12 problems=13"), "{err}");
}

#[test]
fn an_empty_digest_is_valid_and_an_empty_folder_gives_empty_feeds() {
    let input = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    write(
        input.path(),
        "empty.md",
        "---\ndate: 2026-01-04T00:00:00Z\n---\n",
    );
    let result = run_once(input.path(), out.path(), &[]);
    assert_eq!(result.status.code(), Some(0), "{}", stderr(&result));
    let tree = read_tree(out.path());
    assert_valid_tree(&tree);
    assert!(parse_feed("atom.xml", &tree["atom.xml"]).entries.is_empty());
    assert!(!tree
        .keys()
        .any(|k| k.starts_with("categories/") || k.starts_with("authors/")));
}

/// A mistyped --input, or digests saved as `.markdown` or `.MD`: a run that finds no
/// digest says so, names what it passed over at -v, and leaves the feeds alone.
#[test]
fn an_input_without_digests_is_an_error_unless_allowed() {
    let input = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    write(input.path(), "good.md", good());
    assert_eq!(
        run_once(input.path(), out.path(), &[]).status.code(),
        Some(0)
    );
    let before = read_tree(out.path());
    fs::rename(
        input.path().join("good.md"),
        input.path().join("good.markdown"),
    )
    .unwrap();
    write(input.path(), "sub/Other.MD", good());
    write(input.path(), "notes.txt", "x");
    let result = run_once(input.path(), out.path(), &["-v"]);
    let err = stderr(&result);
    assert_eq!(result.status.code(), Some(1), "{err}");
    let said = format!(
        "{}: no digests found (files named *.md, searched recursively) but 2 files named like Markdown were passed over",
        input.path().display()
    );
    assert!(err.contains(&said), "{err}");
    for skipped in ["good.markdown", "sub/Other.MD", "notes.txt"] {
        let line = err
            .lines()
            .find(|l| l.contains(skipped))
            .unwrap_or_else(|| panic!("-v does not name {skipped}:\n{err}"));
        assert!(line.contains("skipped: "), "{line}");
    }
    assert_eq!(read_tree(out.path()), before, "nothing written");

    for allowed in [vec!["--allow-empty"], vec!["--config", "ALLOW"]] {
        let config = input.path().join("allow.yaml");
        fs::write(&config, "allow_empty: true\n").unwrap();
        let args: Vec<&str> = allowed
            .iter()
            .map(|a| {
                if *a == "ALLOW" {
                    config.to_str().unwrap()
                } else {
                    a
                }
            })
            .collect();
        let result = run_once(input.path(), out.path(), &args);
        assert_eq!(result.status.code(), Some(0), "{}", stderr(&result));
        let tree = read_tree(out.path());
        assert!(parse_feed("atom.xml", &tree["atom.xml"]).entries.is_empty());
    }
}

#[test]
fn a_digest_that_turns_bad_keeps_nothing_in_once_mode_but_others_stay() {
    let input = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    write(input.path(), "good.md", good());
    write(
        input.path(),
        "other.md",
        digest(
            "2026-01-06T08:00:00Z",
            &["AI"],
            &[("Other - Andrew Ng", "https://x.com/andrewyng/status/2", "x")],
        ),
    );
    assert_eq!(
        run_once(input.path(), out.path(), &[]).status.code(),
        Some(0)
    );
    write(input.path(), "other.md", "---\ndate: broken\n---\n");
    assert_eq!(
        run_once(input.path(), out.path(), &[]).status.code(),
        Some(1)
    );
    let rss = parse_feed("rss.xml", &read_tree(out.path())["rss.xml"]);
    assert_eq!(
        rss.entries
            .iter()
            .map(|e| e.id.as_str())
            .collect::<Vec<_>>(),
        vec![GOOD_ID]
    );
}

#[test]
fn unknown_config_key_exits_2_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("digestfeed.yaml");
    fs::write(
        &config,
        "input_dir: in\noutput_dir: out\nbase_url: https://a.example/\nmax_entires: 10\n",
    )
    .unwrap();
    let result = digestfeed(&["--once", "--config", config.to_str().unwrap()]);
    assert_eq!(result.status.code(), Some(2));
    let err = stderr(&result);
    assert!(
        err.contains(
            "digestfeed.yaml:4: unknown key \"max_entires\" (did you mean \"max_entries\"?)"
        ),
        "{err}"
    );
    assert!(!dir.path().join("out").exists());
}

#[test]
fn missing_flags_without_config_exit_2() {
    let result = digestfeed(&["--once", "--input", "x"]);
    assert_eq!(result.status.code(), Some(2));
    assert!(stderr(&result).contains("--output"));
    let result = digestfeed(&["--once", "--bogus"]);
    assert_eq!(result.status.code(), Some(2));
}

#[test]
fn a_missing_input_folder_exits_2() {
    let out = tempfile::tempdir().unwrap();
    let result = run_once(&out.path().join("nope"), &out.path().join("o"), &[]);
    assert_eq!(result.status.code(), Some(2));
    assert!(
        stderr(&result).contains("cannot read the input folder"),
        "{}",
        stderr(&result)
    );
}

#[test]
fn an_unwritable_output_exits_2_and_leaves_feeds_whole() {
    let input = tempfile::tempdir().unwrap();
    write(input.path(), "good.md", good());
    let out = tempfile::tempdir().unwrap();
    assert_eq!(
        run_once(input.path(), out.path(), &[]).status.code(),
        Some(0)
    );
    let before = read_tree(out.path());
    // A folder where a feed should be written: the write fails, the rest stays whole.
    write(
        input.path(),
        "new.md",
        digest(
            "2026-01-07T08:00:00Z",
            &["New"],
            &[("N - Andrew Ng", "https://x.com/andrewyng/status/3", "x")],
        ),
    );
    fs::create_dir_all(out.path().join("categories/new/rss.xml")).unwrap();
    let result = run_once(input.path(), out.path(), &[]);
    assert_eq!(result.status.code(), Some(2), "{}", stderr(&result));
    assert!(
        stderr(&result).contains("categories/new/rss.xml"),
        "{}",
        stderr(&result)
    );
    let after = read_tree(out.path());
    for (name, bytes) in &after {
        if name.ends_with(".xml") {
            assert_strict_xml(name, bytes);
        }
    }
    assert!(before.keys().all(|k| after.contains_key(k)));

    // An output path that is a file.
    let file = out.path().join("plain-file");
    fs::write(&file, "x").unwrap();
    let result = run_once(input.path(), &file, &[]);
    assert_eq!(result.status.code(), Some(2));
}

/// As Hugo without --buildFuture: a digest dated after the run waits for its date.
#[test]
fn digests_dated_in_the_future_are_held_back_unless_configured() {
    let input = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    write(input.path(), "good.md", good());
    write(
        input.path(),
        "later.md",
        digest(
            "2999-01-01T08:00:00Z",
            &["Later"],
            &[(
                "Later - Ben Tossell",
                "https://x.com/bentossell/status/2",
                "x",
            )],
        ),
    );
    let result = run_once(input.path(), out.path(), &[]);
    assert_eq!(result.status.code(), Some(0), "{}", stderr(&result));
    assert!(stderr(&result).contains("held=1"), "{}", stderr(&result));
    let tree = read_tree(out.path());
    let ids: Vec<String> = parse_feed("rss.xml", &tree["rss.xml"])
        .entries
        .into_iter()
        .map(|e| e.id)
        .collect();
    assert_eq!(ids, [GOOD_ID]);
    assert!(!tree.keys().any(|k| k.starts_with("categories/later/")));

    let config = input.path().join("future.yaml");
    fs::write(&config, "publish_future: true\n").unwrap();
    let result = run_once(
        input.path(),
        out.path(),
        &["--config", config.to_str().unwrap()],
    );
    assert_eq!(result.status.code(), Some(0), "{}", stderr(&result));
    let tree = read_tree(out.path());
    assert_eq!(parse_feed("rss.xml", &tree["rss.xml"]).entries.len(), 2);
}

/// A run that stops before writing leaves no trace: not even the output folder.
#[test]
fn a_run_that_writes_nothing_makes_no_output_folder() {
    let root = tempfile::tempdir().unwrap();
    let out = root.path().join("public/feeds");
    let result = run_once(&root.path().join("missing"), &out, &[]);
    assert_eq!(result.status.code(), Some(2), "{}", stderr(&result));
    let input = root.path().join("in");
    fs::create_dir(&input).unwrap();
    let result = run_once(&input, &out, &[]);
    assert_eq!(result.status.code(), Some(1), "{}", stderr(&result));
    assert!(!root.path().join("public").exists());
}
