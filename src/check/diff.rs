//! `--diff`: per feed, the entries a run adds, removes and changes, read from the
//! feeds' JSON Feed files (the one format that holds every field plainly).

use crate::render::tree::Output;
use crate::render::JSON_FILE;
use serde::Serialize;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

pub(crate) use crate::cli::DiffFormat;

/// How one feed's entries change.
#[derive(Debug, Default, PartialEq, Eq, Serialize)]
pub(crate) struct FeedDiff {
    /// The feed's folder (`""` for the global feed).
    pub feed: String,
    pub added: Vec<String>,
    pub removed: Vec<String>,
    /// Entry id and the fields that changed (title, summary, date, categories, author).
    pub changed: Vec<(String, Vec<&'static str>)>,
}

impl FeedDiff {
    fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.changed.is_empty()
    }
}

/// The entries of a JSON Feed file, by id.
fn items(bytes: Option<&Vec<u8>>) -> BTreeMap<String, Value> {
    let feed: Value = bytes
        .and_then(|b| serde_json::from_slice(b).ok())
        .unwrap_or(Value::Null);
    feed["items"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|item| Some((item["id"].as_str()?.to_string(), item.clone())))
                .collect()
        })
        .unwrap_or_default()
}

const FIELDS: &[(&str, &str)] = &[
    ("title", "title"),
    ("content_html", "summary"),
    ("date_published", "date"),
    ("tags", "categories"),
    ("authors", "author"),
];

/// Every feed whose entries differ between `old` and `new` output trees.
pub(crate) fn diff(old: &Output, new: &Output) -> Vec<FeedDiff> {
    // The global feed first, then the others in folder order.
    let feeds: BTreeSet<(bool, &String)> = old
        .keys()
        .chain(new.keys())
        .filter(|p| p.rsplit('/').next() == Some(JSON_FILE))
        .map(|p| (p != JSON_FILE, p))
        .collect();
    let mut diffs = Vec::new();
    for (_, path) in feeds {
        let (before, after) = (items(old.get(path)), items(new.get(path)));
        let mut d = FeedDiff {
            feed: path.trim_end_matches(JSON_FILE).to_string(),
            ..FeedDiff::default()
        };
        for (id, item) in &after {
            match before.get(id) {
                None => d.added.push(id.clone()),
                Some(was) => {
                    let fields: Vec<&'static str> = FIELDS
                        .iter()
                        .filter(|(key, _)| was[*key] != item[*key])
                        .map(|(_, name)| *name)
                        .collect();
                    if !fields.is_empty() {
                        d.changed.push((id.clone(), fields));
                    }
                }
            }
        }
        d.removed = before
            .keys()
            .filter(|id| !after.contains_key(*id))
            .cloned()
            .collect();
        if !d.is_empty() {
            diffs.push(d);
        }
    }
    diffs
}

/// The diff as `format` prints it.
pub(crate) fn render(diffs: &[FeedDiff], format: DiffFormat) -> String {
    let mut out = String::new();
    for d in diffs {
        match format {
            DiffFormat::Json => {
                out.push_str(&serde_json::to_string(d).unwrap_or_default());
                out.push('\n');
            }
            DiffFormat::Text => {
                let name = if d.feed.is_empty() {
                    "(global)"
                } else {
                    &d.feed
                };
                out.push_str(&format!(
                    "{name}: {} added, {} removed, {} changed\n",
                    d.added.len(),
                    d.removed.len(),
                    d.changed.len()
                ));
                for id in &d.added {
                    out.push_str(&format!("  + {id}\n"));
                }
                for id in &d.removed {
                    out.push_str(&format!("  - {id}\n"));
                }
                for (id, fields) in &d.changed {
                    out.push_str(&format!("  ~ {id} ({})\n", fields.join(", ")));
                }
            }
        }
    }
    out
}

/// The feeds' JSON files as they are in the output folder.
pub(crate) fn read_folder_feeds(dir: &std::path::Path, new: &Output) -> Output {
    crate::output::writer::listed(dir)
        .into_iter()
        .chain(new.keys().cloned())
        .filter(|p| p.rsplit('/').next() == Some(JSON_FILE))
        .filter_map(|p| {
            let target = dir.join(&p);
            let regular = std::fs::symlink_metadata(&target).is_ok_and(|m| m.is_file());
            regular
                .then(|| std::fs::read(&target).ok())
                .flatten()
                .map(|bytes| (p, bytes))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed(items: &[(&str, &str, &str)]) -> Vec<u8> {
        let items: Vec<Value> = items
            .iter()
            .map(|(id, title, tags)| {
                serde_json::json!({"id": id, "title": title, "content_html": "", "date_published": "2026-01-01T00:00:00Z", "tags": [tags]})
            })
            .collect();
        serde_json::to_vec(&serde_json::json!({ "items": items })).unwrap()
    }

    #[test]
    fn entries_added_removed_and_changed_are_found_per_feed() {
        let old: Output = [
            (
                "feed.json".to_string(),
                feed(&[("a", "A", "x"), ("b", "B", "x")]),
            ),
            (
                "categories/x/feed.json".to_string(),
                feed(&[("a", "A", "x")]),
            ),
        ]
        .into();
        let new: Output = [
            (
                "feed.json".to_string(),
                feed(&[("a", "A2", "y"), ("c", "C", "x")]),
            ),
            (
                "categories/y/feed.json".to_string(),
                feed(&[("a", "A2", "y")]),
            ),
        ]
        .into();
        let d = diff(&old, &new);
        assert_eq!(d.len(), 3);
        assert_eq!(d[0].feed, "");
        assert_eq!(d[0].added, ["c"]);
        assert_eq!(d[0].removed, ["b"]);
        assert_eq!(
            d[0].changed,
            [("a".to_string(), vec!["title", "categories"])]
        );
        assert_eq!(
            (d[1].feed.as_str(), d[1].removed.len()),
            ("categories/x/", 1)
        );
        assert_eq!((d[2].feed.as_str(), d[2].added.len()), ("categories/y/", 1));
        assert!(diff(&new, &new).is_empty());
        let text = render(&d, DiffFormat::Text);
        assert!(text.starts_with("(global): 1 added, 1 removed, 1 changed\n  + c\n  - b\n  ~ a (title, categories)\n"), "{text}");
        let json: Value =
            serde_json::from_str(render(&d, DiffFormat::Json).lines().next().unwrap()).unwrap();
        assert_eq!(json["added"][0], "c");
    }
}
