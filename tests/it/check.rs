//! `digestfeed check`: what `--once` would change, its lints and error formats, and
//! that it writes nothing (traced with strace).

use super::support::{digest, write, BASE_URL};
use std::path::Path;
use std::process::{Command, Output};

pub(crate) fn check(input: &Path, output: &Path, extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_digestfeed"))
        .arg("check")
        .args(["--input", input.to_str().unwrap(), "--output"])
        .arg(output)
        .args(["--base-url", BASE_URL])
        .args(extra)
        .env_remove("RUST_LOG")
        .output()
        .unwrap()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn item(id: u64) -> (String, String) {
    (
        format!("Story {id} - Maya Chen"),
        format!("https://x.com/mayachen_ai/status/{id}"),
    )
}

fn write_digest(input: &Path, name: &str, date: &str, ids: &[u64]) {
    let items: Vec<(String, String)> = ids.iter().map(|id| item(*id)).collect();
    let items: Vec<(&str, &str, &str)> = items
        .iter()
        .map(|(t, u)| (t.as_str(), u.as_str(), "Summary."))
        .collect();
    write(input, name, digest(date, &["AI"], &items));
}

#[test]
fn check_says_whether_once_would_change_the_feeds() {
    let dir = tempfile::tempdir().unwrap();
    let (input, output) = (dir.path().join("in"), dir.path().join("out"));
    write_digest(&input, "2026-01-01-08.md", "2026-01-01T08:00:00Z", &[1, 2]);
    // Nothing written yet: every file is new.
    let first = check(&input, &output, &[]);
    assert_eq!(first.status.code(), Some(3), "{}", stdout(&first));
    assert!(stdout(&first).contains("new      atom.xml"));
    assert!(!output.exists(), "check made the output folder");
    let once = super::support::run_once(&input, &output, &[]);
    assert!(once.status.success());
    let same = check(&input, &output, &[]);
    assert_eq!(same.status.code(), Some(0), "{}", stdout(&same));
    assert_eq!(stdout(&same), "");
    // A new digest changes the global feed; a removed one would remove its category.
    write_digest(&input, "2026-01-02-08.md", "2026-01-02T08:00:00Z", &[3]);
    let changed = check(&input, &output, &[]);
    assert_eq!(changed.status.code(), Some(3));
    assert!(
        stdout(&changed).contains("changed  atom.xml"),
        "{}",
        stdout(&changed)
    );
    // An invalid digest is exit 1, whatever would change.
    write(&input, "broken.md", "---\ndate: nope\n---\n");
    let broken = check(&input, &output, &[]);
    assert_eq!(broken.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&broken.stderr).contains("broken.md:2:"));
}

#[test]
fn lints_warn_unless_denied_and_every_error_format_names_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let (input, output) = (dir.path().join("in"), dir.path().join("out"));
    // The same tweet twice (DF001), in a file named for another day (DF005).
    write_digest(&input, "2026-01-09-08.md", "2026-01-01T08:00:00Z", &[1, 1]);
    assert!(super::support::run_once(&input, &output, &[])
        .status
        .success());
    let warned = check(&input, &output, &[]);
    assert_eq!(warned.status.code(), Some(0), "lints are warnings");
    let log = String::from_utf8_lossy(&warned.stderr);
    assert!(
        log.contains("2026-01-09-08.md:11: the same tweet as the item at line 7"),
        "{log}"
    );
    assert!(log.contains("[DF005]"), "{log}");
    let denied = check(&input, &output, &["--deny", "duplicate-item"]);
    assert_eq!(denied.status.code(), Some(1));
    let github = check(
        &input,
        &output,
        &["--deny", "DF001", "--error-format", "github"],
    );
    let annotations = stdout(&github);
    assert!(
        annotations.contains(&format!(
            "::error file={},line=11,title=DF001::the same tweet",
            input.join("2026-01-09-08.md").display()
        )),
        "{annotations}"
    );
    assert!(annotations.contains("::warning file="), "{annotations}");
    let json = check(&input, &output, &["--error-format", "json"]);
    let lines: Vec<serde_json::Value> = stdout(&json)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2, "{lines:?}");
    let first = lines.iter().find(|l| l["code"] == "DF001").unwrap();
    assert_eq!(first["line"], 11);
    assert_eq!(first["level"], "warning");
    let unknown = check(&input, &output, &["--deny", "DF999"]);
    assert_eq!(unknown.status.code(), Some(2));
}

#[test]
fn a_clean_generated_corpus_has_no_lint() {
    assert_no_lint(super::corpus::generate(10_000, 1));
}

/// The shapes of the variants corpus (summaries on the title's line, lists under it,
/// lazy lines, text after the list) are all meant: none is a lint either.
#[test]
fn the_variants_corpus_has_no_lint() {
    assert_no_lint(super::corpus::generate_mix(
        2_000,
        1,
        super::corpus::Mix::Variants,
    ));
}

fn assert_no_lint(corpus: Vec<(String, String)>) {
    let parsed: digestfeed::model::Corpus = corpus
        .iter()
        .filter_map(|(rel, text)| {
            match digestfeed::parse::parse_digest(
                Path::new(rel),
                text.as_bytes(),
                chrono_tz::Tz::UTC,
            ) {
                Ok(digestfeed::model::Parsed::Digest(d)) => Some((rel.into(), d)),
                _ => None,
            }
        })
        .collect();
    assert!(parsed.len() * 10 > corpus.len() * 9, "most digests parse");
    // Dated from 2024 on, every 4 hours: a clock after the last one.
    let now = chrono::DateTime::<chrono::Utc>::MAX_UTC;
    let mut lints = digestfeed::check::lint::lint(&parsed, Path::new("in"), now, 20);
    for (rel, text) in &corpus {
        if let Some(digest) = parsed.get(Path::new(rel)) {
            let lines: Vec<usize> = digest.items.iter().map(|i| i.line).collect();
            lints.extend(digestfeed::check::lint::body_lints(
                Path::new(rel),
                text.as_bytes(),
                &lines,
            ));
        }
    }
    // What check reports without --warn or --deny. DF008 states what the category cap
    // leaves out, which a corpus of 25 categories and long-repeated tweets reaches on
    // its own (its cases are tested with the lints).
    lints.retain(|l| digestfeed::check::lint::is_reported(l, &[], &[]) && l.code != "DF008");
    let shown: Vec<String> = lints.iter().take(5).map(ToString::to_string).collect();
    assert!(lints.is_empty(), "{} lints: {shown:#?}", lints.len());
}

#[ignore = "needs strace (apt-get install strace); .ci/run runs it"]
#[test]
fn check_writes_nothing() {
    assert!(
        Command::new("strace").arg("-V").output().is_ok(),
        "strace is not installed (apt-get install strace)"
    );
    let dir = tempfile::tempdir().unwrap();
    let (input, output) = (dir.path().join("in"), dir.path().join("out"));
    write_digest(
        &input,
        "2026/01/2026-01-01-08.md",
        "2026-01-01T08:00:00Z",
        &[1, 2],
    );
    write_digest(&input, "2026-01-02-08.md", "2026-01-02T08:00:00Z", &[3]);
    assert!(super::support::run_once(&input, &output, &[])
        .status
        .success());
    write_digest(&input, "2099-01-01-08.md", "2026-01-20T08:00:00Z", &[7]);
    let trace = dir.path().join("trace");
    let run = Command::new("strace")
        .args(["-f", "-qq", "-e", "trace=%file,%desc", "-o"])
        .arg(&trace)
        .arg(env!("CARGO_BIN_EXE_digestfeed"))
        .args(["check", "--input"])
        .arg(&input)
        .arg("--output")
        .arg(&output)
        .args(["--base-url", BASE_URL])
        .output()
        .unwrap();
    assert_eq!(
        run.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let trace = std::fs::read_to_string(trace).unwrap();
    let changing: Vec<&str> = trace
        .lines()
        .filter(|l| {
            let call = l.split_whitespace().nth(1).unwrap_or("");
            [
                "rename",
                "unlink",
                "mkdir",
                "rmdir",
                "link",
                "symlink",
                "chmod",
                "fchmod",
                "truncate",
                "ftruncate",
            ]
            .iter()
            .any(|c| {
                call.starts_with(&format!("{c}("))
                    || call.starts_with(&format!("{c}at("))
                    || call.starts_with(&format!("{c}at2("))
            }) || ((call.starts_with("openat(") || call.starts_with("open("))
                && (l.contains("O_WRONLY") || l.contains("O_RDWR") || l.contains("O_CREAT"))
                && !l.contains("/dev/null"))
        })
        .collect();
    assert!(
        changing.is_empty(),
        "check changed the file system:\n{}",
        changing.join("\n")
    );
}

#[test]
fn diff_lists_per_feed_the_entries_added_removed_and_changed() {
    let dir = tempfile::tempdir().unwrap();
    let (input, output) = (dir.path().join("in"), dir.path().join("out"));
    write_digest(&input, "2026-01-01-08.md", "2026-01-01T08:00:00Z", &[1, 2]);
    assert!(super::support::run_once(&input, &output, &[])
        .status
        .success());
    // Tweet 3 is new, tweet 2 goes with its digest rewritten, tweet 1 gets a title.
    let items = [(
        "New title - Maya Chen",
        "https://x.com/mayachen_ai/status/1",
        "Summary.",
    )];
    write(
        &input,
        "2026-01-01-08.md",
        digest("2026-01-01T08:00:00Z", &["AI"], &items),
    );
    write_digest(&input, "2026-01-02-08.md", "2026-01-02T08:00:00Z", &[3]);
    let checked = check(&input, &output, &["--diff", "--format", "json"]);
    assert_eq!(checked.status.code(), Some(3));
    // JSON only: the files that change, then the diff of each feed.
    let feeds: Vec<serde_json::Value> = stdout(&checked)
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|v| v.get("feed").is_some())
        .collect();
    let global = &feeds[0];
    assert_eq!(global["feed"], "");
    let id = |n: u64| format!("https://x.com/mayachen_ai/status/{n}");
    assert_eq!(global["added"], serde_json::json!([id(3)]));
    assert_eq!(global["removed"], serde_json::json!([id(2)]));
    assert_eq!(global["changed"], serde_json::json!([[id(1), ["title"]]]));
    // --once prints the same, as text, and then writes.
    let once = super::support::run_once(&input, &output, &["--diff"]);
    let text = stdout(&once);
    assert!(
        text.starts_with(&format!(
            "(global): 1 added, 1 removed, 1 changed\n  + {}\n  - {}\n  ~ {} (title)\n",
            id(3),
            id(2),
            id(1)
        )),
        "{text}"
    );
    assert_eq!(check(&input, &output, &[]).status.code(), Some(0));
}

/// Whatever `--once` refuses to write over, `check` reports the same way: exit 2,
/// naming the path, and no list of changes.
#[test]
fn check_predicts_what_once_refuses() {
    let dir = tempfile::tempdir().unwrap();
    let (input, output) = (dir.path().join("in"), dir.path().join("out"));
    let elsewhere = dir.path().join("elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap();
    write_digest(&input, "2026-01-01-08.md", "2026-01-01T08:00:00Z", &[1, 2]);
    let refused = |what: &str, named: &Path| {
        let once = super::support::run_once(&input, &output, &[]);
        let checked = check(&input, &output, &[]);
        let err = String::from_utf8_lossy(&checked.stderr).into_owned();
        assert_eq!(once.status.code(), Some(2), "{what}: --once");
        assert_eq!(checked.status.code(), Some(2), "{what}: {err}");
        assert!(err.contains(&named.display().to_string()), "{what}: {err}");
        assert_eq!(stdout(&checked), "", "{what}");
    };
    // A link where a folder of feeds goes.
    std::fs::create_dir_all(&output).unwrap();
    std::os::unix::fs::symlink(&elsewhere, output.join("authors")).unwrap();
    refused("a linked authors/", &output.join("authors"));
    std::fs::remove_file(output.join("authors")).unwrap();
    // A file digestfeed did not write where a feed goes.
    std::fs::write(output.join("atom.xml"), "mine").unwrap();
    refused("a foreign atom.xml", &output.join("atom.xml"));
    std::fs::remove_file(output.join("atom.xml")).unwrap();
    // A feed digestfeed wrote, changed by hand since, that the run would replace.
    assert!(super::support::run_once(&input, &output, &[])
        .status
        .success());
    std::fs::write(output.join("rss.xml"), "edited by hand").unwrap();
    write_digest(&input, "2026-01-02-08.md", "2026-01-02T08:00:00Z", &[3]);
    refused("an edited rss.xml", &output.join("rss.xml"));
    assert_eq!(
        std::fs::read_to_string(output.join("rss.xml")).unwrap(),
        "edited by hand"
    );
    // The output folder is a file.
    std::fs::remove_dir_all(&output).unwrap();
    std::fs::write(&output, "a file").unwrap();
    refused("a file for a folder", &output);
    assert!(elsewhere.read_dir().unwrap().next().is_none());
}

/// A digest written with bullets publishes as its numbered form; one whose items are
/// in no shape digestfeed reads publishes nothing, and says so (DF009), in `check`
/// and in `--once`.
#[test]
fn bulleted_digests_publish_and_one_with_no_readable_item_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let (numbered, bulleted) = (dir.path().join("numbered"), dir.path().join("bulleted"));
    write_digest(
        &numbered,
        "2026-01-01-08.md",
        "2026-01-01T08:00:00Z",
        &[1, 2, 3],
    );
    let text = std::fs::read_to_string(numbered.join("2026-01-01-08.md")).unwrap();
    let bullets = text
        .replace("1.  ", "-   ")
        .replace("2.  ", "*   ")
        .replace("3.  ", "*   ");
    assert_ne!(bullets, text);
    write(&bulleted, "2026-01-01-08.md", &bullets);
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    assert!(super::support::run_once(&numbered, &a, &[])
        .status
        .success());
    let run = super::support::run_once(&bulleted, &b, &[]);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let (a, b) = (super::support::read_tree(&a), super::support::read_tree(&b));
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    assert!(a.iter().all(|(k, v)| k.starts_with('.') || b[k] == *v));
    // Items indented as code: no item, and a line to look at.
    let code = "---\ndate: 2026-01-02T08:00:00Z\ncategories:\n  - AI\n---\n\n    1. [T - Maya Chen](https://x.com/mayachen_ai/status/9)\n";
    write(&bulleted, "2026-01-02-08.md", code);
    let checked = check(&bulleted, &dir.path().join("c"), &["--deny", "no-items"]);
    let err = String::from_utf8_lossy(&checked.stderr).into_owned();
    assert_eq!(checked.status.code(), Some(1), "{err}");
    assert!(
        err.contains("2026-01-02-08.md:7:") && err.contains("[DF009]"),
        "{err}"
    );
    let once = super::support::run_once(&bulleted, &dir.path().join("d"), &[]);
    let err = String::from_utf8_lossy(&once.stderr).into_owned();
    assert!(
        err.contains("2026-01-02-08.md:7:") && err.contains("publishes nothing"),
        "{err}"
    );
}

/// In a JSON format standard output carries JSON only, the list of changed files too;
/// and a reader that closes the pipe at once ends the printing quietly, not the run.
#[test]
fn json_formats_print_json_only_and_a_closed_pipe_ends_printing_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let (input, output) = (dir.path().join("in"), dir.path().join("out"));
    write_digest(&input, "2026-01-01-08.md", "2026-01-01T08:00:00Z", &[1, 2]);
    write_digest(&input, "2026-01-02-08.md", "2026-01-02T08:00:00Z", &[2]);
    for args in [
        &["--error-format", "json"][..],
        &["--diff", "--format", "json"],
        // A text diff asked for under the JSON error format: JSON all the same.
        &["--error-format", "json", "--diff"],
    ] {
        let run = check(&input, &output, args);
        assert_eq!(run.status.code(), Some(3), "{args:?}");
        let out = stdout(&run);
        assert!(out.lines().count() > 3, "{out}");
        for line in out.lines() {
            let value: serde_json::Value = serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("{args:?}: not JSON ({e}): {line}"));
            assert!(value.is_object(), "{line}");
        }
        assert!(
            out.contains(r#"{"change":"new","path":"atom.xml"}"#),
            "{out}"
        );
    }
    // The reader gone before anything is printed.
    let closed = |args: &[&str]| {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_digestfeed"))
            .args(args)
            .env_remove("RUST_LOG")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take());
        let done = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&done.stderr).into_owned();
        assert!(
            !err.contains("panicked") && !err.contains("Broken pipe"),
            "{args:?}: {err}"
        );
        done.status.code()
    };
    let (i, o) = (input.to_str().unwrap(), output.to_str().unwrap());
    let common = [
        "--input",
        i,
        "--output",
        o,
        "--base-url",
        super::support::BASE_URL,
    ];
    let check_args: Vec<&str> = ["check", "--diff"].iter().chain(&common).copied().collect();
    assert_eq!(closed(&check_args), Some(3));
    let once_args: Vec<&str> = ["--once", "--diff"]
        .iter()
        .chain(&common)
        .copied()
        .collect();
    assert_eq!(closed(&once_args), Some(0));
    assert!(
        output.join("atom.xml").is_file(),
        "--once wrote its feeds all the same"
    );
    assert_eq!(closed(&["--help"]), Some(0));
}

/// The service config as shipped still holds placeholder links: a run says so.
#[test]
fn an_unedited_config_on_an_example_domain_is_warned_about() {
    let dir = tempfile::tempdir().unwrap();
    let (input, output) = (dir.path().join("in"), dir.path().join("out"));
    write_digest(&input, "2026-01-01-08.md", "2026-01-01T08:00:00Z", &[1]);
    let config = super::support::repo().join("config/service.yaml");
    let run = std::process::Command::new(env!("CARGO_BIN_EXE_digestfeed"))
        .args(["--once", "--config"])
        .arg(&config)
        .arg("--input")
        .arg(&input)
        .arg("--output")
        .arg(&output)
        .env_remove("RUST_LOG")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "{err}");
    assert!(
        err.contains("WARN") && err.contains("reserved for examples (RFC 2606)"),
        "{err}"
    );
    // A real domain: no such warning.
    let (i, o) = (input.to_str().unwrap(), output.to_str().unwrap());
    let run = super::support::digestfeed(&[
        "--once",
        "--input",
        i,
        "--output",
        o,
        "--base-url",
        "https://feeds.digest.ai/",
    ]);
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "{err}");
    assert!(!err.contains("reserved for examples"), "{err}");
}

/// What `--once` says: how many files it wrote, the page to open after a first run,
/// the output folder as a clean path, and at -v each draft and held digest by name.
#[test]
fn once_says_what_it_did_and_names_drafts_and_held_digests() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    write_digest(&input, "2026-01-01-08.md", "2026-01-01T08:00:00Z", &[1]);
    write(
        &input,
        "draft.md",
        "---\ndate: 2026-01-01T09:00:00Z\ndraft: true\n---\n",
    );
    write(&input, "later.md", "---\ndate: 2999-01-01T00:00:00Z\n---\n");
    let config = dir.path().join("cfg/digestfeed.yaml");
    write(
        &dir.path().join("cfg"),
        "digestfeed.yaml",
        format!(
            "input_dir: ../in\noutput_dir: ../public\nbase_url: {}\n",
            super::support::BASE_URL
        ),
    );
    let run = |extra: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_digestfeed"))
            .args(["--once", "--config"])
            .arg(&config)
            .args(extra)
            .env_remove("RUST_LOG")
            .output()
            .unwrap();
        assert!(out.status.success());
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let first = run(&[]);
    let written = super::support::read_tree(&dir.path().join("public"))
        .keys()
        .filter(|k| !k.starts_with('.'))
        .count();
    assert!(
        first.contains(&format!("{written} files written")),
        "{first}"
    );
    let public = dir.path().join("public");
    assert!(
        first.contains(&format!("output={}", public.display())),
        "{first}"
    );
    assert!(
        first.contains(&format!(
            "open {} to see every feed",
            public.join("index.html").display()
        )),
        "{first}"
    );
    assert!(!first.contains(".."), "{first}");
    let again = run(&["-v"]);
    assert!(
        again.contains("nothing to write") && !again.contains("to see every feed"),
        "{again}"
    );
    assert!(
        again.contains("draft.md") && again.contains("a draft"),
        "{again}"
    );
    assert!(
        again.contains("later.md") && again.contains("appears=2999-01-01T00:00:00+00:00"),
        "{again}"
    );
}
