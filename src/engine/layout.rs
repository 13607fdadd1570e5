//! How feeds are laid out (docs/FORMAT.md §3): each feed's folder, title and
//! description. The engine fills them with entries; [`crate::reference::layout`] does the
//! same the simple way.

use crate::config::Settings;
use crate::model::Entry;

/// What a feed collects.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
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
    /// Where the rest of its history is (RFC 5005).
    pub paging: Paging,
    /// How many entries the feed has, shown or not.
    pub count: usize,
}

/// A feed document's place in its feed's history (RFC 5005): folders relative to the
/// output root.
#[derive(Debug, Clone, PartialEq, Eq, Default, Hash)]
pub enum Paging {
    /// A feed's current document: every entry it has (`complete`), or its newest, with
    /// the older ones in archive pages from `prev` on, or not kept (neither).
    #[default]
    Open,
    Complete,
    Current {
        prev: String,
    },
    /// An archive page (`fh:archive`): the next older page, the next newer one, and
    /// the feed's current document.
    Archive {
        current: String,
        prev: Option<String>,
        next: Option<String>,
    },
}

/// Path of `file` in folder `dir`, relative to the output root (`""`: the root).
pub(crate) fn file_in(dir: &str, file: &str) -> String {
    if dir.is_empty() {
        file.to_string()
    } else {
        format!("{dir}/{file}")
    }
}

impl Feed<'_> {
    /// Path of one of this feed's files, relative to the output root.
    pub fn path(&self, file: &str) -> String {
        file_in(&self.dir, file)
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
        count: entries.len(),
        entries,
        paging: Paging::Open,
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
        count: entries.len(),
        entries,
        paging: Paging::Open,
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
        count: entries.len(),
        entries,
        paging: Paging::Open,
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
        count: entries.len(),
        entries,
        paging: Paging::Open,
    }
}
