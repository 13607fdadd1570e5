//! A sync's steps, in order: what is wanted is checked against what is on disk, the
//! manifest records it, changed files are staged beside their targets several folders
//! at a time, renamed over them, stale files removed, and the folders made durable.

use super::*;
use crate::output::link_order;
use crate::support::par::par_map_on;

/// A file to write: its name in its folder, its path in the output, its bytes.
pub(super) struct ToWrite<'a> {
    pub(super) name: &'a str,
    pub(super) rel: &'a String,
    pub(super) bytes: &'a [u8],
}

/// A file written beside its target, waiting to be renamed over it.
pub(super) struct Staged {
    pub(super) name: String,
    pub(super) rel: String,
    temp: String,
    /// The fingerprint of its bytes, for the manifest.
    print: u64,
    /// The fingerprint of the file it replaces, if there is one.
    held: Option<u64>,
}

/// Files grouped by the folder (relative path) they are in.
pub(super) type ByFolder<'a, T> = Vec<(&'a str, Vec<T>)>;

/// Staged files by folder.
pub(super) type StagedFiles = Vec<(String, Vec<Staged>)>;

/// `files` (output paths, each with what goes with it) grouped by their folder, folders
/// in path order; each file made into a `T` from its name in the folder, its path and
/// what went with it. Every step of a sync works folder by folder, one handle at a time.
pub(super) fn by_folder<'a, U, T>(
    files: impl IntoIterator<Item = (&'a String, U)>,
    make: impl Fn(&'a str, &'a String, U) -> T,
) -> ByFolder<'a, T> {
    let mut grouped: BTreeMap<&'a str, Vec<T>> = BTreeMap::new();
    for (rel, with) in files {
        let (dir, name) = split_rel(rel);
        grouped.entry(dir).or_default().push(make(name, rel, with));
    }
    grouped.into_iter().collect()
}

/// Threads that write and sync files side by side. A sync mostly waits for the disk,
/// and the file system commits syncs that wait together in one journal transaction.
/// Each holds one folder open at a time.
const SYNC_THREADS: usize = 8;

impl OutputDir {
    /// [`Self::sync`] or [`Self::sync_paths`], with `durable` choosing how a number of
    /// files is made durable.
    pub(super) fn sync_with(
        &mut self,
        only: Option<&BTreeSet<String>>,
        desired: &Output,
        later: Option<Later<'_>>,
        durable: fn(usize) -> Durable,
    ) -> Result<SyncReport, WriteError> {
        let mut synced = self.sync_files(only, desired, later, durable);
        if let Some(sums) = &mut self.sums {
            match &mut synced {
                // What a failed sync left is not known: not read back until a whole one.
                Err(_) => sums.complete = false,
                Ok((report, wanted)) => {
                    let whole = report.reattached || only.is_none();
                    if whole {
                        sums.by_path.clear();
                    }
                    sums.by_path.extend(report.sums.drain(..));
                    sums.by_path.retain(|rel, _| wanted.contains(rel));
                    sums.complete |= whole;
                }
            }
        }
        synced.map(|(report, _)| report)
    }

    /// [`Self::sync_with`], and every path wanted.
    fn sync_files(
        &mut self,
        only: Option<&BTreeSet<String>>,
        desired: &Output,
        later: Option<Later<'_>>,
        durable: fn(usize) -> Durable,
    ) -> Result<(SyncReport, BTreeSet<String>), WriteError> {
        let reattached = self.reattach()?;
        let only = if reattached { None } else { only };
        let no_later = BTreeSet::new();
        let later_paths = later.as_ref().map_or(&no_later, |l| &l.paths);
        let (old, wanted, rewrite) = self.refusals_with(desired, later_paths)?;
        if only.is_none() {
            self.remove_leftovers(&old);
        }
        let mut report = SyncReport {
            reattached,
            ..SyncReport::default()
        };
        let mut todo: Vec<(&String, &[u8])> = Vec::new();
        for (rel, bytes) in desired {
            if !is_safe_relative(rel) {
                continue;
            }
            if only.is_some_and(|o| !o.contains(rel)) {
                report.unchanged += 1;
                continue;
            }
            todo.push((rel, bytes));
        }
        let coming = later.as_ref().map_or(0, |l| l.coming(desired, only));
        let durable = durable(todo.len() + coming);
        let todo = by_folder(todo, |name, rel, bytes| ToWrite { name, rel, bytes });
        // The files at hand are the caller's to publish: only later ones are summed.
        let mut staged = self.stage_all(&todo, &old, durable, &mut report, false)?;
        // The fingerprints of later files that stay as they are and that the manifest
        // does not record yet.
        let mut later_prints: BTreeMap<String, u64> = BTreeMap::new();
        if let Some(later) = later {
            let taken = self.stage_later(
                desired,
                later,
                only,
                &old,
                durable,
                &mut report,
                &mut later_prints,
            );
            match taken {
                Ok(more) => staged.extend(more),
                Err(e) => {
                    self.discard(&staged);
                    return Err(e);
                }
            }
        }
        if durable == Durable::Together && !staged.is_empty() {
            if let Err(e) = self.sync_file_system() {
                self.discard(&staged);
                return Err(e);
            }
        }
        // Record what is about to be written before renaming it into place, so that a
        // crash half-way never leaves a file of ours that no manifest knows about: the
        // bytes there before, or these.
        let mut intent = old.clone();
        for f in staged.iter().flat_map(|(_, files)| files) {
            intent.insert(f.rel.clone(), f.held.into_iter().chain([f.print]).collect());
        }
        if intent != old || rewrite {
            if let Err(e) = self.write_manifest(&intent) {
                self.discard(&staged);
                return Err(e);
            }
        }
        let mut touched: BTreeSet<String> = BTreeSet::new();
        self.commit_all(&staged, &mut touched, &mut report)?;
        let stale: Vec<&String> = old.keys().filter(|rel| !wanted.contains(*rel)).collect();
        self.remove_stale(stale, &old, &mut touched, &mut report)?;
        self.sync_folders(&touched, durable)?;
        // What the folder holds now: the bytes just written; for the files left as they
        // were, what was recorded (or, for a file not listed yet, its bytes).
        let written: BTreeMap<&String, u64> = staged
            .iter()
            .flat_map(|(_, files)| files)
            .map(|f| (&f.rel, f.print))
            .collect();
        let now: Recorded = wanted
            .iter()
            .map(|rel| {
                let prints = match (written.get(rel), old.get(rel)) {
                    (Some(print), _) => vec![*print],
                    (None, Some(prints)) if !prints.is_empty() => prints.clone(),
                    _ => match desired.get(rel) {
                        Some(bytes) => vec![print_of(bytes)],
                        None => later_prints.get(rel).copied().into_iter().collect(),
                    },
                };
                (rel.clone(), prints)
            })
            // A later file that did not come and was not there before: not written.
            .filter(|(_, prints)| !prints.is_empty())
            .collect();
        if now != intent || rewrite {
            self.write_manifest(&now)?;
        }
        report.written.sort_unstable();
        report.removed.sort_unstable();
        Ok((report, wanted))
    }

    /// What the folder holds that a sync of `desired`, and of files to come at `later`
    /// (whose bytes are checked as they come, [`Self::stage_later`]), refuses to write
    /// over, before anything is written (`check` asks the same): a link or a file where
    /// a folder of feeds goes, a file digestfeed did not write where a feed goes, a
    /// manifest that is a link. Otherwise what the manifest records, the paths wanted,
    /// and whether the manifest must be written again though nothing changes (an older
    /// build's).
    pub(super) fn refusals_with(
        &self,
        desired: &Output,
        later: &BTreeSet<String>,
    ) -> Result<(Recorded, BTreeSet<String>, bool), WriteError> {
        let (mut old, legacy) = self.read_manifest()?;
        // An older build's manifest listed paths only: each is taken over with what it
        // holds now if its name is one digestfeed writes, else it is not ours.
        let mut unreadable = None;
        old.retain(|rel, prints| {
            if !prints.is_empty() {
                return true;
            }
            let (dir, name) = split_rel(rel);
            if !OWN_NAMES.contains(&name) {
                return false;
            }
            let Ok(folder) = self.folder(dir, false) else {
                return false;
            };
            match folder.read_held(name) {
                Ok(Some(bytes)) => {
                    prints.push(print_of(&bytes));
                    true
                }
                Ok(None) => false,
                Err(e) => {
                    unreadable.get_or_insert_with(|| error(&folder.shown(name), "cannot read", e));
                    true
                }
            }
        });
        if let Some(e) = unreadable {
            return Err(e);
        }
        let wanted: BTreeSet<String> = desired
            .keys()
            .chain(later)
            .filter(|k| is_safe_relative(k))
            .cloned()
            .collect();
        // Folders in the way are refused before anything is written; after that, the
        // error reported is the first in path order, as if files were written one by one.
        self.check_folders(wanted.iter().chain(old.keys()))?;
        for rel in wanted.iter().filter(|rel| !old.contains_key(*rel)) {
            if let Some(bytes) = desired.get(rel) {
                self.refuse_foreign(rel, bytes)?;
            }
        }
        Ok((old, wanted, legacy))
    }

    /// Refuses a file at `rel` that digestfeed did not write and that does not already
    /// hold `bytes`.
    pub(super) fn refuse_foreign(&self, rel: &str, bytes: &[u8]) -> Result<(), WriteError> {
        if self.foreign(rel, bytes) {
            return Err(error(
                &self.shown(rel),
                "refusing to replace what digestfeed did not write (move it away, or choose another output folder)",
                io::Error::from(io::ErrorKind::AlreadyExists),
            ));
        }
        Ok(())
    }

    /// Removes the temporary files a killed run may have left beside the files it wrote.
    fn remove_leftovers(&self, old: &Recorded) {
        for (dir, names) in by_folder(old.keys().map(|rel| (rel, ())), |name, _, ()| name) {
            if let Ok(folder) = self.folder(dir, false) {
                for name in names {
                    folder.discard(&temp_name(name));
                }
            }
        }
    }

    /// Writes every changed file of `todo` (by folder) beside its target, several
    /// folders at a time: creating and syncing a file costs more than writing its bytes.
    /// Returns the staged temporary names by folder; on error nothing is staged any more
    /// and the error is the first in path order.
    /// A file the manifest lists is replaced only while it holds bytes it recorded.
    /// With `summed`, the MD5 of each file staged or found as it is goes to `report`.
    pub(super) fn stage_all<'a>(
        &self,
        todo: &ByFolder<'a, ToWrite<'a>>,
        old: &Recorded,
        durable: Durable,
        report: &mut SyncReport,
        summed: bool,
    ) -> Result<StagedFiles, WriteError> {
        let results = par_map_on(SYNC_THREADS, todo, |(dir, files)| {
            let folder = self.folder(dir, true)?;
            Ok(files
                .iter()
                .map(|f| {
                    let replaceable = |held: &[u8]| {
                        old.get(f.rel)
                            .is_none_or(|prints| recorded_there(prints, held))
                    };
                    let staged = folder.stage_over(f.name, f.bytes, durable, &replaceable);
                    let sum = (summed && staged.is_ok()).then(|| {
                        let md5 = crate::output::publish::md5_hex(f.bytes);
                        (f.rel.clone(), (md5, f.bytes.len() as u64))
                    });
                    (staged, sum)
                })
                .collect::<Vec<_>>())
        });
        let mut staged = Vec::new();
        let mut first: Option<(&'a String, WriteError)> = None;
        let fail =
            |rel: &'a String, e: WriteError, first: &mut Option<(&'a String, WriteError)>| {
                if first.as_ref().is_none_or(|(at, _)| rel < *at) {
                    *first = Some((rel, e));
                }
            };
        for ((dir, files), result) in todo.iter().zip(results) {
            match result {
                // A folder that cannot be made stops the files in it.
                Err(e) => fail(files[0].rel, e, &mut first),
                Ok(outcomes) => {
                    let mut in_folder = Vec::new();
                    for (f, (outcome, sum)) in files.iter().zip(outcomes) {
                        report.sums.extend(sum);
                        match outcome {
                            Ok(Some((temp, held))) => in_folder.push(Staged {
                                name: f.name.to_string(),
                                rel: f.rel.clone(),
                                temp,
                                print: print_of(f.bytes),
                                held,
                            }),
                            Ok(None) => report.unchanged += 1,
                            Err(e) => fail(f.rel, e, &mut first),
                        }
                    }
                    if !in_folder.is_empty() {
                        staged.push((dir.to_string(), in_folder));
                    }
                }
            }
        }
        if let Some((_, e)) = first {
            self.discard(&staged);
            return Err(e);
        }
        Ok(staged)
    }

    pub(super) fn discard(&self, staged: &[(String, Vec<Staged>)]) {
        for (dir, files) in staged {
            if let Ok(folder) = self.folder(dir, false) {
                for f in files {
                    folder.discard(&f.temp);
                }
            }
        }
    }

    /// Renames every staged file over its target, in [`link_order`]'s steps, so that
    /// a reader between two renames, or after a run cut short, never finds a link to a
    /// file not there yet. (The folders are made durable together afterwards: a power
    /// cut in between may keep a later rename and lose an earlier one in another
    /// folder, until the next run writes the file again.) On error, the files not
    /// renamed yet are discarded.
    fn commit_all(
        &self,
        staged: &[(String, Vec<Staged>)],
        touched: &mut BTreeSet<String>,
        report: &mut SyncReport,
    ) -> Result<(), WriteError> {
        let order = commit_order(staged);
        // Takes away the temporary files of `order[from..]`, not renamed.
        let discard = |from: usize| {
            for &(i, j) in &order[from..] {
                if let Ok(folder) = self.folder(&staged[i].0, false) {
                    folder.discard(&staged[i].1[j].temp);
                }
            }
        };
        // One folder open at a time, as there may be thousands: a folder's files are
        // together in each step.
        let mut open: Option<(usize, Folder)> = None;
        for (k, &(i, j)) in order.iter().enumerate() {
            let (dir, files) = &staged[i];
            let f = &files[j];
            let folder = match open.take() {
                Some((at, folder)) if at == i => folder,
                _ => match self.folder(dir, false) {
                    Ok(folder) => folder,
                    Err(e) => {
                        discard(k);
                        return Err(e);
                    }
                },
            };
            touch(touched, dir);
            // A failed rename takes its own temporary file away.
            if let Err(e) = folder.commit(&f.temp, &f.name) {
                discard(k + 1);
                return Err(e);
            }
            tracing::trace!(path = %folder.shown(&f.name).display(), "written");
            report.written.push(f.rel.clone());
            open = Some((i, folder));
        }
        Ok(())
    }

    /// Removes files digestfeed wrote and no longer wants, and the folders they leave
    /// empty, up to the output folder.
    fn remove_stale(
        &self,
        stale: Vec<&String>,
        old: &Recorded,
        touched: &mut BTreeSet<String>,
        report: &mut SyncReport,
    ) -> Result<(), WriteError> {
        let stale = by_folder(stale.into_iter().map(|rel| (rel, ())), |name, rel, ()| {
            (name, rel)
        });
        for (dir, files) in stale {
            // A folder that is gone, or that something else replaced, holds nothing of ours.
            let Ok(folder) = self.folder(dir, false) else {
                continue;
            };
            for (name, rel) in files {
                let held = folder
                    .read_held(name)
                    .map_err(|e| error(&folder.shown(name), "cannot read", e))?;
                let ours = held.is_some_and(|held| recorded_there(&old[rel], &held));
                if !ours {
                    if let Ok(Some(_)) = folder.kind(name) {
                        tracing::warn!(path = %folder.shown(name).display(), "left alone: the manifest lists it, but it no longer holds what digestfeed wrote there (someone changed it); remove it by hand if it is not wanted");
                        report.left_alone.push(rel.clone());
                    }
                    continue;
                }
                folder
                    .unlink(name)
                    .map_err(|e| error(&folder.shown(name), "cannot remove", e))?;
                folder.discard(&temp_name(name));
                tracing::trace!(path = %folder.shown(name).display(), "removed");
                report.removed.push(rel.clone());
                touch(touched, dir);
            }
            drop(folder);
            let mut dir = dir;
            while !dir.is_empty() {
                let (parent, leaf) = split_rel(dir);
                let removed = self
                    .folder(parent, false)
                    .is_ok_and(|p| p.remove_empty(leaf));
                if !removed {
                    break;
                }
                touched.remove(dir);
                touch(touched, parent);
                dir = parent;
            }
        }
        Ok(())
    }

    /// Makes the output's file system durable, the files staged in it included.
    fn sync_file_system(&self) -> Result<(), WriteError> {
        rfs::syncfs(&self.dir).map_err(|e| error(&self.path, "cannot sync", e))
    }

    /// Makes folders durable, so that the renames and removals in them are.
    fn sync_folders(&self, dirs: &BTreeSet<String>, durable: Durable) -> Result<(), WriteError> {
        if durable == Durable::Together && dirs.len() > 8 {
            return self.sync_file_system();
        }
        let dirs: Vec<&String> = dirs.iter().collect();
        par_map_on(SYNC_THREADS, &dirs, |dir| match self.folder(dir, false) {
            Ok(folder) => folder.sync(),
            // Removed by someone else since: nothing of it to make durable.
            Err(e) if e.source.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e),
        })
        .into_iter()
        .collect()
    }
}

/// The order in which to rename `staged` files into place, as (folder, file) indices:
/// [`link_order`]'s steps, and in each the folders' order.
fn commit_order(staged: &[(String, Vec<Staged>)]) -> Vec<(usize, usize)> {
    let mut order: Vec<(u8, usize, usize)> = staged
        .iter()
        .enumerate()
        .flat_map(|(i, (_, files))| {
            files
                .iter()
                .enumerate()
                .map(move |(j, f)| (link_order::step(&f.rel, f.held.is_some()), i, j))
        })
        .collect();
    order.sort_unstable();
    order.into_iter().map(|(_, i, j)| (i, j)).collect()
}

/// Marks `dir` and every folder above it as changed: a folder made for a new feed must
/// be durable in its parent too.
fn touch(touched: &mut BTreeSet<String>, mut dir: &str) {
    loop {
        if !touched.insert(dir.to_string()) || dir.is_empty() {
            break;
        }
        dir = split_rel(dir).0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader between two renames finds no link to a file not there yet: a new
    /// week's page before the page that gains a link to it, both before the current
    /// documents, the lists last; a new feed folder's files before its page, and its
    /// page before the front page that links it.
    #[test]
    fn files_are_renamed_into_place_before_what_links_them() {
        let staged = |rel: &str, held: bool| Staged {
            name: rel.rsplit('/').next().unwrap_or(rel).to_string(),
            rel: rel.to_string(),
            temp: String::new(),
            print: 0,
            held: held.then_some(1),
        };
        let staged: Vec<(String, Vec<Staged>)> = vec![
            (
                String::new(),
                vec![
                    staged("atom.xml", true),
                    staged("index.html", true),
                    staged("index.opml", true),
                ],
            ),
            (
                "archive/2026-W02".into(),
                vec![staged("archive/2026-W02/atom.xml", true)],
            ),
            (
                "archive/2026-W03".into(),
                vec![staged("archive/2026-W03/atom.xml", false)],
            ),
            (
                "categories/new".into(),
                vec![
                    staged("categories/new/atom.xml", false),
                    staged("categories/new/index.html", false),
                    staged("categories/new/rss.xml", false),
                ],
            ),
        ];
        let order: Vec<&str> = commit_order(&staged)
            .into_iter()
            .map(|(i, j)| staged[i].1[j].rel.as_str())
            .collect();
        assert_eq!(
            order,
            [
                "archive/2026-W03/atom.xml",
                "archive/2026-W02/atom.xml",
                "atom.xml",
                "categories/new/atom.xml",
                "categories/new/rss.xml",
                "categories/new/index.html",
                "index.html",
                "index.opml",
            ]
        );
    }
}
