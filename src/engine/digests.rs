//! The digest feed: the newest digests, each one entry that holds the whole digest
//! (its intro, then its items, each title linking to its tweet, with its summary).
//! An entry depends on its own digest alone, so a batch recomputes only the entries of
//! the digests it touched, and its id (the page URL, `post_url`) stays while only the
//! digest's text changes. Two digests whose pages the template puts at one URL share
//! an id, as they share the page: Hugo reports the same clash as duplicate target
//! paths.

use super::store::{DKey, Rec, Slot};
use super::{Engine, FeedId};
use crate::config::{PostUrl, Settings};
use crate::model::key::EntryKey;
use crate::model::{Digest, Entry, Shared};
use crate::support::par::par_map;
use crate::support::text::{collapse_whitespace, escape_html, xml_safe};
use chrono_tz::Tz;
use foldhash::{HashMap, HashSet, HashSetExt};
use std::borrow::Cow;
use std::fmt::Write;
use std::path::Path;
use std::sync::Arc;

/// The digest feed's part of the engine's state.
#[derive(Debug, Default)]
pub(super) struct Digests {
    post_url: PostUrl,
    timezone: Tz,
    /// The digests shown, newest first, each with its entry.
    shown: Vec<(DKey, Entry)>,
    /// Every digest's entry, while the feed keeps its history: its archive pages show
    /// them all, and a batch changes a few. By the digest's slot in the engine (read
    /// without hashing its path), with the digest's key, which tells a slot's entry
    /// from that of a digest that held the slot before.
    every: Option<Vec<Option<(DKey, Entry)>>>,
}

impl Digests {
    pub(super) fn new(settings: &Settings) -> Digests {
        Digests {
            post_url: settings.post_url.clone(),
            timezone: settings.timezone,
            shown: Vec::new(),
            every: settings.archives.digests.then(Vec::new),
        }
    }

    /// The entries shown, newest first.
    pub(super) fn entries(&self) -> impl Iterator<Item = &Entry> {
        self.shown.iter().map(|(_, entry)| entry)
    }

    pub(super) fn entry_of(&self, rec: &Rec) -> Entry {
        digest_entry(
            &rec.path(),
            &rec.digest,
            rec.categories,
            &self.post_url,
            self.timezone,
        )
    }
}

/// The place of `slot` in `every`, made if need be.
fn place(every: &mut Vec<Option<(DKey, Entry)>>, slot: Slot) -> &mut Option<(DKey, Entry)> {
    let at = slot as usize;
    if every.len() <= at {
        every.resize_with(at + 1, || None);
    }
    &mut every[at]
}

/// The digest feed's entry of the digest at `path` (relative to the input folder),
/// whose categories are `categories` as entries hold them (`category_set`).
pub(crate) fn digest_entry(
    path: &Path,
    digest: &Digest,
    categories: &'static [&'static str],
    post_url: &PostUrl,
    timezone: Tz,
) -> Entry {
    let title = if digest.title.is_empty() {
        // Hugo shows an untitled page by its file name (a bundle's by its folder's).
        let name = match path.file_stem() {
            Some(stem) if stem == "index" => path.parent().and_then(Path::file_name),
            stem => stem,
        };
        let name = name.map(|s| s.to_string_lossy()).unwrap_or_default();
        collapse_whitespace(&xml_safe(&name))
    } else {
        digest.title.to_string()
    };
    Entry {
        key: EntryKey::Url(post_url.expand(path, digest, timezone).into()),
        title: Shared::from(title),
        handle: None,
        author: None,
        published: digest.date,
        categories,
        summary_html: Arc::new(whole_html(digest)),
        // A `lastmod` before the date says nothing the date does not.
        updated: digest.lastmod.filter(|m| *m > digest.date),
    }
}

/// The digest as one HTML text (not yet sanitised, as summaries are): the intro, then
/// the items as an ordered list, each tweet once.
fn whole_html(digest: &Digest) -> String {
    let mut html = String::with_capacity(
        digest.intro_html.len()
            + digest
                .items
                .iter()
                .map(|i| i.summary_html.len() + i.title.len() + 120)
                .sum::<usize>(),
    );
    html.push_str(&digest.intro_html);
    if digest.items.is_empty() {
        return html;
    }
    html.push_str("<ol>\n");
    let mut seen: HashSet<&EntryKey> = HashSet::with_capacity(digest.items.len());
    for item in &digest.items {
        if !seen.insert(&item.link.key) {
            continue;
        }
        let _ = writeln!(
            html,
            "<li><p><a href=\"{}\">{}</a></p>",
            escape_html(&item.link.url()),
            escape_html(&item.title)
        );
        html.push_str(&item.summary_html);
        html.push_str("</li>\n");
    }
    html.push_str("</ol>\n");
    html
}

impl Engine {
    /// Brings the digest feed in line after a batch that added or changed the digests
    /// in `touched` (`None`: every digest); whether its entries changed.
    pub(super) fn refresh_digests(&mut self, touched: Option<&HashSet<DKey>>) -> bool {
        let mut old: HashMap<DKey, Entry> = std::mem::take(&mut self.digests.shown)
            .into_iter()
            .collect();
        let mut shown: Vec<(DKey, Entry)> = Vec::with_capacity(self.max);
        let mut changed = false;
        for rec in self.recs.newest_first().take(self.max) {
            let kept = old
                .remove(&rec.key)
                .filter(|_| touched.is_some_and(|t| !t.contains(&rec.key)));
            let entry = match kept {
                Some(entry) => entry,
                None => {
                    changed = true;
                    self.digests.entry_of(rec)
                }
            };
            shown.push((rec.key.clone(), entry));
        }
        changed |= !old.is_empty();
        self.digests.shown = shown;
        self.refresh_every_digest(touched);
        changed
    }

    /// Keeps every digest's entry, if the feed keeps its history: those of `touched`
    /// (`None`: all) computed again, those of digests gone dropped.
    fn refresh_every_digest(&mut self, touched: Option<&HashSet<DKey>>) {
        let Some(mut every) = self.digests.every.take() else {
            return;
        };
        match touched {
            None => {
                let recs: Vec<(Slot, &Rec)> = self.recs.newest_first_at().collect();
                let entries = par_map(&recs, |(_, rec)| self.digests.entry_of(rec));
                every = Vec::new();
                for ((slot, rec), entry) in recs.into_iter().zip(entries) {
                    *place(&mut every, slot) = Some((rec.key.clone(), entry));
                }
            }
            Some(touched) => {
                // A slot whose digest is gone, or another now, holds nothing.
                for (slot, kept) in every.iter_mut().enumerate() {
                    let held = Slot::try_from(slot).ok().and_then(|s| self.recs.at(s));
                    if held
                        .zip(kept.as_ref())
                        .is_none_or(|(r, (k, _))| *k != r.key)
                    {
                        *kept = None;
                    }
                }
                for key in touched {
                    if let Some(slot) = self.recs.slot_of(key) {
                        if let Some(rec) = self.recs.at(slot) {
                            let entry = self.digests.entry_of(rec);
                            *place(&mut every, slot) = Some((key.clone(), entry));
                        }
                    }
                }
            }
        }
        self.digests.every = Some(every);
    }

    /// Every digest's entry, newest first: the feed's history. Those kept (while the
    /// feed keeps its history) are lent, the others computed.
    pub(super) fn every_digest_entry(&self) -> Vec<Cow<'_, Entry>> {
        let kept = self.digests.every.as_deref().unwrap_or_default();
        let check = cfg!(debug_assertions) && self.recs.len() <= 2_000;
        self.recs
            .newest_first_at()
            .map(|(slot, rec)| match kept.get(slot as usize) {
                Some(Some((key, entry))) if *key == rec.key => {
                    if check {
                        assert_eq!(*entry, self.digests.entry_of(rec), "kept digest entry");
                    }
                    Cow::Borrowed(entry)
                }
                _ => Cow::Owned(self.digests.entry_of(rec)),
            })
            .collect()
    }

    /// After a digest's summaries were filled in: its entry again, if the feed shows
    /// it; whether it changed.
    pub(super) fn refresh_digest(&mut self, key: &DKey) -> Option<FeedId> {
        let at = self.digests.shown.iter().position(|(k, _)| k == key)?;
        let slot = self.recs.slot_of(key)?;
        let rec = self.recs.at(slot)?;
        let fresh = self.digests.entry_of(rec);
        if let Some(every) = &mut self.digests.every {
            *place(every, slot) = Some((key.clone(), fresh.clone()));
        }
        if self.digests.shown[at].1 == fresh {
            return None;
        }
        self.digests.shown[at].1 = fresh;
        Some(FeedId::Digests)
    }
}
