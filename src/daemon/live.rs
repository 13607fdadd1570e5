//! The live pipeline: what each file of the input folder holds now, in, and the bytes
//! of every output file, out, kept current one change at a time. No disk and no clock:
//! the daemon hands it what it read and the time; the property tests drive it the same
//! way with files held in memory.

use crate::config::Settings;
use crate::engine::{Engine, FeedId};
use crate::error::RenderError;
use crate::future::{self, Held};
use crate::model::Digest;
use crate::output::{Output, Renderer};
use crate::state::{FileInput, Outcome, Prepared, State};
use crate::text::count;
use chrono::{DateTime, Utc};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use tracing::{debug, warn};

pub struct Live {
    pub settings: Settings,
    state: State,
    engine: Engine,
    renderer: Renderer,
    /// Digests changed since the last render (`None`: gone).
    changes: Vec<(PathBuf, Option<Digest>)>,
    /// Feeds to render again at the next render; `None`: all of them.
    dirty: Option<BTreeSet<FeedId>>,
    /// Digests dated after now, out of the engine until their date.
    held: Held,
}

impl Live {
    pub fn new(settings: Settings) -> Live {
        Live {
            engine: Engine::new(&settings.authors),
            settings,
            state: State::default(),
            renderer: Renderer::default(),
            changes: Vec::new(),
            dirty: None,
            held: Held::default(),
        }
    }

    /// The same folder under new settings: last good digests stay (a broken file keeps
    /// its entries across a reload), and every file is parsed again at its next look.
    pub fn reconfigured(mut self, settings: Settings) -> Live {
        self.state.forget_contents();
        Live {
            engine: self.engine.reconfigured(&settings.authors),
            settings,
            state: self.state,
            renderer: Renderer::default(),
            changes: self.changes,
            dirty: None,
            held: self.held,
        }
    }

    /// Takes in what the file at `rel` (shown to users as `shown`) holds at `now`.
    /// Returns whether the digests to publish changed. Problems are logged once per
    /// change of the file.
    pub fn file(
        &mut self,
        rel: &Path,
        shown: &Path,
        input: FileInput<'_>,
        now: DateTime<Utc>,
    ) -> bool {
        let prepared = self.prepare(rel, shown, input);
        self.commit(rel, shown, prepared, now)
    }

    /// The part of [`Live::file`] that reads and parses, touching nothing: a scan
    /// prepares many files at once, on every core.
    pub fn prepare(&self, rel: &Path, shown: &Path, input: FileInput<'_>) -> Prepared {
        self.state.prepare(rel, shown, input, self.settings.rules())
    }

    /// Takes in a prepared file (see [`Live::file`]).
    pub fn commit(
        &mut self,
        rel: &Path,
        shown: &Path,
        prepared: Prepared,
        now: DateTime<Utc>,
    ) -> bool {
        let gone = matches!(prepared, Prepared::Gone);
        match self.state.commit(rel, prepared) {
            Outcome::Unchanged => false,
            Outcome::Changed(mut digest) => {
                if !gone {
                    debug!(path = %shown.display(), "digest updated");
                }
                for e in digest
                    .iter_mut()
                    .flat_map(|d| std::mem::take(&mut d.skipped))
                {
                    warn!("{e} (this item is left out; the rest of the digest is published)");
                }
                self.changed(rel, shown, digest, now);
                true
            }
            Outcome::Invalid(errors) => {
                let keeping = self.state.is_published(rel);
                for e in errors {
                    if keeping {
                        warn!("{e} (keeping the last good version of this digest)");
                    } else {
                        warn!("{e}");
                    }
                }
                false
            }
        }
    }

    /// Queues what a file now holds for the engine; a digest not yet due waits in
    /// `held`, and whatever the file held before leaves the feeds meanwhile.
    fn changed(&mut self, rel: &Path, shown: &Path, digest: Option<Digest>, now: DateTime<Utc>) {
        self.held.release(rel);
        match digest {
            Some(digest) if !self.settings.publish_future && !future::is_due(digest.date, now) => {
                debug!(path = %shown.display(), date = %digest.date, "dated in the future: held back until then");
                self.held.hold(rel, digest);
                self.changes.push((rel.to_path_buf(), None));
            }
            digest => self.changes.push((rel.to_path_buf(), digest)),
        }
    }

    /// Queues the held digests whose date has come at `now` (all of them, if the
    /// settings publish future digests); whether there were any.
    pub fn release_due(&mut self, now: DateTime<Utc>) -> bool {
        let now = if self.settings.publish_future {
            DateTime::<Utc>::MAX_UTC
        } else {
            now
        };
        let due = self.held.due(now);
        let any = !due.is_empty();
        for (rel, digest) in due {
            debug!(path = %rel.display(), "its date has come: published");
            self.changes.push((rel, Some(digest)));
        }
        any
    }

    /// How long from `now` until the next held digest is due.
    pub fn next_due(&self, now: DateTime<Utc>) -> Option<std::time::Duration> {
        self.held.wait(now)
    }

    /// Paths known below `dir` (relative; `""` for all).
    pub fn known_under(&self, dir: &Path) -> Vec<PathBuf> {
        self.state.known_under(dir)
    }

    /// Whether a render would change anything.
    pub fn pending(&self) -> bool {
        !self.changes.is_empty() || self.dirty.is_none()
    }

    /// Hands the queued changes to the engine and renders the feeds they touched.
    /// Returns the output paths whose bytes changed or that are gone; after an error,
    /// the next render renders every feed.
    pub fn render(&mut self) -> Result<BTreeSet<String>, RenderError> {
        let changes = std::mem::take(&mut self.changes);
        let touched = self.engine.apply(changes);
        if let Some(dirty) = &mut self.dirty {
            dirty.extend(touched);
        }
        self.engine.prepare_for_updates();
        match self
            .renderer
            .render(&self.engine, &self.settings, self.dirty.as_ref())
        {
            Ok(changed) => {
                self.dirty = Some(BTreeSet::new());
                Ok(changed)
            }
            Err(e) => {
                self.dirty = None;
                Err(e)
            }
        }
    }

    /// Every output file's bytes, as of the last render.
    pub fn files(&self) -> &Output {
        self.renderer.files()
    }

    /// "N digests, N entries, N invalid[, N held until their date]".
    pub fn status(&self) -> String {
        let (digests, entries) = self.engine.counts();
        let mut status = format!(
            "{}, {}, {} invalid",
            count(digests, "digest", "digests"),
            count(entries, "entry", "entries"),
            self.state.invalid_count()
        );
        if !self.held.is_empty() {
            status.push_str(&format!(", {} held until their date", self.held.len()));
        }
        status
    }
}
