//! Bringing the output folder in line with the desired [`Output`]: only files whose
//! bytes differ are written, each atomically; files that digestfeed wrote before and no
//! longer wants are removed; nothing else is ever touched.
//!
//! digestfeed often runs as root, and the output folder is one a web server, a deploy
//! script or another user may also write. So every file operation goes through a
//! handle on its folder, opened from the locked output folder one name at a time
//! without following symbolic links (`openat` with `O_NOFOLLOW`): a link planted
//! anywhere in the tree, at a feed's folder or at a temporary file's name, can never
//! make digestfeed write, chmod or remove anything outside the output folder.

use crate::error::WriteError;
use crate::output::Output;
use crate::par::par_map_on;
use rustix::fs::{self as rfs, AtFlags, Mode, OFlags};
use rustix::io::Errno;
use std::collections::{BTreeSet, HashMap};
use std::fs::{self, File, TryLockError};
use std::io::{self, Read, Write};
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// The record of every file digestfeed wrote, one relative path per line. Only files
/// listed here are ever removed.
pub const MANIFEST: &str = ".digestfeed-manifest";
const TEMP_SUFFIX: &str = ".digestfeed-tmp";
/// The file a daemon creates and removes to learn that it can write the folder.
const PROBE: &str = ".digestfeed-probe";
/// Feeds are served files: readable by the web server whatever the umask, and so are
/// the folders that hold them.
const FILE_MODE: u32 = 0o644;
const DIR_MODE: u32 = 0o755;

/// What one sync did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SyncReport {
    pub written: Vec<String>,
    pub unchanged: usize,
    pub removed: Vec<String>,
    /// The output folder had been removed or replaced since the last sync, so every
    /// file was compared and written again.
    pub reattached: bool,
}

fn error(path: &Path, action: &'static str, source: impl Into<io::Error>) -> WriteError {
    WriteError {
        path: path.to_path_buf(),
        action,
        source: source.into(),
    }
}

/// A relative path that stays inside the output folder: `/`-separated normal components.
fn is_safe_relative(rel: &str) -> bool {
    !rel.is_empty()
        && rel
            .split('/')
            .all(|c| !c.is_empty() && c != "." && c != ".." && !c.contains(['\\', '\0']))
}

/// The folder part and the name of a relative path (`""` for the output folder itself).
fn split_rel(rel: &str) -> (&str, &str) {
    rel.rsplit_once('/').unwrap_or(("", rel))
}

/// The temporary name a file is written under. It is fixed, so a leftover from a
/// killed run is removed, never piled up.
fn temp_name(name: &str) -> String {
    format!(".{name}{TEMP_SUFFIX}")
}

/// Creates `path` and any missing folder above it with mode 0755, whatever the umask.
fn make_folders(path: &Path) -> io::Result<()> {
    if path.is_dir() {
        return Ok(());
    }
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        make_folders(parent)?;
    }
    match fs::DirBuilder::new().mode(DIR_MODE).create(path) {
        Ok(()) => fs::set_permissions(path, fs::Permissions::from_mode(DIR_MODE)),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists && path.is_dir() => Ok(()),
        Err(e) => Err(e),
    }
}

fn identity(meta: &fs::Metadata) -> (u64, u64) {
    (meta.dev(), meta.ino())
}

/// An output folder held for writing: an open handle on it, locked (an advisory
/// `flock`, released when the process ends, however it ends) so that a second
/// digestfeed writing the same folder is refused instead of racing on its files.
#[derive(Debug)]
pub struct OutputDir {
    path: PathBuf,
    dir: File,
    /// Device and inode of the folder held, to notice it being removed or replaced.
    id: (u64, u64),
}

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

/// A run that writes once and exits ([`OutputDir::sync_once`]): each file on its own.
fn each_file(_files: usize) -> Durable {
    Durable::EachFile
}

/// Threads that write and sync files side by side. A sync mostly waits for the disk,
/// and the file system commits syncs that wait together in one journal transaction.
const SYNC_THREADS: usize = 8;

/// Handles on the folders of one sync, by relative path (`""`: the output folder).
struct Folders {
    handles: HashMap<String, OwnedFd>,
}

impl Folders {
    fn get(&self, rel: &str) -> BorrowedFd<'_> {
        self.handles[rel].as_fd()
    }
}

/// The bytes of the regular file `name` in `dir`, or `None` (missing, a link, not a
/// file, unreadable): whatever it is, it does not hold what is to be written.
fn read_at(dir: BorrowedFd<'_>, name: &str) -> Option<Vec<u8>> {
    let flags = OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::CLOEXEC | OFlags::NONBLOCK;
    let fd = rfs::openat(dir, name, flags, Mode::empty()).ok()?;
    let mut file = File::from(fd);
    if !file.metadata().ok()?.is_file() {
        return None;
    }
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes).ok()?;
    Some(bytes)
}

/// What stands at `name` in `dir`, without following a link; `None` when nothing does.
fn kind_at(dir: BorrowedFd<'_>, name: &str) -> io::Result<Option<rfs::FileType>> {
    match rfs::statat(dir, name, AtFlags::SYMLINK_NOFOLLOW) {
        Ok(stat) => Ok(Some(rfs::FileType::from_raw_mode(stat.st_mode))),
        Err(Errno::NOENT) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Removes `name` from `dir` when it is a file or a link (never what a link points
/// to); `Ok(false)` when nothing is there.
fn unlink_file(dir: BorrowedFd<'_>, name: &str) -> io::Result<bool> {
    match rfs::unlinkat(dir, name, AtFlags::empty()) {
        Ok(()) => Ok(true),
        Err(Errno::NOENT) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

impl OutputDir {
    /// Takes the output folder (creating it, mode 0755), or says who has it.
    pub fn open(path: &Path) -> Result<OutputDir, WriteError> {
        make_folders(path).map_err(|e| error(path, "cannot create the output folder", e))?;
        let dir = File::open(path).map_err(|e| error(path, "cannot open the output folder", e))?;
        let meta = dir
            .metadata()
            .map_err(|e| error(path, "cannot open the output folder", e))?;
        if !meta.is_dir() {
            return Err(error(
                path,
                "is a file, not a folder (choose a folder for the feeds)",
                io::Error::from(io::ErrorKind::NotADirectory),
            ));
        }
        match dir.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                return Err(error(
                    path,
                    "another digestfeed is writing this folder (stop it, or choose another output folder)",
                    io::Error::from(io::ErrorKind::WouldBlock),
                ))
            }
            Err(TryLockError::Error(e)) => {
                return Err(error(path, "cannot lock the output folder", e))
            }
        }
        Ok(OutputDir {
            path: path.to_path_buf(),
            id: identity(&meta),
            dir,
        })
    }

    /// The folder as the user named it.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn shown(&self, rel: &str) -> PathBuf {
        if rel.is_empty() {
            self.path.clone()
        } else {
            self.path.join(rel)
        }
    }

    /// Whether the folder at the path is still the one held. When it was removed or
    /// replaced (a deploy step that wipes it, `rm -rf`), the new one (made if need be)
    /// is taken and locked in its place, and `true` says that every file must be
    /// written again.
    fn reattach(&mut self) -> Result<bool, WriteError> {
        let now = fs::metadata(&self.path).ok().map(|m| identity(&m));
        if now == Some(self.id) {
            return Ok(false);
        }
        tracing::warn!(output = %self.path.display(), "the output folder was removed or replaced; writing every feed into it again");
        *self = OutputDir::open(&self.path)?;
        Ok(true)
    }

    /// Checks that a file can be made in the folder: created exclusively (never through
    /// a link standing at its name), then removed.
    pub fn probe(&mut self) -> Result<(), WriteError> {
        self.reattach()?;
        let dir = self.dir.as_fd();
        let shown = self.shown(PROBE);
        let made = unlink_file(dir, PROBE).and_then(|_| {
            let flags = OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW;
            rfs::openat(
                dir,
                PROBE,
                flags | OFlags::CLOEXEC,
                Mode::from_raw_mode(0o600),
            )
            .map_err(io::Error::from)
        });
        made.and_then(|_| unlink_file(dir, PROBE).map(|_| ()))
            .map_err(|e| error(&shown, "cannot write into the output folder", e))
    }

    /// Makes the folder hold `desired`, comparing with the files on disk. On error every
    /// file is still whole (old or new bytes) and the manifest still lists every file
    /// digestfeed may have written, so the next run converges.
    pub fn sync(&mut self, desired: &Output) -> Result<SyncReport, WriteError> {
        self.sync_with(None, desired, by_count)
    }

    /// [`Self::sync`] for a run that writes once and exits (`--once`, often in CI right
    /// after a checkout or a build): every file is synced on its own, so that the run
    /// does not wait for other programs' pending writes as one `syncfs` would. With 400
    /// MB of them, a full write at 10,000 digests took 58-61 ms this way and 212-215 ms
    /// with `syncfs`; on a quiet system the two are as fast. The daemon keeps
    /// [`Self::sync`]: it starts once, and then syncs a few dozen files per change,
    /// where one `syncfs` is the faster.
    pub fn sync_once(&mut self, desired: &Output) -> Result<SyncReport, WriteError> {
        self.sync_with(None, desired, each_file)
    }

    /// Like [`Self::sync`], for a caller that knows which paths changed since the last
    /// successful sync: only those are written or removed (all of them, if the folder
    /// was replaced in between).
    pub fn sync_paths(
        &mut self,
        desired: &Output,
        changed: &BTreeSet<String>,
    ) -> Result<SyncReport, WriteError> {
        self.sync_with(Some(changed), desired, by_count)
    }

    fn read_manifest(&self) -> Result<BTreeSet<String>, WriteError> {
        let shown = self.shown(MANIFEST);
        let flags = OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::CLOEXEC | OFlags::NONBLOCK;
        let fd =
            match rfs::openat(self.dir.as_fd(), MANIFEST, flags, Mode::empty()) {
                Ok(fd) => fd,
                Err(Errno::NOENT) => return Ok(BTreeSet::new()),
                Err(Errno::LOOP) => return Err(error(
                    &shown,
                    "is a symbolic link, not digestfeed's record of its files (remove the link)",
                    Errno::LOOP,
                )),
                Err(e) => return Err(error(&shown, "cannot read the manifest", e)),
            };
        let mut text = String::new();
        File::from(fd)
            .read_to_string(&mut text)
            .map_err(|e| error(&shown, "cannot read the manifest", e))?;
        Ok(text
            .lines()
            .filter(|l| is_safe_relative(l))
            .map(str::to_string)
            .collect())
    }

    fn write_manifest(&self, paths: &BTreeSet<String>) -> Result<(), WriteError> {
        let mut text = String::new();
        for p in paths {
            text.push_str(p);
            text.push('\n');
        }
        let dir = self.dir.as_fd();
        if let Some(temp) = self.stage(dir, "", MANIFEST, text.as_bytes(), Durable::EachFile)? {
            self.commit(dir, "", &temp, MANIFEST)?;
        }
        rfs::fsync(dir).map_err(|e| error(&self.path, "cannot sync the folder", e))
    }

    /// Every folder that `rels` lie in must be a real folder of the output (or not
    /// exist yet): a symbolic link, or a file, where digestfeed keeps feeds is refused
    /// before anything is written, whoever put it there.
    fn check_folders<'a>(&self, rels: impl Iterator<Item = &'a String>) -> Result<(), WriteError> {
        let mut seen: BTreeSet<&str> = BTreeSet::new();
        let root = self.dir.as_fd();
        for rel in rels {
            let (dir, _) = split_rel(rel);
            let mut end = 0;
            while end < dir.len() {
                end = dir[end..].find('/').map_or(dir.len(), |i| end + i);
                let folder = &dir[..end];
                end += 1;
                if !seen.insert(folder) {
                    continue;
                }
                let shown = self.shown(folder);
                match kind_at(root, folder) {
                    Ok(None) => break,
                    Ok(Some(rfs::FileType::Directory)) => {}
                    Ok(Some(rfs::FileType::Symlink)) => {
                        return Err(error(
                            &shown,
                            "is a symbolic link where digestfeed keeps a folder of feeds; it never writes through links (replace it with a real folder, or remove it)",
                            io::Error::from(io::ErrorKind::AlreadyExists),
                        ))
                    }
                    Ok(Some(_)) => {
                        return Err(error(
                            &shown,
                            "is a file where digestfeed keeps a folder of feeds (move it away, or choose another output folder)",
                            io::Error::from(io::ErrorKind::AlreadyExists),
                        ))
                    }
                    Err(e) => return Err(error(&shown, "cannot look at the folder", e)),
                }
            }
        }
        Ok(())
    }

    /// A file at `rel` that digestfeed did not write (it is not in the manifest) and
    /// that does not already hold `bytes`: replacing it would destroy someone's work.
    fn foreign(&self, rel: &str, bytes: &[u8]) -> bool {
        let root = self.dir.as_fd();
        match kind_at(root, rel) {
            Ok(None) => false,
            Ok(Some(rfs::FileType::RegularFile)) => {
                let (dir, name) = split_rel(rel);
                let held = if dir.is_empty() {
                    read_at(root, name)
                } else {
                    let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW;
                    rfs::openat(root, dir, flags | OFlags::CLOEXEC, Mode::empty())
                        .ok()
                        .and_then(|d| read_at(d.as_fd(), name))
                };
                held.as_deref() != Some(bytes)
            }
            _ => true,
        }
    }

    /// Opens (and with `create`, makes) the folders of `dirs`, in order, one name at a
    /// time from the output folder and never through a link. With `create` it stops at
    /// the first that fails, returning the handles opened so far, the index it failed
    /// at and why; without, a folder that cannot be opened (gone, say) is passed over.
    fn open_folders<'a>(
        &self,
        dirs: impl Iterator<Item = &'a str>,
        create: bool,
    ) -> (Folders, Option<(usize, WriteError)>) {
        let mut handles: HashMap<String, OwnedFd> = HashMap::new();
        let root = match self.dir.try_clone() {
            Ok(root) => OwnedFd::from(root),
            Err(e) => {
                let e = error(&self.path, "cannot open the output folder", e);
                return (Folders { handles }, Some((0, e)));
            }
        };
        handles.insert(String::new(), root);
        for (at, dir) in dirs.enumerate() {
            if let Err(e) = self.open_folder(&mut handles, dir, create) {
                if create {
                    return (Folders { handles }, Some((at, e)));
                }
            }
        }
        (Folders { handles }, None)
    }

    fn open_folder(
        &self,
        handles: &mut HashMap<String, OwnedFd>,
        dir: &str,
        create: bool,
    ) -> Result<(), WriteError> {
        if handles.contains_key(dir) {
            return Ok(());
        }
        let (parent, name) = split_rel(dir);
        self.open_folder(handles, parent, create)?;
        let parent_fd = handles[parent].as_fd();
        let shown = self.shown(dir);
        let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
        let opened = match rfs::openat(parent_fd, name, flags, Mode::empty()) {
            Err(Errno::NOENT) if create => {
                match rfs::mkdirat(parent_fd, name, Mode::from_raw_mode(DIR_MODE)) {
                    Ok(()) | Err(Errno::EXIST) => {}
                    Err(e) => return Err(error(&shown, "cannot create the folder", e)),
                }
                let fd = rfs::openat(parent_fd, name, flags, Mode::empty())
                    .map_err(|e| error(&shown, "cannot open the folder", e))?;
                // mkdir's mode passes through the umask; a web server must enter it.
                rfs::fchmod(&fd, Mode::from_raw_mode(DIR_MODE))
                    .map_err(|e| error(&shown, "cannot set the mode of", e))?;
                Ok(fd)
            }
            other => other,
        };
        let fd = opened.map_err(|e| match e {
            Errno::LOOP | Errno::NOTDIR => error(
                &shown,
                "is not a real folder (a symbolic link or a file stands where digestfeed keeps feeds; move it away)",
                e,
            ),
            e => error(&shown, "cannot open the folder", e),
        })?;
        handles.insert(dir.to_string(), fd);
        Ok(())
    }

    /// Writes `bytes` to the temporary file of `name` in `dir` (mode 0644, so that a
    /// web server can read it), unless `name` already holds exactly them, and makes it
    /// durable unless the caller will (`Durable::Together`). The temporary file is
    /// created exclusively and without following links; whatever stood at its name
    /// (a leftover of a killed run, a planted link) is removed first, never written
    /// through. Returns the temporary name, for the caller to rename over `name`.
    fn stage(
        &self,
        dir: BorrowedFd<'_>,
        dir_rel: &str,
        name: &str,
        bytes: &[u8],
        durable: Durable,
    ) -> Result<Option<String>, WriteError> {
        if read_at(dir, name).as_deref() == Some(bytes) {
            return Ok(None);
        }
        let temp = temp_name(name);
        let shown = || self.shown(&join(dir_rel, &temp));
        unlink_file(dir, &temp)
            .map_err(|e| error(&shown(), "cannot remove a leftover temporary file", e))?;
        let flags =
            OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC;
        let fd = rfs::openat(dir, temp.as_str(), flags, Mode::from_raw_mode(FILE_MODE))
            .map_err(|e| error(&shown(), "cannot create a temporary file", e))?;
        let result = (|| {
            rfs::fchmod(&fd, Mode::from_raw_mode(FILE_MODE))
                .map_err(|e| error(&shown(), "cannot set the mode of", e))?;
            let mut file = File::from(fd);
            file.write_all(bytes)
                .map_err(|e| error(&shown(), "cannot write", e))?;
            match durable {
                Durable::EachFile => file
                    .sync_all()
                    .map_err(|e| error(&shown(), "cannot sync", e)),
                Durable::Together => Ok(()),
            }
        })();
        match result {
            Ok(()) => Ok(Some(temp)),
            Err(e) => {
                let _ = unlink_file(dir, &temp);
                Err(e)
            }
        }
    }

    /// Renames a staged temporary file over its target (replacing a link standing
    /// there, never writing through it).
    fn commit(
        &self,
        dir: BorrowedFd<'_>,
        dir_rel: &str,
        temp: &str,
        name: &str,
    ) -> Result<(), WriteError> {
        rfs::renameat(dir, temp, dir, name).map_err(|e| {
            let _ = unlink_file(dir, temp);
            error(&self.shown(&join(dir_rel, name)), "cannot replace", e)
        })
    }

    /// Makes the output's file system durable, the files staged in it included.
    fn sync_file_system(&self) -> Result<(), WriteError> {
        rfs::syncfs(&self.dir).map_err(|e| error(&self.path, "cannot sync", e))
    }

    /// Makes folders durable, so that the renames in them are.
    fn sync_folders(
        &self,
        folders: &Folders,
        dirs: &[&String],
        durable: Durable,
    ) -> Result<(), WriteError> {
        match durable {
            Durable::Together if dirs.len() > 8 => self.sync_file_system(),
            _ => par_map_on(SYNC_THREADS, dirs, |dir| {
                rfs::fsync(folders.get(dir))
                    .map_err(|e| error(&self.shown(dir), "cannot sync the folder", e))
            })
            .into_iter()
            .collect(),
        }
    }

    /// [`Self::sync`] or [`Self::sync_paths`], with `durable` choosing how a number of
    /// files is made durable.
    fn sync_with(
        &mut self,
        only: Option<&BTreeSet<String>>,
        desired: &Output,
        durable: fn(usize) -> Durable,
    ) -> Result<SyncReport, WriteError> {
        let reattached = self.reattach()?;
        let only = if reattached { None } else { only };
        let old = self.read_manifest()?;
        let wanted: BTreeSet<String> = desired
            .keys()
            .filter(|k| is_safe_relative(k))
            .cloned()
            .collect();
        self.check_folders(wanted.iter().chain(old.iter()))?;
        for rel in wanted.difference(&old) {
            if self.foreign(rel, &desired[rel]) {
                return Err(error(
                    &self.shown(rel),
                    "refusing to replace what digestfeed did not write (move it away, or choose another output folder)",
                    io::Error::from(io::ErrorKind::AlreadyExists),
                ));
            }
        }
        // Record what is about to be written before writing it, so that a crash half-way
        // never leaves a file of ours that no manifest knows about.
        let union: BTreeSet<String> = old.union(&wanted).cloned().collect();
        if union != old {
            self.write_manifest(&union)?;
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
        // Each folder once (a feed's three files share one), then the files several at a
        // time: creating and syncing a file costs more than writing its bytes. The error
        // reported is the first in path order, as if the files had been written one by
        // one: a folder that cannot be made stops the files from it on.
        let (folders, no_folder) =
            self.open_folders(todo.iter().map(|(rel, _)| split_rel(rel).0), true);
        if let Some((at, _)) = &no_folder {
            todo.truncate(*at);
        }
        if only.is_none() {
            // Leftovers of a run that was killed mid-write.
            let (left, _) = self.open_folders(old.iter().map(|rel| split_rel(rel).0), false);
            for rel in &old {
                let (dir, name) = split_rel(rel);
                if let Some(fd) = left.handles.get(dir) {
                    let _ = unlink_file(fd.as_fd(), &temp_name(name));
                }
            }
        }
        let durable = durable(todo.len());
        let results = par_map_on(SYNC_THREADS, &todo, |(rel, bytes)| {
            let (dir, name) = split_rel(rel);
            self.stage(folders.get(dir), dir, name, bytes, durable)
        });
        let mut staged: Vec<(&String, String)> = Vec::new();
        let mut failed = None;
        for ((rel, _), result) in todo.into_iter().zip(results) {
            match result {
                Ok(Some(temp)) => staged.push((rel, temp)),
                Ok(None) => report.unchanged += 1,
                Err(e) => failed = failed.or(Some(e)),
            }
        }
        let discard = |staged: &[(&String, String)]| {
            for (rel, temp) in staged {
                let _ = unlink_file(folders.get(split_rel(rel).0), temp);
            }
        };
        let synced = match (&failed, &no_folder, durable) {
            (None, None, Durable::Together) if !staged.is_empty() => self.sync_file_system().err(),
            _ => None,
        };
        if let Some(e) = failed.or(no_folder.map(|(_, e)| e)).or(synced) {
            discard(&staged);
            return Err(e);
        }
        // The folders whose entries changed: a renamed file's folder, and every folder
        // above it up to the root (a folder made for a new feed must be durable in its
        // parent too).
        let mut touched: BTreeSet<String> = BTreeSet::new();
        let touch = |touched: &mut BTreeSet<String>, mut dir: &str| loop {
            if !touched.insert(dir.to_string()) || dir.is_empty() {
                break;
            }
            dir = split_rel(dir).0;
        };
        for (i, (rel, temp)) in staged.iter().enumerate() {
            let (dir, name) = split_rel(rel);
            if let Err(e) = self.commit(folders.get(dir), dir, temp, name) {
                discard(&staged[i + 1..]);
                return Err(e);
            }
            report.written.push((*rel).clone());
            touch(&mut touched, dir);
        }
        let stale: Vec<&String> = old.difference(&wanted).collect();
        let (mut gone, _) = self.open_folders(stale.iter().map(|rel| split_rel(rel).0), false);
        for rel in stale {
            let (dir, name) = split_rel(rel);
            // A folder that is gone, or that something else replaced, holds nothing of ours.
            let Some(fd) = gone.handles.get(dir) else {
                continue;
            };
            let fd = fd.as_fd();
            let shown = self.shown(rel);
            if let Ok(Some(rfs::FileType::RegularFile | rfs::FileType::Symlink)) = kind_at(fd, name)
            {
                unlink_file(fd, name).map_err(|e| error(&shown, "cannot remove", e))?;
                let _ = unlink_file(fd, &temp_name(name));
                report.removed.push(rel.clone());
                touch(&mut touched, dir);
            }
            // Empty folders left behind by removed feeds go too, up to the root.
            let mut dir = dir;
            while !dir.is_empty() {
                let (parent, leaf) = split_rel(dir);
                let Some(parent_fd) = gone.handles.get(parent) else {
                    break;
                };
                if rfs::unlinkat(parent_fd, leaf, AtFlags::REMOVEDIR).is_err() {
                    break;
                }
                gone.handles.remove(dir);
                touched.remove(dir);
                touch(&mut touched, parent);
                dir = parent;
            }
        }
        let mut all = folders;
        all.handles.extend(gone.handles);
        let dirs: Vec<&String> = touched
            .iter()
            .filter(|d| all.handles.contains_key(d.as_str()))
            .collect();
        self.sync_folders(&all, &dirs, durable)?;
        if union != wanted {
            self.write_manifest(&wanted)?;
        }
        Ok(report)
    }
}

fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_string()
    } else {
        format!("{dir}/{name}")
    }
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
            let mut out = OutputDir::open(root).unwrap();
            let mut sync = |desired: &Output| out.sync_with(None, desired, durable);
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
            // A folder where a temporary file has to be, and a file where a folder has to be.
            let blocked = root.join("f03/.rss.xml.digestfeed-tmp");
            fs::create_dir(&blocked).unwrap();
            let mut new = feeds("new");
            let e = sync(&new).unwrap_err();
            assert_eq!(e.path, blocked, "{e}");
            untouched();

            // A folder in the way is refused before anything is written, wherever it
            // sorts among the files that could be.
            fs::write(root.join("g"), "not a folder").unwrap();
            new.insert("g/rss.xml".into(), b"g".to_vec());
            let e = sync(&new).unwrap_err();
            assert_eq!(e.path, root.join("g"), "{e}");
            untouched();

            fs::remove_file(root.join("g")).unwrap();
            fs::remove_dir(&blocked).unwrap();
            assert_eq!(sync(&new).unwrap().written.len(), 21);
        }
    }

    /// A file outside the output folder that no run may write, chmod or remove.
    struct Outside {
        _dir: tempfile::TempDir,
        file: PathBuf,
    }

    impl Outside {
        fn new() -> Outside {
            let dir = tempfile::tempdir().unwrap();
            let file = dir.path().join("secret");
            fs::write(&file, "precious").unwrap();
            fs::set_permissions(&file, fs::Permissions::from_mode(0o600)).unwrap();
            Outside { _dir: dir, file }
        }

        fn dir(&self) -> &Path {
            self.file.parent().unwrap()
        }

        fn assert_untouched(&self) {
            assert_eq!(fs::read_to_string(&self.file).unwrap(), "precious");
            let mode = fs::metadata(&self.file).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
            let names: Vec<_> = fs::read_dir(self.dir()).unwrap().collect();
            assert_eq!(names.len(), 1, "{names:?}");
        }
    }

    fn feed(pairs: &[(&str, &str)]) -> Output {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.as_bytes().to_vec()))
            .collect()
    }

    /// Links planted at a temporary file's name, at a feed's name and at the probe's
    /// name are replaced or removed, never written through.
    #[test]
    fn links_at_file_names_are_never_written_through() {
        let outside = Outside::new();
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let mut out = OutputDir::open(root).unwrap();
        out.sync(&feed(&[
            ("rss.xml", "one"),
            ("categories/ai/rss.xml", "a1"),
        ]))
        .unwrap();
        std::os::unix::fs::symlink(&outside.file, root.join(".rss.xml.digestfeed-tmp")).unwrap();
        fs::remove_file(root.join("categories/ai/rss.xml")).unwrap();
        std::os::unix::fs::symlink(&outside.file, root.join("categories/ai/rss.xml")).unwrap();
        std::os::unix::fs::symlink(&outside.file, root.join(PROBE)).unwrap();
        out.probe().unwrap();
        let report = out
            .sync(&feed(&[
                ("rss.xml", "two"),
                ("categories/ai/rss.xml", "a2"),
            ]))
            .unwrap();
        assert_eq!(report.written, ["categories/ai/rss.xml", "rss.xml"]);
        outside.assert_untouched();
        for (rel, bytes) in [("rss.xml", "two"), ("categories/ai/rss.xml", "a2")] {
            let meta = fs::symlink_metadata(root.join(rel)).unwrap();
            assert!(meta.is_file(), "{rel} is a real file");
            assert_eq!(meta.permissions().mode() & 0o777, 0o644);
            assert_eq!(fs::read_to_string(root.join(rel)).unwrap(), bytes);
        }
        assert!(fs::symlink_metadata(root.join(PROBE)).is_err());
        // A link that stands where a removed feed was goes, and only the link.
        std::os::unix::fs::symlink(&outside.file, root.join("categories/ai/atom.xml")).unwrap();
        let mut manifest = fs::read_to_string(root.join(MANIFEST)).unwrap();
        manifest.push_str("categories/ai/atom.xml\n");
        fs::write(root.join(MANIFEST), manifest).unwrap();
        out.sync(&feed(&[("rss.xml", "two")])).unwrap();
        outside.assert_untouched();
        assert!(!root.join("categories").exists());
    }

    /// A link where a folder of feeds goes (`categories -> elsewhere`) is refused before
    /// anything is written, whether the run would write into it or remove from it, and
    /// whatever the manifest says.
    #[test]
    fn a_linked_folder_is_refused_and_nothing_outside_is_touched() {
        let outside = Outside::new();
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let mut out = OutputDir::open(root).unwrap();
        out.sync(&feed(&[
            ("rss.xml", "one"),
            ("categories/ai/rss.xml", "a1"),
        ]))
        .unwrap();
        fs::remove_dir_all(root.join("categories")).unwrap();
        std::os::unix::fs::symlink(outside.dir(), root.join("categories")).unwrap();
        let before = fs::read(root.join("rss.xml")).unwrap();
        // Written into, removed from (the manifest lists a file "in" it), both.
        let mut manifest = fs::read_to_string(root.join(MANIFEST)).unwrap();
        manifest.push_str("categories/secret\n");
        fs::write(root.join(MANIFEST), &manifest).unwrap();
        for desired in [
            feed(&[("rss.xml", "two"), ("categories/ai/rss.xml", "a2")]),
            feed(&[("rss.xml", "two")]),
            feed(&[("rss.xml", "two"), ("categories/secret", "overwritten")]),
        ] {
            let e = out.sync(&desired).unwrap_err();
            assert_eq!(e.path, root.join("categories"), "{e}");
            assert!(e.to_string().contains("symbolic link"), "{e}");
            assert_eq!(fs::read(root.join("rss.xml")).unwrap(), before);
            assert_eq!(fs::read_to_string(root.join(MANIFEST)).unwrap(), manifest);
            outside.assert_untouched();
        }
        // A link at the manifest's name is not read through either.
        fs::remove_file(root.join("categories")).unwrap();
        fs::remove_file(root.join(MANIFEST)).unwrap();
        std::os::unix::fs::symlink(&outside.file, root.join(MANIFEST)).unwrap();
        let e = out.sync(&feed(&[("rss.xml", "one")])).unwrap_err();
        assert_eq!(e.path, root.join(MANIFEST), "{e}");
        outside.assert_untouched();
    }

    /// The folder is removed (or replaced) under a running writer: the next sync takes
    /// the new one, locks it and writes every file, not only the changed ones.
    #[test]
    fn a_removed_output_folder_is_taken_again_and_written_whole() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("out");
        let mut out = OutputDir::open(&root).unwrap();
        let v1 = feed(&[("rss.xml", "one"), ("categories/ai/rss.xml", "a1")]);
        out.sync(&v1).unwrap();
        fs::remove_dir_all(&root).unwrap();
        let v2 = feed(&[("rss.xml", "two"), ("categories/ai/rss.xml", "a1")]);
        let changed: BTreeSet<String> = ["rss.xml".to_string()].into();
        let report = out.sync_paths(&v2, &changed).unwrap();
        assert!(report.reattached);
        assert_eq!(report.written, ["categories/ai/rss.xml", "rss.xml"]);
        assert_eq!(
            fs::read_to_string(root.join("categories/ai/rss.xml")).unwrap(),
            "a1"
        );
        // The lock is on the folder that now stands at the path.
        let second = OutputDir::open(&root).unwrap_err();
        assert!(
            second.to_string().contains("another digestfeed"),
            "{second}"
        );
        // Untouched since: nothing to take again.
        assert!(!out.sync_paths(&v2, &BTreeSet::new()).unwrap().reattached);
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
