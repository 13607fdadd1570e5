//! The example digests, run through the real binary and read back with feed-rs.

use crate::support::*;
use feed_rs::model::Feed;
use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

fn examples() -> BTreeMap<String, Vec<u8>> {
    run_examples()
}

fn feed(tree: &BTreeMap<String, Vec<u8>>, name: &str) -> Feed {
    parse_feed(
        name,
        tree.get(name).unwrap_or_else(|| panic!("{name} missing")),
    )
}

fn ids(feed: &Feed) -> Vec<&str> {
    feed.entries.iter().map(|e| e.id.as_str()).collect()
}

fn title(feed: &Feed, id: &str) -> String {
    let entry = feed
        .entries
        .iter()
        .find(|e| e.id == id)
        .unwrap_or_else(|| panic!("{id} missing"));
    entry.title.as_ref().unwrap().content.clone()
}

const BASE: &str = "https://feeds.example.org/ai-digest/";

#[test]
fn every_output_file_is_valid_and_formats_agree() {
    let tree = examples();
    assert_valid_tree(&tree);
    for required in [
        "rss.xml",
        "atom.xml",
        "feed.json",
        "index.opml",
        "index.html",
    ] {
        assert!(tree.contains_key(required), "{required}");
    }
}

#[test]
fn global_feed_holds_each_tweet_once_newest_first() {
    let tree = examples();
    let atom = feed(&tree, "atom.xml");
    // 28 list items in the published digests, 7 of them repeats of earlier tweets.
    assert_eq!(atom.entries.len(), 21);
    let dates: Vec<_> = atom.entries.iter().map(|e| e.published.unwrap()).collect();
    assert!(
        dates.windows(2).all(|w| w[0] >= w[1]),
        "not newest first: {dates:?}"
    );
    let all = ids(&atom);
    let unique: BTreeSet<_> = all.iter().collect();
    assert_eq!(unique.len(), all.len());
    // Repeats under other spellings (twitter.com, mobile., ?s=20, /photo/1, #reply,
    // upper-case handle) are one entry under the earliest digest's handle.
    for id in [
        "https://x.com/mayachen_ai/status/2010000000000000101",
        "https://x.com/HelenOsei/status/2010000000000000103",
        "https://x.com/brook42/status/2010000000000000201",
        "https://x.com/mayachen_ai/status/2010000000000000105",
        "https://x.com/NovaLindqvist/status/2010000000000000104",
    ] {
        assert_eq!(all.iter().filter(|i| **i == id).count(), 1, "{id}");
    }
    // A draft is never published.
    assert!(!all.iter().any(|i| i.ends_with("2010000000000000601")));
}

#[test]
fn earliest_digest_supplies_title_author_and_date_and_categories_are_united() {
    let tree = examples();
    let atom = feed(&tree, "atom.xml");
    let id = "https://x.com/mayachen_ai/status/2010000000000000101";
    let entry = atom.entries.iter().find(|e| e.id == id).unwrap();
    assert_eq!(
        entry.title.as_ref().unwrap().content,
        "开源代码模型在基准测试中超越闭源对手"
    );
    assert_eq!(entry.authors[0].name.as_deref(), Some("Maya Chen"));
    assert_eq!(
        entry.authors[0].uri.as_deref(),
        Some("https://x.com/mayachen_ai")
    );
    assert_eq!(
        entry.published.unwrap().to_rfc3339(),
        "2026-01-10T00:00:05+00:00"
    );
    assert_eq!(entry.updated, entry.published);
    let cats: BTreeSet<_> = entry.categories.iter().map(|c| c.term.as_str()).collect();
    assert_eq!(
        cats,
        BTreeSet::from(["大模型", "Open Source", "开发工具", "AI新闻"])
    );
    // Item k of a digest is published k-1 seconds before the digest's date.
    let second = atom
        .entries
        .iter()
        .find(|e| e.id == "https://x.com/truiz/status/2010000000000000102")
        .unwrap();
    assert_eq!(
        second.published.unwrap().to_rfc3339(),
        "2026-01-10T00:00:04+00:00"
    );
}

#[test]
fn titles_lose_their_author_only_with_evidence() {
    let tree = examples();
    let rss = feed(&tree, "rss.xml");
    let cases = [
        // " - Name" and "-Name", names with spaces, commas, emoji, CJK.
        (
            "https://x.com/truiz/status/2010000000000000102",
            "Why evaluation sets leak into pretraining data",
        ),
        (
            "https://x.com/HelenOsei/status/2010000000000000103",
            "推理芯片价格战开始",
        ),
        (
            "https://x.com/NovaLindqvist/status/2010000000000000104",
            "Robotics datasets pass 10M downloads",
        ),
        (
            "https://x.com/brook42/status/2010000000000000202",
            "小模型蒸馏的三个经验",
        ),
        (
            "https://x.com/truiz/status/2010000000000000204",
            "GPT-5.2-Codex 接入 IDE 插件并加强安全审查",
        ),
        (
            "https://x.com/mayachen_ai/status/2010000000000000801",
            "OpenCoder-2 发布 GPT-4-级别 代码补全",
        ),
        // A digest without authors keeps hyphenated titles whole.
        (
            "https://x.com/truiz/status/2010000000000000301",
            "Mamba-SSM 风格模型在语音任务上的进展",
        ),
        (
            "https://x.com/i/web/status/2010000000000000302",
            "DeepSeek-V4-Lite 正式开源",
        ),
        (
            "https://x.com/NovaLindqvist/status/2010000000000000303",
            "Boston-Dynamics 风格的人形机器人进入工厂",
        ),
        // A link that is not a tweet loses a name known as an author's.
        (
            "https://example.org/reading-list?src=digest",
            "A reading list on retrieval",
        ),
    ];
    for (id, expected) in cases {
        assert_eq!(title(&rss, id), expected, "{id}");
    }
}

#[test]
fn authors_are_credited_in_every_format() {
    let tree = examples();
    let rss = feed(&tree, "rss.xml");
    let json = feed(&tree, "feed.json");
    for f in [&rss, &json] {
        let by_id = |id: &str| -> String {
            f.entries.iter().find(|e| e.id == id).unwrap().authors[0]
                .name
                .clone()
                .unwrap_or_default()
        };
        // The configured name wins over the name in the titles.
        assert_eq!(
            by_id("https://x.com/HelenOsei/status/2010000000000000103"),
            "Dr. Helen Osei"
        );
        assert_eq!(
            by_id("https://x.com/brook42/status/2010000000000000201"),
            "山间小溪"
        );
        // No author of its own: credited to the site.
        assert_eq!(
            by_id("https://example.org/reading-list?src=digest"),
            "AI Digest editors"
        );
        assert_eq!(
            by_id("https://x.com/i/web/status/2010000000000000302"),
            "AI Digest editors"
        );
        assert!(f.entries.iter().all(|e| !e.authors.is_empty()));
    }
    let atom = feed(&tree, "atom.xml");
    assert_eq!(
        atom.authors[0].name.as_deref(),
        Some("AI Digest editors"),
        "Atom feed-level author"
    );
}

#[test]
fn every_feed_carries_its_absolute_self_url() {
    let tree = examples();
    for name in tree
        .keys()
        .filter(|n| n.ends_with("rss.xml") || n.ends_with("atom.xml"))
    {
        let f = feed(&tree, name);
        let self_link = f.links.iter().find(|l| l.rel.as_deref() == Some("self"));
        let expected = url::Url::parse(BASE)
            .unwrap()
            .join(name)
            .unwrap()
            .to_string();
        assert_eq!(
            self_link.map(|l| l.href.as_str()),
            Some(expected.as_str()),
            "{name}"
        );
    }
    for name in tree.keys().filter(|n| n.ends_with("feed.json")) {
        let json: serde_json::Value = serde_json::from_slice(&tree[name]).unwrap();
        let expected = url::Url::parse(BASE)
            .unwrap()
            .join(name)
            .unwrap()
            .to_string();
        assert_eq!(json["feed_url"], expected.as_str(), "{name}");
        assert_eq!(json["version"], "https://jsonfeed.org/version/1.1");
    }
}

#[test]
fn category_and_author_feeds_hold_only_their_entries() {
    let tree = examples();
    let categories: Vec<&String> = tree
        .keys()
        .filter(|n| n.starts_with("categories/") && n.ends_with("atom.xml"))
        .collect();
    assert_eq!(categories.len(), 8);
    for name in categories {
        let f = feed(&tree, name);
        let title = f.title.as_ref().unwrap().content.clone();
        let category = title.split(" — ").next().unwrap().to_string();
        assert!(!f.entries.is_empty());
        for e in &f.entries {
            assert!(
                e.categories.iter().any(|c| c.term == category),
                "{name}: {} lacks {category}",
                e.id
            );
        }
    }
    let cat = feed(&tree, "categories/大模型/atom.xml");
    assert_eq!(
        cat.title.unwrap().content,
        "大模型 — AI Digest",
        "category name verbatim"
    );

    let authors: Vec<&String> = tree
        .keys()
        .filter(|n| n.starts_with("authors/") && n.ends_with("atom.xml"))
        .collect();
    assert_eq!(authors.len(), 6);
    for name in authors {
        let handle = name.split('/').nth(1).unwrap();
        let f = feed(&tree, name);
        assert!(f
            .title
            .as_ref()
            .unwrap()
            .content
            .to_lowercase()
            .contains(&format!("(@{handle})")));
        for e in &f.entries {
            let uri = e.authors[0].uri.as_deref().unwrap().to_lowercase();
            assert_eq!(uri, format!("https://x.com/{handle}"), "{name}: {}", e.id);
        }
    }
    let maya = feed(&tree, "authors/mayachen_ai/rss.xml");
    assert_eq!(
        maya.title.unwrap().content,
        "Maya Chen (@mayachen_ai) — AI Digest"
    );
    assert_eq!(maya.entries.len(), 4);
}

#[test]
fn summaries_are_sanitised_html_with_formatting_kept() {
    let tree = examples();
    let json: serde_json::Value = serde_json::from_slice(&tree["feed.json"]).unwrap();
    let items = json["items"].as_array().unwrap();
    let html = |id: &str| -> String {
        items.iter().find(|i| i["id"] == id).unwrap()["content_html"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let scaling = html("https://x.com/truiz/status/2010000000000000702");
    assert!(
        !scaling.contains("<script") && !scaling.contains("never published"),
        "{scaling}"
    );
    let first = html("https://x.com/mayachen_ai/status/2010000000000000101");
    assert!(first.contains("<strong>完全开源</strong>"), "{first}");
    assert!(first.contains("<code>train.py</code>"), "{first}");
    assert!(
        first.contains("<a href=\"https://example.org/open-coder\""),
        "{first}"
    );
    // The Atom content is the same HTML.
    let atom = feed(&tree, "atom.xml");
    let entry = atom
        .entries
        .iter()
        .find(|e| e.id == "https://x.com/mayachen_ai/status/2010000000000000101")
        .unwrap();
    assert_eq!(
        entry.content.as_ref().unwrap().body.as_deref(),
        Some(first.as_str())
    );
}

#[test]
fn opml_lists_every_feed_once_and_html_links_them() {
    let tree = examples();
    let rss_feeds: BTreeSet<String> = tree
        .keys()
        .filter(|n| n.ends_with("rss.xml"))
        .map(|n| url::Url::parse(BASE).unwrap().join(n).unwrap().to_string())
        .collect();
    let opml = String::from_utf8(tree["index.opml"].clone()).unwrap();
    let doc = roxmltree::Document::parse(&opml).unwrap();
    let listed: Vec<String> = doc
        .descendants()
        .filter_map(|n| n.attribute("xmlUrl"))
        .map(str::to_string)
        .collect();
    assert_eq!(listed.len(), rss_feeds.len());
    assert_eq!(listed.into_iter().collect::<BTreeSet<_>>(), rss_feeds);

    let html = String::from_utf8(tree["index.html"].clone()).unwrap();
    assert!(html.contains(&format!("<link rel=\"alternate\" type=\"application/atom+xml\" title=\"AI Digest (Atom)\" href=\"{BASE}atom.xml\">")));
    for url in &rss_feeds {
        assert!(html.contains(&format!("href=\"{url}\"")), "{url}");
    }
}

#[test]
fn max_entries_caps_every_feed() {
    let out = tempfile::tempdir().unwrap();
    let result = run_once(&repo().join("examples/digests"), out.path(), &["-q"]);
    assert!(result.status.success());
    let tree = read_tree(out.path());
    // Without a config, the default of 50 holds all 21.
    assert_eq!(parse_feed("rss.xml", &tree["rss.xml"]).entries.len(), 21);

    let config = out.path().join("small.yaml");
    std::fs::write(&config, "max_entries: 3\n").unwrap();
    let small = tempfile::tempdir().unwrap();
    let result = digestfeed(&[
        "--once",
        "--config",
        config.to_str().unwrap(),
        "--input",
        repo().join("examples/digests").to_str().unwrap(),
        "--output",
        small.path().to_str().unwrap(),
        "--base-url",
        BASE_URL,
    ]);
    assert!(result.status.success(), "{}", stderr(&result));
    let tree = read_tree(small.path());
    let full = parse_feed("rss.xml", &read_tree(out.path())["rss.xml"]);
    for name in tree
        .keys()
        .filter(|n| n.ends_with(".xml") && !n.ends_with("opml"))
    {
        assert!(parse_feed(name, &tree[name]).entries.len() <= 3, "{name}");
    }
    let capped = parse_feed("rss.xml", &tree["rss.xml"]);
    assert_eq!(ids(&capped), ids(&full)[..3].to_vec(), "the newest three");
}

#[test]
fn output_paths_stay_inside_the_output_folder() {
    let input = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let hostile = [
        "../../etc",
        "a/b",
        ".",
        "..",
        "",
        "Café",
        "Cafe\u{301}",
        "AI News",
        "ai-news",
        // 120 bytes: within max_category_bytes, over the 80 bytes at which slugs are cut.
        &"é".repeat(60),
    ];
    write(
        input.path(),
        "a.md",
        digest(
            "2026-01-01T00:00:00Z",
            &hostile,
            &[("t - Ben Tossell", "https://x.com/bentossell/status/1", "s")],
        ),
    );
    let result = run_once(input.path(), out.path(), &[]);
    assert!(result.status.success(), "{}", stderr(&result));
    let tree = read_tree(out.path());
    assert_valid_tree(&tree);
    let folders: BTreeSet<&str> = tree
        .keys()
        .filter_map(|n| n.strip_prefix("categories/"))
        .map(|n| n.split('/').next().unwrap())
        .collect();
    // Nine distinct names (the empty one is dropped), nine distinct folders.
    assert_eq!(folders.len(), 9, "{folders:?}");
    let root = out.path().canonicalize().unwrap();
    for name in tree.keys() {
        let path = Path::new(out.path()).join(name).canonicalize().unwrap();
        assert!(path.starts_with(&root), "{name}");
    }
    assert!(!input.path().join("etc").exists() && !out.path().join("../etc").exists());
    // Stable: a second run into another folder gives the same folders.
    let again = tempfile::tempdir().unwrap();
    run_once(input.path(), again.path(), &[]);
    assert_eq!(
        read_tree(again.path()).keys().collect::<Vec<_>>(),
        tree.keys().collect::<Vec<_>>()
    );
}

#[test]
fn control_characters_never_reach_a_feed() {
    let input = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let nasty = "A\u{0}B\u{1}C\u{8}D\u{B}E\u{C}F\u{1B}G\u{7F}H\u{FFFE}I";
    write(
        input.path(),
        "a.md",
        format!(
            "---\ndate: 2026-01-01T00:00:00Z\ncategories: [\"cat\\x01egory\"]\n---\n\n1. [{nasty} - Ben Tossell](https://x.com/bentossell/status/1)\n   {nasty} **bold** <span title=\"&#x1;\">a&#1;b&#xFFFE;c</span>\n"
        ),
    );
    let result = run_once(input.path(), out.path(), &[]);
    assert!(result.status.success(), "{}", stderr(&result));
    let tree = read_tree(out.path());
    assert_valid_tree(&tree);
    let rss = parse_feed("rss.xml", &tree["rss.xml"]);
    assert_eq!(rss.entries[0].title.as_ref().unwrap().content, "ABCDEFGHI");
    assert!(
        tree.contains_key("categories/category/rss.xml"),
        "{:?}",
        tree.keys()
    );
}

/// Every entry names an author in every format (the site for links that are not
/// tweets), and names that readers would show as empty are cleaned.
#[test]
fn every_entry_has_an_author_readers_can_show() {
    let input = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    write(
        input.path(),
        "a.md",
        digest(
            "2026-01-01T08:00:00Z",
            &["AI"],
            &[
                ("One", "https://x.com/karpathy/status/1", "s"),
                ("Two", "https://x.com/bob/status/2", "s"),
                ("Three", "https://example.org/post", "s"),
            ],
        ),
    );
    let config = input.path().join("c.yaml");
    fs::write(
        &config,
        "site:\n  author: The Editors\nauthors:\n  karpathy: \"@karpathy\"\n  bob: bob@example.com\n",
    )
    .unwrap();
    let result = run_once(
        input.path(),
        out.path(),
        &["--config", config.to_str().unwrap()],
    );
    assert!(result.status.success(), "{}", stderr(&result));
    let tree = read_tree(out.path());
    for file in ["rss.xml", "atom.xml", "feed.json"] {
        let feed = parse_feed(file, &tree[file]);
        let names: Vec<(String, String)> = feed
            .entries
            .iter()
            .map(|e| {
                let author = e
                    .authors
                    .first()
                    .unwrap_or_else(|| panic!("{file}: {} has no author", e.id));
                (e.id.clone(), author.name.clone().unwrap_or_default())
            })
            .collect();
        assert_eq!(
            names,
            [
                (
                    "https://x.com/karpathy/status/1".to_string(),
                    "karpathy".to_string()
                ),
                ("https://x.com/bob/status/2".to_string(), "bob".to_string()),
                (
                    "https://example.org/post".to_string(),
                    "The Editors".to_string()
                ),
            ],
            "{file}"
        );
    }
    let atom = std::str::from_utf8(&tree["atom.xml"]).unwrap();
    let alternate = atom.find("rel=\"alternate\"").unwrap();
    assert!(
        alternate < atom.find("rel=\"self\"").unwrap(),
        "alternate link first"
    );
    let author_feed = parse_feed("authors", &tree["authors/karpathy/atom.xml"]);
    assert!(author_feed
        .title
        .unwrap()
        .content
        .starts_with("karpathy (@karpathy)"));
}

/// Links through X's usual mirrors, and through a host the config adds, are the tweet:
/// one entry, at x.com, in its author's feed.
#[test]
fn mirror_links_are_the_same_tweet_and_the_config_adds_hosts() {
    let dir = tempfile::tempdir().unwrap();
    let (input, output) = (dir.path().join("in"), dir.path().join("out"));
    write(
        &input,
        "a.md",
        digest(
            "2026-01-01T08:00:00Z",
            &["AI"],
            &[
                (
                    "Model news - Andrej Karpathy",
                    "https://vxtwitter.com/karpathy/status/9",
                    "s",
                ),
                (
                    "Other news - Andrej Karpathy",
                    "https://nitter.example.org/karpathy/status/10",
                    "t",
                ),
            ],
        ),
    );
    write(
        &input,
        "b.md",
        digest(
            "2026-01-02T08:00:00Z",
            &["AI"],
            &[
                (
                    "Model news again",
                    "https://x.com/Karpathy/status/9?s=20",
                    "u",
                ),
                ("Old news", "https://twitter.com/i/status/11", "v"),
                (
                    "Fixed link - Andrej Karpathy",
                    "https://fixupx.com/karpathy/status/11",
                    "w",
                ),
            ],
        ),
    );
    let config = dir.path().join("c.yaml");
    fs::write(&config, "x_hosts: [nitter.example.org]\n").unwrap();
    let run = run_once(&input, &output, &["--config", config.to_str().unwrap()]);
    assert!(run.status.success(), "{}", stderr(&run));
    let tree = read_tree(&output);
    let global = feed(&tree, "atom.xml");
    let mut got = ids(&global);
    got.sort();
    assert_eq!(
        got,
        [
            "https://x.com/karpathy/status/10",
            "https://x.com/karpathy/status/11",
            "https://x.com/karpathy/status/9",
        ]
    );
    assert_eq!(ids(&feed(&tree, "authors/karpathy/atom.xml")).len(), 3);
}
