//! The feed of whole digests (`digests/`), run through the real binary and read back
//! with feed-rs and serde_json.

use crate::support::*;
use feed_rs::model::Feed;
use std::fs;
use std::path::Path;

const MORNING: &str = "---
title: \"Morning digest\"
date: 2026-01-01T08:00:00+08:00
lastmod: 2026-01-01T10:30:00+08:00
categories: [\"AI\", \"Robots\"]
---

Today's **top** stories, in [our words](https://example.org/about).

1.  [A model tops the charts-Maya Chen](https://x.com/maya/status/101?s=20)
    It beats the **closed** models.

2.  [The same tweet again](https://twitter.com/maya/status/101)

3.  [Chips get cheaper - Helen](https://x.com/helen/status/102)

    Prices fall; efficiency <script>alert(1)</script> wins.
";

const EVENING: &str = "---
date: 2026-01-01T20:00:00+08:00
slug: \"Evening Edition\"
categories: AI
---

- [Open weights, again](https://x.com/nova/status/103)
  A bulleted digest reads like a numbered one.
";

fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

fn digests_atom(out: &Path) -> Feed {
    parse_feed(
        "digests/atom.xml",
        &fs::read(out.join("digests/atom.xml")).unwrap(),
    )
}

/// The input folder of these tests, and a config with `post_url`.
fn fixture(template: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let input = tempfile::tempdir().unwrap();
    write(input.path(), "2026/morning.md", MORNING);
    write(input.path(), "2026/evening.md", EVENING);
    write(
        input.path(),
        "draft.md",
        "---\ndate: 2026-01-03\ndraft: true\n---\n1. [x](https://x.com/a/status/9)\n",
    );
    write(
        input.path(),
        "later.md",
        "---\ndate: 2999-01-01\n---\n1. [x](https://x.com/a/status/8)\n",
    );
    let config = input.path().join("config.yaml");
    fs::write(&config, format!("post_url: \"{template}\"\n")).unwrap();
    (input, config)
}

#[test]
fn every_published_digest_is_one_entry_with_its_page_dates_and_whole_text() {
    let (input, config) = fixture("https://site.example.org/{year}/{month}/{slug}/");
    let out = tempfile::tempdir().unwrap();
    let run = run_once(
        input.path(),
        out.path(),
        &["--config", config.to_str().unwrap()],
    );
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let feed = digests_atom(out.path());
    // Newest first; the draft and the digest dated in the future are not in it.
    let ids: Vec<&str> = feed.entries.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "https://site.example.org/2026/01/evening-edition/",
            "https://site.example.org/2026/01/morning/",
        ]
    );
    let evening = &feed.entries[0];
    // No title in its front matter: the file's name, as Hugo shows it.
    assert_eq!(evening.title.as_ref().unwrap().content, "evening");
    assert_eq!(evening.links[0].href, ids[0]);
    let morning = &feed.entries[1];
    assert_eq!(morning.title.as_ref().unwrap().content, "Morning digest");
    assert_eq!(
        morning.published.unwrap().to_rfc3339(),
        "2026-01-01T00:00:00+00:00"
    );
    assert_eq!(
        morning.updated.unwrap().to_rfc3339(),
        "2026-01-01T02:30:00+00:00"
    );
    let terms: Vec<&str> = morning.categories.iter().map(|c| c.term.as_str()).collect();
    assert_eq!(terms, ["AI", "Robots"]);
    assert_eq!(
        morning.authors[0].name.as_deref(),
        Some("AI digest"),
        "credited to the site"
    );
    let html = &morning.content.as_ref().unwrap().body.as_ref().unwrap();
    // The intro, then each tweet once, linked where the entry feeds link it, with its
    // summary, sanitised as the entry feeds' are.
    assert!(
        html.contains("Today's <strong>top</strong> stories"),
        "{html}"
    );
    assert_eq!(
        html.matches("https://x.com/maya/status/101").count(),
        1,
        "{html}"
    );
    assert!(
        html.contains(">A model tops the charts-Maya Chen</a>"),
        "{html}"
    );
    assert!(
        html.contains("It beats the <strong>closed</strong> models."),
        "{html}"
    );
    assert!(html.contains("https://x.com/helen/status/102"), "{html}");
    assert!(
        !html.contains("<script") && !html.contains("alert(1)"),
        "{html}"
    );
    assert!(
        html.find("Today's") < html.find("A model tops"),
        "intro first"
    );
    // The feed's date is the latest change of any entry.
    assert_eq!(
        feed.updated.unwrap().to_rfc3339(),
        "2026-01-01T12:00:00+00:00"
    );

    // JSON Feed: the same entries, `lastmod` as date_modified.
    let json: serde_json::Value =
        serde_json::from_slice(&fs::read(out.path().join("digests/feed.json")).unwrap()).unwrap();
    let items = json["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[1]["id"], ids[1]);
    assert_eq!(items[1]["date_modified"], "2026-01-01T10:30:00+08:00");
    assert_eq!(items[0]["date_modified"], items[0]["date_published"]);
    // RSS: the page is the guid, a permalink.
    let rss = parse_feed(
        "digests/rss.xml",
        &fs::read(out.path().join("digests/rss.xml")).unwrap(),
    );
    let rss_ids: Vec<&str> = rss.entries.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(rss_ids, ids);
}

#[test]
fn an_edited_digest_keeps_its_id_and_shows_its_new_text() {
    let (input, config) = fixture("https://site.example.org/p/{path}/");
    let out = tempfile::tempdir().unwrap();
    let config = config.to_str().unwrap();
    assert!(run_once(input.path(), out.path(), &["--config", config])
        .status
        .success());
    let before = digests_atom(out.path());
    write(
        input.path(),
        "2026/morning.md",
        &MORNING.replace("It beats the", "Now it beats the"),
    );
    assert!(run_once(input.path(), out.path(), &["--config", config])
        .status
        .success());
    let after = digests_atom(out.path());
    let id = |f: &Feed| -> Vec<String> { f.entries.iter().map(|e| e.id.clone()).collect() };
    assert_eq!(id(&before), id(&after));
    assert_eq!(id(&after)[1], "https://site.example.org/p/2026/morning/");
    let content = |f: &Feed| f.entries[1].content.as_ref().unwrap().body.clone().unwrap();
    assert!(content(&after).contains("Now it beats the"));
    assert!(!content(&before).contains("Now it beats the"));
}

#[test]
fn without_post_url_a_digest_links_to_hugos_posts_section() {
    let input = tempfile::tempdir().unwrap();
    write(input.path(), "2026/morning.md", MORNING);
    let out = tempfile::tempdir().unwrap();
    assert!(run_once(input.path(), out.path(), &[]).status.success());
    let feed = digests_atom(out.path());
    // site.link defaults to base_url.
    assert_eq!(feed.entries[0].id, format!("{BASE_URL}posts/2026/morning/"));
}

#[test]
fn a_post_url_naming_an_unknown_field_is_a_config_error_naming_it() {
    let (input, config) = fixture("https://site.example.org/{name}/");
    let out = tempfile::tempdir().unwrap();
    let run = run_once(
        input.path(),
        out.path(),
        &["--config", config.to_str().unwrap()],
    );
    assert_eq!(run.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        stderr.contains("config.yaml:1") && stderr.contains("{name}"),
        "{stderr}"
    );
    assert!(!out.path().join("digests").exists());
}
