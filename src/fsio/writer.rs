//! Bringing the output folder in line with the desired [`Output`]: only files whose
//! bytes differ are written, each atomically; files that digestfeed wrote before and no
//! longer wants are removed; nothing else is ever touched.

use crate::error::WriteError;
use crate::output::Output;
use crate::par::par_map_on;
use std::collections::{BTreeSet, HashSet};
use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// The record of every file digestfeed wrote, one relative path per line. Only files
/// listed here are ever removed.
pub const MANIFEST: &str = ".digestfeed-manifest";
const TEMP_SUFFIX: &str = ".digestfeed-tmp";

/// Exclusive use of an output folder, for as long as it is held (an advisory `flock`
/// on the folder itself, released when the process ends, however it ends). Two
/// digestfeed processes writing one folder would race on its temporary files.
#[derive(Debug)]
pub struct OutputLock {
    _dir: fs::File,
}

/// Takes the output folder (creating it), or says who has it.
pub fn lock(root: &Path) -> Result<OutputLock, WriteError> {
    fs::create_dir_all(root).map_err(|e| error(root, "cannot create the output folder", e))?;
    let dir = fs::File::open(root).map_err(|e| error(root, "cannot open the output folder", e))?;
    // SAFETY: flock only uses the descriptor, which `dir` keeps open.
    if unsafe {
        libc::flock(
            std::os::fd::AsRawFd::as_raw_fd(&dir),
            libc::LOCK_EX | libc::LOCK_NB,
        )
    } != 0
    {
        let e = io::Error::last_os_error();
        let action = if e.kind() == io::ErrorKind::WouldBlock {
            "another digestfeed is writing this folder (stop it, or choose another output folder)"
        } else {
            "cannot lock the output folder"
        };
        return Err(error(root, action, e));
    }
    Ok(OutputLock { _dir: dir })
}

/// What one sync did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SyncReport {
    pub written: Vec<String>,
    pub unchanged: usize,
    pub removed: Vec<String>,
}

fn error(path: &Path, action: &'static str, source: io::Error) -> WriteError {
    WriteError {
        path: path.to_path_buf(),
        action,
        source,
    }
}

/// A relative path that stays inside the output folder: `/`-separated normal components.
fn is_safe_relative(rel: &str) -> bool {
    !rel.is_empty()
        && rel
            .split('/')
            .all(|c| !c.is_empty() && c != "." && c != ".." && !c.contains(['\\', '\0']))
}

/// The temporary file a target is written through. The name is fixed, so a leftover
/// from a killed run is reused or removed, never piled up.
fn temp_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}{TEMP_SUFFIX}"))
}

/// A file at `path` that digestfeed did not write (it is not in the manifest) and that
/// does not already hold `bytes`: replacing it would destroy someone's work.
fn foreign(path: &Path, bytes: &[u8]) -> bool {
    match fs::symlink_metadata(path) {
        Err(_) => false,
        Ok(meta) if meta.is_file() => fs::read(path).map_or(true, |current| current != bytes),
        Ok(_) => true,
    }
}

/// Writes `bytes` to the temporary file of `path` (mode 0644, so that a web server can
/// read it), unless `path` already holds exactly them, and makes it durable unless the
/// caller will (`Durable::Together`). Returns the temporary file, for the caller to
/// rename over `path`. The folder must exist.
fn stage(path: &Path, bytes: &[u8], durable: Durable) -> Result<Option<PathBuf>, WriteError> {
    match fs::read(path) {
        Ok(current) if current == bytes => return Ok(None),
        _ => {}
    }
    let temp = temp_path(path);
    let result = (|| {
        let mut file = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o644)
            .open(&temp)
            .map_err(|e| error(&temp, "cannot create a temporary file", e))?;
        // Feeds are served files: readable by the web server whatever the umask.
        file.set_permissions(fs::Permissions::from_mode(0o644))
            .map_err(|e| error(&temp, "cannot set the mode of", e))?;
        file.write_all(bytes)
            .map_err(|e| error(&temp, "cannot write", e))?;
        match durable {
            Durable::EachFile => file.sync_all().map_err(|e| error(&temp, "cannot sync", e)),
            Durable::Together => Ok(()),
        }
    })();
    match result {
        Ok(()) => Ok(Some(temp)),
        Err(e) => {
            let _ = fs::remove_file(&temp);
            Err(e)
        }
    }
}

/// Threads that write and sync files side by side. A sync mostly waits for the disk,
/// and the file system commits syncs that wait together in one journal transaction.
const SYNC_THREADS: usize = 8;

/// How a batch of files is made durable before its renames.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Durable {
    /// Each file synced as it is written (and each folder after the renames): the cost
    /// is that of these files alone.
    EachFile,
    /// One `syncfs` of the output's file system for all of them: one journal commit,
    /// which for the daemon's updates (a few dozen files) is 2-3 ms less than a sync
    /// per file, but which also waits for every other program's pending writes.
    Together,
}

/// The daemon's way: `syncfs` for more than a few files.
fn by_count(files: usize) -> Durable {
    if files > 8 {
        Durable::Together
    } else {
        Durable::EachFile
    }
}

/// A run that writes once and exits ([`sync_once`]): each file on its own.
fn each_file(_files: usize) -> Durable {
    Durable::EachFile
}

/// Makes the output's file system durable, the files staged in it included.
fn sync_file_system(root: &Path) -> Result<(), WriteError> {
    let dir = fs::File::open(root).map_err(|e| error(root, "cannot open the output folder", e))?;
    // SAFETY: syncfs only reads the descriptor, which `dir` keeps open.
    if unsafe { libc::syncfs(std::os::fd::AsRawFd::as_raw_fd(&dir)) } != 0 {
        return Err(error(root, "cannot sync", io::Error::last_os_error()));
    }
    Ok(())
}

/// Makes folders durable, so that the renames in them are.
fn sync_dirs(root: &Path, dirs: &[PathBuf], durable: Durable) -> Result<(), WriteError> {
    match durable {
        Durable::Together if dirs.len() > 8 => sync_file_system(root),
        _ => par_map_on(SYNC_THREADS, dirs, |dir| sync_dir(dir))
            .into_iter()
            .collect(),
    }
}

/// Replaces `path` with `bytes` unless it already holds exactly them: temporary file in
/// the same folder, fsync, rename. Returns whether it wrote. The caller fsyncs the folder.
pub fn write_if_changed(path: &Path, bytes: &[u8]) -> Result<bool, WriteError> {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).map_err(|e| error(dir, "cannot create the folder", e))?;
    }
    let Some(temp) = stage(path, bytes, Durable::EachFile)? else {
        return Ok(false);
    };
    let result = fs::rename(&temp, path).map_err(|e| error(path, "cannot replace", e));
    if result.is_err() {
        let _ = fs::remove_file(&temp);
    }
    result.map(|()| true)
}

fn sync_dir(dir: &Path) -> Result<(), WriteError> {
    fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| error(dir, "cannot sync the folder", e))
}

fn read_manifest(root: &Path) -> Result<BTreeSet<String>, WriteError> {
    let path = root.join(MANIFEST);
    match fs::read_to_string(&path) {
        Ok(text) => Ok(text
            .lines()
            .filter(|l| is_safe_relative(l))
            .map(str::to_string)
            .collect()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(BTreeSet::new()),
        Err(e) => Err(error(&path, "cannot read the manifest", e)),
    }
}

fn write_manifest(root: &Path, paths: &BTreeSet<String>) -> Result<(), WriteError> {
    let mut text = String::new();
    for p in paths {
        text.push_str(p);
        text.push('\n');
    }
    write_if_changed(&root.join(MANIFEST), text.as_bytes())?;
    sync_dir(root)
}

/// Makes `root` hold `desired`, comparing with the files on disk. On error every file
/// is still whole (old or new bytes) and the manifest still lists every file
/// digestfeed may have written, so the next run converges.
pub fn sync(root: &Path, desired: &Output) -> Result<SyncReport, WriteError> {
    sync_with(root, None, desired, by_count)
}

/// [`sync`] for a run that writes once and exits (`--once`, often in CI right after a
/// checkout or a build): every file is synced on its own, so that the run does not wait
/// for other programs' pending writes as one `syncfs` would. With 400 MB of them, a
/// full write at 10,000 digests took 58-61 ms this way and 212-215 ms with `syncfs`;
/// on a quiet system the two are as fast. The daemon keeps [`sync`]: it starts once,
/// and then syncs a few dozen files per change, where one `syncfs` is the faster.
pub fn sync_once(root: &Path, desired: &Output) -> Result<SyncReport, WriteError> {
    sync_with(root, None, desired, each_file)
}

/// Like [`sync`], for a caller that knows which paths changed since the last
/// successful sync: only those are written or removed.
pub fn sync_paths(
    root: &Path,
    desired: &Output,
    changed: &BTreeSet<String>,
) -> Result<SyncReport, WriteError> {
    sync_with(root, Some(changed), desired, by_count)
}

/// [`sync`] or [`sync_paths`], with `durable` choosing how a number of files is made
/// durable.
fn sync_with(
    root: &Path,
    only: Option<&BTreeSet<String>>,
    desired: &Output,
    durable: fn(usize) -> Durable,
) -> Result<SyncReport, WriteError> {
    fs::create_dir_all(root).map_err(|e| error(root, "cannot create the output folder", e))?;
    let old = read_manifest(root)?;
    let wanted: BTreeSet<String> = desired
        .keys()
        .filter(|k| is_safe_relative(k))
        .cloned()
        .collect();
    for rel in wanted.difference(&old) {
        let path = root.join(rel);
        if foreign(&path, &desired[rel]) {
            return Err(error(
                &path,
                "refusing to replace what digestfeed did not write (move it away, or choose another output folder)",
                io::Error::from(io::ErrorKind::AlreadyExists),
            ));
        }
    }
    if only.is_none() {
        // Leftovers of a run that was killed mid-write.
        for rel in &old {
            let _ = fs::remove_file(temp_path(&root.join(rel)));
        }
    }
    // Record what is about to be written before writing it, so that a crash half-way
    // never leaves a file of ours that no manifest knows about.
    let union: BTreeSet<String> = old.union(&wanted).cloned().collect();
    if union != old {
        write_manifest(root, &union)?;
    }

    let mut report = SyncReport::default();
    let mut touched: BTreeSet<PathBuf> = BTreeSet::new();
    // Every changed file is first written beside its target and made durable, then all
    // are renamed: a failure before the renames replaces nothing at all.
    let mut staged: Vec<(String, PathBuf, PathBuf)> = Vec::new();
    let discard = |staged: &[(String, PathBuf, PathBuf)]| {
        for (_, temp, _) in staged {
            let _ = fs::remove_file(temp);
        }
    };
    let mut todo: Vec<(&String, PathBuf, &[u8])> = Vec::new();
    for (rel, bytes) in desired {
        if !is_safe_relative(rel) {
            continue;
        }
        if only.is_some_and(|o| !o.contains(rel)) {
            report.unchanged += 1;
            continue;
        }
        todo.push((rel, root.join(rel), bytes));
    }
    // Each folder once (a feed's three files share one), then the files several at a
    // time: creating and syncing a file costs more than writing its bytes. The error
    // reported is the first in path order, as if the files had been written one by
    // one: a folder that cannot be made stops the files from it on.
    let mut made: HashSet<&Path> = HashSet::new();
    let mut no_folder = None;
    for (at, (_, path, _)) in todo.iter().enumerate() {
        let Some(dir) = path.parent() else { continue };
        if made.insert(dir) {
            if let Err(e) = fs::create_dir_all(dir) {
                no_folder = Some((at, error(dir, "cannot create the folder", e)));
                break;
            }
        }
    }
    if let Some((at, _)) = &no_folder {
        todo.truncate(*at);
    }
    let durable = durable(todo.len());
    let results = par_map_on(SYNC_THREADS, &todo, |(_, path, bytes)| {
        stage(path, bytes, durable)
    });
    let mut failed = None;
    for ((rel, path, _), result) in todo.into_iter().zip(results) {
        match result {
            Ok(Some(temp)) => staged.push((rel.clone(), temp, path)),
            Ok(None) => report.unchanged += 1,
            Err(e) => failed = failed.or(Some(e)),
        }
    }
    let synced = match (&failed, &no_folder, durable) {
        (None, None, Durable::Together) if !staged.is_empty() => sync_file_system(root).err(),
        _ => None,
    };
    if let Some(e) = failed.or(no_folder.map(|(_, e)| e)).or(synced) {
        discard(&staged);
        return Err(e);
    }
    for (i, (rel, temp, path)) in staged.iter().enumerate() {
        if let Err(e) = fs::rename(temp, path) {
            discard(&staged[i..]);
            return Err(error(path, "cannot replace", e));
        }
        report.written.push(rel.clone());
        // The file's folder, and every folder above it up to the root: a folder made
        // for a new feed must be durable in its parent too.
        let mut dir = path.parent();
        while let Some(d) = dir {
            if !touched.insert(d.to_path_buf()) || d == root {
                break;
            }
            dir = d.parent();
        }
    }
    for rel in old.difference(&wanted) {
        let path = root.join(rel);
        match fs::symlink_metadata(&path) {
            Ok(meta) if meta.is_file() || meta.file_type().is_symlink() => {
                fs::remove_file(&path).map_err(|e| error(&path, "cannot remove", e))?;
                let _ = fs::remove_file(temp_path(&path));
                report.removed.push(rel.clone());
            }
            // Gone already, or something else took its place: not ours to remove.
            _ => {}
        }
        // Empty folders left behind by removed feeds go too, up to the root.
        let mut dir = path.parent();
        while let Some(d) = dir {
            if d == root || fs::remove_dir(d).is_err() {
                break;
            }
            if let Some(parent) = d.parent() {
                touched.insert(parent.to_path_buf());
            }
            dir = d.parent();
        }
        if let Some(parent) = path.parent() {
            if parent.exists() {
                touched.insert(parent.to_path_buf());
            }
        }
    }
    let dirs: Vec<PathBuf> = touched.into_iter().filter(|d| d.exists()).collect();
    sync_dirs(root, &dirs, durable)?;
    if union != wanted {
        write_manifest(root, &wanted)?;
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files_under(root: &Path) -> Vec<PathBuf> {
        let mut out = Vec::new();
        for entry in fs::read_dir(root).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                out.extend(files_under(&path));
            } else {
                out.push(path);
            }
        }
        out
    }

    /// Enough files to be staged on every core, some of which cannot be written: the
    /// first failure in path order is the one reported, no feed is replaced, and no
    /// temporary file is left behind; files synced one by one or all at once alike.
    #[test]
    fn a_failed_write_replaces_nothing_and_names_the_first_failure() {
        let each: fn(usize) -> Durable = |_| Durable::EachFile;
        let together: fn(usize) -> Durable = |_| Durable::Together;
        for durable in [each, together] {
            let dir = tempfile::tempdir().unwrap();
            let root = dir.path();
            let sync = |desired: &Output| sync_with(root, None, desired, durable);
            let feeds = |word: &str| -> Output {
                (0..20)
                    .map(|i| {
                        (
                            format!("f{i:02}/rss.xml"),
                            format!("{word} {i}").into_bytes(),
                        )
                    })
                    .collect()
            };
            let report = sync(&feeds("old")).unwrap();
            assert_eq!(report.written.len(), 20);
            let untouched = || {
                for i in 0..20 {
                    let held = fs::read_to_string(root.join(format!("f{i:02}/rss.xml"))).unwrap();
                    assert_eq!(held, format!("old {i}"));
                }
                let temps: Vec<PathBuf> = files_under(root)
                    .into_iter()
                    .filter(|p| p.to_string_lossy().ends_with(TEMP_SUFFIX))
                    .collect();
                assert!(temps.is_empty(), "{temps:?}");
            };
            untouched();
            // A file where a folder has to be, and a folder where a temporary file has to be.
            fs::write(root.join("a"), "not a folder").unwrap();
            fs::write(root.join("g"), "not a folder").unwrap();
            let blocked = root.join("f03/.rss.xml.digestfeed-tmp");
            fs::create_dir(&blocked).unwrap();

            let mut new = feeds("new");
            new.insert("g/rss.xml".into(), b"g".to_vec());
            let e = sync(&new).unwrap_err();
            assert_eq!(e.path, blocked, "{e}");
            untouched();

            new.insert("a/rss.xml".into(), b"a".to_vec());
            let e = sync(&new).unwrap_err();
            assert_eq!(e.path, root.join("a"), "{e}");
            untouched();

            new.remove("a/rss.xml");
            fs::remove_dir(&blocked).unwrap();
            let e = sync(&new).unwrap_err();
            assert_eq!(e.path, root.join("g"), "{e}");
            untouched();
        }
    }

    #[test]
    fn safe_relative_paths() {
        for ok in ["rss.xml", "categories/ai/rss.xml", "authors/x_y/feed.json"] {
            assert!(is_safe_relative(ok), "{ok}");
        }
        for bad in [
            "",
            "/etc/passwd",
            "../x",
            "a/../../x",
            "a//b",
            "./a",
            "a\\b",
            "a/",
        ] {
            assert!(!is_safe_relative(bad), "{bad}");
        }
    }
}
