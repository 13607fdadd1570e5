//! The Cache-Control each uploaded file is served with: the feeds' (they change with
//! every digest), the pages' and the list's, and closed archive pages' (RFC 5005 §4:
//! a page changes only when an entry in it does). The newest page of each feed still
//! fills as entries leave the current document, so it is cached as a feed: a reader
//! that was away must not be handed an old copy of it by a cache and miss the entries
//! that moved there since.

use super::manifest::is_index;
use crate::config::Publish;
use crate::engine::archive;
use std::collections::{BTreeMap, BTreeSet};

/// Which Cache-Control each file of one output gets.
pub(crate) struct Caching<'a> {
    config: &'a Publish,
    /// The folders of the newest archive page of every feed.
    newest: BTreeSet<&'a str>,
}

impl<'a> Caching<'a> {
    /// The Cache-Control of each file of an output whose files are at `paths`.
    pub(crate) fn of_paths(
        config: &'a Publish,
        paths: impl Iterator<Item = &'a String>,
    ) -> Caching<'a> {
        // A feed's folder → its newest page's; weeks (`2026-W02`) sort by date.
        let mut newest: BTreeMap<&str, &str> = BTreeMap::new();
        for path in paths.filter(|p| archive::is_page(p)) {
            let page = &path[..path.rfind('/').unwrap_or(0)];
            let feed = page.rsplitn(3, '/').nth(2).unwrap_or("");
            let slot = newest.entry(feed).or_insert(page);
            *slot = (*slot).max(page);
        }
        Caching {
            config,
            newest: newest.into_values().collect(),
        }
    }

    /// The Cache-Control of the file at `path`.
    pub(crate) fn of(&self, path: &str) -> &'a str {
        if is_index(path) {
            &self.config.cache_index
        } else if archive::is_page(path)
            && !self.newest.contains(&path[..path.rfind('/').unwrap_or(0)])
        {
            &self.config.cache_archives
        } else {
            &self.config.cache_feeds
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closed_archive_pages_get_their_own_cache_control_and_the_newest_the_feeds() {
        let config = Publish {
            bucket: "b".into(),
            prefix: String::new(),
            endpoint: None,
            region: None,
            cache_feeds: "feeds".into(),
            cache_index: "index".into(),
            cache_archives: "archives".into(),
        };
        let files: crate::render::tree::Output = [
            "atom.xml",
            "index.html",
            "archive/2025-W52/atom.xml",
            "archive/2026-W01/atom.xml",
            "archive/2026-W01/feed.json",
            "digests/archive/2025-W50/rss.xml",
            "categories/archive/atom.xml",
            "categories/archive/archive/2025-W49/atom.xml",
            "categories/archive/archive/2025-W48/atom.xml",
        ]
        .into_iter()
        .map(|p| (p.to_string(), Vec::new()))
        .collect();
        let caching = Caching::of_paths(&config, files.keys());
        let got: Vec<(&str, &str)> = files.keys().map(|p| (p.as_str(), caching.of(p))).collect();
        assert_eq!(
            got,
            [
                ("archive/2025-W52/atom.xml", "archives"),
                ("archive/2026-W01/atom.xml", "feeds"),
                ("archive/2026-W01/feed.json", "feeds"),
                ("atom.xml", "feeds"),
                // A category named "archive" is a feed, with pages of its own.
                ("categories/archive/archive/2025-W48/atom.xml", "archives"),
                ("categories/archive/archive/2025-W49/atom.xml", "feeds"),
                ("categories/archive/atom.xml", "feeds"),
                ("digests/archive/2025-W50/rss.xml", "feeds"),
                ("index.html", "index"),
            ]
        );
    }
}
