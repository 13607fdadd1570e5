//! Which feeds exist and which entries each one holds (docs/FORMAT.md §3).

use crate::config::Settings;
use crate::model::Entry;
use crate::slug;
use chrono::{DateTime, FixedOffset};
use std::collections::{BTreeMap, HashMap};

/// What a feed collects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FeedKind {
    Global,
    Category { name: String },
    Author { handle: String, name: String },
}

/// One feed, in all three formats.
#[derive(Debug, Clone)]
pub struct Feed<'a> {
    pub kind: FeedKind,
    /// Folder relative to the output root, `""` for the global feed; always made of
    /// safe single path components.
    pub dir: String,
    pub title: String,
    pub description: String,
    /// Newest first, at most `max_entries`.
    pub entries: Vec<&'a Entry>,
}

impl Feed<'_> {
    /// Path of one of this feed's files, relative to the output root.
    pub fn path(&self, file: &str) -> String {
        if self.dir.is_empty() {
            file.to_string()
        } else {
            format!("{}/{file}", self.dir)
        }
    }
}

/// The feed of every entry.
pub fn global_feed<'a>(settings: &Settings, entries: Vec<&'a Entry>) -> Feed<'a> {
    let site = &settings.site.title;
    Feed {
        kind: FeedKind::Global,
        dir: String::new(),
        title: site.clone(),
        description: if settings.site.description.is_empty() {
            site.clone()
        } else {
            settings.site.description.clone()
        },
        entries,
    }
}

/// The feed of one category, in folder `categories/<slug>`.
pub fn category_feed<'a>(
    settings: &Settings,
    name: &str,
    slug: &str,
    entries: Vec<&'a Entry>,
) -> Feed<'a> {
    let site = &settings.site.title;
    Feed {
        kind: FeedKind::Category {
            name: name.to_string(),
        },
        dir: format!("categories/{slug}"),
        title: format!("{name} — {site}"),
        description: format!("Items in the category “{name}” from {site}"),
        entries,
    }
}

/// The feed of one author: `handle` lowercase (the folder), `written` as the newest
/// entry writes it, `name` the display name.
pub fn author_feed<'a>(
    settings: &Settings,
    handle: &str,
    written: &str,
    name: &str,
    entries: Vec<&'a Entry>,
) -> Feed<'a> {
    let site = &settings.site.title;
    let name = crate::text::display_name(name, written);
    Feed {
        kind: FeedKind::Author {
            handle: written.to_string(),
            name: name.to_string(),
        },
        dir: format!("authors/{handle}"),
        title: format!("{name} (@{written}) — {site}"),
        description: format!("Items by {name} (@{written}) from {site}"),
        entries,
    }
}

/// Plans every feed: the global one first, then categories and authors in folder order.
/// `entries` must be sorted newest first; `names` maps lowercase handles to display names.
pub fn plan<'a>(
    entries: &'a [Entry],
    names: &HashMap<String, String>,
    settings: &Settings,
) -> Vec<Feed<'a>> {
    let max = settings.max_entries;
    let mut feeds = vec![global_feed(settings, entries.iter().take(max).collect())];
    let mut by_category: BTreeMap<&str, Vec<&Entry>> = BTreeMap::new();
    let mut by_author: BTreeMap<String, Vec<&Entry>> = BTreeMap::new();
    // The oldest entry of each category decides who keeps a contested folder.
    let mut oldest: BTreeMap<&str, DateTime<FixedOffset>> = BTreeMap::new();
    for entry in entries {
        for name in &entry.categories {
            oldest
                .entry(name)
                .and_modify(|d| *d = (*d).min(entry.published))
                .or_insert(entry.published);
            let list = by_category.entry(name).or_default();
            if list.len() < max {
                list.push(entry);
            }
        }
        if let Some(handle) = entry.author_feed() {
            let list = by_author.entry(handle).or_default();
            if list.len() < max {
                list.push(entry);
            }
        }
    }
    let slugs = slug::assign(oldest.iter().map(|(name, date)| (*name, *date)));
    let mut categories: Vec<Feed<'a>> = by_category
        .into_iter()
        .map(|(name, entries)| category_feed(settings, name, &slugs[name], entries))
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
        feeds.push(author_feed(settings, &handle, &written, &name, entries));
    }
    feeds
}
