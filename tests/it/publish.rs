//! Publishing to object storage, against a real S3-compatible server: moto's, started
//! on 127.0.0.1 for each test. What is in the bucket is read back through boto3
//! (tests/publish/s3.py), and every request the server took from its own log.
//!
//! They need `moto_server` (`pip install 'moto[server]'`): ignored by a plain
//! `cargo test`, run by `cargo test -- --include-ignored` (as `.ci/run` does), and
//! failing there, naming the fix, where it is missing.

use super::support::{digest, repo, write, BASE_URL};
use digestfeed::render::tree::Output as Files;
use std::collections::BTreeMap;
use std::fs;
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const BUCKET: &str = "feeds";

pub(crate) struct Moto {
    child: Child,
    port: u16,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

pub(crate) fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Moto {
    /// Whether moto's server can be run here (if not, and it is not required, the
    /// caller skips its test).
    /// Fails the test, naming the fix, where moto's server cannot be run: the tests
    /// that need it are ignored unless asked for (`cargo test -- --include-ignored`).
    pub(crate) fn require() {
        let found = Command::new("moto_server")
            .arg("--help")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok();
        assert!(
            found,
            "moto_server is not installed: pip install 'moto[server]'"
        );
    }

    pub(crate) fn start() -> Moto {
        Moto::require();
        Moto::start_on(free_port())
    }

    /// moto's server on `port`, with the bucket made.
    pub(crate) fn start_on(port: u16) -> Moto {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("moto.log");
        let child = Command::new("moto_server")
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(fs::File::create(&log).unwrap())
            .stderr(fs::File::options().append(true).open(&log).unwrap())
            .spawn()
            .unwrap();
        let moto = Moto {
            child,
            port,
            log,
            _dir: dir,
        };
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "moto_server did not listen within 60 s"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        moto.s3(&["create", BUCKET]);
        moto
    }

    pub(crate) fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Runs tests/publish/s3.py against this server.
    pub(crate) fn s3(&self, args: &[&str]) -> String {
        let out = Command::new("python3")
            .arg(repo().join("tests/publish/s3.py"))
            .arg(self.endpoint())
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// Every object of the bucket, by key, as boto3 reads it.
    pub(crate) fn objects(&self) -> BTreeMap<String, serde_json::Value> {
        self.s3(&["list", BUCKET])
            .lines()
            .map(|line| {
                let v: serde_json::Value = serde_json::from_str(line).unwrap();
                (v["key"].as_str().unwrap().to_string(), v)
            })
            .collect()
    }

    /// The requests the server has logged: `METHOD /path`.
    fn requests(&self) -> Vec<String> {
        fs::read_to_string(&self.log)
            .unwrap()
            .lines()
            .filter_map(|l| l.split('"').nth(1))
            .filter_map(|r| r.rsplit_once(' ').map(|(m, _)| m.to_string()))
            .collect()
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A folder of digests, an output folder and a config that publishes to `endpoint`.
struct Site {
    dir: tempfile::TempDir,
}

impl Site {
    fn new(endpoint: &str) -> Site {
        Site::with(endpoint, "", "")
    }

    /// [`Site::new`] with more settings, and more of `publish.cache_control`.
    fn with(endpoint: &str, settings: &str, cache: &str) -> Site {
        let dir = tempfile::tempdir().unwrap();
        let config = format!(
            "input_dir: in\noutput_dir: out\nbase_url: {BASE_URL}\n{settings}publish:\n  url: s3://{BUCKET}/ai/\n  endpoint: {endpoint}\n  cache_control:\n    index: no-cache\n{cache}"
        );
        write(dir.path(), "digestfeed.yaml", config);
        let site = Site { dir };
        site.add("2026/01-01.md", "2026-01-01T08:00:00Z", "模型", 1);
        site.add("2026/01-02.md", "2026-01-02T08:00:00Z", "Open source", 2);
        site
    }

    fn add(&self, rel: &str, date: &str, category: &str, id: u64) {
        let items = [(
            format!("News {id} - Maya Chen"),
            format!("https://x.com/mayachen_ai/status/{id}"),
            format!("Summary {id}."),
        )];
        let items: Vec<(&str, &str, &str)> = items
            .iter()
            .map(|(a, b, c)| (a.as_str(), b.as_str(), c.as_str()))
            .collect();
        write(
            &self.dir.path().join("in"),
            rel,
            digest(date, &[category], &items),
        );
    }

    /// Publishes to the bucket only, with no output folder; returns the config as it
    /// was.
    fn without_folder(&self) -> String {
        let config = self.dir.path().join("digestfeed.yaml");
        let text = fs::read_to_string(&config).unwrap();
        fs::write(&config, text.replace("output_dir: out\n", "")).unwrap();
        text
    }

    fn once(&self) -> Output {
        self.once_with(&[
            ("AWS_ACCESS_KEY_ID", "test"),
            ("AWS_SECRET_ACCESS_KEY", "test"),
        ])
    }

    /// `--once` with only these AWS variables (and the region) set.
    fn once_with(&self, env: &[(&str, &str)]) -> Output {
        let mut command = Command::new(env!("CARGO_BIN_EXE_digestfeed"));
        for (name, _) in std::env::vars() {
            if name.starts_with("AWS_") {
                command.env_remove(name);
            }
        }
        command
            .args(["--once", "--config"])
            .arg(self.dir.path().join("digestfeed.yaml"))
            .env_remove("RUST_LOG")
            .env("AWS_DEFAULT_REGION", "us-east-1")
            // No instance metadata to fall back on: a missing key fails at once.
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .envs(env.iter().copied())
            .output()
            .unwrap()
    }

    /// The output folder's feeds (not the writer's own files, named with a dot).
    fn out(&self) -> Files {
        let mut files = super::support::read_tree(&self.dir.path().join("out"));
        files.retain(|path, _| !path.starts_with('.'));
        files
    }
}

/// Asserts that a run succeeded, showing its log if not.
fn assert_ran(run: &Output) {
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
}

pub(crate) fn md5(bytes: &[u8]) -> String {
    digestfeed::output::publish::Manifest::of(&Files::from([("x".to_string(), bytes.to_vec())]))
        .objects["x"]
        .md5
        .clone()
}

/// The paths of `after` whose bytes are not those of `before`, in order.
fn changed_between(before: &Files, after: &Files) -> Vec<String> {
    after
        .iter()
        .filter(|(p, b)| before.get(*p) != Some(*b))
        .map(|(p, _)| p.clone())
        .collect()
}

/// The output paths `method` was sent for, in the order the server answered.
fn sent(requests: &[String], method: &str) -> Vec<String> {
    requests
        .iter()
        .filter_map(|r| r.strip_prefix(method))
        .map(|p| p.trim_start_matches(&format!("/{BUCKET}/ai/")).to_string())
        .filter(|p| !p.starts_with(".digestfeed-manifest"))
        .collect()
}

fn puts_and_deletes(requests: &[String]) -> (Vec<String>, Vec<String>) {
    let paths = |method: &str| -> Vec<String> {
        let mut v = sent(requests, method);
        v.sort();
        v
    };
    (paths("PUT "), paths("DELETE "))
}

/// A closed archive page is cached as `cache_control.archives` says; each feed's
/// newest page, which still fills as entries leave the current document, as a feed.
#[ignore = "needs moto_server (pip install 'moto[server]'); .ci/run runs it"]
#[test]
fn closed_archive_pages_are_cached_long_and_the_newest_as_a_feed() {
    let moto = Moto::start();
    let site = Site::with(
        &moto.endpoint(),
        "max_entries: 1\narchives: [global]\n",
        "    archives: public, max-age=604800\n",
    );
    // Three weeks: the newest entry is the current document's, the others on their
    // weeks' pages (the first two digests are both in week 1).
    site.add("2026/01-08.md", "2026-01-08T08:00:00Z", "模型", 3);
    site.add("2026/01-15.md", "2026-01-15T08:00:00Z", "模型", 4);
    assert_ran(&site.once());
    let objects = moto.objects();
    let cache = |path: &str| objects[&format!("ai/{path}")]["cache_control"].clone();
    for file in ["atom.xml", "rss.xml", "feed.json"] {
        assert_eq!(
            cache(&format!("archive/2026-W01/{file}")),
            "public, max-age=604800"
        );
        assert_eq!(
            cache(&format!("archive/2026-W02/{file}")),
            "public, max-age=300"
        );
        assert_eq!(cache(file), "public, max-age=300");
    }
    assert!(!objects.contains_key("ai/archive/2026-W03/atom.xml"));
    // A digest in a fourth week: what changed is uploaded, nothing else; the page that
    // was the newest is closed now, and cached so.
    let before_files = site.out();
    site.add("2026/01-22.md", "2026-01-22T08:00:00Z", "模型", 5);
    let before = moto.requests().len();
    assert_ran(&site.once());
    let after_files = site.out();
    let changed = changed_between(&before_files, &after_files);
    let (puts, deletes) = puts_and_deletes(&moto.requests()[before..]);
    assert_eq!(puts, changed);
    assert!(deletes.is_empty(), "{deletes:?}");
    // What a link points at goes up before what links it, so that a publish cut short
    // never leaves a link to an object not there yet: the new page, then the page that
    // gains a `next-archive` link to it, then the current documents, then the pages
    // for people.
    let order = sent(&moto.requests()[before..], "PUT ");
    let step = |path: &String| match path.as_str() {
        p if p.starts_with("archive/2026-W03/") => 0,
        p if p.starts_with("archive/") => 1,
        p if p.ends_with("index.html") || p.ends_with(".opml") => 3,
        _ => 2,
    };
    let steps: Vec<u8> = order.iter().map(step).collect();
    assert!(steps.is_sorted(), "{order:?}");
    assert_eq!(steps.first(), Some(&0), "{order:?}");
    let pages: Vec<&String> = puts.iter().filter(|p| p.starts_with("archive/")).collect();
    // The new page, and the old newest page's Atom and RSS, which now link a newer
    // page (JSON Feed links older pages only: its bytes, and its object, stay).
    assert_eq!(
        pages.len(),
        5,
        "the old newest page and the new one: {pages:?}"
    );
    assert!(
        !puts.iter().any(|p| p.starts_with("archive/2026-W01/")),
        "{puts:?}"
    );
    let objects = moto.objects();
    let cache = |path: &str| objects[&format!("ai/{path}")]["cache_control"].clone();
    assert_eq!(cache("archive/2026-W02/atom.xml"), "public, max-age=604800");
    assert_eq!(cache("archive/2026-W02/feed.json"), "public, max-age=300");
    assert_eq!(cache("archive/2026-W03/atom.xml"), "public, max-age=300");
}

#[ignore = "needs moto_server (pip install 'moto[server]'); .ci/run runs it"]
#[test]
fn every_file_is_uploaded_with_its_headers_and_a_rerun_uploads_nothing() {
    let moto = Moto::start();
    let site = Site::new(&moto.endpoint());
    let run = site.once();
    assert_ran(&run);
    let files = site.out();
    let objects = moto.objects();
    for (path, bytes) in &files {
        let object = &objects[&format!("ai/{path}")];
        assert_eq!(object["md5"], md5(bytes), "{path}: the bytes");
        assert_eq!(object["etag"], md5(bytes), "{path}: the ETag");
        assert_eq!(
            object["content_type"],
            digestfeed::output::publish::content_type(path),
            "{path}"
        );
        // The pages (every index.html) and the list, as `cache_control.index` says.
        let cache = if path.starts_with("index.") || path.ends_with("/index.html") {
            "no-cache"
        } else {
            "public, max-age=300"
        };
        assert_eq!(object["cache_control"], cache, "{path}");
    }
    assert_eq!(
        objects.len(),
        files.len() + 1,
        "the files and the manifest: {:?}",
        objects.keys()
    );
    let before = moto.requests().len();
    let run = site.once();
    assert_ran(&run);
    let again = &moto.requests()[before..];
    assert!(
        again.iter().all(|r| r.starts_with("GET ")),
        "a rerun with nothing new only reads the manifest: {again:?}"
    );
}

#[ignore = "needs moto_server (pip install 'moto[server]'); .ci/run runs it"]
#[test]
fn a_new_digest_uploads_exactly_what_changed_and_a_gone_category_is_deleted() {
    let moto = Moto::start();
    let site = Site::new(&moto.endpoint());
    assert!(site.once().status.success());
    let before_files = site.out();
    // A new digest in a new category, and the "模型" category's only digest gone.
    site.add("2026/01-03.md", "2026-01-03T08:00:00Z", "Robots", 3);
    fs::remove_file(site.dir.path().join("in/2026/01-01.md")).unwrap();
    let before = moto.requests().len();
    let run = site.once();
    assert_ran(&run);
    let after_files = site.out();
    let changed = changed_between(&before_files, &after_files);
    let gone: Vec<String> = before_files
        .keys()
        .filter(|p| !after_files.contains_key(*p))
        .cloned()
        .collect();
    assert!(
        gone.iter().any(|p| p.starts_with("categories/")),
        "{gone:?}"
    );
    let (puts, deletes) = puts_and_deletes(&moto.requests()[before..]);
    assert_eq!(puts, changed);
    assert_eq!(deletes, gone);
    let objects = moto.objects();
    for path in &gone {
        assert!(!objects.contains_key(&format!("ai/{path}")), "{path}");
    }
}

#[ignore = "needs moto_server (pip install 'moto[server]'); .ci/run runs it"]
#[test]
fn objects_the_manifest_never_recorded_are_left_alone() {
    let moto = Moto::start();
    moto.s3(&[
        "put",
        BUCKET,
        "ai/categories/mine/rss.xml",
        "not digestfeed's",
    ]);
    moto.s3(&["put", BUCKET, "ai/notes.txt", "mine"]);
    let site = Site::new(&moto.endpoint());
    assert!(site.once().status.success());
    fs::remove_file(site.dir.path().join("in/2026/01-01.md")).unwrap();
    assert!(site.once().status.success());
    let objects = moto.objects();
    assert!(objects.contains_key("ai/categories/mine/rss.xml"));
    assert!(objects.contains_key("ai/notes.txt"));
}

#[ignore = "needs moto_server (pip install 'moto[server]'); .ci/run runs it"]
#[test]
fn an_object_it_did_not_write_where_a_feed_goes_is_never_overwritten() {
    let moto = Moto::start();
    moto.s3(&["put", BUCKET, "ai/rss.xml", "someone else's"]);
    let site = Site::new(&moto.endpoint());
    let run = site.once();
    assert_eq!(run.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        stderr.contains("s3://feeds/ai/rss.xml: an object digestfeed did not write"),
        "{stderr}"
    );
    // Nothing was written: no manifest, no feed, the object as it was.
    let objects = moto.objects();
    assert_eq!(objects.keys().collect::<Vec<_>>(), ["ai/rss.xml"]);
    assert_eq!(objects["ai/rss.xml"]["md5"], md5(b"someone else's"));
}

#[ignore = "needs moto_server (pip install 'moto[server]'); .ci/run runs it"]
#[test]
fn a_publisher_with_a_stale_view_is_refused_and_changes_nothing() {
    let moto = Moto::start();
    let site = Site::new(&moto.endpoint());
    assert!(site.once().status.success());
    let settings = {
        let raw =
            digestfeed::config::RawConfig::load(&site.dir.path().join("digestfeed.yaml")).unwrap();
        digestfeed::config::Settings::resolve(raw, Default::default()).unwrap()
    };
    let config = settings.publish.clone().unwrap();
    std::env::set_var("AWS_ACCESS_KEY_ID", "test");
    std::env::set_var("AWS_SECRET_ACCESS_KEY", "test");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let bucket = digestfeed::output::publish::bucket::Bucket::new(&config).unwrap();
    let stale = runtime.block_on(bucket.state()).unwrap();
    // Another publisher writes in between.
    site.add("2026/01-03.md", "2026-01-03T08:00:00Z", "Robots", 3);
    assert!(site.once().status.success());
    let objects = moto.objects();
    let before = moto.requests().len();
    let mut files = site.out();
    files.insert("index.html".into(), b"this publisher's own".to_vec());
    let result = runtime.block_on(bucket.publish_from(&files, stale));
    assert!(
        matches!(
            result,
            Err(digestfeed::error::PublishError::Conflict { .. })
        ),
        "{result:?}"
    );
    let (puts, deletes) = puts_and_deletes(&moto.requests()[before..]);
    assert!(
        puts.is_empty() && deletes.is_empty(),
        "{puts:?} {deletes:?}"
    );
    assert_eq!(moto.objects(), objects);
}

#[ignore = "needs moto_server (pip install 'moto[server]'); .ci/run runs it"]
#[test]
fn without_an_output_folder_the_feeds_go_to_the_bucket_only() {
    let moto = Moto::start();
    let site = Site::new(&moto.endpoint());
    site.without_folder();
    let run = site.once();
    assert_ran(&run);
    assert!(!site.dir.path().join("out").exists());
    // The same feeds as a run that writes a folder.
    let local = tempfile::tempdir().unwrap();
    let folder = super::support::run_once(&site.dir.path().join("in"), local.path(), &[]);
    assert!(folder.status.success());
    let mut files = super::support::read_tree(local.path());
    files.retain(|path, _| !path.starts_with('.'));
    let objects = moto.objects();
    assert_eq!(objects.len(), files.len() + 1, "{:?}", objects.keys());
    for (path, bytes) in &files {
        assert_eq!(objects[&format!("ai/{path}")]["md5"], md5(bytes), "{path}");
    }
}

/// Without an output folder, archive pages are not held for the bucket: rendered
/// once for their MD5s, and again as they are uploaded. The bucket gets what a run
/// with a folder writes, a rerun uploads nothing, and a new digest what changed.
#[ignore = "needs moto_server (pip install 'moto[server]'); .ci/run runs it"]
#[test]
fn without_an_output_folder_archive_pages_are_rendered_again_for_the_bucket() {
    let moto = Moto::start();
    let site = Site::with(
        &moto.endpoint(),
        "max_entries: 1\narchives: [global, digests]\n",
        "",
    );
    for (day, id) in [(8, 3), (15, 4), (22, 5)] {
        let date = format!("2026-01-{day:02}T08:00:00Z");
        site.add(&format!("2026/01-{day:02}.md"), &date, "模型", id);
    }
    let text = site.without_folder();
    // What a run with a folder and no bucket writes.
    let local_config = site.dir.path().join("local.yaml");
    let local_text = text.split("publish:").next().unwrap().to_string();
    fs::write(&local_config, local_text).unwrap();
    let local = || {
        let run = Command::new(env!("CARGO_BIN_EXE_digestfeed"))
            .args(["--once", "-q", "--config"])
            .arg(&local_config)
            .output()
            .unwrap();
        assert_ran(&run);
        site.out()
    };
    assert_ran(&site.once());
    assert!(!site.dir.path().join("out").exists());
    let files = local();
    assert!(files.keys().any(|p| p.starts_with("archive/2026-W02/")));
    let objects = moto.objects();
    assert_eq!(objects.len(), files.len() + 1, "{:?}", objects.keys());
    for (path, bytes) in &files {
        assert_eq!(objects[&format!("ai/{path}")]["md5"], md5(bytes), "{path}");
    }
    let before = moto.requests().len();
    assert_ran(&site.once());
    let (puts, _) = puts_and_deletes(&moto.requests()[before..]);
    assert!(puts.is_empty(), "{puts:?}");
    site.add("2026/01-29.md", "2026-01-29T08:00:00Z", "模型", 6);
    let before = moto.requests().len();
    assert_ran(&site.once());
    let after = local();
    let (puts, deletes) = puts_and_deletes(&moto.requests()[before..]);
    assert_eq!(puts, changed_between(&files, &after));
    assert!(deletes.is_empty(), "{deletes:?}");
    let objects = moto.objects();
    for (path, bytes) in &after {
        assert_eq!(objects[&format!("ai/{path}")]["md5"], md5(bytes), "{path}");
    }
}

#[ignore = "needs moto_server (pip install 'moto[server]'); .ci/run runs it"]
#[test]
fn credentials_can_come_from_a_profile_of_the_shared_credentials_file() {
    let moto = Moto::start();
    let site = Site::new(&moto.endpoint());
    let file = site.dir.path().join("credentials");
    fs::write(
        &file,
        "[default]\naws_access_key_id = wrong\n[feeds]\naws_access_key_id = test\naws_secret_access_key = test\n",
    )
    .unwrap();
    let run = site.once_with(&[
        ("AWS_SHARED_CREDENTIALS_FILE", file.to_str().unwrap()),
        ("AWS_PROFILE", "feeds"),
    ]);
    assert_ran(&run);
    assert!(moto.objects().contains_key("ai/atom.xml"));
}

#[test]
fn an_unreachable_store_is_exit_2_naming_the_object() {
    // A port nobody listens on.
    let port = free_port();
    let site = Site::new(&format!("http://127.0.0.1:{port}"));
    let run = site.once();
    assert_eq!(run.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        stderr.contains("s3://feeds/ai/.digestfeed-manifest.json"),
        "{stderr}"
    );
    // The local feeds were written all the same.
    assert!(site.dir.path().join("out/atom.xml").is_file());
}

#[ignore = "needs moto_server (pip install 'moto[server]'); .ci/run runs it"]
#[test]
fn a_publish_cut_short_is_finished_by_the_next_run() {
    let moto = Moto::start();
    let site = Site::new(&moto.endpoint());
    assert!(site.once().status.success());
    // As a run killed after its first manifest and one upload would leave the bucket:
    // the manifest marks what it was about to upload as unknown, and still lists the
    // category feed it was about to delete; of the uploads, one landed.
    let manifest = moto.s3(&["get", BUCKET, "ai/.digestfeed-manifest.json"]);
    let mut intent: serde_json::Value = serde_json::from_str(&manifest).unwrap();
    // A feed the next run does not change: only the mark makes it upload it again.
    let unchanged = "categories/open-source/atom.xml";
    for path in ["atom.xml", "index.html", unchanged] {
        intent["objects"][path]["md5"] = "".into();
    }
    moto.s3(&[
        "put",
        BUCKET,
        "ai/.digestfeed-manifest.json",
        &intent.to_string(),
    ]);
    moto.s3(&["put", BUCKET, &format!("ai/{unchanged}"), "half a publish"]);
    // The digest whose removal the killed run was publishing.
    fs::remove_file(site.dir.path().join("in/2026/01-01.md")).unwrap();
    let run = site.once();
    assert_ran(&run);
    let files = site.out();
    let objects = moto.objects();
    for (path, bytes) in &files {
        assert_eq!(objects[&format!("ai/{path}")]["md5"], md5(bytes), "{path}");
    }
    let manifest: serde_json::Value =
        serde_json::from_str(&moto.s3(&["get", BUCKET, "ai/.digestfeed-manifest.json"])).unwrap();
    assert_eq!(
        manifest["objects"]["atom.xml"]["md5"],
        md5(&files["atom.xml"])
    );
    let stale: Vec<&String> = objects
        .keys()
        .filter(|k| !k.starts_with("ai/.") && !files.contains_key(&k["ai/".len()..]))
        .collect();
    assert!(stale.is_empty(), "left behind: {stale:?}");
    assert!(!manifest["objects"]
        .as_object()
        .unwrap()
        .keys()
        .any(|k| k.starts_with("categories/") && !files.contains_key(k.as_str())));
}

/// A TCP proxy in front of moto that, while armed, holds each object PUT (not the
/// manifest's) until released: a publisher on a slow or stalled link.
struct HoldingProxy {
    port: u16,
    gate: std::sync::Arc<(std::sync::Mutex<bool>, std::sync::Condvar)>,
    held: std::sync::mpsc::Receiver<String>,
}

impl HoldingProxy {
    fn start(upstream: u16) -> HoldingProxy {
        use std::io::{Read, Write};
        use std::sync::{mpsc, Arc, Condvar, Mutex};
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let gate = Arc::new((Mutex::new(true), Condvar::new()));
        let (tell, held) = mpsc::channel();
        let (gate2, tell) = (gate.clone(), Mutex::new(tell));
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(mut client) = client else { return };
                let mut server = TcpStream::connect(("127.0.0.1", upstream)).unwrap();
                let (mut back_from, mut back_to) =
                    (server.try_clone().unwrap(), client.try_clone().unwrap());
                std::thread::spawn(move || std::io::copy(&mut back_from, &mut back_to));
                let (gate, tell) = (gate2.clone(), tell.lock().unwrap().clone());
                std::thread::spawn(move || {
                    let mut buf = vec![0u8; 1 << 16];
                    loop {
                        let n = match client.read(&mut buf) {
                            Ok(0) | Err(_) => break,
                            Ok(n) => n,
                        };
                        let chunk = &buf[..n];
                        let line = String::from_utf8_lossy(&chunk[..n.min(200)]);
                        let line = line.lines().next().unwrap_or("").to_string();
                        if line.starts_with("PUT ") && !line.contains(".digestfeed-manifest") {
                            let (lock, cvar) = &*gate;
                            let mut armed = lock.lock().unwrap();
                            if *armed {
                                let _ = tell.send(line);
                                while *armed {
                                    armed = cvar.wait(armed).unwrap();
                                }
                            }
                        }
                        if server.write_all(chunk).is_err() {
                            break;
                        }
                    }
                    let _ = server.shutdown(std::net::Shutdown::Write);
                });
            }
        });
        HoldingProxy { port, gate, held }
    }

    fn release(&self) {
        let (lock, cvar) = &*self.gate;
        *lock.lock().unwrap() = false;
        cvar.notify_all();
    }
}

/// Publisher A writes its intent and stalls on its first object; B publishes in full;
/// A resumes. Every object write of A is conditional on what the manifest recorded, so
/// A is refused at its first object and takes back what it created: the bucket is B's,
/// and B's next run finds nothing to do.
#[ignore = "needs moto_server (pip install 'moto[server]'); .ci/run runs it"]
#[test]
fn a_stale_publisher_is_refused_at_its_first_object_and_leaves_the_bucket_as_the_newer_one_made_it()
{
    let moto = Moto::start();
    let site = Site::new(&moto.endpoint());
    assert_ran(&site.once());
    // A's output: one more digest, in a new category (objects to create) and in the
    // global and author feeds (objects to update).
    site.add("2026/01-03.md", "2026-01-03T08:00:00Z", "Robots", 3);
    let local = tempfile::tempdir().unwrap();
    let run = super::support::run_once(&site.dir.path().join("in"), local.path(), &[]);
    assert_ran(&run);
    let mut a_files = super::support::read_tree(local.path());
    a_files.retain(|path, _| !path.starts_with('.'));
    let raw =
        digestfeed::config::RawConfig::load(&site.dir.path().join("digestfeed.yaml")).unwrap();
    let settings = digestfeed::config::Settings::resolve(raw, Default::default()).unwrap();
    let mut config = settings.publish.clone().unwrap();
    let proxy = HoldingProxy::start(moto.port);
    config.endpoint = Some(url::Url::parse(&format!("http://127.0.0.1:{}", proxy.port)).unwrap());
    std::env::set_var("AWS_ACCESS_KEY_ID", "test");
    std::env::set_var("AWS_SECRET_ACCESS_KEY", "test");
    let a = std::thread::spawn(move || {
        digestfeed::output::publish::bucket::publish_once(&config, &a_files)
    });
    let first = proxy
        .held
        .recv_timeout(Duration::from_secs(60))
        .expect("publisher A never sent an object");
    // B, meanwhile: the same new digest and one more, published in full.
    site.add("2026/01-04.md", "2026-01-04T08:00:00Z", "Open source", 4);
    assert_ran(&site.once());
    let b_objects = moto.objects();
    proxy.release();
    let result = a.join().unwrap();
    assert!(
        matches!(
            result,
            Err(digestfeed::error::PublishError::Conflict { .. })
        ),
        "A held at {first}: {result:?}"
    );
    assert_eq!(moto.objects(), b_objects, "A changed B's bucket");
    let before = moto.requests().len();
    assert_ran(&site.once());
    let (puts, deletes) = puts_and_deletes(&moto.requests()[before..]);
    assert!(
        puts.is_empty() && deletes.is_empty(),
        "{puts:?} {deletes:?}"
    );
}

/// The bucket's manifest is not trusted whole: an object it lists is deleted or
/// replaced only while it holds what digestfeed wrote there.
#[ignore = "needs moto_server (pip install 'moto[server]'); .ci/run runs it"]
#[test]
fn objects_the_manifest_lists_but_digestfeed_did_not_write_are_left_alone() {
    let moto = Moto::start();
    let site = Site::new(&moto.endpoint());
    assert_ran(&site.once());
    moto.s3(&["put", BUCKET, "ai/notes.txt", "mine"]);
    moto.s3(&["put", BUCKET, "ai/CNAME", "feeds.example.org"]);
    let key = "ai/.digestfeed-manifest.json";
    let mut manifest: serde_json::Value =
        serde_json::from_str(&moto.s3(&["get", BUCKET, key])).unwrap();
    // Planted: an older build's record (no ETag), and one with a made-up ETag.
    manifest["objects"]["notes.txt"] = serde_json::json!({"md5": md5(b"not mine"), "bytes": 8});
    manifest["objects"]["CNAME"] =
        serde_json::json!({"md5": md5(b"x"), "bytes": 1, "e_tag": "\"0123\""});
    moto.s3(&["put", BUCKET, key, &manifest.to_string()]);
    let run = site.once();
    assert_ran(&run);
    let objects = moto.objects();
    assert_eq!(objects["ai/notes.txt"]["md5"], md5(b"mine"));
    assert_eq!(objects["ai/CNAME"]["md5"], md5(b"feeds.example.org"));
    let manifest: serde_json::Value =
        serde_json::from_str(&moto.s3(&["get", BUCKET, key])).unwrap();
    let listed = manifest["objects"].as_object().unwrap();
    assert!(!listed.contains_key("notes.txt") && !listed.contains_key("CNAME"));
    // A feed changed by hand is not overwritten: the publish stops, naming it.
    moto.s3(&["put", BUCKET, "ai/atom.xml", "edited by hand"]);
    site.add("2026/01-03.md", "2026-01-03T08:00:00Z", "Robots", 3);
    let run = site.once();
    assert_eq!(run.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        stderr.contains("s3://feeds/ai/atom.xml: an object digestfeed did not write"),
        "{stderr}"
    );
    assert_eq!(moto.objects()["ai/atom.xml"]["md5"], md5(b"edited by hand"));
}

/// A bucket whose manifest was lost: every publish is refused (its feeds are not known
/// as digestfeed's) until `publish --adopt` takes over those that hold what digestfeed
/// writes; one changed since is named and left as it is.
#[ignore = "needs moto_server (pip install 'moto[server]'); .ci/run runs it"]
#[test]
fn publish_adopt_takes_over_a_bucket_whose_manifest_was_lost() {
    let moto = Moto::start();
    let site = Site::new(&moto.endpoint());
    assert_ran(&site.once());
    moto.s3(&["delete", BUCKET, "ai/.digestfeed-manifest.json"]);
    moto.s3(&["put", BUCKET, "ai/index.html", "edited by hand"]);
    let refused = site.once();
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("publish --adopt"));
    let adopt = |site: &Site| {
        Command::new(env!("CARGO_BIN_EXE_digestfeed"))
            .args(["publish", "--adopt", "--config"])
            .arg(site.dir.path().join("digestfeed.yaml"))
            .env("AWS_ACCESS_KEY_ID", "test")
            .env("AWS_SECRET_ACCESS_KEY", "test")
            .env("AWS_DEFAULT_REGION", "us-east-1")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env_remove("RUST_LOG")
            .output()
            .unwrap()
    };
    let before = moto.requests().len();
    let first = adopt(&site);
    let stderr = String::from_utf8_lossy(&first.stderr);
    assert_eq!(first.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("s3://feeds/ai/index.html") && stderr.contains("not taken over"),
        "{stderr}"
    );
    let (puts, deletes) = puts_and_deletes(&moto.requests()[before..]);
    assert!(
        puts.is_empty() && deletes.is_empty(),
        "{puts:?} {deletes:?}"
    );
    let manifest: serde_json::Value =
        serde_json::from_str(&moto.s3(&["get", BUCKET, "ai/.digestfeed-manifest.json"])).unwrap();
    let files = site.out();
    let recorded = manifest["objects"].as_object().unwrap();
    assert_eq!(recorded.len(), files.len() - 1, "{:?}", recorded.keys());
    assert!(!recorded.contains_key("index.html"));
    // The changed object is still refused; removed, the next publish writes it, and
    // nothing else.
    assert_eq!(site.once().status.code(), Some(2));
    moto.s3(&["delete", BUCKET, "ai/index.html"]);
    let before = moto.requests().len();
    assert_ran(&site.once());
    let (puts, _) = puts_and_deletes(&moto.requests()[before..]);
    assert_eq!(puts, ["index.html"]);
    assert_eq!(adopt(&site).status.code(), Some(0));
}
