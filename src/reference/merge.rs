//! From every parsed digest to one entry per tweet (docs/FORMAT.md §2). Pure: the
//! result depends on the set of digests only, never on the order they were read in.

use super::split::{split_corpus, ItemRef};
use crate::engine::author::Cut;
use crate::model::key::EntryKey;
use crate::model::names::intern;
use crate::model::{category_set, Corpus, Digest, Entry, Item};
use chrono::Duration;
use std::cmp::Reverse;
use std::collections::{BTreeMap, HashMap, HashSet};

/// All entries, newest first, and the display name of every handle that has one.
#[derive(Debug, Default)]
pub(crate) struct Merged {
    pub entries: Vec<Entry>,
    /// Lowercase handle → display name.
    pub names: HashMap<String, String>,
}

/// Merges a corpus. `configured` maps lowercase handles to display names; an entry
/// holds at most `max_categories` categories.
pub(crate) fn merge(
    corpus: &Corpus,
    configured: &BTreeMap<String, String>,
    max_categories: usize,
) -> Merged {
    // Oldest first; the path breaks ties (the map iterates in path order and the sort is stable).
    let mut digests: Vec<&Digest> = corpus.values().collect();
    digests.sort_by_key(|d| d.date);

    let handles = lowercase_handles(&digests);
    let refs = item_refs(&digests, &handles);
    let splits = split_corpus(&refs, configured);
    let display = |handle: &str| -> String {
        let lower = handle.to_ascii_lowercase();
        splits
            .names
            .get(&lower)
            .cloned()
            .unwrap_or_else(|| handle.to_string())
    };

    let mut entries: HashMap<EntryKey, Entry> = HashMap::new();
    let mut categories: HashMap<EntryKey, Vec<&'static str>> = HashMap::new();
    for (digest, cuts) in digests.iter().zip(&splits.cuts) {
        let mut seen_here: HashSet<&EntryKey> = HashSet::new();
        for (k, (item, cut)) in digest.items.iter().zip(cuts).enumerate() {
            let key = &item.link.key;
            let first_here = seen_here.insert(key);
            if first_here {
                // The earliest digests' categories first, each digest's by name, up
                // to the cap.
                let mut by_name: Vec<&str> = digest.categories.iter().map(String::as_str).collect();
                by_name.sort_unstable();
                let held = categories.entry(key.clone()).or_default();
                for name in by_name {
                    let name = intern(name);
                    if held.len() < max_categories && !held.contains(&name) {
                        held.push(name);
                    }
                }
            }
            if let Some(entry) = entries.get_mut(key) {
                // The earliest digest that names a handle may name it in a later item.
                if entry.handle.is_none() {
                    if let Some(handle) = &item.link.handle {
                        entry.author = Some(intern(&display(handle)));
                        entry.handle = Some(intern(handle));
                    }
                }
                continue;
            }
            let entry = first_mention(digest, k, item, cut.as_ref(), configured, &display);
            entries.insert(key.clone(), entry);
        }
    }
    for (key, names) in categories {
        if let Some(entry) = entries.get_mut(&key) {
            entry.categories = category_set(names);
        }
    }
    let mut entries: Vec<Entry> = entries.into_values().collect();
    entries.sort_by(|a, b| (Reverse(a.published), &a.key).cmp(&(Reverse(b.published), &b.key)));
    Merged {
        entries,
        names: splits.names,
    }
}

/// Each item's handle in lowercase, digest by digest.
fn lowercase_handles(digests: &[&Digest]) -> Vec<Vec<Option<String>>> {
    digests
        .iter()
        .map(|d| {
            d.items
                .iter()
                .map(|i| i.link.handle.as_ref().map(|h| h.to_ascii_lowercase()))
                .collect()
        })
        .collect()
}

/// The items as the splitter sees them.
fn item_refs<'a>(
    digests: &[&'a Digest],
    handles: &'a [Vec<Option<String>>],
) -> Vec<Vec<ItemRef<'a>>> {
    digests
        .iter()
        .zip(handles)
        .map(|(d, hs)| {
            d.items
                .iter()
                .zip(hs)
                .map(|(item, handle)| ItemRef {
                    title: &item.title,
                    handle: handle.as_deref(),
                    id: match item.link.key {
                        EntryKey::Tweet(id) => Some(id),
                        EntryKey::Url(_) => None,
                    },
                })
                .collect()
        })
        .collect()
}

/// The entry of an item that is its tweet's earliest mention, the `k`th of its digest
/// (categories are added once every digest has been seen).
fn first_mention(
    digest: &Digest,
    k: usize,
    item: &Item,
    cut: Option<&Cut>,
    configured: &BTreeMap<String, String>,
    display: &impl Fn(&str) -> String,
) -> Entry {
    let offset = Duration::seconds(i64::try_from(k).unwrap_or(i64::MAX));
    let handle = item.link.handle.map(crate::model::names::Thin::as_str);
    let author = handle
        .as_ref()
        .map(|h| match (configured.get(&h.to_ascii_lowercase()), cut) {
            (Some(name), _) => name.clone(),
            (None, Some(cut)) => cut.name(&item.title).to_string(),
            (None, None) => display(h),
        });
    let title = match cut {
        Some(cut) => item.title.prefix(cut.title(&item.title).len()),
        None => item.title.clone(),
    };
    Entry {
        key: item.link.key.clone(),
        title,
        handle,
        author: author.as_deref().map(intern),
        published: digest
            .date
            .checked_sub_signed(offset)
            .unwrap_or(digest.date),
        categories: &[],
        summary_html: item.summary_html.clone(),
        updated: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Parsed;
    use crate::parse::parse_digest;
    use chrono_tz::Tz;
    use std::path::Path;
    use std::path::PathBuf;

    fn corpus(files: &[(&str, &str)]) -> Corpus {
        files
            .iter()
            .map(|(path, text)| {
                let Ok(Parsed::Digest(d)) = parse_digest(Path::new(path), text.as_bytes(), Tz::UTC)
                else {
                    panic!("{path} does not parse")
                };
                (PathBuf::from(path), d)
            })
            .collect()
    }

    fn digest(date: &str, categories: &str, items: &[(&str, &str)]) -> String {
        let mut text = format!("---\ndate: {date}\ncategories: [{categories}]\n---\n\n");
        for (i, (title, url)) in items.iter().enumerate() {
            text.push_str(&format!(
                "{}. [{title}]({url})\n   Summary of {title}.\n\n",
                i + 1
            ));
        }
        text
    }

    #[test]
    fn every_spelling_of_a_tweet_is_one_entry_with_the_earliest_text() {
        let a = digest(
            "2026-01-02T08:00:00Z",
            "\"B\"",
            &[(
                "Later wording - Ben Tossell",
                "https://twitter.com/BenTossell/status/5?s=20",
            )],
        );
        let b = digest(
            "2026-01-01T08:00:00Z",
            "\"A\"",
            &[
                (
                    "First wording - Ben Tossell",
                    "https://x.com/bentossell/status/5",
                ),
                ("Other - Ben Tossell", "https://x.com/bentossell/status/6"),
            ],
        );
        let c = digest(
            "2026-01-03T08:00:00Z",
            "\"C\", \"A\"",
            &[("Third", "https://x.com/i/web/status/5/photo/1")],
        );
        let merged = merge(
            &corpus(&[("a.md", &a), ("b.md", &b), ("c.md", &c)]),
            &BTreeMap::new(),
            20,
        );
        assert_eq!(merged.entries.len(), 2);
        let e = merged
            .entries
            .iter()
            .find(|e| e.key == EntryKey::Tweet(5))
            .unwrap();
        assert_eq!(&*e.title, "First wording");
        assert_eq!(
            e.url(),
            "https://x.com/bentossell/status/5",
            "handle as written in the earliest digest"
        );
        assert_eq!(e.author, Some("Ben Tossell"));
        assert_eq!(e.published.to_rfc3339(), "2026-01-01T08:00:00+00:00");
        assert_eq!(
            e.categories.iter().map(|c| &**c).collect::<Vec<_>>(),
            ["A", "B", "C"]
        );
        assert_eq!(
            &*e.summary_html,
            "<p>Summary of First wording - Ben Tossell.</p>"
        );
    }

    #[test]
    fn published_steps_back_one_second_per_position() {
        let d = digest(
            "2026-01-01T08:00:00+08:00",
            "",
            &[
                ("a", "https://x.com/a/status/1"),
                ("b", "https://x.com/a/status/2"),
                ("a again", "https://x.com/A/status/1"),
                ("c", "https://example.com/c"),
            ],
        );
        let merged = merge(&corpus(&[("d.md", &d)]), &BTreeMap::new(), 20);
        let dates: Vec<_> = merged
            .entries
            .iter()
            .map(|e| (&*e.title, e.published.to_rfc3339()))
            .collect();
        assert_eq!(
            dates,
            vec![
                ("a", "2026-01-01T08:00:00+08:00".to_string()),
                ("b", "2026-01-01T07:59:59+08:00".to_string()),
                ("c", "2026-01-01T07:59:57+08:00".to_string()),
            ]
        );
    }

    #[test]
    fn ties_between_digests_of_equal_date_go_to_the_path_that_sorts_first() {
        let a = digest(
            "2026-01-01T08:00:00Z",
            "\"X\"",
            &[("From a", "https://x.com/a/status/1")],
        );
        let b = digest(
            "2026-01-01T08:00:00Z",
            "\"Y\"",
            &[("From b", "https://x.com/a/status/1")],
        );
        let merged = merge(&corpus(&[("b.md", &b), ("a.md", &a)]), &BTreeMap::new(), 20);
        assert_eq!(merged.entries[0].title, "From a");
    }

    #[test]
    fn handle_comes_from_the_earliest_digest_that_names_one() {
        let a = digest(
            "2026-01-01T08:00:00Z",
            "",
            &[("t", "https://x.com/i/web/status/7")],
        );
        let b = digest(
            "2026-01-02T08:00:00Z",
            "",
            &[("t", "https://x.com/Karpathy/status/7")],
        );
        let c = digest(
            "2026-01-03T08:00:00Z",
            "",
            &[("t", "https://x.com/karpathy/status/7")],
        );
        let merged = merge(
            &corpus(&[("a.md", &a), ("b.md", &b), ("c.md", &c)]),
            &BTreeMap::new(),
            20,
        );
        let e = &merged.entries[0];
        assert_eq!(e.url(), "https://x.com/Karpathy/status/7");
        assert_eq!(e.author_feed().as_deref(), Some("karpathy"));
        assert_eq!(
            e.author,
            Some("Karpathy"),
            "no name anywhere: the handle itself"
        );
    }

    #[test]
    fn handle_named_later_in_the_earliest_digest_wins_over_later_digests() {
        let a = digest(
            "2026-01-01T08:00:00Z",
            "",
            &[
                ("t", "https://x.com/i/web/status/7"),
                ("u", "https://x.com/a/status/8"),
                ("t again", "https://x.com/Karpathy/status/7"),
            ],
        );
        let b = digest(
            "2026-01-02T08:00:00Z",
            "",
            &[("t", "https://x.com/other/status/7")],
        );
        let merged = merge(&corpus(&[("a.md", &a), ("b.md", &b)]), &BTreeMap::new(), 20);
        let e = merged
            .entries
            .iter()
            .find(|e| e.key == EntryKey::Tweet(7))
            .unwrap();
        assert_eq!(e.url(), "https://x.com/Karpathy/status/7");
        assert_eq!(e.title, "t");
    }

    #[test]
    fn order_is_newest_first_then_by_key() {
        let a = digest(
            "2026-01-01T08:00:00Z",
            "",
            &[("x", "https://x.com/a/status/9")],
        );
        let b = digest(
            "2026-01-01T09:00:00+01:00",
            "",
            &[("y", "https://x.com/a/status/3")],
        );
        let c = digest(
            "2026-01-02T08:00:00Z",
            "",
            &[("z", "https://x.com/a/status/5")],
        );
        let merged = merge(
            &corpus(&[("a.md", &a), ("b.md", &b), ("c.md", &c)]),
            &BTreeMap::new(),
            20,
        );
        let keys: Vec<_> = merged.entries.iter().map(|e| e.key.clone()).collect();
        assert_eq!(
            keys,
            vec![EntryKey::Tweet(5), EntryKey::Tweet(3), EntryKey::Tweet(9)]
        );
    }

    #[test]
    fn configured_name_is_the_author_of_every_entry_of_the_handle() {
        let a = digest(
            "2026-01-01T08:00:00Z",
            "",
            &[
                ("Title-向阳乔木", "https://x.com/vista8/status/1"),
                ("Other-向阳乔木", "https://x.com/vista8/status/2"),
            ],
        );
        let configured = BTreeMap::from([("vista8".to_string(), "Vista".to_string())]);
        let merged = merge(&corpus(&[("a.md", &a)]), &configured, 20);
        assert!(merged.entries.iter().all(|e| e.author == Some("Vista")));
        assert_eq!(merged.entries[0].title, "Title");
    }
}
