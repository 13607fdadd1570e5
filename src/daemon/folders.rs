//! The daemon's side of the disk: the input folder read into the [`Live`] pipeline,
//! path by path as events name them, and its output written to the output folder.

use super::live::Live;
use super::schedule::{LIMIT_RETRY, RETRY};
use crate::config::Settings;
use crate::error::{DigestError, RunError};
use crate::input::scan::{self, is_digest_name};
use crate::input::state::{FileInput, Prepared};
use crate::input::watch::{self, Pending, Watch};
use crate::output::writer::{Later, Next, OutputDir, ReadBack, SyncReport};
use crate::streamed::Run;
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Component, Path, PathBuf};
use tracing::{debug, error, info};

/// What keeps the daemon from doing all its work, shown in its STATUS line until it
/// clears.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Trouble {
    Input,
    Watch,
    Output,
}

/// The input and output folders as the daemon holds them: what it read, and whether
/// the output holds what the pipeline last rendered. The event loop (`Loop`) is the
/// daemon; this is its hands on the disk.
pub(crate) struct Folders {
    live: Live,
    /// The input folder as the watcher sees it (absolute, links resolved).
    root: PathBuf,
    skip: Option<PathBuf>,
    /// Whether the output folder is known to hold what the pipeline last rendered.
    synced: bool,
    /// What is wrong now, for the STATUS line.
    troubles: BTreeMap<Trouble, String>,
}

impl Folders {
    /// The input folder as the watcher sees it (absolute, links resolved).
    pub(crate) fn root(&self) -> &Path {
        &self.root
    }

    pub(crate) fn live(&self) -> &Live {
        &self.live
    }

    /// Every digest is in: from now on a summary is read when a feed shows it.
    pub(crate) fn complete(&mut self) {
        self.live.complete();
    }

    /// Says what is wrong with `part` in the STATUS line, or (`None`) that it is well.
    pub(crate) fn trouble(&mut self, part: Trouble, what: Option<String>) {
        match what {
            Some(what) => self.troubles.insert(part, what),
            None => self.troubles.remove(&part),
        };
    }
    pub(crate) fn new(settings: Settings) -> Result<Folders, RunError> {
        let root = settings
            .input_dir
            .canonicalize()
            .map_err(|source| RunError::Input {
                path: settings.input_dir.clone(),
                source,
            })?;
        let skip = settings.output_inside(&root);
        Ok(Folders {
            live: Live::new(settings),
            root,
            skip,
            synced: false,
            troubles: BTreeMap::new(),
        })
    }

    pub(crate) fn settings(&self) -> &Settings {
        &self.live.settings
    }

    /// The input folder is now `root` (moved, made again, a link flipped).
    pub(crate) fn moved_to(&mut self, root: PathBuf) {
        self.skip = self.settings().output_inside(&root);
        self.root = root;
    }

    /// These folders, made for reloaded settings, take over from the running ones
    /// (left with this one's empty pipeline): what is wrong goes along, and for the same
    /// input folder so do the last good digests (a broken file keeps its entries across
    /// a reload), every file read again.
    pub(crate) fn take_over(mut self, old: &mut Folders) -> Folders {
        self.troubles = std::mem::take(&mut old.troubles);
        if self.root == old.root {
            std::mem::swap(&mut self.live, &mut old.live);
            let settings = old.live.settings.clone();
            self.live = self.live.reconfigured(settings);
        }
        self
    }

    /// The path to show a user for a file of the input folder.
    fn shown(&self, rel: &Path) -> PathBuf {
        self.settings().input_dir.join(rel)
    }

    /// Reads the file at `rel` and prepares it for the pipeline, touching nothing.
    fn prepare_file(&self, rel: &Path) -> Prepared {
        let path = self.root.join(rel);
        let shown = self.shown(rel);
        let read = scan::read_capped(&path, self.settings().max_file_bytes);
        let input = match &read {
            Ok(bytes) => FileInput::Bytes(bytes),
            // Gone (or a link to nothing): not a file that cannot be read for now, such
            // as one in a folder whose permissions changed.
            Err(e)
                if fs::metadata(&path).is_err_and(|m| m.kind() == std::io::ErrorKind::NotFound) =>
            {
                debug!(path = %shown.display(), error = %e, "gone before it could be read");
                FileInput::Gone
            }
            Err(e) => FileInput::Unreadable(DigestError::new(&shown, None, e.message.clone())),
        };
        self.live.prepare(rel, &shown, input)
    }

    fn update_file(&mut self, rel: &Path, now: DateTime<Utc>) -> bool {
        let prepared = self.prepare_file(rel);
        self.live.commit(rel, &self.shown(rel), prepared, now)
    }

    /// [`Folders::update_file`] for many files: read and parsed on every core (the
    /// start-up scan of a large folder, a rescan), then taken in one by one.
    fn update_files(&mut self, rels: &[PathBuf], now: DateTime<Utc>) -> bool {
        let started = std::time::Instant::now();
        let prepared = crate::support::par::par_map(rels, |rel| self.prepare_file(rel));
        let read = started.elapsed();
        let files = rels.iter().map(PathBuf::as_path).zip(prepared).collect();
        let input = self.settings().input_dir.clone();
        let changed = self.live.commit_all(files, |rel| input.join(rel), now);
        debug!(
            files = rels.len(),
            read_ms = read.as_millis() as u64,
            commit_ms = (started.elapsed() - read).as_millis() as u64,
            "scan"
        );
        changed
    }

    fn forget_under(&mut self, rel: &Path, now: DateTime<Utc>) -> bool {
        let mut changed = false;
        for known in self.live.known_under(rel) {
            let shown = self.shown(&known);
            changed |= self.live.file(&known, &shown, FileInput::Gone, now);
        }
        changed
    }

    /// Brings a folder (relative; `""` for the root) in line with the disk. Only the
    /// root failing is an error; a sub-folder that vanished loses its digests, one that
    /// cannot be read keeps them as they were (like a digest that cannot be read).
    pub(crate) fn update_dir(
        &mut self,
        rel: &Path,
        now: DateTime<Utc>,
    ) -> Result<bool, std::io::Error> {
        let listing = match scan::list(&self.root.join(rel), self.skip.as_deref()) {
            Ok(listing) => listing,
            Err(e) if rel.as_os_str().is_empty() => return Err(e),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(self.forget_under(rel, now))
            }
            Err(e) => {
                error!(path = %self.shown(rel).display(), "cannot read the folder: {e}; its digests keep their last good entries");
                return Ok(false);
            }
        };
        for (dir, e) in &listing.unreadable {
            error!(path = %self.shown(&rel.join(dir)).display(), "cannot read the folder: {e}; its digests keep their last good entries");
        }
        let listed: BTreeSet<PathBuf> = listing.files.iter().map(|p| rel.join(p)).collect();
        let mut changed = false;
        for known in self.live.known_under(rel) {
            let hidden = known
                .strip_prefix(rel)
                .is_ok_and(|inside| listing.hides(inside));
            if !listed.contains(&known) && !hidden {
                changed |= self.forget_under(&known, now);
            }
        }
        let listed: Vec<PathBuf> = listed.into_iter().collect();
        changed |= self.update_files(&listed, now);
        Ok(changed)
    }

    /// Looks again at one path an event named.
    fn look_at(&mut self, path: &Path, now: DateTime<Utc>) -> Result<bool, std::io::Error> {
        let Ok(rel) = path.strip_prefix(&self.root) else {
            return Ok(false);
        };
        if rel.as_os_str().is_empty() {
            return self.update_dir(Path::new(""), now);
        }
        let hidden = rel.components().any(|c| match c {
            Component::Normal(name) => name.to_string_lossy().starts_with('.'),
            _ => true,
        });
        if hidden || self.skip.as_deref().is_some_and(|s| path.starts_with(s)) {
            return Ok(false);
        }
        let rel = rel.to_path_buf();
        let name = rel
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        match fs::symlink_metadata(path) {
            Ok(meta) if meta.is_dir() => self.update_dir(&rel, now),
            Ok(_) if is_digest_name(&name) => Ok(self.update_file(&rel, now)),
            // Cannot be looked at (a folder above lost its permissions): what is known
            // there keeps its last good entries, as a file that cannot be read does.
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                error!(path = %self.shown(&rel).display(), "cannot look at it: {e}; what it held keeps its last good entries");
                Ok(false)
            }
            // Gone, or no longer a digest's name: whatever was known there goes.
            _ => Ok(self.forget_under(&rel, now)),
        }
    }

    /// Applies a settled burst at `now`, with the held digests that came due. Returns
    /// whether the digests to publish changed; `Err` when the input folder itself could
    /// not be read.
    pub(crate) fn apply(
        &mut self,
        pending: Pending,
        now: DateTime<Utc>,
    ) -> Result<bool, std::io::Error> {
        let due = self.live.release_due(now);
        if pending.rescan {
            info!("rescanning the input folder");
            return Ok(self.update_dir(Path::new(""), now)? | due);
        }
        let mut changed = due;
        for path in &pending.paths {
            changed |= self.look_at(path, now)?;
        }
        Ok(changed)
    }

    /// The next write writes the output folder whole, as after a failed one.
    pub(crate) fn written_whole_next(&mut self) {
        self.synced = false;
    }

    /// Whether a publish has anything to do.
    pub(crate) fn needs_publish(&self) -> bool {
        self.live.pending() || !self.synced
    }

    /// Renders what changed and writes the files whose bytes changed. On failure the
    /// feeds on disk stay whole and the next publish compares every file again.
    /// Returns the output paths written.
    pub(crate) fn publish(&mut self, out: Option<&mut OutputDir>) -> Result<Vec<String>, RunError> {
        let (root, cap) = (&self.root, self.live.settings.max_file_bytes);
        let changed = match self
            .live
            .render(|rel| scan::read_capped(&root.join(rel), cap).ok())
        {
            Ok(changed) => changed,
            Err(e) => {
                // What was rendered before the error is not in any list of changes:
                // the next write compares every file.
                self.synced = false;
                return Err(e.into());
            }
        };
        // Without an output folder (publishing to a bucket only) there is nothing to
        // write here.
        let Some(out) = out else {
            self.synced = true;
            return Ok(changed.into_iter().collect());
        };
        let result = self.write(out, &changed);
        match result {
            Ok(report) => {
                self.troubles.remove(&Trouble::Output);
                if !report.written.is_empty() || !report.removed.is_empty() {
                    info!(
                        written = report.written.len(),
                        removed = report.removed.len(),
                        "feeds updated"
                    );
                }
                self.synced = true;
                Ok(report.written)
            }
            Err(e) => {
                self.synced = false;
                self.troubles
                    .insert(Trouble::Output, format!("{e}; retrying"));
                Err(e)
            }
        }
    }

    /// The archive pages as the last write left them in `out`, to be read back by the
    /// bucket's publisher, when their bytes went once written. Should the folder's
    /// manifest not be read, the next publish writes the folder whole again.
    pub(crate) fn pages_on_disk(
        &mut self,
        out: Option<&OutputDir>,
    ) -> Result<Option<ReadBack>, RunError> {
        let renderer = self.live.renderer();
        let Some(out) = out.filter(|_| renderer.forgets_pages()) else {
            return Ok(None);
        };
        match out.read_back(|path| renderer.page_paths().contains(path)) {
            Ok(pages) => Ok(Some(pages)),
            Err(e) => {
                self.synced = false;
                Err(e.into())
            }
        }
    }

    /// Writes what the last render changed: every file when the folder is written
    /// whole; with archive pages whose bytes go once written, every page from a stream
    /// when the folder is written whole (first, after a failed write, or because it was
    /// removed or replaced) or the pages were not rendered (a full render).
    fn write(
        &mut self,
        out: &mut OutputDir,
        changed: &BTreeSet<String>,
    ) -> Result<SyncReport, RunError> {
        let renderer = self.live.renderer();
        if !renderer.forgets_pages() {
            return Ok(if self.synced {
                out.sync_paths(self.live.files(), changed)?
            } else {
                out.sync(self.live.files())?
            });
        }
        let stream = renderer.streams_pages(!self.synced || out.replaced()?);
        let report = if stream {
            let (live, settings) = (&self.live, &self.live.settings);
            crate::streamed::sync(out, live.files(), live.engine(), settings, Run::Daemon)?
        } else {
            // The pages that changed are at hand; the others are on disk as they were.
            let mut part = Some(renderer.pages().clone());
            let later = Later {
                paths: renderer.page_paths().clone(),
                next: &mut || part.take().map_or(Next::End, Next::Part),
            };
            out.sync_paths_later(self.live.files(), changed, later)?
        };
        self.live.pages_written(stream);
        Ok(report)
    }

    /// The STATUS line: counts, then whatever is wrong.
    pub(crate) fn status(&self) -> String {
        let mut status = self.live.status();
        for trouble in self.troubles.values() {
            status.push_str("; ");
            status.push_str(trouble);
        }
        status
    }

    /// A watch of the input folder, or why there is none (in `troubles`).
    pub(crate) fn start_watch(&mut self) -> Option<Watch> {
        match watch::start(&self.root) {
            Ok(w) => {
                match &w.limited {
                    Some(why) => {
                        error!("{why}; watching again in {}s", LIMIT_RETRY.as_secs());
                        self.troubles.insert(Trouble::Watch, why.to_string());
                    }
                    None => {
                        self.troubles.remove(&Trouble::Watch);
                    }
                }
                Some(w)
            }
            Err(e) => {
                error!("{e}; retrying in {}s", RETRY.as_secs());
                self.troubles
                    .insert(Trouble::Watch, format!("{e}; retrying"));
                None
            }
        }
    }
}
