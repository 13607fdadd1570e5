//! How feeds are laid out (docs/FORMAT.md §3): each feed's folder, title and
//! description. The engine fills them with entries; [`crate::reference::layout`] does the
//! same the simple way.

use crate::config::Settings;
use crate::model::Entry;

/// What a feed collects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FeedKind {
    Global,
    Category {
        name: String,
    },
    Author {
        handle: String,
        name: String,
    },
    /// One entry per digest, the whole digest in it.
    Digests,
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
pub(crate) fn global_feed<'a>(settings: &Settings, entries: Vec<&'a Entry>) -> Feed<'a> {
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

/// The feed of whole digests, in folder `digests`.
pub(crate) fn digests_feed<'a>(settings: &Settings, entries: Vec<&'a Entry>) -> Feed<'a> {
    let site = &settings.site.title;
    Feed {
        kind: FeedKind::Digests,
        dir: "digests".to_string(),
        title: format!("Digests — {site}"),
        description: format!("Every digest from {site}, whole: one entry per post"),
        entries,
    }
}

/// The feed of one category, in folder `categories/<slug>`.
pub(crate) fn category_feed<'a>(
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
pub(crate) fn author_feed<'a>(
    settings: &Settings,
    handle: &str,
    written: &str,
    name: &str,
    entries: Vec<&'a Entry>,
) -> Feed<'a> {
    let site = &settings.site.title;
    let name = crate::support::text::display_name(name, written);
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
