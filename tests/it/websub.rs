//! WebSub: hubs named in every feed, and told of every feed that changed, once it is
//! on disk. Against a stub hub on 127.0.0.1 that fetches each topic from a static
//! server over the output folder when it is pinged (tests/it/websub_hub.rs).

use super::daemon::{Daemon, PATIENCE};
use super::support::{digest, read_tree, write};
use super::websub_hub::{serve_folder, Answer, Hub};
use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

fn item(id: u64, category: &str) -> String {
    let title = format!("Story {id} - Maya Chen");
    let url = format!("https://x.com/mayachen_ai/status/{id}");
    let date = format!("2026-01-{id:02}T08:00:00Z");
    digest(&date, &[category], &[(&title, &url, "Summary.")])
}

fn config(dir: &Path, base_url: &str, hubs: &[&Hub]) -> std::path::PathBuf {
    let hubs: Vec<String> = hubs.iter().map(|h| format!("    - {}\n", h.url)).collect();
    let path = dir.join("digestfeed.yaml");
    fs::write(
        &path,
        format!(
            "input_dir: in\noutput_dir: out\nbase_url: {base_url}\nwebsub:\n  hubs:\n{}",
            hubs.concat()
        ),
    )
    .unwrap();
    path
}

fn once(config: &Path, extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_digestfeed"))
        .args(["--once", "--config"])
        .arg(config)
        .args(extra)
        .env_remove("RUST_LOG")
        .output()
        .unwrap()
}

/// The feed files (as topic URLs) whose bytes differ between two output trees.
fn changed_topics(
    base_url: &str,
    before: &BTreeMap<String, Vec<u8>>,
    after: &BTreeMap<String, Vec<u8>>,
) -> Vec<String> {
    let base = url::Url::parse(base_url).unwrap();
    let mut topics: Vec<String> = after
        .iter()
        .filter(|(p, b)| {
            (p.ends_with("rss.xml") || p.ends_with("atom.xml") || p.ends_with("feed.json"))
                && before.get(*p) != Some(*b)
        })
        .map(|(p, _)| base.join(p).unwrap().to_string())
        .collect();
    topics.sort();
    topics
}

#[test]
fn once_tells_every_hub_of_the_changed_feeds_and_the_feeds_name_the_hubs() {
    let dir = tempfile::tempdir().unwrap();
    let base = serve_folder(dir.path().join("out"));
    let (a, b) = (Hub::start(Answer::Accept), Hub::start(Answer::Accept));
    let config = config(dir.path(), &base, &[&a, &b]);
    write(&dir.path().join("in"), "1.md", item(1, "AI"));
    let run = once(&config, &[]);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let tree = read_tree(&dir.path().join("out"));
    let all = changed_topics(&base, &BTreeMap::new(), &tree);
    for hub in [&a, &b] {
        let pings = hub.pings();
        assert_eq!(pings.len(), 1, "one POST per hub");
        assert_eq!(pings[0].mode, "publish");
        assert_eq!(pings[0].topics, all);
        assert_eq!(pings[0].urls, all);
        // Told after the feeds were written: the hub fetched the new entry.
        let global = base.clone() + "atom.xml";
        assert!(
            pings[0].fetched[&global].contains("/status/1<"),
            "{:?}",
            pings[0].fetched[&global]
        );
    }
    // Every feed names the hubs.
    let atom = feed_rs::parser::parse(&tree["atom.xml"][..]).unwrap();
    let hubs: Vec<&str> = atom
        .links
        .iter()
        .filter(|l| l.rel.as_deref() == Some("hub"))
        .map(|l| l.href.as_str())
        .collect();
    assert_eq!(hubs, [a.url.as_str(), b.url.as_str()]);
    let rss = roxmltree::Document::parse(std::str::from_utf8(&tree["rss.xml"]).unwrap()).unwrap();
    let rss_hubs: Vec<&str> = rss
        .descendants()
        .filter(|n| n.tag_name().name() == "link" && n.attribute("rel") == Some("hub"))
        .filter_map(|n| n.attribute("href"))
        .collect();
    assert_eq!(rss_hubs, hubs);
    let json: serde_json::Value = serde_json::from_slice(&tree["feed.json"]).unwrap();
    assert_eq!(json["hubs"][0]["type"], "WebSub");
    assert_eq!(json["hubs"][1]["url"], b.url.as_str());

    // Nothing new: nobody is told.
    assert!(once(&config, &[]).status.success());
    assert_eq!(a.pings().len(), 1);
    // A change, with --no-ping: nobody is told either.
    write(&dir.path().join("in"), "2.md", item(2, "AI"));
    assert!(once(&config, &["--no-ping"]).status.success());
    assert_eq!(a.pings().len(), 1);
}

#[test]
fn once_exits_0_when_a_hub_fails_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let base = serve_folder(dir.path().join("out"));
    let failing = Hub::start(Answer::Fail);
    let config = config(dir.path(), &base, &[&failing]);
    write(&dir.path().join("in"), "1.md", item(1, "AI"));
    let run = once(&config, &[]);
    assert_eq!(run.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        stderr.contains("500") && stderr.contains(&failing.url),
        "{stderr}"
    );
    assert!(dir.path().join("out/atom.xml").is_file());
    // Retried a few times, a server error being worth another try.
    assert!(failing.pings().len() >= 2, "{}", failing.pings().len());
}

#[test]
fn the_daemon_tells_the_hubs_once_a_change_is_on_disk_and_a_hung_hub_delays_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (input, output) = (dir.path().join("in"), dir.path().join("out"));
    let base = serve_folder(output.clone());
    let good = Hub::start(Answer::Accept);
    let hung = Hub::start(Answer::Hang);
    write(&input, "1.md", item(1, "AI"));
    let extra = format!(
        "base_url: {base}\nwebsub:\n  hubs:\n    - {}\n    - {}\n",
        hung.url, good.url
    );
    let daemon = Daemon::start(&input, &output, &extra, &[]);
    // The first write is announced whole.
    let first = good.wait_for(1, PATIENCE);
    assert_eq!(first.len(), 1, "{}", daemon.log());
    // A digest renamed in: one POST per hub, for exactly the feeds that changed, and
    // the feed the hub fetches already holds the new entry.
    let before = read_tree(&output);
    fs::write(dir.path().join("2.tmp"), item(2, "Robots")).unwrap();
    let renamed = Instant::now();
    fs::rename(dir.path().join("2.tmp"), input.join("2.md")).unwrap();
    let pings = good.wait_for(2, PATIENCE);
    assert_eq!(pings.len(), 2, "{}", daemon.log());
    let after = read_tree(&output);
    assert_eq!(pings[1].topics, changed_topics(&base, &before, &after));
    let global = base.clone() + "atom.xml";
    assert!(pings[1].fetched[&global].contains("/status/2<"));
    eprintln!(
        "rename to ping: {:.0} ms (debounce 50 ms)",
        pings[1].at.duration_since(renamed).as_secs_f64() * 1000.0
    );
    // The same bytes written again change no feed and tell nobody: the next ping is
    // the next real change's alone.
    fs::write(input.join("1.md"), item(1, "AI")).unwrap();
    let before = read_tree(&output);
    write(&input, "3.md", item(3, "AI"));
    let pings = good.wait_for(3, PATIENCE);
    assert_eq!(pings.len(), 3, "{}", daemon.log());
    let deadline = Instant::now() + PATIENCE;
    let mut after = read_tree(&output);
    while changed_topics(&base, &before, &after) != pings[2].topics && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
        after = read_tree(&output);
    }
    assert_eq!(pings[2].topics, changed_topics(&base, &before, &after));
    // The hung hub got its first ping and holds it (its later ones wait behind it); it
    // delayed none of the above.
    assert!(!hung.pings().is_empty());
}

#[ignore = "needs moto_server (pip install 'moto[server]'); .ci/run runs it"]
#[test]
fn when_publishing_to_a_bucket_the_hubs_hear_of_what_was_uploaded() {
    use super::publish::{free_port, Moto};
    Moto::require();
    let moto = Moto::start_on(free_port());
    let dir = tempfile::tempdir().unwrap();
    let hub = Hub::start(Answer::Accept);
    let base = "https://feeds.example.org/ai/";
    let path = config(dir.path(), base, &[&hub]);
    let text = fs::read_to_string(&path).unwrap();
    fs::write(
        &path,
        format!(
            "{text}publish:\n  url: s3://feeds/ai/\n  endpoint: http://127.0.0.1:{}\n",
            moto.endpoint().rsplit(':').next().unwrap()
        ),
    )
    .unwrap();
    write(&dir.path().join("in"), "1.md", item(1, "AI"));
    let run = Command::new(env!("CARGO_BIN_EXE_digestfeed"))
        .args(["--once", "--config"])
        .arg(&path)
        .env_remove("RUST_LOG")
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let uploaded: BTreeMap<String, Vec<u8>> = moto
        .objects()
        .keys()
        .filter_map(|k| k.strip_prefix("ai/"))
        .filter(|k| !k.starts_with('.'))
        .map(|k| (k.to_string(), Vec::new()))
        .collect();
    let pings = hub.pings();
    assert_eq!(pings.len(), 1);
    assert_eq!(
        pings[0].topics,
        changed_topics(base, &BTreeMap::new(), &uploaded)
    );
}
