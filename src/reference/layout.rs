//! The reference layout: which feeds exist and which entries each holds, from the whole
//! list of entries at once (docs/FORMAT.md §3).

use crate::config::Settings;
use crate::engine::layout::{author_feed, category_feed, digests_feed, global_feed, Feed, Paging};
use crate::engine::slug;
use crate::model::Entry;
use chrono::{DateTime, FixedOffset};
use std::collections::{BTreeMap, HashMap};

/// Plans every feed: the global one first, then the digest feed, then categories and
/// authors in folder order. `entries` must be sorted newest first, and `digests` too
/// (the digest feed's first entries, of `digest_count` digests); `names` maps
/// lowercase handles to display names. A feed that shows all it has is complete.
pub(crate) fn plan<'a>(
    entries: &'a [Entry],
    digests: &'a [Entry],
    digest_count: usize,
    names: &HashMap<String, String>,
    settings: &Settings,
) -> Vec<Feed<'a>> {
    let max = settings.max_entries;
    let paging = |count: usize| {
        if count <= max {
            Paging::Complete
        } else {
            Paging::Open
        }
    };
    let mut feeds = vec![
        Feed {
            paging: paging(entries.len()),
            count: entries.len(),
            ..global_feed(settings, entries.iter().take(max).collect())
        },
        Feed {
            paging: paging(digest_count),
            count: digest_count,
            ..digests_feed(settings, digests.iter().take(max).collect())
        },
    ];
    let mut counts: HashMap<String, usize> = HashMap::new();
    let mut by_category: BTreeMap<&str, Vec<&Entry>> = BTreeMap::new();
    let mut by_author: BTreeMap<String, Vec<&Entry>> = BTreeMap::new();
    // The oldest entry of each category decides who keeps a contested folder.
    let mut oldest: BTreeMap<&str, DateTime<FixedOffset>> = BTreeMap::new();
    for entry in entries {
        for name in entry.categories {
            oldest
                .entry(name)
                .and_modify(|d| *d = (*d).min(entry.published))
                .or_insert(entry.published);
            *counts.entry(format!("c/{name}")).or_default() += 1;
            let list = by_category.entry(name).or_default();
            if list.len() < max {
                list.push(entry);
            }
        }
        if let Some(handle) = entry.author_feed() {
            *counts.entry(format!("a/{handle}")).or_default() += 1;
            let list = by_author.entry(handle).or_default();
            if list.len() < max {
                list.push(entry);
            }
        }
    }
    let slugs = slug::assign(oldest.iter().map(|(name, date)| (*name, *date)));
    let mut categories: Vec<Feed<'a>> = by_category
        .into_iter()
        .map(|(name, entries)| Feed {
            paging: paging(counts[&format!("c/{name}")]),
            count: counts[&format!("c/{name}")],
            ..category_feed(settings, name, &slugs[name], entries)
        })
        .collect();
    categories.sort_by(|a, b| a.dir.cmp(&b.dir));
    feeds.extend(categories);
    for (handle, entries) in by_author {
        let written = entries[0]
            .handle
            .map_or_else(|| handle.clone(), str::to_string);
        let name = names
            .get(&handle)
            .cloned()
            .unwrap_or_else(|| written.clone());
        let count = counts[&format!("a/{handle}")];
        feeds.push(Feed {
            paging: paging(count),
            count,
            ..author_feed(settings, &handle, &written, &name, entries)
        });
    }
    feeds
}
