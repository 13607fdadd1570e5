//! Digests dated in the future are held back until their date, as Hugo does without
//! `--buildFuture`: a digest scheduled for tomorrow must not sit at the top of every
//! feed today. What is published is a pure function of the folder and the current time.

use crate::model::Corpus;
use crate::model::Digest;
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Whether a digest dated `date` is published at `now`.
pub(crate) fn is_due(date: DateTime<chrono::FixedOffset>, now: DateTime<Utc>) -> bool {
    date <= now
}

/// Takes the digests not yet due out of `corpus`; returns how many.
pub(crate) fn hold_back(corpus: &mut Corpus, now: DateTime<Utc>) -> Vec<(PathBuf, DateTime<Utc>)> {
    let mut held = Vec::new();
    corpus.retain(|path, digest| {
        let due = is_due(digest.date, now);
        if !due {
            held.push((path.clone(), digest.date.with_timezone(&Utc)));
        }
        due
    });
    held
}

/// The daemon's digests that are not due yet, by path.
#[derive(Debug, Default)]
pub(crate) struct Held {
    digests: BTreeMap<PathBuf, Digest>,
}

impl Held {
    /// Keeps `digest` until its date (replacing what the path held before).
    pub(crate) fn hold(&mut self, rel: &Path, digest: Digest) {
        self.digests.insert(rel.to_path_buf(), digest);
    }

    /// Forgets the path (its file changed, or went); whether it was held.
    pub(crate) fn release(&mut self, rel: &Path) -> bool {
        self.digests.remove(rel).is_some()
    }

    /// Takes out the digests due at `now`.
    pub(crate) fn due(&mut self, now: DateTime<Utc>) -> Vec<(PathBuf, Digest)> {
        let due: Vec<PathBuf> = self
            .digests
            .iter()
            .filter(|(_, d)| is_due(d.date, now))
            .map(|(rel, _)| rel.clone())
            .collect();
        due.into_iter()
            .filter_map(|rel| self.digests.remove(&rel).map(|d| (rel, d)))
            .collect()
    }

    pub(crate) fn len(&self) -> usize {
        self.digests.len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.digests.is_empty()
    }

    /// How long from `now` until the next digest is due, if any is held. Capped at an
    /// hour: the wait is on the monotonic clock, and the wall clock may be set in the
    /// meantime (NTP, a resumed machine), so a long wait is measured again.
    pub(crate) fn wait(&self, now: DateTime<Utc>) -> Option<Duration> {
        let next = self.digests.values().map(|d| d.date).min()?;
        let wait = (next.with_timezone(&Utc) - now)
            .to_std()
            .unwrap_or(Duration::ZERO);
        Some(wait.min(Duration::from_secs(3600)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn digest(date: &str) -> Digest {
        Digest {
            title: "".into(),
            date: DateTime::parse_from_rfc3339(date).unwrap(),
            lastmod: None,
            slug: None,
            intro_html: Default::default(),
            categories: Vec::new(),
            items: Vec::new(),
            summaries: crate::model::Summaries::Read,
            skipped: Vec::new(),
            doubt: None,
            notes: None,
        }
    }

    #[test]
    fn held_digests_come_out_when_due_and_the_wait_is_to_the_next() {
        let now = Utc.with_ymd_and_hms(2026, 1, 1, 12, 0, 0).unwrap();
        let mut held = Held::default();
        assert_eq!(held.wait(now), None);
        held.hold(Path::new("a.md"), digest("2026-01-01T12:00:30Z"));
        // Another zone, the same kind of instant: due 20 s from now.
        held.hold(Path::new("b.md"), digest("2026-01-01T20:00:20+08:00"));
        held.hold(Path::new("c.md"), digest("2027-01-01T00:00:00Z"));
        assert_eq!(held.wait(now), Some(Duration::from_secs(20)));
        assert!(held.due(now).is_empty());
        let later = now + chrono::Duration::seconds(30);
        let due: Vec<PathBuf> = held.due(later).into_iter().map(|(p, _)| p).collect();
        assert_eq!(due, [PathBuf::from("a.md"), PathBuf::from("b.md")]);
        // A year away: measured again within the hour.
        assert_eq!(held.wait(later), Some(Duration::from_secs(3600)));
        assert!(held.release(Path::new("c.md")));
        assert!(held.is_empty());
    }

    #[test]
    fn hold_back_keeps_what_is_due_at_the_second() {
        let now = Utc.with_ymd_and_hms(2026, 1, 1, 12, 0, 0).unwrap();
        let mut corpus: Corpus = [
            ("past.md", "2026-01-01T11:59:59Z"),
            ("now.md", "2026-01-01T12:00:00Z"),
            ("soon.md", "2026-01-01T12:00:01Z"),
        ]
        .into_iter()
        .map(|(p, d)| (PathBuf::from(p), digest(d)))
        .collect();
        let held = hold_back(&mut corpus, now);
        assert_eq!(
            held,
            [(PathBuf::from("soon.md"), now + chrono::Duration::seconds(1))]
        );
        assert_eq!(corpus.keys().collect::<Vec<_>>(), ["now.md", "past.md"]);
    }
}
