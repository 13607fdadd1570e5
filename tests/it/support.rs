//! Helpers shared by the integration tests.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::SystemTime;

pub(crate) const BASE_URL: &str = "https://feeds.example.org/digest/";

pub(crate) fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `digestfeed --once` with the given arguments.
pub(crate) fn digestfeed(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_digestfeed"))
        .args(args)
        .env_remove("RUST_LOG")
        .output()
        .expect("the digestfeed binary runs")
}

/// [`run_once`], with the binary run by `wrapper` (`setpriv …`, `sh -c …`), which
/// must end by executing its arguments.
pub(crate) fn run_once_under(
    wrapper: &[&str],
    input: &Path,
    output: &Path,
    extra: &[&str],
) -> Output {
    Command::new(wrapper[0])
        .args(&wrapper[1..])
        .arg(env!("CARGO_BIN_EXE_digestfeed"))
        .args(["--once", "--input"])
        .arg(input)
        .arg("--output")
        .arg(output)
        .args(["--base-url", BASE_URL])
        .args(extra)
        .env_remove("RUST_LOG")
        .output()
        .expect("the digestfeed binary runs")
}

/// `--once --input IN --output OUT --base-url BASE_URL`, plus `extra`.
pub(crate) fn run_once(input: &Path, output: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "--once",
        "--input",
        input.to_str().unwrap(),
        "--output",
        output.to_str().unwrap(),
        "--base-url",
        BASE_URL,
    ];
    args.extend_from_slice(extra);
    digestfeed(&args)
}

/// Runs the example config (`--once`) into a fresh folder and returns its files.
pub(crate) fn run_examples() -> BTreeMap<String, Vec<u8>> {
    let out = tempfile::tempdir().unwrap();
    let config = repo().join("config/digestfeed.yaml");
    let result = digestfeed(&[
        "--once",
        "--config",
        config.to_str().unwrap(),
        "--output",
        out.path().to_str().unwrap(),
    ]);
    assert!(result.status.success(), "{}", stderr(&result));
    read_tree(out.path())
}

pub(crate) fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Every file below `root`, by `/`-separated relative path. Files that vanish while
/// being read (a daemon may be renaming them) are left out.
pub(crate) fn read_tree(root: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    walk(root, root, &mut |rel, path| match fs::read(path) {
        Ok(bytes) => {
            out.insert(rel, bytes);
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => panic!("{}: {e}", path.display()),
    });
    out
}

/// The modification time of every file below `root`.
pub(crate) fn mtimes(root: &Path) -> BTreeMap<String, SystemTime> {
    let mut out = BTreeMap::new();
    walk(root, root, &mut |rel, path| {
        out.insert(rel, fs::metadata(path).unwrap().modified().unwrap());
    });
    out
}

fn walk(root: &Path, dir: &Path, f: &mut dyn FnMut(String, &Path)) {
    let Ok(listing) = fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = listing.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            walk(root, &path, f);
        } else {
            let rel = path
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            f(rel, &path);
        }
    }
}

/// Sets every file under `root` to one old modification time, and returns it: a file
/// rewritten since shows a newer one, even on file systems with coarse timestamps.
pub(crate) fn age_files(root: &Path) -> SystemTime {
    let old = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000);
    for path in mtimes(root).keys() {
        fs::File::options()
            .write(true)
            .open(root.join(path))
            .unwrap()
            .set_modified(old)
            .unwrap();
    }
    old
}

/// Writes a file, creating its folders.
pub(crate) fn write(root: &Path, rel: &str, bytes: impl AsRef<[u8]>) {
    let path = root.join(rel);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, bytes).unwrap();
}

/// A digest with the given items, each `(title, url, summary)`.
pub(crate) fn digest(date: &str, categories: &[&str], items: &[(&str, &str, &str)]) -> String {
    // JSON strings are valid YAML double-quoted scalars.
    let cats: Vec<String> = categories
        .iter()
        .map(|c| serde_json::to_string(c).unwrap())
        .collect();
    let mut text = format!(
        "---\ntitle: \"digest {date}\"\ndate: {date}\ncategories: [{}]\n---\n\n",
        cats.join(", ")
    );
    for (i, (title, url, summary)) in items.iter().enumerate() {
        text.push_str(&format!(
            "{}.  [{title}]({url})\n\n    {summary}\n\n",
            i + 1
        ));
    }
    text
}

/// Parses XML strictly (roxmltree rejects characters XML 1.0 forbids); panics with the
/// file name otherwise.
pub(crate) fn assert_strict_xml(name: &str, bytes: &[u8]) {
    let text = std::str::from_utf8(bytes).unwrap_or_else(|e| panic!("{name}: not UTF-8: {e}"));
    if let Err(e) = roxmltree::Document::parse(text) {
        panic!("{name}: not well-formed XML: {e}");
    }
}

/// Parses a feed with feed-rs, an independent reader.
pub(crate) fn parse_feed(name: &str, bytes: &[u8]) -> feed_rs::model::Feed {
    feed_rs::parser::parse(bytes).unwrap_or_else(|e| panic!("{name}: feed-rs cannot parse it: {e}"))
}

/// Checks every file of an output tree: XML strictly well-formed, JSON valid, every feed
/// readable by feed-rs with unique ids, the three formats of a feed agreeing on ids.
pub(crate) fn assert_valid_tree(tree: &BTreeMap<String, Vec<u8>>) {
    for (name, bytes) in tree {
        if name.ends_with(".xml") || name.ends_with(".opml") {
            assert_strict_xml(name, bytes);
        }
        if name.ends_with(".json") {
            serde_json::from_slice::<serde_json::Value>(bytes)
                .unwrap_or_else(|e| panic!("{name}: invalid JSON: {e}"));
        }
    }
    for name in tree.keys().filter(|n| n.ends_with("rss.xml")) {
        let dir = &name[..name.len() - "rss.xml".len()];
        let ids = |file: &str| -> Vec<String> {
            let path = format!("{dir}{file}");
            let feed = parse_feed(&path, &tree[&path]);
            feed.entries.into_iter().map(|e| e.id).collect()
        };
        let (rss, atom, json) = (ids("rss.xml"), ids("atom.xml"), ids("feed.json"));
        let mut unique = rss.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), rss.len(), "{name}: duplicate ids");
        assert_eq!(rss, atom, "{dir}: RSS and Atom disagree");
        assert_eq!(rss, json, "{dir}: RSS and JSON Feed disagree");
    }
}

#[test]
fn the_strict_xml_check_rejects_forbidden_characters() {
    let bad = "<?xml version=\"1.0\"?><a>x\u{1}y</a>";
    assert!(std::panic::catch_unwind(|| assert_strict_xml("bad", bad.as_bytes())).is_err());
    assert_strict_xml("good", b"<a>x&amp;y</a>");
}

/// A small tmpfs, unmounted when dropped.
pub(crate) struct Tmpfs(pub PathBuf);

impl Tmpfs {
    pub(crate) fn mount(at: &Path, size: &str) -> Option<Tmpfs> {
        fs::create_dir_all(at).ok()?;
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(at)
            .status()
            .ok()?
            .success();
        ok.then(|| Tmpfs(at.to_path_buf()))
    }

    pub(crate) fn resize(&self, size: &str) {
        let ok = Command::new("mount")
            .args(["-o", &format!("remount,size={size}")])
            .arg(&self.0)
            .status()
            .unwrap()
            .success();
        assert!(ok, "remount");
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

/// `setpriv` runs a command as `nobody` here (root, with util-linux): mode bits only
/// bind another user, so tests of unreadable files and folders run the binary so.
pub(crate) fn can_run_as_nobody() -> bool {
    Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", "true"])
        .status()
        .is_ok_and(|s| s.success())
}

/// The words that run a command as `nobody`.
pub(crate) const AS_NOBODY: [&str; 4] = [
    "setpriv",
    "--reuid=65534",
    "--regid=65534",
    "--clear-groups",
];
