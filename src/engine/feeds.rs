//! What the engine hands the renderers: the feeds as `layout` lays them out, with the
//! entries they show, and the summaries those entries need.

use super::store::{dkey, Occ, Slot};
use super::{Change, Engine, FeedId};
use crate::engine::layout;
use crate::engine::layout::{Feed, Paging};
use crate::engine::slug;
use crate::model::key::EntryKey;
use crate::model::Digest;
use crate::model::Entry;
use crate::model::Summaries;
use crate::support::par::par_map;
use std::cmp::Reverse;
use std::collections::BTreeMap;
use std::collections::BTreeSet;
use std::path::PathBuf;

impl Engine {
    /// Builds what only updates need, if a full build left it out: which digests
    /// consult which names. The daemon calls it once it has said it is ready, so that
    /// the first change it sees is quick; [`Engine::apply`] calls it too, before an
    /// update, in case nobody did. `--once` never needs it.
    pub fn prepare_for_updates(&mut self) {
        if self.evidence.readers_stale() {
            for rec in self.recs.iter() {
                self.evidence.index_readers(rec, Change::Add);
            }
            self.evidence.set_readers_stale(false);
        }
    }

    /// Items read without their summaries whose summaries some feed shows (the shown
    /// entries' earliest items), by digest: each digest's item positions, in order.
    /// Read off the feed orders, as [`Engine::feeds`] takes their first entries, without
    /// laying every feed out: the daemon asks at every render.
    pub fn needs_summaries(
        &self,
        settings: &crate::config::Settings,
    ) -> BTreeMap<PathBuf, Vec<usize>> {
        let sets = self.orders.every_feed();
        let mut wanted: BTreeMap<Slot, BTreeSet<usize>> = BTreeMap::new();
        for kept in sets {
            for (_, key) in kept.first.iter().take(settings.max_entries) {
                if !self.entries.contains_key(key) {
                    continue;
                }
                let Some((slot, pos)) = self.occ.earliest(key) else {
                    continue;
                };
                let Some(rec) = self.recs.at(slot) else {
                    continue;
                };
                let read = rec.digest.summaries == Summaries::Read
                    || rec.items.get(pos).is_none_or(|irec| irec.summary);
                if !read {
                    wanted.entry(slot).or_default().insert(pos);
                }
            }
        }
        // The digest feed shows every item of its digests, and their intros: those read
        // without summaries are read again whole (a digest whose every item was filled
        // in counts as read).
        for rec in self.recs.newest_first().take(self.max) {
            if rec.digest.summaries == Summaries::Read {
                continue;
            }
            let missing = wanted.entry(rec.slot).or_default();
            missing.extend(
                rec.items
                    .iter()
                    .enumerate()
                    .filter(|(_, irec)| !irec.summary)
                    .map(|(pos, _)| pos),
            );
        }
        wanted
            .into_iter()
            .filter_map(|(slot, at)| Some((self.recs.at(slot)?.path(), at.into_iter().collect())))
            .collect()
    }

    /// Fills in the summaries of the items at `wanted` of a digest read without
    /// summaries, from a reading of the same file that has them ([`Summaries::Read`], or
    /// [`crate::parse::parse_digest_summaries_at`] for these items). Ignored (`None`)
    /// if the file no longer holds the same items. Returns the feeds of the entries
    /// whose summary changed.
    pub fn fill_summaries(
        &mut self,
        path: &std::path::Path,
        full: &Digest,
        wanted: &[usize],
    ) -> Option<BTreeSet<FeedId>> {
        let key = dkey(path);
        let rec = self.recs.get_mut(&key)?;
        if rec.digest.summaries == Summaries::Read {
            return Some(BTreeSet::new());
        }
        let same = rec.digest.items.len() == full.items.len()
            && rec
                .digest
                .items
                .iter()
                .zip(&full.items)
                .all(|(a, b)| a.link.key == b.link.key && a.title == b.title);
        if !same {
            return None;
        }
        let mut dirty = BTreeSet::new();
        for &pos in wanted {
            let (Some(item), Some(irec), Some(filled)) = (
                rec.digest.items.get_mut(pos),
                rec.items.get_mut(pos),
                full.items.get(pos),
            ) else {
                continue;
            };
            item.summary_html = filled.summary_html.clone();
            irec.summary = true;
            let earliest = self.occ.get(&item.link.key).and_then(<[Occ]>::first);
            if !earliest.is_some_and(|(_, p, i, _)| *p == key && *i as usize == pos) {
                continue;
            }
            // The entry's summary, shown or not.
            if let Some(log) = &self.entry_log {
                let mut log = log.lock().unwrap_or_else(|p| p.into_inner());
                log.keys.insert(item.link.key.clone());
            }
            let Some(entry) = self.entries.get_mut(&item.link.key) else {
                continue;
            };
            if entry.summary_html != item.summary_html {
                entry.summary_html = item.summary_html.clone();
                dirty.insert(FeedId::Global);
                dirty.extend(
                    entry
                        .categories
                        .iter()
                        .map(|c| FeedId::Category(c.to_string())),
                );
                dirty.extend(entry.author_feed().map(FeedId::Author));
            }
        }
        // Every reading with summaries renders the intro too.
        rec.digest.intro_html = full.intro_html.clone();
        if rec.items.iter().all(|irec| irec.summary) {
            rec.digest.summaries = Summaries::Read;
        }
        dirty.extend(self.refresh_digest(&key));
        Some(dirty)
    }

    /// The entries the global feed shows, newest first (for tests and tools; feeds use
    /// [`Engine::feeds`]).
    pub fn entries(&self) -> Vec<&Entry> {
        self.top(self.orders.global(), self.max)
    }

    /// Every entry of the folder, newest first (equal dates by key): the global
    /// feed's history, and every category's and author's. Computed afresh, not kept.
    pub fn every_entry(&self) -> Vec<Entry> {
        let keys: Vec<&EntryKey> = self.occ.iter().map(|(key, _)| key).collect();
        let mut entries: Vec<Entry> = par_map(&keys, |key| self.compute_entry(key))
            .into_iter()
            .flatten()
            .collect();
        // Newest first, then by key: a rank's order, without a key cloned per comparison.
        entries.sort_unstable_by(|a, b| {
            (Reverse(a.published.timestamp()), &a.key)
                .cmp(&(Reverse(b.published.timestamp()), &b.key))
        });
        entries
    }

    /// The digest feed's every entry, newest first: its history (lent where the
    /// engine keeps them, with `archives.digests`).
    pub fn every_digest(&self) -> Vec<std::borrow::Cow<'_, Entry>> {
        self.every_digest_entry()
    }

    /// Every feed, as `reference::layout::plan` would lay them out: the global one, then categories
    /// and authors in folder order. Costs a few hundred lookups per feed.
    pub fn feeds(&self, settings: &crate::config::Settings) -> Vec<(FeedId, Feed<'_>)> {
        // The engine computes the entries of its own number.
        let max = settings.max_entries.min(self.max);
        // A feed that shows every entry it has is complete (RFC 5005's fh:complete).
        let paging = |count: usize| {
            if count <= max {
                Paging::Complete
            } else {
                Paging::Open
            }
        };
        let mut feeds = vec![(
            FeedId::Global,
            Feed {
                paging: paging(self.orders.global().count),
                count: self.orders.global().count,
                ..layout::global_feed(settings, self.top(self.orders.global(), max))
            },
        )];
        feeds.push((
            FeedId::Digests,
            Feed {
                paging: paging(self.recs.len()),
                count: self.recs.len(),
                ..layout::digests_feed(settings, self.digests.entries().take(max).collect())
            },
        ));
        // Seniority: the date of each category's oldest entry (its last in feed order).
        let orders = &self.orders;
        let slugs = slug::assign(orders.by_category().keys().map(|name| {
            // Known after every batch (a batch that loses one scans for it).
            let oldest = orders.oldest_known(name);
            (*name, oldest.unwrap_or(i64::MAX))
        }));
        let mut categories: Vec<(FeedId, Feed<'_>)> = self
            .orders
            .by_category()
            .iter()
            .map(|(name, kept)| {
                (
                    FeedId::Category(name.to_string()),
                    Feed {
                        paging: paging(kept.count),
                        count: kept.count,
                        ..layout::category_feed(settings, name, &slugs[*name], self.top(kept, max))
                    },
                )
            })
            .collect();
        categories.sort_by(|a, b| a.1.dir.cmp(&b.1.dir));
        feeds.extend(categories);
        for (handle, kept) in self.orders.by_author() {
            let entries = self.top(kept, max);
            let written = entries
                .first()
                .and_then(|e| e.handle)
                .unwrap_or(handle.as_str());
            let name = self.names.display_of(written);
            feeds.push((
                FeedId::Author(handle.clone()),
                Feed {
                    paging: paging(kept.count),
                    count: kept.count,
                    ..layout::author_feed(settings, handle, written, name, entries)
                },
            ));
        }
        feeds
    }
}
