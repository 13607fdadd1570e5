//! A feed's history in archive pages (RFC 5005 §4). The current document keeps the
//! newest `max_entries`, as without archives; every older entry is in the page of the
//! ISO week of its date (in the configured time zone), under `<feed>/archive/<week>/`.
//!
//! Weeks, rather than pages of a fixed size: a page's entries are those of its week,
//! whatever happens elsewhere in the feed. A new digest moves entries out of the
//! current document into the newest page only; deleting the oldest digest changes the
//! page of its week only (pages counted from the oldest entry would all shift); an
//! edited entry changes its own page. A week is also small enough to fetch: at six
//! digests a day, some 500 to 800 entries in the global feed, 42 in the digest feed.

use super::layout::{Feed, Paging};
use crate::model::Entry;
use chrono::{DateTime, Datelike, FixedOffset, IsoWeek};
use chrono_tz::Tz;

/// The folder of the archive page of `week` of the feed in `dir`.
fn page_dir(dir: &str, week: &str) -> String {
    if dir.is_empty() {
        format!("archive/{week}")
    } else {
        format!("{dir}/archive/{week}")
    }
}

/// Whether an output path is a file of an archive page (`…archive/2026-W02/atom.xml`):
/// its folder a week, in a folder `archive`. No slug makes a folder like that, which
/// holds a capital `W`.
pub(crate) fn is_page(path: &str) -> bool {
    let mut parts = path.rsplit('/').skip(1);
    let week = parts.next().unwrap_or("");
    let is_week = week.len() == 8
        && week.as_bytes()[4..6] == *b"-W"
        && week
            .bytes()
            .enumerate()
            .all(|(i, b)| (4..6).contains(&i) || b.is_ascii_digit());
    is_week && parts.next() == Some("archive")
}

/// The ISO week of an entry's page: of its date in `timezone`.
fn week(entry: &Entry, timezone: Tz) -> IsoWeek {
    entry.published.with_timezone(&timezone).iso_week()
}

/// A week as its page's folder names it: `2026-W02`.
fn week_name(week: IsoWeek) -> String {
    format!("{:04}-W{:02}", week.year(), week.week())
}

/// The week of the page an entry of `date` goes to, as its folder names it.
pub(crate) fn page_week(date: &DateTime<FixedOffset>, timezone: Tz) -> String {
    week_name(date.with_timezone(&timezone).iso_week())
}

/// The week a page's folder names (`…/archive/2026-W02`: `2026-W02`).
pub(crate) fn week_of_page(dir: &str) -> &str {
    dir.rsplit('/').next().unwrap_or(dir)
}

/// `feed` holding every entry it has, newest first, as its current document (its
/// first `max` entries) and its archive pages, newest first.
pub(crate) fn paged(mut feed: Feed<'_>, max: usize, timezone: Tz) -> Vec<Feed<'_>> {
    let older = feed.entries.split_off(max.min(feed.entries.len()));
    if older.is_empty() {
        feed.paging = Paging::Complete;
        return vec![feed];
    }
    // Newest first, so each week's entries are together.
    let mut weeks: Vec<(IsoWeek, Vec<&Entry>)> = Vec::new();
    for entry in older {
        let w = week(entry, timezone);
        match weeks.last_mut() {
            Some((last, entries)) if *last == w => entries.push(entry),
            _ => weeks.push((w, vec![entry])),
        }
    }
    let dirs: Vec<String> = weeks
        .iter()
        .map(|(w, _)| page_dir(&feed.dir, &week_name(*w)))
        .collect();
    let mut pages = Vec::with_capacity(weeks.len() + 1);
    for (i, (_, entries)) in weeks.into_iter().enumerate() {
        pages.push(Feed {
            dir: dirs[i].clone(),
            entries,
            paging: Paging::Archive {
                current: feed.dir.clone(),
                prev: dirs.get(i + 1).cloned(),
                next: i.checked_sub(1).map(|newer| dirs[newer].clone()),
            },
            ..feed.clone()
        });
    }
    feed.paging = Paging::Current {
        prev: dirs[0].clone(),
    };
    pages.insert(0, feed);
    pages
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::layout::FeedKind;
    use crate::model::key::EntryKey;
    use chrono::DateTime;

    fn entry(id: u64, date: &str) -> Entry {
        Entry {
            key: EntryKey::Tweet(id),
            title: "t".into(),
            handle: None,
            author: None,
            published: DateTime::parse_from_rfc3339(date).unwrap(),
            categories: &[],
            summary_html: Default::default(),
            updated: None,
        }
    }

    fn feed<'a>(dir: &str, entries: &'a [Entry]) -> Feed<'a> {
        Feed {
            kind: FeedKind::Global,
            dir: dir.to_string(),
            title: "T".to_string(),
            description: "D".to_string(),
            entries: entries.iter().collect(),
            paging: Paging::Open,
            count: entries.len(),
        }
    }

    #[test]
    fn older_entries_go_to_the_page_of_their_week_newest_first() {
        let entries = [
            entry(6, "2026-01-14T08:00:00+08:00"),
            entry(5, "2026-01-12T00:30:00+08:00"),
            // Sunday 23:30 in Shanghai, Sunday 15:30 in UTC: week 2 either way.
            entry(4, "2026-01-11T23:30:00+08:00"),
            entry(3, "2026-01-05T00:00:00+08:00"),
            entry(2, "2025-12-29T01:00:00+08:00"),
            entry(1, "2025-12-28T23:00:00+08:00"),
        ];
        let pages = paged(feed("digests", &entries), 2, Tz::Asia__Shanghai);
        let dirs: Vec<&str> = pages.iter().map(|p| p.dir.as_str()).collect();
        // 2025-12-29 is in ISO week 1 of 2026.
        assert_eq!(
            dirs,
            [
                "digests",
                "digests/archive/2026-W02",
                "digests/archive/2026-W01",
                "digests/archive/2025-W52",
            ]
        );
        let ids = |p: &Feed<'_>| p.entries.iter().map(|e| e.url()).collect::<Vec<_>>();
        assert_eq!(ids(&pages[0]).len(), 2);
        // Monday 5 January is in week 2, with Sunday the 11th.
        assert_eq!(pages[1].entries.len(), 2);
        assert_eq!(pages[2].entries.len(), 1);
        assert_eq!(
            pages[0].paging,
            Paging::Current {
                prev: "digests/archive/2026-W02".into()
            }
        );
        assert_eq!(
            pages[2].paging,
            Paging::Archive {
                current: "digests".into(),
                prev: Some("digests/archive/2025-W52".into()),
                next: Some("digests/archive/2026-W02".into()),
            }
        );
        assert!(matches!(
            &pages[3].paging,
            Paging::Archive { prev: None, .. }
        ));
        assert!(pages[1..].iter().all(|p| is_page(&p.path("atom.xml"))));
        // A category named "Archive" is a feed, not a page.
        assert!(!is_page("categories/archive/atom.xml"));
        assert!(!is_page(&pages[0].path("atom.xml")));
        assert!(is_page("archive/2026-W02/rss.xml") && !is_page("archive/2026-w02/rss.xml"));
        // Every entry once, newest to oldest.
        let all: Vec<String> = pages.iter().flat_map(ids).collect();
        let expected: Vec<String> = entries.iter().map(Entry::url).collect();
        assert_eq!(all, expected);
        // In UTC, Monday the 5th at 00:00 in Shanghai is Sunday the 4th: week 1.
        let utc = paged(feed("", &entries), 2, Tz::UTC);
        let dirs: Vec<&str> = utc.iter().map(|p| p.dir.as_str()).collect();
        assert_eq!(
            dirs,
            [
                "",
                "archive/2026-W02",
                "archive/2026-W01",
                "archive/2025-W52"
            ]
        );
        assert_eq!(utc[1].entries.len(), 1);
    }

    #[test]
    fn a_feed_that_fits_is_complete_and_has_no_pages() {
        let entries = [entry(1, "2026-01-14T08:00:00Z")];
        let pages = paged(feed("", &entries), 1, Tz::UTC);
        assert_eq!(pages.len(), 1);
        assert_eq!(pages[0].paging, Paging::Complete);
    }
}
