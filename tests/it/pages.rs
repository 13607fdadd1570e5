//! The pages for people: the front page and one page beside every feed's files, in
//! the site's language. (tests/browser/run opens them in Chromium.)

use crate::support::*;
use std::collections::BTreeMap;
use std::fs;

/// The links of the entries a feed page lists, in order.
fn listed(page: &str) -> Vec<String> {
    page.split("<li><h3><a href=\"")
        .skip(1)
        .map(|rest| rest[..rest.find('"').unwrap()].replace("&amp;", "&"))
        .collect()
}

fn atom_links(tree: &BTreeMap<String, Vec<u8>>, path: &str) -> Vec<String> {
    parse_feed(path, &tree[path])
        .entries
        .into_iter()
        .map(|e| e.links[0].href.clone())
        .collect()
}

#[test]
fn every_feed_folder_has_a_page_listing_its_entries_in_the_sites_language() {
    let tree = run_examples();
    let folders: Vec<&str> = tree
        .keys()
        .filter_map(|k| k.strip_suffix("/atom.xml"))
        .collect();
    assert!(folders.len() > 10, "{folders:?}");
    for folder in folders {
        let page = String::from_utf8(tree[&format!("{folder}/index.html")].clone()).unwrap();
        assert_eq!(
            listed(&page),
            atom_links(&tree, &format!("{folder}/atom.xml")),
            "{folder}"
        );
        // Chinese labels under zh-CN, and nothing fetched from elsewhere.
        assert!(
            page.contains("<html lang=\"zh-CN\">") && page.contains("订阅"),
            "{folder}"
        );
        for outside in ["<script", "stylesheet", "@import", "url(", "<iframe"] {
            assert!(!page.contains(outside), "{folder}: {outside}");
        }
        assert!(
            page.contains("https://www.inoreader.com/?add_feed=https%3A%2F%2F"),
            "{folder}"
        );
    }
    let front = String::from_utf8(tree["index.html"].clone()).unwrap();
    assert!(front.contains("最新消息"));
    // The newest headlines first, then every feed's page.
    let headlines: Vec<&str> = front
        .split("<li><a href=\"")
        .skip(1)
        .map(|rest| &rest[..rest.find('"').unwrap()])
        .collect();
    assert_eq!(headlines, atom_links(&tree, "atom.xml")[..20]);
    assert!(front.contains("href=\"https://feeds.example.org/ai-digest/digests/\""));
}

#[test]
fn english_is_the_fallback_and_a_site_without_a_page_of_its_own_gets_no_back_link() {
    let input = tempfile::tempdir().unwrap();
    write(
        input.path(),
        "a.md",
        digest(
            "2026-01-10T08:00:00+08:00",
            &["AI"],
            &[(
                "Story - Ben Tossell",
                "https://x.com/bentossell/status/1",
                "text",
            )],
        ),
    );
    let out = tempfile::tempdir().unwrap();
    assert!(run_once(input.path(), out.path(), &[]).status.success());
    let front = fs::read_to_string(out.path().join("index.html")).unwrap();
    assert!(front.contains("<html lang=\"en\">") && front.contains("Latest news"));
    // site.link defaults to base_url: the front page is the site.
    assert!(!front.contains("←"), "{front}");
    let page = fs::read_to_string(out.path().join("categories/ai/index.html")).unwrap();
    assert!(
        page.contains(&format!("<a href=\"{BASE_URL}index.html\">←")),
        "{page}"
    );
    assert!(page.contains(">10 Jan 2026 00:00</time>"), "{page}");

    let config = input.path().join("c.yaml");
    fs::write(
        &config,
        "site:\n  link: https://site.example.net/\n  language: fr\n",
    )
    .unwrap();
    let out = tempfile::tempdir().unwrap();
    let run = run_once(
        input.path(),
        out.path(),
        &["--config", config.to_str().unwrap()],
    );
    assert!(run.status.success(), "{}", stderr(&run));
    let front = fs::read_to_string(out.path().join("index.html")).unwrap();
    // English labels: the page says it is in English, not French.
    assert!(front.contains("<html lang=\"en\">") && front.contains("Latest news"));
    assert!(
        front.contains("<a href=\"https://site.example.net/\">←"),
        "{front}"
    );
}
