//! Bringing the output folder in line with the desired [`Output`]: only files whose
//! bytes differ are written, each atomically; files that digestfeed wrote before and no
//! longer wants are removed; nothing else is ever touched.
//!
//! digestfeed often runs as root, in a folder a web server, a deploy script or another
//! user may also write. Every file operation goes through [`Folder`] handles (see
//! there), so nothing outside the output folder is ever written, chmod'ed or removed,
//! whatever links it holds or the manifest says.

use super::folder::{error, kind_at, make_folders, split_rel, temp_name, Durable, Folder};
use crate::error::WriteError;
use crate::render::tree::Output;
use rustix::fs::{self as rfs, FileType, Mode, OFlags};
use rustix::io::Errno;
use std::collections::{BTreeMap, BTreeSet};
use std::fs::{self, File, TryLockError};
use std::io::{self, Read};
use std::os::fd::AsFd;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

mod later;
mod phases;
mod read_back;
pub(crate) use later::{Later, Next};
pub(crate) use read_back::{Found, ReadBack};

/// The record of every file digestfeed wrote: after [`MANIFEST_HEADER`], one line per
/// file, its relative path, a tab, and the fingerprint ([`print_of`]) of the bytes
/// written there (two while a write is in flight). Only a file that still holds bytes
/// the manifest recorded is ever replaced or removed.
pub(crate) const MANIFEST: &str = ".digestfeed-manifest";
/// The first line of a manifest with fingerprints; a manifest without it is an older
/// build's list of paths.
const MANIFEST_HEADER: &str = "# digestfeed manifest 2";
/// The names of the files digestfeed writes: an older build's manifest recorded paths
/// only, and a path it lists is taken as digestfeed's only under one of these names.
const OWN_NAMES: &[&str] = &[
    "rss.xml",
    "atom.xml",
    "feed.json",
    "index.html",
    "index.opml",
];

/// What a manifest records: each path, and the fingerprints of the bytes digestfeed
/// wrote there (none: listed by an older build, which recorded paths only).
type Recorded = BTreeMap<String, Vec<u64>>;

/// The fingerprint the manifest records of a file's bytes: a function of this crate's
/// own, fixed for good (a test pins it), so that no upgrade of a hashing crate makes
/// every feed look changed by someone else; and a word at a time, so that it costs
/// next to nothing beside writing the bytes (MD5 added a sixth to a first `--once` at
/// 10,000 digests, and a few milliseconds to each update of the daemon). It tells
/// digestfeed's bytes from someone's edit, not from a forgery: whoever can write the
/// folder can do anything there anyway. Each step is a bijection of the state for a
/// given word, so two texts of one length that differ in one word never collide.
pub(crate) fn print_of(bytes: &[u8]) -> u64 {
    const K: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut h = 0x6469_6765_7374_6665 ^ (bytes.len() as u64).wrapping_mul(K);
    let mut words = bytes.chunks_exact(8);
    for word in &mut words {
        let mut w = [0u8; 8];
        w.copy_from_slice(word);
        h = (h.rotate_left(23) ^ u64::from_le_bytes(w)).wrapping_mul(K);
    }
    let mut tail = [0u8; 8];
    tail[..words.remainder().len()].copy_from_slice(words.remainder());
    h = (h.rotate_left(23) ^ u64::from_le_bytes(tail)).wrapping_mul(K);
    // Murmur3's finaliser: every bit of the state reaches every bit of the result.
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

/// The file a daemon creates and removes to learn that it can write the folder.
const PROBE: &str = ".digestfeed-probe";

/// What one sync did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SyncReport {
    pub written: Vec<String>,
    pub unchanged: usize,
    pub removed: Vec<String>,
    /// Files the manifest listed that no longer hold what digestfeed wrote (someone
    /// changed or replaced them): not removed, and no longer listed.
    pub left_alone: Vec<String>,
    /// The output folder had been removed or replaced since the last sync, so every
    /// file was compared and written again.
    pub reattached: bool,
    /// The MD5 and length of each later file written or found as it is, while the sync
    /// runs for [`OutputDir::keep_sums`]; empty in the report returned.
    pub(crate) sums: Vec<(String, (String, u64))>,
}

/// A relative path that stays inside the output folder: `/`-separated normal components.
fn is_safe_relative(rel: &str) -> bool {
    !rel.is_empty()
        && rel
            .split('/')
            .all(|c| !c.is_empty() && c != "." && c != ".." && !c.contains(['\\', '\0']))
}

/// What a manifest's text records, of paths that stay inside the output folder. In a
/// manifest with fingerprints, a line without them records nothing.
fn parse_manifest(text: &str) -> Recorded {
    let mut lines = text.lines().peekable();
    if lines.next_if_eq(&MANIFEST_HEADER).is_none() {
        return lines
            .filter(|l| is_safe_relative(l))
            .map(|l| (l.to_string(), Vec::new()))
            .collect();
    }
    lines
        .filter_map(|line| {
            let (rel, prints) = line.split_once('\t')?;
            let prints: Option<Vec<u64>> = prints
                .split(',')
                .map(|p| u64::from_str_radix(p, 16).ok())
                .collect();
            let prints = prints.filter(|p| !p.is_empty() && p.len() <= 2)?;
            is_safe_relative(rel).then(|| (rel.to_string(), prints))
        })
        .collect()
}

fn manifest_text(recorded: &Recorded) -> String {
    let mut text = format!("{MANIFEST_HEADER}\n");
    for (rel, prints) in recorded {
        let prints: Vec<String> = prints.iter().map(|p| format!("{p:016x}")).collect();
        text.push_str(&format!("{rel}\t{}\n", prints.join(",")));
    }
    text
}

/// What `check` refuses of files that come a part at a time, once their paths were
/// refused nothing ([`OutputDir::refusals_later`]).
pub(crate) struct Refusals {
    held: OutputDir,
    old: Recorded,
}

impl Refusals {
    /// Refuses a part of the files: one where something digestfeed did not write
    /// stands, or one digestfeed wrote that was changed by hand since.
    pub(crate) fn part(&self, files: &Output) -> Result<(), WriteError> {
        for (rel, bytes) in files {
            if !self.old.contains_key(rel) && is_safe_relative(rel) {
                self.held.refuse_foreign(rel, bytes)?;
            }
        }
        self.listed(files)
    }

    /// Refuses files of `files` that the manifest lists and that were changed by hand
    /// since: a sync finds them only when it comes to replace them; a check, which
    /// writes nothing, looks at each.
    pub(crate) fn listed(&self, files: &Output) -> Result<(), WriteError> {
        for (rel, bytes) in files.iter().filter(|(rel, _)| self.old.contains_key(*rel)) {
            let (dir, name) = split_rel(rel);
            let Ok(folder) = self.held.folder(dir, false) else {
                continue;
            };
            let shown = folder.shown(name);
            let now = folder
                .read_held(name)
                .map_err(|e| error(&shown, "cannot read", e))?;
            if now.is_some_and(|now| &now != bytes && !recorded_there(&self.old[rel], &now)) {
                return Err(super::folder::changed_by_someone(&shown));
            }
        }
        Ok(())
    }
}

/// Whether `bytes` are what the manifest recorded.
fn recorded_there(prints: &[u64], bytes: &[u8]) -> bool {
    prints.contains(&print_of(bytes))
}

/// The files the manifest of the output folder `dir` lists, read without writing or
/// locking anything (for `check`); none if it has no manifest.
pub(crate) fn listed(dir: &std::path::Path) -> BTreeSet<String> {
    std::fs::read_to_string(dir.join(MANIFEST))
        .map(|text| parse_manifest(&text).into_keys().collect())
        .unwrap_or_default()
}

/// The daemon's way: `syncfs` for more than a few files. One `syncfs` is one journal
/// commit, which for the daemon's updates (a few dozen files) is 2-3 ms less than a
/// sync per file, but which also waits for every other program's pending writes.
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

/// An output folder held for writing: an open handle on it, locked (an advisory
/// `flock`, released when the process ends, however it ends) so that a second
/// digestfeed writing the same folder is refused instead of racing on its files.
#[derive(Debug)]
pub(crate) struct OutputDir {
    path: PathBuf,
    dir: File,
    /// Device and inode of the folder held, to notice it being removed or replaced.
    id: (u64, u64),
    /// Whether the path named a symbolic link when it was first taken: a folder later
    /// replaced by a link is not followed.
    link: bool,
    /// The MD5 and length of every file that came later ([`Later`]: archive pages)
    /// which this process wrote or found as it would have written it, when a bucket's
    /// publisher reads them back ([`OutputDir::keep_sums`]). The files at hand the
    /// publisher has in memory.
    sums: Option<Sums>,
}

/// What [`OutputDir`] knows the folder holds, of its own doing.
#[derive(Debug, Default)]
pub(crate) struct Sums {
    pub(crate) by_path: BTreeMap<String, (String, u64)>,
    /// Whether every later file digestfeed wants there is known: since the last sync
    /// of the whole folder, and no sync failed since.
    pub(crate) complete: bool,
}

fn is_link(path: &Path) -> bool {
    fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink())
}

impl OutputDir {
    /// Takes the output folder (creating it, mode 0755), or says who has it.
    pub(crate) fn open(path: &Path) -> Result<OutputDir, WriteError> {
        OutputDir::take(path, true)
    }

    /// The output folder the settings name, taken; none when they publish to a bucket
    /// only. `existing`: only if the folder is already there (a run takes it before
    /// reading, to be refused at once, but makes it only once it has feeds for it).
    pub(crate) fn configured(
        settings: &crate::config::Settings,
        existing: bool,
    ) -> Result<Option<OutputDir>, WriteError> {
        match &settings.output_dir {
            Some(dir) if !existing || dir.is_dir() => OutputDir::open(dir).map(Some),
            _ => Ok(None),
        }
    }

    /// [`OutputDir::open`]; a symbolic link at the path is followed only if `links`.
    fn take(path: &Path, links: bool) -> Result<OutputDir, WriteError> {
        make_folders(path).map_err(|e| error(path, "cannot create the output folder", e))?;
        let link = is_link(path);
        if link && !links {
            return Err(error(
                path,
                "was replaced by a symbolic link while digestfeed ran; it does not follow it (remove the link)",
                io::Error::from(io::ErrorKind::AlreadyExists),
            ));
        }
        let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC;
        let flags = if links {
            flags
        } else {
            flags | OFlags::NOFOLLOW
        };
        let fd = rfs::open(path, flags, Mode::empty()).map_err(|e| match e {
            Errno::NOTDIR => error(
                path,
                "is a file, not a folder (choose a folder for the feeds)",
                e,
            ),
            e => error(path, "cannot open the output folder", e),
        })?;
        let dir = File::from(fd);
        let meta = dir
            .metadata()
            .map_err(|e| error(path, "cannot open the output folder", e))?;
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
            id: (meta.dev(), meta.ino()),
            dir,
            link,
            sums: None,
        })
    }

    /// Whether `--once` would refuse to sync `desired` into the folder at `path`, found
    /// without writing, creating or locking anything (for `check`). A folder that does
    /// not exist yet refuses nothing.
    pub(crate) fn refusal(path: &Path, desired: &Output) -> Result<(), WriteError> {
        match Self::refusals_later(path, desired, &BTreeSet::new())? {
            Some(refusals) => refusals.listed(desired),
            None => Ok(()),
        }
    }

    /// [`OutputDir::refusal`] for `desired` and files to come at `later` (archive
    /// pages, streamed): what refuses them all by path, and what checks each part of
    /// them as it comes ([`Refusals::part`]); `None` when the folder does not exist yet.
    /// Files of `desired` that the manifest lists are left to [`Refusals::listed`].
    pub(crate) fn refusals_later(
        path: &Path,
        desired: &Output,
        later: &BTreeSet<String>,
    ) -> Result<Option<Refusals>, WriteError> {
        let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC;
        let fd = match rfs::open(path, flags, Mode::empty()) {
            Ok(fd) => fd,
            Err(Errno::NOENT) => return Ok(None),
            Err(Errno::NOTDIR) => {
                return Err(error(
                    path,
                    "is a file, not a folder (choose a folder for the feeds)",
                    Errno::NOTDIR,
                ))
            }
            Err(e) => return Err(error(path, "cannot open the output folder", e)),
        };
        let dir = File::from(fd);
        let meta = dir
            .metadata()
            .map_err(|e| error(path, "cannot open the output folder", e))?;
        let held = OutputDir {
            path: path.to_path_buf(),
            id: (meta.dev(), meta.ino()),
            dir,
            link: is_link(path),
            sums: None,
        };
        let (old, _, _) = held.refusals_with(desired, later)?;
        Ok(Some(Refusals { held, old }))
    }

    fn shown(&self, rel: &str) -> PathBuf {
        if rel.is_empty() {
            self.path.clone()
        } else {
            self.path.join(rel)
        }
    }

    fn folder(&self, rel: &str, create: bool) -> Result<Folder, WriteError> {
        Folder::open(self.dir.as_fd(), &self.path, rel, create)
    }

    /// Whether the folder at the path is still the one held. When it was removed or
    /// replaced (a deploy step that wipes it, `rm -rf`), the new one (made if need be)
    /// is taken and locked in its place, and `true` says that every file must be
    /// written again.
    /// Whether the folder was removed or replaced since it was taken; if so, it is
    /// taken again (and the next sync writes every file, as after [`Self::sync`]'s
    /// own check). A caller that hands files by part asks first, to hand them all.
    pub(crate) fn replaced(&mut self) -> Result<bool, WriteError> {
        self.reattach()
    }

    fn reattach(&mut self) -> Result<bool, WriteError> {
        if crate::support::identity(&self.path) == Some(self.id) {
            return Ok(false);
        }
        tracing::warn!(output = %self.path.display(), "the output folder was removed or replaced; writing every feed into it again");
        let summed = self.sums.is_some();
        *self = OutputDir::take(&self.path, self.link)?;
        if summed {
            self.keep_sums();
        }
        Ok(true)
    }

    /// Checks that a file can be made in the folder: created exclusively (never through
    /// a link standing at its name), then removed.
    pub(crate) fn probe(&mut self) -> Result<(), WriteError> {
        self.reattach()?;
        let root = self.folder("", false)?;
        let shown = self.shown(PROBE);
        let made = root.unlink(PROBE).and_then(|_| {
            let flags = OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW;
            rfs::openat(
                root.fd(),
                PROBE,
                flags | OFlags::CLOEXEC,
                Mode::from_raw_mode(0o600),
            )
            .map_err(io::Error::from)
        });
        made.and_then(|_| root.unlink(PROBE).map(|_| ()))
            .map_err(|e| error(&shown, "cannot write into the output folder", e))
    }

    /// Makes the folder hold `desired`, comparing with the files on disk. On error every
    /// file is still whole (old or new bytes) and the manifest still lists every file
    /// digestfeed may have written, so the next run converges.
    pub(crate) fn sync(&mut self, desired: &Output) -> Result<SyncReport, WriteError> {
        self.sync_with(None, desired, None, by_count)
    }

    /// [`Self::sync`] for a run that writes once and exits (`--once`, often in CI right
    /// after a checkout or a build): every file is synced on its own, so that the run
    /// does not wait for other programs' pending writes as one `syncfs` would. With 400
    /// MB of them, a full write at 10,000 digests took 58-61 ms this way and 212-215 ms
    /// with `syncfs`; on a quiet system the two are as fast. The daemon keeps
    /// [`Self::sync`]: it starts once, and then syncs a few dozen files per change,
    /// where one `syncfs` is the faster.
    pub(crate) fn sync_once(&mut self, desired: &Output) -> Result<SyncReport, WriteError> {
        self.sync_with(None, desired, None, each_file)
    }

    /// [`Self::sync_once`] for `desired` and the files `later` brings while earlier
    /// ones are written (archive pages, rendered a few at a time so that the whole
    /// output is never in memory). Nothing is replaced unless every later file came.
    pub(crate) fn sync_once_later(
        &mut self,
        desired: &Output,
        later: Later<'_>,
    ) -> Result<SyncReport, WriteError> {
        self.sync_with(None, desired, Some(later), each_file)
    }

    /// [`Self::sync`] for `desired` and the files `later` brings while earlier ones
    /// are written ([`Self::sync_once_later`], as the daemon syncs).
    pub(crate) fn sync_later(
        &mut self,
        desired: &Output,
        later: Later<'_>,
    ) -> Result<SyncReport, WriteError> {
        self.sync_with(None, desired, Some(later), by_count)
    }

    /// [`Self::sync_paths`] with files that are not in `desired`: `later.paths` are
    /// every such file, and of them only those in `changed` come (archive pages the
    /// daemon does not keep once written).
    pub(crate) fn sync_paths_later(
        &mut self,
        desired: &Output,
        changed: &BTreeSet<String>,
        later: Later<'_>,
    ) -> Result<SyncReport, WriteError> {
        self.sync_with(Some(changed), desired, Some(later), by_count)
    }

    /// Like [`Self::sync`], for a caller that knows which paths changed since the last
    /// successful sync: only those are written or removed (all of them, if the folder
    /// was replaced in between).
    pub(crate) fn sync_paths(
        &mut self,
        desired: &Output,
        changed: &BTreeSet<String>,
    ) -> Result<SyncReport, WriteError> {
        self.sync_with(Some(changed), desired, None, by_count)
    }

    /// What the manifest records, and whether it is an older build's (paths only).
    fn read_manifest(&self) -> Result<(Recorded, bool), WriteError> {
        let shown = self.shown(MANIFEST);
        let flags = OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::CLOEXEC | OFlags::NONBLOCK;
        let fd =
            match rfs::openat(self.dir.as_fd(), MANIFEST, flags, Mode::empty()) {
                Ok(fd) => fd,
                Err(Errno::NOENT) => return Ok((Recorded::new(), false)),
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
        let legacy = !text.is_empty() && !text.starts_with(MANIFEST_HEADER);
        Ok((parse_manifest(&text), legacy))
    }

    fn write_manifest(&self, recorded: &Recorded) -> Result<(), WriteError> {
        let text = manifest_text(recorded);
        let root = self.folder("", false)?;
        if let Some(temp) = root.stage(MANIFEST, text.as_bytes(), Durable::EachFile)? {
            root.commit(&temp, MANIFEST)?;
        }
        root.sync()
    }

    /// Every folder that `rels` lie in must be a real folder of the output (or not
    /// exist yet): a symbolic link, or a file, where digestfeed keeps feeds is refused
    /// before anything is written, whoever put it there.
    fn check_folders<'a>(&self, rels: impl Iterator<Item = &'a String>) -> Result<(), WriteError> {
        let mut seen: BTreeSet<&str> = BTreeSet::new();
        for rel in rels {
            let (dir, _) = split_rel(rel);
            let ends = dir.match_indices('/').map(|(i, _)| i).chain([dir.len()]);
            for end in ends.filter(|&end| end > 0) {
                let folder = &dir[..end];
                if !seen.insert(folder) {
                    continue;
                }
                let shown = self.shown(folder);
                match kind_at(self.dir.as_fd(), folder) {
                    Ok(None) => break,
                    Ok(Some(FileType::Directory)) => {}
                    Ok(Some(FileType::Symlink)) => {
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
        match kind_at(self.dir.as_fd(), rel) {
            Ok(None) => false,
            Ok(Some(FileType::RegularFile)) => {
                let (dir, name) = split_rel(rel);
                let held = self.folder(dir, false).ok().and_then(|f| f.read(name));
                held.as_deref() != Some(bytes)
            }
            _ => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::folder::is_temp_name;
    use std::os::unix::fs::PermissionsExt;

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
            let mut sync = |desired: &Output| out.sync_with(None, desired, None, durable);
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
                    .filter(|p| is_temp_name(&p.to_string_lossy()))
                    .collect();
                assert!(temps.is_empty(), "{temps:?}");
            };
            untouched();
            // Folders where temporary files have to be (the later one found first, maybe,
            // on another thread), and a file where a folder has to be.
            let blocked = root.join("f03/.rss.xml.digestfeed-tmp");
            fs::create_dir(&blocked).unwrap();
            fs::create_dir(root.join("f17/.rss.xml.digestfeed-tmp")).unwrap();
            let mut new = feeds("new");
            let e = sync(&new).unwrap_err();
            // The file the user knows is named, not its temporary name.
            assert_eq!(e.path, root.join("f03/rss.xml"), "{e}");
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
            fs::remove_dir(root.join("f17/.rss.xml.digestfeed-tmp")).unwrap();
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
        // A link planted where a feed goes, and listed in the manifest by hand: not
        // digestfeed's, so neither followed nor removed, while the feed beside it goes.
        std::os::unix::fs::symlink(&outside.file, root.join("categories/ai/atom.xml")).unwrap();
        let mut manifest = fs::read_to_string(root.join(MANIFEST)).unwrap();
        manifest.push_str("categories/ai/atom.xml\n");
        fs::write(root.join(MANIFEST), manifest).unwrap();
        out.sync(&feed(&[("rss.xml", "two")])).unwrap();
        outside.assert_untouched();
        assert!(!root.join("categories/ai/rss.xml").exists());
        let link = fs::symlink_metadata(root.join("categories/ai/atom.xml")).unwrap();
        assert!(link.file_type().is_symlink());
    }

    /// The manifest's fingerprint is fixed for good: manifests written by earlier runs
    /// must still match after any upgrade.
    #[test]
    fn the_fingerprint_of_bytes_never_changes() {
        let inputs: [&[u8]; 3] = [b"", b"digestfeed", b"<rss version=\"2.0\"></rss>\n"];
        let shown: Vec<String> = inputs
            .iter()
            .map(|b| format!("{:016x}", print_of(b)))
            .collect();
        assert_eq!(
            shown,
            ["e5ee2322dca57ce4", "343494b2d2b4375d", "cebb6e5d61944900"]
        );
        // One word changed, or one byte appended: another fingerprint.
        assert_ne!(print_of(b"digestfeeD"), print_of(b"digestfeed"));
        assert_ne!(print_of(b"digestfeed\0"), print_of(b"digestfeed"));
    }

    /// The manifest is not trusted whole: a file it lists is removed or replaced only
    /// while it holds the bytes digestfeed recorded there. Whatever else it lists (a
    /// file planted in it, one changed by hand) is left alone and reported, or, where a
    /// feed goes, refused.
    #[test]
    fn only_files_that_hold_what_digestfeed_wrote_are_removed_or_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let mut out = OutputDir::open(root).unwrap();
        out.sync(&feed(&[
            ("rss.xml", "one"),
            ("a/rss.xml", "a1"),
            ("b/rss.xml", "b1"),
        ]))
        .unwrap();
        // Planted in the manifest: two files that digestfeed never wrote, one with a
        // made-up fingerprint; and a feed changed by hand since it was written.
        fs::write(root.join("notes.txt"), "mine").unwrap();
        fs::write(root.join("CNAME"), "feeds.example.org").unwrap();
        let mut manifest = fs::read_to_string(root.join(MANIFEST)).unwrap();
        manifest.push_str("notes.txt\nCNAME\t0123456789abcdef\n");
        fs::write(root.join(MANIFEST), manifest).unwrap();
        fs::write(root.join("b/rss.xml"), "edited by hand").unwrap();
        let report = out.sync(&feed(&[("rss.xml", "two")])).unwrap();
        assert_eq!(report.removed, ["a/rss.xml"]);
        assert_eq!(report.left_alone, ["CNAME", "b/rss.xml"]);
        assert_eq!(fs::read_to_string(root.join("notes.txt")).unwrap(), "mine");
        assert_eq!(
            fs::read_to_string(root.join("CNAME")).unwrap(),
            "feeds.example.org"
        );
        assert_eq!(
            fs::read_to_string(root.join("b/rss.xml")).unwrap(),
            "edited by hand"
        );
        assert_eq!(listed(root), BTreeSet::from(["rss.xml".to_string()]));
        // A feed changed by hand where a feed still goes is refused, not overwritten.
        fs::write(root.join("rss.xml"), "edited").unwrap();
        let e = out.sync(&feed(&[("rss.xml", "three")])).unwrap_err();
        assert_eq!(e.path, root.join("rss.xml"), "{e}");
        assert!(
            e.to_string()
                .contains("no longer holds what digestfeed wrote"),
            "{e}"
        );
        assert_eq!(fs::read_to_string(root.join("rss.xml")).unwrap(), "edited");
        // An older build's manifest (paths only) is taken over for the names
        // digestfeed writes, and only for those.
        fs::write(root.join("rss.xml"), "two").unwrap();
        fs::write(root.join(MANIFEST), "rss.xml\nnotes.txt\n").unwrap();
        let report = out.sync(&feed(&[("rss.xml", "three")])).unwrap();
        assert_eq!(report.written, ["rss.xml"]);
        assert!(report.left_alone.is_empty(), "{report:?}");
        assert_eq!(fs::read_to_string(root.join("notes.txt")).unwrap(), "mine");
        assert!(fs::read_to_string(root.join(MANIFEST))
            .unwrap()
            .starts_with(MANIFEST_HEADER));
        // Taken over even when nothing changes, so that the next edit is told apart.
        fs::write(root.join(MANIFEST), "rss.xml\n").unwrap();
        let report = out.sync(&feed(&[("rss.xml", "three")])).unwrap();
        assert!(report.written.is_empty());
        let text = fs::read_to_string(root.join(MANIFEST)).unwrap();
        assert!(text.starts_with(MANIFEST_HEADER), "{text}");
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

    /// Every file under `root`, by path relative to it, with its bytes.
    fn tree(root: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
        files_under(root)
            .into_iter()
            .map(|p| {
                (
                    p.strip_prefix(root).unwrap().to_path_buf(),
                    fs::read(&p).unwrap(),
                )
            })
            .collect()
    }

    /// Files that come in parts while the others are written leave the folder, the
    /// manifest and the report as one sync of them all would; a path that never comes,
    /// or a part that would replace someone's file, replaces nothing.
    #[test]
    fn files_that_come_later_are_written_as_if_given_at_once() {
        let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let first = feed(&[
            ("rss.xml", "one"),
            ("archive/2026-W01/rss.xml", "p1"),
            ("archive/2026-W02/rss.xml", "p2"),
            ("old/rss.xml", "gone"),
        ]);
        for dir in [a.path(), b.path()] {
            OutputDir::open(dir).unwrap().sync_once(&first).unwrap();
        }
        let all = feed(&[
            ("rss.xml", "two"),
            ("archive/2026-W01/rss.xml", "p1"),
            ("archive/2026-W02/rss.xml", "p2, more"),
            ("archive/2026-W03/rss.xml", "p3"),
        ]);
        let (pages, fixed): (Output, Output) = all
            .clone()
            .into_iter()
            .partition(|(k, _)| k.starts_with("archive/"));
        let later = |dir: &Path, fixed: &Output, paths: &[&str], parts: Vec<Output>| {
            let mut parts = parts.into_iter();
            OutputDir::open(dir).unwrap().sync_once_later(
                fixed,
                Later {
                    paths: paths.iter().map(|p| p.to_string()).collect(),
                    next: &mut || parts.next().map_or(Next::End, Next::Part),
                },
            )
        };
        let whole = OutputDir::open(a.path()).unwrap().sync_once(&all).unwrap();
        let parts: Vec<Output> = pages.into_iter().map(|f| Output::from([f])).collect();
        let paths: Vec<&str> = all
            .keys()
            .filter(|k| k.starts_with("archive/"))
            .map(String::as_str)
            .collect();
        let parted = later(b.path(), &fixed, &paths, parts).unwrap();
        assert_eq!(parted, whole);
        assert_eq!(
            parted.written,
            [
                "archive/2026-W02/rss.xml",
                "archive/2026-W03/rss.xml",
                "rss.xml"
            ]
        );
        assert_eq!(tree(b.path()), tree(a.path()));
        // A page that never comes: nothing replaced, nothing left behind.
        let before = tree(b.path());
        let other = feed(&[("rss.xml", "three")]);
        let part = feed(&[("archive/2026-W01/rss.xml", "p1, edited")]);
        let missed = later(
            b.path(),
            &other,
            &["archive/2026-W01/rss.xml", "archive/2026-W04/rss.xml"],
            vec![part],
        );
        assert!(missed
            .unwrap_err()
            .to_string()
            .contains("archive/2026-W04/rss.xml"));
        assert_eq!(tree(b.path()), before);
        // The parts could not all be made: nothing replaced.
        let mut parts = vec![feed(&[("archive/2026-W01/rss.xml", "p1, edited")])].into_iter();
        let failed = OutputDir::open(b.path()).unwrap().sync_once_later(
            &other,
            Later {
                paths: ["archive/2026-W01/rss.xml".to_string()].into(),
                next: &mut || parts.next().map_or(Next::Failed, Next::Part),
            },
        );
        assert!(failed.is_err());
        assert_eq!(tree(b.path()), before);
        // Someone's file where a page comes: refused before anything is replaced.
        fs::create_dir_all(b.path().join("archive/2026-W09")).unwrap();
        fs::write(b.path().join("archive/2026-W09/rss.xml"), "mine").unwrap();
        let before = tree(b.path());
        let parts = vec![
            feed(&[("archive/2026-W01/rss.xml", "p1, edited")]),
            feed(&[("archive/2026-W09/rss.xml", "p9")]),
        ];
        let refused = later(
            b.path(),
            &other,
            &["archive/2026-W01/rss.xml", "archive/2026-W09/rss.xml"],
            parts,
        );
        assert!(refused.unwrap_err().to_string().contains("did not write"));
        assert_eq!(tree(b.path()), before);
    }

    /// As the daemon writes once it lets archive pages go: of the later paths only the
    /// changed ones come, the others stay as they are (not removed); a later path that
    /// `desired` also has is written from `desired`.
    #[test]
    fn later_files_not_changed_need_not_come_and_stay() {
        let dir = tempfile::tempdir().unwrap();
        let mut out = OutputDir::open(dir.path()).unwrap();
        let pages = ["archive/2026-W01/rss.xml", "archive/2026-W02/rss.xml"];
        out.sync(&feed(&[
            ("rss.xml", "one"),
            (pages[0], "p1"),
            (pages[1], "p2"),
        ]))
        .unwrap();
        let desired = feed(&[("rss.xml", "two")]);
        let changed: BTreeSet<String> = ["rss.xml", pages[1]].map(String::from).into();
        let mut part = Some(feed(&[(pages[1], "p2, more"), ("rss.xml", "not this")]));
        let report = out
            .sync_paths_later(
                &desired,
                &changed,
                Later {
                    paths: pages
                        .iter()
                        .chain(&["rss.xml"])
                        .map(|p| p.to_string())
                        .collect(),
                    next: &mut || part.take().map_or(Next::End, Next::Part),
                },
            )
            .unwrap();
        assert_eq!(report.written, [pages[1], "rss.xml"]);
        assert!(report.removed.is_empty());
        let held = tree(dir.path());
        assert_eq!(held[Path::new("rss.xml")], b"two");
        assert_eq!(held[Path::new(pages[0])], b"p1");
        assert_eq!(held[Path::new(pages[1])], b"p2, more");
        // The manifest still knows the page left as it was: a sync without it removes it.
        out.sync(&desired).unwrap();
        assert!(!dir.path().join(pages[0]).exists());
    }
}
