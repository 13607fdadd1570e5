//! The real binary in watch mode, driven through every kind of change. After each step
//! the whole output tree must equal a fresh `--once` run on the same folder. Waiting is
//! done on the daemon's own notifications or by polling with a deadline, never by
//! sleeping a fixed time and hoping.

use crate::support::*;
use std::collections::BTreeMap;
use std::fs;
use std::os::unix::net::UnixDatagram;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub(crate) const PATIENCE: Duration = Duration::from_secs(20);

pub(crate) struct Daemon {
    child: Child,
    /// Every notification received so far, drained by a thread so that the daemon
    /// never waits on a full socket.
    notes: Arc<Mutex<Vec<String>>>,
    /// Notifications before this index have been matched already.
    cursor: usize,
    input: PathBuf,
    output: PathBuf,
    config: PathBuf,
    _dir: tempfile::TempDir,
}

impl Daemon {
    /// Starts the daemon on `input` and waits for READY=1.
    pub(crate) fn start(
        input: &Path,
        output: &Path,
        extra_config: &str,
        env: &[(&str, &str)],
    ) -> Daemon {
        Daemon::start_under(&[], input, output, extra_config, env)
    }

    /// [`Daemon::start`], with the binary run by `wrapper` (`setpriv …`, `unshare …`),
    /// which must end by executing its arguments in its own process.
    fn start_under(
        wrapper: &[&str],
        input: &Path,
        output: &Path,
        extra_config: &str,
        env: &[(&str, &str)],
    ) -> Daemon {
        let dir = tempfile::tempdir().unwrap();
        let socket_path = dir.path().join("notify.sock");
        let socket = UnixDatagram::bind(&socket_path).unwrap();
        if !wrapper.is_empty() {
            // Another user must reach the socket and the config.
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o755)).unwrap();
            fs::set_permissions(&socket_path, fs::Permissions::from_mode(0o777)).unwrap();
        }
        let notes = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&notes);
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = socket.recv(&mut buf) {
                sink.lock()
                    .unwrap()
                    .push(String::from_utf8_lossy(&buf[..n]).into_owned());
            }
        });
        let config = dir.path().join("digestfeed.yaml");
        // `extra_config` may set its own base URL.
        let base_url = if extra_config.contains("base_url:") {
            String::new()
        } else {
            format!("base_url: {BASE_URL}\n")
        };
        fs::write(
            &config,
            format!(
                "input_dir: {}\noutput_dir: {}\n{base_url}debounce_ms: 50\n{extra_config}",
                input.display(),
                output.display()
            ),
        )
        .unwrap();
        let binary = env!("CARGO_BIN_EXE_digestfeed");
        let mut command = match wrapper.split_first() {
            Some((program, args)) => {
                let mut c = Command::new(program);
                c.args(args).arg(binary);
                c
            }
            None => Command::new(binary),
        };
        let child = command
            .arg("--config")
            .arg(&config)
            .env("NOTIFY_SOCKET", &socket_path)
            .env("RUST_LOG", "debug")
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(fs::File::create(dir.path().join("stderr.log")).unwrap())
            .spawn()
            .unwrap();
        let mut daemon = Daemon {
            child,
            notes,
            cursor: 0,
            input: input.to_path_buf(),
            output: output.to_path_buf(),
            config,
            _dir: dir,
        };
        daemon.wait_for("READY=1");
        daemon
    }

    /// Waits for a notification containing `what`, after the last one matched; returns it.
    fn wait_for(&mut self, what: &str) -> String {
        let deadline = Instant::now() + PATIENCE;
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!(
                    "the daemon exited early ({status}) waiting for {what:?}:\n{}",
                    self.log()
                );
            }
            let notes = self.notes.lock().unwrap();
            if let Some(i) = notes[self.cursor..].iter().position(|n| n.contains(what)) {
                self.cursor += i + 1;
                return notes[self.cursor - 1].clone();
            }
            drop(notes);
            std::thread::sleep(Duration::from_millis(5));
        }
        panic!(
            "no {what:?} from the daemon within {PATIENCE:?}:\n{}",
            self.log()
        );
    }

    /// Polls until the output equals a fresh `--once` run of the input folder.
    fn settles_like_once(&self, step: &str) {
        self.settles_like_once_with(step, &[]);
    }

    /// [`Daemon::settles_like_once`], `--once` given `args` too.
    pub(crate) fn settles_like_once_with(&self, step: &str, args: &[&str]) {
        let deadline = Instant::now() + PATIENCE;
        let mut last = String::new();
        while Instant::now() < deadline {
            let expected = once_tree(&self.input, args);
            let actual = ours(&self.output);
            if actual == expected {
                assert_valid_tree(&actual);
                return;
            }
            last = describe_difference(&expected, &actual);
            std::thread::sleep(Duration::from_millis(25));
        }
        panic!(
            "{step}: the daemon's output never matched --once: {last}\n{}",
            self.log()
        );
    }

    fn signal(&self, sig: &str) {
        let ok = Command::new("kill")
            .args([sig, &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(ok.success());
    }

    /// Everything the daemon logged so far.
    pub(crate) fn log(&self) -> String {
        fs::read_to_string(self._dir.path().join("stderr.log")).unwrap_or_default()
    }

    fn stop(mut self) -> (ExitStatus, String) {
        self.signal("-TERM");
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return (status, self.log());
            }
            assert!(
                Instant::now() < deadline,
                "the daemon did not stop on SIGTERM:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The output tree without files digestfeed does not write, nor the temporary files
/// of a write in progress.
fn ours(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    if !dir.exists() {
        return BTreeMap::new();
    }
    read_tree(dir)
        .into_iter()
        .filter(|(k, _)| !k.starts_with("foreign") && !k.ends_with(".digestfeed-tmp"))
        .collect()
}

fn once_tree(input: &Path, args: &[&str]) -> BTreeMap<String, Vec<u8>> {
    let out = tempfile::tempdir().unwrap();
    let result = run_once(input, out.path(), &[&["-q"], args].concat());
    assert!(
        result.status.code() == Some(0) || result.status.code() == Some(1),
        "{}",
        stderr(&result)
    );
    read_tree(out.path())
}

fn describe_difference(
    expected: &BTreeMap<String, Vec<u8>>,
    actual: &BTreeMap<String, Vec<u8>>,
) -> String {
    for (k, v) in expected {
        match actual.get(k) {
            None => return format!("{k} missing"),
            Some(a) if a != v => {
                let (e, a) = (String::from_utf8_lossy(v), String::from_utf8_lossy(a));
                let first = e.lines().zip(a.lines()).position(|(x, y)| x != y);
                let line = first.map_or(e.lines().count().min(a.lines().count()), |i| i);
                return format!(
                    "{k} differs at line {}: expected {:?}, written {:?}",
                    line + 1,
                    e.lines().nth(line),
                    a.lines().nth(line)
                );
            }
            _ => {}
        }
    }
    let extra: Vec<&String> = actual
        .keys()
        .filter(|k| !expected.contains_key(*k))
        .collect();
    format!("extra files {extra:?}")
}

/// A scratch folder: `in/a.md` holding one digest, and the path `out`.
fn scratch() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let root = tempfile::tempdir().unwrap();
    let (input, output) = (root.path().join("in"), root.path().join("out"));
    write(
        &input,
        "a.md",
        tweet_digest("2026-01-01T08:00:00Z", 1, "Alpha"),
    );
    (root, input, output)
}

fn tweet_digest(date: &str, n: u64, category: &str) -> String {
    digest(
        date,
        &[category],
        &[
            (
                &format!("Item {n} - Ben Tossell"),
                &format!("https://x.com/bentossell/status/{n}"),
                "one",
            ),
            (
                &format!("Other {n} - Andrew Ng"),
                &format!("https://x.com/AndrewYNg/status/{}", n + 1_000_000),
                "two",
            ),
        ],
    )
}

#[test]
fn follows_every_kind_of_change_and_matches_once_after_each() {
    let root = tempfile::tempdir().unwrap();
    let (input, output) = (root.path().join("in"), root.path().join("out"));
    fs::create_dir_all(&input).unwrap();
    write(
        &input,
        "a.md",
        tweet_digest("2026-01-01T08:00:00Z", 1, "Alpha"),
    );
    write(&output, "foreign.txt", "not ours\n");
    let d = Daemon::start(&input, &output, "", &[]);
    d.settles_like_once("start");

    write(
        &input,
        "b.md",
        tweet_digest("2026-01-02T08:00:00Z", 2, "Beta"),
    );
    d.settles_like_once("create");

    write(
        &input,
        "b.md",
        tweet_digest("2026-01-02T08:00:00Z", 3, "Beta"),
    );
    d.settles_like_once("write in place");

    let mut f = fs::OpenOptions::new()
        .append(true)
        .open(input.join("b.md"))
        .unwrap();
    use std::io::Write;
    writeln!(
        f,
        "3.  [Appended - Demis Hassabis](https://x.com/demishassabis/status/77)\n\n    appended"
    )
    .unwrap();
    drop(f);
    d.settles_like_once("append");

    fs::rename(input.join("b.md"), input.join("renamed.md")).unwrap();
    d.settles_like_once("rename within the folder");

    // An editor's save: write a temp file elsewhere, rename it over the digest.
    write(
        root.path(),
        "tmp/a.md.tmp",
        tweet_digest("2026-01-01T08:00:00Z", 4, "Alpha"),
    );
    fs::rename(root.path().join("tmp/a.md.tmp"), input.join("a.md")).unwrap();
    d.settles_like_once("write-temp-then-rename save");

    // An editor's backup dance inside the folder: a.md -> a.md~, new a.md, remove a.md~.
    fs::rename(input.join("a.md"), input.join("a.md~")).unwrap();
    write(
        &input,
        "a.md",
        tweet_digest("2026-01-01T08:00:00Z", 5, "Alpha"),
    );
    fs::remove_file(input.join("a.md~")).unwrap();
    write(&input, ".a.md.swp", "swap");
    d.settles_like_once("backup-and-replace save");

    fs::rename(input.join("renamed.md"), root.path().join("outside.md")).unwrap();
    d.settles_like_once("rename out");
    fs::rename(root.path().join("outside.md"), input.join("back.md")).unwrap();
    d.settles_like_once("rename back in");

    fs::remove_file(input.join("back.md")).unwrap();
    d.settles_like_once("delete");

    // A folder created after start, with a file written at once.
    fs::create_dir_all(input.join("2026/02/07")).unwrap();
    write(
        &input,
        "2026/02/07/c.md",
        tweet_digest("2026-02-07T08:00:00Z", 6, "Gamma"),
    );
    d.settles_like_once("new sub-folder");

    // A folder renamed with its contents, then a later edit inside it.
    fs::rename(input.join("2026"), input.join("archive")).unwrap();
    d.settles_like_once("folder renamed");
    write(
        &input,
        "archive/02/07/c.md",
        tweet_digest("2026-02-07T08:00:00Z", 7, "Gamma"),
    );
    d.settles_like_once("edit in renamed folder");

    // A burst of hundreds of files.
    for i in 0..300u64 {
        write(
            &input,
            &format!("burst/{i:03}.md"),
            tweet_digest(
                &format!("2026-03-01T{:02}:{:02}:00Z", i / 60, i % 60),
                1000 + i,
                "Burst",
            ),
        );
    }
    d.settles_like_once("burst of 300");

    // A folder moved out with its contents.
    fs::rename(input.join("burst"), root.path().join("burst-gone")).unwrap();
    d.settles_like_once("folder moved out");

    assert_eq!(
        fs::read_to_string(output.join("foreign.txt")).unwrap(),
        "not ours\n"
    );
    let (status, log) = d.stop();
    assert!(status.success(), "{status}\n{log}");
    assert!(!log.contains("panicked"), "{log}");
    assert!(
        !log.contains(".a.md.swp"),
        "editor files are never read: {log}"
    );
}

#[test]
fn a_digest_that_breaks_keeps_its_entries_until_repaired() {
    let (_root, input, output) = scratch();
    write(
        &input,
        "b.md",
        tweet_digest("2026-01-02T08:00:00Z", 2, "Beta"),
    );
    let mut d = Daemon::start(&input, &output, "", &[]);
    d.settles_like_once("start");
    let good = ours(&output);

    // Half-written: cut in the middle of the front matter.
    let text = fs::read(input.join("b.md")).unwrap();
    fs::write(input.join("b.md"), &text[..30]).unwrap();
    d.wait_for("1 invalid");
    assert_eq!(
        ours(&output),
        good,
        "the broken digest's entries stay published"
    );

    // Repaired with new content: the feeds follow.
    write(
        &input,
        "b.md",
        tweet_digest("2026-01-02T08:00:00Z", 3, "Beta"),
    );
    d.wait_for("0 invalid");
    d.settles_like_once("repaired");

    // Broken again, then deleted: its entries go.
    fs::write(input.join("b.md"), "garbage").unwrap();
    d.wait_for("1 invalid");
    fs::remove_file(input.join("b.md")).unwrap();
    d.settles_like_once("deleted while broken");

    let (status, log) = d.stop();
    assert!(status.success());
    let reports = log
        .lines()
        .filter(|l| l.contains("b.md:1:") && l.contains("WARN"))
        .count();
    assert!(reports >= 1, "{log}");
}

#[test]
fn sigterm_during_a_burst_exits_0_with_whole_feeds() {
    let (_root, input, output) = scratch();
    let d = Daemon::start(&input, &output, "", &[]);
    for i in 0..400u64 {
        write(
            &input,
            &format!("{i:03}.md"),
            tweet_digest("2026-01-02T08:00:00Z", 10 + i, "Burst"),
        );
    }
    let (status, log) = d.stop();
    assert!(status.success(), "{status}\n{log}");
    let tree = ours(&output);
    assert_valid_tree(&tree);
}

#[test]
fn sighup_reloads_the_config_and_a_bad_config_is_refused() {
    let root = tempfile::tempdir().unwrap();
    let (input, output) = (root.path().join("in"), root.path().join("out"));
    for i in 0..5u64 {
        write(
            &input,
            &format!("{i}.md"),
            tweet_digest(&format!("2026-01-0{}T08:00:00Z", i + 1), i, "Alpha"),
        );
    }
    let mut d = Daemon::start(&input, &output, "", &[]);
    d.settles_like_once("start");
    assert_eq!(
        parse_feed("rss.xml", &fs::read(output.join("rss.xml")).unwrap())
            .entries
            .len(),
        10
    );

    let config = fs::read_to_string(&d.config).unwrap();
    fs::write(&d.config, format!("{config}max_entries: 3\n")).unwrap();
    d.signal("-HUP");
    d.wait_for("RELOADING=1");
    d.wait_for("READY=1");
    let deadline = Instant::now() + PATIENCE;
    while parse_feed("rss.xml", &fs::read(output.join("rss.xml")).unwrap())
        .entries
        .len()
        != 3
    {
        assert!(Instant::now() < deadline, "max_entries was not applied");
        std::thread::sleep(Duration::from_millis(25));
    }

    // A typo: refused, the running configuration stays, the daemon goes on.
    fs::write(&d.config, format!("{config}max_entires: 1\n")).unwrap();
    d.signal("-HUP");
    d.wait_for("READY=1");
    write(
        &input,
        "9.md",
        tweet_digest("2026-01-09T08:00:00Z", 9, "Alpha"),
    );
    let deadline = Instant::now() + PATIENCE;
    loop {
        let feed = parse_feed("rss.xml", &fs::read(output.join("rss.xml")).unwrap());
        if feed.entries.iter().any(|e| e.id.ends_with("/status/9")) {
            assert_eq!(feed.entries.len(), 3);
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the daemon stopped following changes"
        );
        std::thread::sleep(Duration::from_millis(25));
    }
    let (status, log) = d.stop();
    assert!(status.success());
    assert!(log.contains("unknown key \"max_entires\""), "{log}");
}

#[test]
fn pings_the_watchdog_and_reports_status() {
    let (_root, input, output) = scratch();
    let mut d = Daemon::start(&input, &output, "", &[("WATCHDOG_USEC", "200000")]);
    d.wait_for("WATCHDOG=1");
    d.wait_for("WATCHDOG=1");
    write(
        &input,
        "b.md",
        tweet_digest("2026-01-02T08:00:00Z", 2, "Beta"),
    );
    let status = d.wait_for("STATUS=2 digests");
    assert!(status.contains("4 entries"), "{status}");
    let (exit, _) = d.stop();
    assert!(exit.success());
}

#[test]
fn an_unwritable_output_at_start_exits_2() {
    let root = tempfile::tempdir().unwrap();
    let input = root.path().join("in");
    write(
        &input,
        "a.md",
        tweet_digest("2026-01-01T08:00:00Z", 1, "Alpha"),
    );
    let blocker = root.path().join("file");
    fs::write(&blocker, "x").unwrap();
    let result = digestfeed(&[
        "--input",
        input.to_str().unwrap(),
        "--output",
        blocker.to_str().unwrap(),
        "--base-url",
        BASE_URL,
    ]);
    assert_eq!(result.status.code(), Some(2), "{}", stderr(&result));
}

#[test]
fn lost_events_trigger_a_rescan_that_publishes_everything() {
    let (_root, input, output) = scratch();
    let d = Daemon::start(&input, &output, "", &[]);
    d.settles_like_once("start");
    // Stopped, the daemon reads no events; each new file in a watched folder makes at
    // least three (create, modify, close), enough of them overflow the kernel's queue.
    let queue: u64 = fs::read_to_string("/proc/sys/fs/inotify/max_queued_events")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(16384);
    d.signal("-STOP");
    for i in 0..queue / 3 + 500 {
        write(
            &input,
            &format!("{i:05}.md"),
            tweet_digest("2026-02-01T08:00:00Z", 10 + i, "Many"),
        );
    }
    d.signal("-CONT");
    d.settles_like_once("after the overflow");
    let (status, log) = d.stop();
    assert!(status.success());
    assert!(log.contains("rescan"), "{log}");
}

#[test]
fn an_input_folder_replaced_while_watched_is_watched_again() {
    let (root, input, output) = scratch();
    let d = Daemon::start(&input, &output, "", &[]);
    d.settles_like_once("start");
    // What rsync --delete-after or a careless deploy does: the folder itself is replaced.
    fs::rename(&input, root.path().join("in.old")).unwrap();
    fs::create_dir(&input).unwrap();
    write(
        &input,
        "b.md",
        tweet_digest("2026-01-02T08:00:00Z", 2, "Beta"),
    );
    d.settles_like_once("folder replaced");
    // And the new folder is watched: a later change shows.
    write(
        &input,
        "c.md",
        tweet_digest("2026-01-03T08:00:00Z", 3, "Gamma"),
    );
    d.settles_like_once("change in the new folder");
    let (status, log) = d.stop();
    assert!(status.success(), "{log}");
}

#[test]
fn a_second_writer_of_the_same_output_is_refused() {
    let (_root, input, output) = scratch();
    let d = Daemon::start(&input, &output, "", &[]);
    let result = run_once(&input, &output, &[]);
    assert_eq!(result.status.code(), Some(2));
    assert!(
        stderr(&result).contains("another digestfeed is writing this folder"),
        "{}",
        stderr(&result)
    );
    // Refused before anything is read: the lock is taken first.
    let result = run_once(&input.join("missing"), &output, &[]);
    assert!(
        stderr(&result).contains("another digestfeed is writing this folder"),
        "{}",
        stderr(&result)
    );
    let (status, _) = d.stop();
    assert!(status.success());
    // Once the daemon is gone, the folder is free again.
    assert_eq!(run_once(&input, &output, &[]).status.code(), Some(0));
}

#[test]
fn an_output_folder_removed_while_running_is_written_whole_and_locked_again() {
    let (_root, input, output) = scratch();
    let d = Daemon::start(&input, &output, "", &[]);
    d.settles_like_once("start");
    fs::remove_dir_all(&output).unwrap();
    write(
        &input,
        "b.md",
        tweet_digest("2026-01-02T08:00:00Z", 2, "Beta"),
    );
    // Every feed comes back, not only those the new digest changed.
    d.settles_like_once("output folder removed, then a digest added");
    let result = run_once(&input, &output, &[]);
    assert_eq!(result.status.code(), Some(2), "{}", stderr(&result));
    assert!(
        stderr(&result).contains("another digestfeed is writing this folder"),
        "{}",
        stderr(&result)
    );
    let (status, log) = d.stop();
    assert!(status.success(), "{log}");
}

/// The ids in the global RSS feed.
fn global_ids(output: &Path) -> Vec<String> {
    let bytes = fs::read(output.join("rss.xml")).unwrap_or_default();
    feed_rs::parser::parse(&bytes[..])
        .map(|f| f.entries.into_iter().map(|e| e.id).collect())
        .unwrap_or_default()
}

#[ignore = "needs root and setpriv, to run the binary as nobody; .ci/run runs it"]
#[test]
fn a_sub_folder_that_becomes_unreadable_keeps_its_entries() {
    use std::os::unix::fs::PermissionsExt;
    // Root reads every folder whatever its mode, so the daemon runs as `nobody`.
    assert!(
        can_run_as_nobody(),
        "cannot run as nobody here (needs root and setpriv)"
    );
    let (root, input, output) = scratch();
    write(
        &input,
        "locked/b.md",
        tweet_digest("2026-01-02T08:00:00Z", 2, "Beta"),
    );
    fs::create_dir_all(&output).unwrap();
    for dir in [root.path(), &input, &output] {
        fs::set_permissions(dir, fs::Permissions::from_mode(0o777)).unwrap();
    }
    let mut d = Daemon::start_under(&AS_NOBODY, &input, &output, "", &[]);
    d.settles_like_once("start");
    let locked = input.join("locked");
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o000)).unwrap();
    // A reload rescans the whole folder; then a new digest shows the rescan is done.
    d.signal("-HUP");
    d.wait_for("READY=1");
    write(
        &input,
        "c.md",
        tweet_digest("2026-01-03T08:00:00Z", 3, "Gamma"),
    );
    let deadline = Instant::now() + PATIENCE;
    let new = "https://x.com/bentossell/status/3".to_string();
    while !global_ids(&output).contains(&new) {
        assert!(
            Instant::now() < deadline,
            "c.md never published:\n{}",
            d.log()
        );
        std::thread::sleep(Duration::from_millis(25));
    }
    let kept = "https://x.com/bentossell/status/2".to_string();
    assert!(global_ids(&output).contains(&kept), "{}", d.log());
    assert!(d.log().contains("cannot read the folder"), "{}", d.log());

    // Listable but not searchable: names are seen, files cannot be read, and an event
    // names a file in it. Still not gone.
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o644)).unwrap();
    write(
        &input,
        "locked/d.md",
        tweet_digest("2026-01-04T08:00:00Z", 4, "Delta"),
    );
    d.signal("-HUP");
    d.wait_for("READY=1");
    write(
        &input,
        "e.md",
        tweet_digest("2026-01-05T08:00:00Z", 6, "Epsilon"),
    );
    let new = "https://x.com/bentossell/status/6".to_string();
    while !global_ids(&output).contains(&new) {
        assert!(
            Instant::now() < deadline,
            "e.md never published:\n{}",
            d.log()
        );
        std::thread::sleep(Duration::from_millis(25));
    }
    assert!(global_ids(&output).contains(&kept), "{}", d.log());
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o755)).unwrap();
    let (status, log) = d.stop();
    assert!(status.success(), "{log}");
}

/// Runs a command in the user namespace of process `pid`.
fn in_user_namespace_of(pid: u32, script: &str) -> bool {
    Command::new("nsenter")
        .args(["--user", "--target", &pid.to_string(), "sh", "-c", script])
        .status()
        .is_ok_and(|s| s.success())
}

/// inotify's watch limit is per user namespace (`/proc/sys/user/max_inotify_watches`),
/// so the daemon gets a low limit of its own without touching the machine's.
#[ignore = "needs unprivileged user namespaces (unshare); .ci/run runs it"]
#[test]
fn folders_missed_at_the_watch_limit_are_watched_after_it_is_raised() {
    let limited = "echo 40 > /proc/sys/user/max_inotify_watches && exec \"$0\" \"$@\"";
    let wrapper = ["unshare", "--user", "--map-root-user", "sh", "-c", limited];
    let works = Command::new(wrapper[0])
        .args(&wrapper[1..])
        .arg("true")
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        works,
        "no user namespaces with their own inotify limits here"
    );
    let (_root, input, output) = scratch();
    let folders: Vec<String> = (0..60).map(|i| format!("d{i:02}")).collect();
    for (i, folder) in folders.iter().enumerate() {
        let n = 100 + i as u64;
        write(
            &input,
            &format!("{folder}/a.md"),
            tweet_digest("2026-01-02T08:00:00Z", n, "Beta"),
        );
    }
    let mut d = Daemon::start_under(&wrapper, &input, &output, "", &[]);
    // Up and serving, though not every folder is watched, and it says so.
    assert!(
        d.notes.lock().unwrap()[..d.cursor]
            .iter()
            .any(|n| n.contains("not every folder is watched")),
        "{}",
        d.log()
    );
    d.settles_like_once("start at the watch limit");
    assert!(in_user_namespace_of(
        d.child.id(),
        "echo 100000 > /proc/sys/user/max_inotify_watches"
    ));
    d.signal("-HUP");
    let status = d.wait_for("READY=1");
    assert!(!status.contains("not every folder"), "{status}");
    for (i, folder) in folders.iter().enumerate() {
        let n = 200 + i as u64;
        write(
            &input,
            &format!("{folder}/b.md"),
            tweet_digest("2026-01-03T08:00:00Z", n, "Gamma"),
        );
    }
    d.settles_like_once("a new digest in every folder");
    let (status, log) = d.stop();
    assert!(status.success(), "{log}");
}

#[ignore = "needs root, to mount a small tmpfs; .ci/run runs it"]
#[test]
fn a_full_disk_at_start_is_retried_and_shown_in_the_status() {
    let (root, input, output) = scratch();
    let disk = Tmpfs::mount(&output, "64k").expect("cannot mount a tmpfs here (needs root)");
    let long = "a long summary ".repeat(300);
    for i in 0..8u64 {
        write(
            &input,
            &format!("{i}.md"),
            digest(
                &format!("2026-01-0{}T08:00:00Z", i + 1),
                &["AI"],
                &[(
                    &format!("Item {i} - Ben Tossell"),
                    &format!("https://x.com/bentossell/status/{}", 10 + i),
                    &long,
                )],
            ),
        );
    }
    let mut d = Daemon::start(&input, &output, "", &[]);
    let ready = d.notes.lock().unwrap()[d.cursor - 1].clone();
    assert!(ready.contains("No space left on device"), "{ready}");
    disk.resize("8m");
    d.settles_like_once("room on the disk again");
    d.wait_for("invalid\n");
    let (status, log) = d.stop();
    assert!(status.success(), "{log}");
    drop(disk);
    drop(root);
}

/// With archive pages, whose bytes the daemon lets go once written: a write that
/// fails on a full disk is retried whole, every page streamed again, and the folder
/// ends as `--once` writes it.
#[ignore = "needs root, to mount a small tmpfs; .ci/run runs it"]
#[test]
fn with_archives_a_failed_write_is_retried_whole() {
    let (root, input, output) = scratch();
    let disk = Tmpfs::mount(&output, "8m").expect("cannot mount a tmpfs here (needs root)");
    for week in 1..6u64 {
        write(
            &input,
            &format!("w{week}.md"),
            tweet_digest(
                &format!("2026-02-{:02}T08:00:00Z", week * 4),
                week * 10,
                "AI",
            ),
        );
    }
    let settings = "max_entries: 1\narchives: [global, digests, categories]\n";
    let config = root.path().join("once.yaml");
    fs::write(&config, settings).unwrap();
    let args = ["--config", config.to_str().unwrap()];
    let mut d = Daemon::start(&input, &output, settings, &[]);
    d.settles_like_once_with("start", &args);
    assert!(ours(&output).keys().any(|k| k.starts_with("archive/")));
    // Nothing left on the disk: the next write fails.
    let filler = output.join("foreign-filler");
    let mut file = fs::File::create(&filler).unwrap();
    while std::io::Write::write_all(&mut file, &[0u8; 65536]).is_ok() {}
    drop(file);
    write(
        &input,
        "new.md",
        tweet_digest("2026-03-20T08:00:00Z", 99, "Robots"),
    );
    d.wait_for("No space left on device");
    fs::remove_file(&filler).unwrap();
    d.settles_like_once_with("room on the disk again", &args);
    let (status, log) = d.stop();
    assert!(status.success(), "{log}");
    drop(disk);
    drop(root);
}

#[test]
fn an_item_without_a_good_link_is_left_out_and_the_rest_published() {
    let (_root, input, output) = scratch();
    let mut d = Daemon::start(&input, &output, "", &[]);
    write(
        &input,
        "b.md",
        "---\ndate: 2026-01-02T08:00:00Z\n---\n\n1. [Kept - Ben Tossell](https://x.com/bentossell/status/2)\n2. [Lost](www.example.com/x)\n",
    );
    d.settles_like_once("a digest with a bad item");
    assert!(global_ids(&output).contains(&"https://x.com/bentossell/status/2".to_string()));
    d.wait_for("1 invalid");
    assert!(d.log().contains("b.md:6: item 2"), "{}", d.log());
    let (status, log) = d.stop();
    assert!(status.success(), "{log}");
}

#[test]
fn a_digest_dated_in_the_future_is_published_when_its_date_comes() {
    let (_root, input, output) = scratch();
    let mut d = Daemon::start(&input, &output, "", &[]);
    let soon = chrono::Utc::now() + chrono::Duration::seconds(5);
    let date = soon.format("%Y-%m-%dT%H:%M:%SZ").to_string();
    write(&input, "soon.md", tweet_digest(&date, 5, "Later"));
    d.wait_for("1 held until their date");
    let id = "https://x.com/bentossell/status/5".to_string();
    assert!(!global_ids(&output).contains(&id), "published early");
    // No file event comes at its date: the daemon's own timer publishes it.
    let deadline = Instant::now() + PATIENCE;
    while !global_ids(&output).contains(&id) {
        assert!(Instant::now() < deadline, "never published:\n{}", d.log());
        std::thread::sleep(Duration::from_millis(25));
    }
    let due = chrono::DateTime::parse_from_rfc3339(&date).unwrap();
    assert!(chrono::Utc::now() >= due, "published before its date");
    d.settles_like_once("after its date");
    let (status, log) = d.stop();
    assert!(status.success(), "{log}");
}

/// What the daemon tests give a store on 127.0.0.1 (moto's, or one that hangs).
#[cfg(feature = "publish")]
const STORE_CREDENTIALS: [(&str, &str); 3] = [
    ("AWS_ACCESS_KEY_ID", "test"),
    ("AWS_SECRET_ACCESS_KEY", "test"),
    ("AWS_DEFAULT_REGION", "us-east-1"),
];

/// A digest of one tweet on day `day` of January 2026, the tweet's id `day`.
#[cfg(feature = "publish")]
fn one_tweet(day: u64) -> String {
    let title = format!("Story {day} - Maya Chen");
    let url = format!("https://x.com/mayachen_ai/status/{day}");
    let date = format!("2026-01-{day:02}T08:00:00Z");
    digest(&date, &["AI"], &[(&title, &url, "Summary.")])
}

#[cfg(feature = "publish")]
#[ignore = "needs moto_server (pip install 'moto[server]'); .ci/run runs it"]
#[test]
fn the_daemon_publishes_to_object_storage_and_catches_up_when_the_store_comes_back() {
    use crate::publish::{free_port, md5, Moto};
    Moto::require();
    let dir = tempfile::tempdir().unwrap();
    let (input, output) = (dir.path().join("in"), dir.path().join("out"));
    write(&input, "a.md", one_tweet(1));
    // The store is down when the daemon starts: its feeds are written all the same.
    let port = free_port();
    let config = format!("publish:\n  url: s3://feeds/ai/\n  endpoint: http://127.0.0.1:{port}\n");
    let daemon = Daemon::start(&input, &output, &config, &STORE_CREDENTIALS);
    assert!(output.join("atom.xml").is_file());
    let moto = Moto::start_on(port);
    let published = |needle: &str| {
        let local = fs::read(output.join("atom.xml")).unwrap();
        String::from_utf8_lossy(&local).contains(needle)
            && moto
                .objects()
                .get("ai/atom.xml")
                .is_some_and(|o| o["md5"] == md5(&local))
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    while !published("/status/1<") {
        assert!(
            Instant::now() < deadline,
            "the bucket never caught up:\n{}",
            daemon.log()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    // A new digest reaches the bucket too.
    write(&input, "b.md", one_tweet(2));
    let deadline = Instant::now() + PATIENCE;
    while !published("/status/2<") {
        assert!(
            Instant::now() < deadline,
            "the new digest never reached the bucket:\n{}",
            daemon.log()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// With archive pages, whose bytes the daemon lets go once written, the bucket still
/// gets every file of the output folder, the pages read back from it: at start and
/// after a change that closes a page.
#[cfg(feature = "publish")]
#[ignore = "needs moto_server (pip install 'moto[server]'); .ci/run runs it"]
#[test]
fn with_archives_the_bucket_gets_every_page_read_back_from_the_folder() {
    use crate::publish::{md5, Moto};
    let moto = Moto::start();
    let dir = tempfile::tempdir().unwrap();
    let (input, output) = (dir.path().join("in"), dir.path().join("out"));
    for day in [1, 9, 17] {
        write(&input, &format!("{day}.md"), one_tweet(day));
    }
    let settings = "max_entries: 1\narchives: [global, digests]\n";
    let once_config = dir.path().join("once.yaml");
    fs::write(&once_config, settings).unwrap();
    let args = ["--config", once_config.to_str().unwrap()];
    let config = format!(
        "{settings}publish:\n  url: s3://feeds/ai/\n  endpoint: {}\n",
        moto.endpoint()
    );
    let daemon = Daemon::start(&input, &output, &config, &STORE_CREDENTIALS);
    // The bucket holds the folder, and the folder what --once writes.
    let in_bucket = |local: &BTreeMap<String, Vec<u8>>| {
        let objects = moto.objects();
        let theirs: BTreeMap<&str, &str> = objects
            .iter()
            .filter(|(k, _)| !k.ends_with(".digestfeed-manifest.json"))
            .map(|(k, v)| {
                (
                    k.strip_prefix("ai/").unwrap_or(k),
                    v["md5"].as_str().unwrap_or(""),
                )
            })
            .collect();
        let ours: BTreeMap<&str, String> = local
            .iter()
            .filter(|(k, _)| !k.starts_with(".digestfeed"))
            .map(|(k, b)| (k.as_str(), md5(b)))
            .collect();
        theirs.len() == ours.len() && ours.iter().all(|(k, m)| theirs.get(k) == Some(&m.as_str()))
    };
    let steps = [
        "at start",
        "after a digest that closes a page",
        "after a page gone from both the folder and the bucket",
    ];
    for step in steps {
        if step == steps[1] {
            write(&input, "25.md", one_tweet(25));
        }
        if step == steps[2] {
            // Removed by someone from the folder, lost by the store: the publisher,
            // which does not keep it, has it written again rather than stall.
            let page = "archive/2026-W01/atom.xml";
            fs::remove_file(output.join(page)).unwrap();
            moto.s3(&["delete", "feeds", &format!("ai/{page}")]);
            write(&input, "27.md", one_tweet(27));
        }
        daemon.settles_like_once_with(step, &args);
        let deadline = Instant::now() + PATIENCE;
        loop {
            let local = ours(&output);
            assert!(
                local.keys().any(|k| k.starts_with("archive/")),
                "no archive page: {:?}",
                local.keys()
            );
            if in_bucket(&local) {
                // Pages read back are the ones written: no publish found one changed.
                assert!(
                    step == steps[2] || !daemon.log().contains("no longer holds"),
                    "{step}:\n{}",
                    daemon.log()
                );
                break;
            }
            assert!(
                Instant::now() < deadline,
                "the bucket does not hold the folder {step}:\n{}",
                daemon.log()
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }
    // A page edited by hand: never uploaded, nor written over, and the folder goes on
    // taking changes.
    let page = "archive/2026-W02/atom.xml";
    fs::write(output.join(page), "edited by hand").unwrap();
    moto.s3(&["delete", "feeds", &format!("ai/{page}")]);
    write(&input, "29.md", one_tweet(29));
    let deadline = Instant::now() + PATIENCE;
    while !(daemon.log().contains("move it away")
        && fs::read_to_string(output.join("atom.xml")).is_ok_and(|a| a.contains("/status/29<")))
    {
        assert!(Instant::now() < deadline, "{}", daemon.log());
        std::thread::sleep(Duration::from_millis(200));
    }
    assert!(!moto.objects().contains_key(&format!("ai/{page}")));
    assert_eq!(
        fs::read_to_string(output.join(page)).unwrap(),
        "edited by hand"
    );
    let (status, log) = daemon.stop();
    assert!(status.success(), "{log}");
    assert_eq!(
        log.matches("writing the output folder whole again").count(),
        1,
        "{log}"
    );
}

#[cfg(feature = "publish")]
/// A store that accepts connections and never answers holds an upload for as long as
/// its retries last (a minute). SIGTERM does not wait for it: the daemon says it
/// abandoned the upload and exits 0 at once, well within systemd's stop timeout.
#[test]
fn sigterm_does_not_wait_for_a_store_that_never_answers() {
    let hung = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = hung.local_addr().unwrap().port();
    let (accepted, first) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for conn in hung.incoming() {
            let Ok(conn) = conn else { return };
            held.push(conn);
            let _ = accepted.send(());
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let (input, output) = (dir.path().join("in"), dir.path().join("out"));
    write(
        &input,
        "a.md",
        digest(
            "2026-01-01T08:00:00Z",
            &["AI"],
            &[(
                "Story - Maya Chen",
                "https://x.com/mayachen_ai/status/1",
                "s",
            )],
        ),
    );
    let config = format!("publish:\n  url: s3://feeds/ai/\n  endpoint: http://127.0.0.1:{port}\n");
    let mut daemon = Daemon::start(&input, &output, &config, &STORE_CREDENTIALS);
    first
        .recv_timeout(PATIENCE)
        .expect("the daemon never reached the store");
    daemon.signal("-TERM");
    // Not a measure of speed: the bound is systemd's TimeoutStopSec=30s halved, and
    // an upload that was waited for would hold the process for a minute.
    let deadline = Instant::now() + Duration::from_secs(15);
    let status = loop {
        if let Some(status) = daemon.child.try_wait().unwrap() {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "still running 15 s after SIGTERM:\n{}",
            daemon.log()
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    let log = daemon.log();
    assert!(status.success(), "{log}");
    assert!(log.contains("abandoned"), "{log}");
    let stopped = log.rfind("stopped").unwrap();
    assert!(log.rfind("abandoned").unwrap() < stopped, "{log}");
}
