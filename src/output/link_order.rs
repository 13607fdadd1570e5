//! The order in which files become visible, in the output folder and in the bucket:
//! what a link points at before what links to it, so that a reader who comes between
//! two writes, or after a run cut short (a page changed on disk, a network failure, a
//! `kill -9`), never follows a link to a file not there yet.

use crate::engine::archive;

/// The step of the file at `path` (`held`: one is there already), steps taking place
/// one after the other. Archive pages first, new ones before those held (the newest
/// page held gains a `next-archive` link to a new one); then the current documents,
/// whose `prev-archive` links the pages; then `index.opml` and the pages for people,
/// which link the feeds, new ones before those held (the front page links every feed
/// folder's page). Among the current documents, those held go first: in a bucket, a
/// publisher whose view is stale is refused at its first one.
pub(crate) fn step(path: &str, held: bool) -> u8 {
    match (archive::is_page(path), is_index(path), held) {
        (true, _, false) => 0,
        (true, _, true) => 1,
        (false, false, true) => 2,
        (false, false, false) => 3,
        (false, true, false) => 4,
        (false, true, true) => 5,
    }
}

/// The files that list or show feeds rather than being one: `index.opml` and every
/// page (`index.html`, the front page and each feed folder's).
pub(crate) fn is_index(path: &str) -> bool {
    path == "index.opml" || path.rsplit('/').next() == Some("index.html")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The whole order is tested through a publish's plan (`publish::manifest`).
    #[test]
    fn only_a_weeks_folder_under_archive_is_a_page_and_only_lists_are_last() {
        assert!(step("archive/2026-W03/atom.xml", false) < step("atom.xml", true));
        // A folder named like a page's is a slug's: a slug has no capital `W`.
        assert_eq!(step("categories/archive/atom.xml", false), 3);
        assert_eq!(step("categories/archive/2026-w03/rss.xml", false), 3);
        assert!(is_index("index.opml") && is_index("digests/index.html"));
        assert!(!is_index("categories/index.opml/atom.xml"));
    }
}
