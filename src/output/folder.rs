//! One folder of the output, reached through a handle: every file operation in it is
//! relative to that handle (`openat`, `renameat`, `unlinkat`), and the handle itself is
//! opened one name at a time from the output folder without following symbolic links.
//! So no link planted in the output, whatever its name or place, can make digestfeed
//! write, chmod or remove anything outside it.
//!
//! Handles are opened for one step and closed after it, so that a sync of thousands of
//! feed folders holds a handful of descriptors at a time, not one per folder.

use crate::error::WriteError;
use rustix::fs::{self as rfs, AtFlags, Mode, OFlags};
use rustix::io::Errno;
use std::fs::File;
use std::io::{self, Read, Write};
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::path::{Path, PathBuf};

/// Feeds are served files: readable by the web server whatever the umask, and so are
/// the folders that hold them.
pub(crate) const FILE_MODE: u32 = 0o644;
pub(crate) const DIR_MODE: u32 = 0o755;
const TEMP_SUFFIX: &str = ".digestfeed-tmp";

const DIR_FLAGS: OFlags = OFlags::RDONLY
    .union(OFlags::DIRECTORY)
    .union(OFlags::NOFOLLOW)
    .union(OFlags::CLOEXEC);

pub(crate) fn error(path: &Path, action: &'static str, source: impl Into<io::Error>) -> WriteError {
    WriteError {
        path: path.to_path_buf(),
        action,
        source: source.into(),
    }
}

/// The folder part and the name of a relative path (`""` for the output folder itself).
pub(crate) fn split_rel(rel: &str) -> (&str, &str) {
    rel.rsplit_once('/').unwrap_or(("", rel))
}

/// The temporary name a file is written under. It is fixed, so a leftover from a
/// killed run is removed, never piled up.
pub(crate) fn temp_name(name: &str) -> String {
    format!(".{name}{TEMP_SUFFIX}")
}

#[cfg(test)]
pub(crate) fn is_temp_name(name: &str) -> bool {
    name.ends_with(TEMP_SUFFIX)
}

/// How a staged file is made durable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Durable {
    /// Synced as it is written.
    EachFile,
    /// By the caller, with one `syncfs` for all of them.
    Together,
}

/// An open folder of the output, and its path for messages.
#[derive(Debug)]
pub(crate) struct Folder {
    fd: OwnedFd,
    shown: PathBuf,
}

/// Makes `name` in `parent` a folder (mode 0755 whatever the umask) and opens it,
/// without following a link standing at its name.
fn open_child(
    parent: BorrowedFd<'_>,
    name: &str,
    create: bool,
    shown: &Path,
) -> Result<OwnedFd, WriteError> {
    match rfs::openat(parent, name, DIR_FLAGS, Mode::empty()) {
        Err(Errno::NOENT) if create => {
            match rfs::mkdirat(parent, name, Mode::from_raw_mode(DIR_MODE)) {
                Ok(()) | Err(Errno::EXIST) => {}
                Err(e) => return Err(error(shown, "cannot create the folder", e)),
            }
            let fd = rfs::openat(parent, name, DIR_FLAGS, Mode::empty())
                .map_err(|e| not_a_folder(shown, e))?;
            // mkdir's mode passes through the umask; a web server must enter it.
            rfs::fchmod(&fd, Mode::from_raw_mode(DIR_MODE))
                .map_err(|e| error(shown, "cannot set the mode of", e))?;
            Ok(fd)
        }
        other => other.map_err(|e| not_a_folder(shown, e)),
    }
}

fn not_a_folder(shown: &Path, e: Errno) -> WriteError {
    match e {
        Errno::LOOP | Errno::NOTDIR => error(
            shown,
            "is not a real folder (a symbolic link or a file stands where digestfeed keeps feeds; move it away)",
            e,
        ),
        e => error(shown, "cannot open the folder", e),
    }
}

impl Folder {
    /// The folder `rel` below the output folder `root` (`""`: `root` itself), shown
    /// as `root_shown/rel`. With `create`, missing folders are made.
    pub(crate) fn open(
        root: BorrowedFd<'_>,
        root_shown: &Path,
        rel: &str,
        create: bool,
    ) -> Result<Folder, WriteError> {
        let mut fd = root
            .try_clone_to_owned()
            .map_err(|e| error(root_shown, "cannot open the output folder", e))?;
        let mut shown = root_shown.to_path_buf();
        if !rel.is_empty() {
            for name in rel.split('/') {
                shown.push(name);
                fd = open_child(fd.as_fd(), name, create, &shown)?;
            }
        }
        Ok(Folder { fd, shown })
    }

    pub(crate) fn fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }

    pub(crate) fn shown(&self, name: &str) -> PathBuf {
        self.shown.join(name)
    }

    /// The bytes of the regular file `name`, or `None` (missing, a link, not a file,
    /// unreadable): whatever it is, it does not hold what is to be written.
    pub(crate) fn read(&self, name: &str) -> Option<Vec<u8>> {
        self.read_held(name).ok().flatten()
    }

    /// The bytes of the regular file `name`; `None` when there is none (nothing, a
    /// link, a folder). Unlike [`Folder::read`], a file that is there but cannot be
    /// read is an error: what it holds is unknown, not absent.
    pub(crate) fn read_held(&self, name: &str) -> io::Result<Option<Vec<u8>>> {
        let flags = OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::CLOEXEC | OFlags::NONBLOCK;
        let fd = match rfs::openat(&self.fd, name, flags, Mode::empty()) {
            Ok(fd) => fd,
            // Nothing there, a link (O_NOFOLLOW), or something that is no file.
            Err(Errno::NOENT | Errno::LOOP | Errno::NXIO | Errno::ISDIR) => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        let mut file = File::from(fd);
        if !file.metadata()?.is_file() {
            return Ok(None);
        }
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes)?;
        Ok(Some(bytes))
    }

    /// What stands at `name`, without following a link; `None` when nothing does.
    pub(crate) fn kind(&self, name: &str) -> io::Result<Option<rfs::FileType>> {
        kind_at(self.fd(), name)
    }

    /// Removes `name` when it is a file or a link (never what a link points to);
    /// `Ok(false)` when nothing is there.
    pub(crate) fn unlink(&self, name: &str) -> io::Result<bool> {
        match rfs::unlinkat(&self.fd, name, AtFlags::empty()) {
            Ok(()) => Ok(true),
            Err(Errno::NOENT) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// Removes the sub-folder `name` if it is empty; whether it did.
    pub(crate) fn remove_empty(&self, name: &str) -> bool {
        rfs::unlinkat(&self.fd, name, AtFlags::REMOVEDIR).is_ok()
    }

    /// Writes `bytes` to the temporary file of `name` (mode 0644), unless `name`
    /// already holds exactly them, and makes it durable unless the caller will. The
    /// temporary file is created exclusively and without following links; whatever
    /// stood at its name (a leftover of a killed run, a planted link) is removed first,
    /// never written through. Returns the temporary name, for [`Folder::commit`].
    pub(crate) fn stage(
        &self,
        name: &str,
        bytes: &[u8],
        durable: Durable,
    ) -> Result<Option<String>, WriteError> {
        Ok(self
            .stage_over(name, bytes, durable, &|_| true)?
            .map(|(temp, _)| temp))
    }

    /// [`Folder::stage`], replacing a file that holds other bytes only if `replaceable`
    /// says so of them; otherwise an error that names it. Also returns the fingerprint
    /// of the file replaced, if there was one.
    pub(crate) fn stage_over(
        &self,
        name: &str,
        bytes: &[u8],
        durable: Durable,
        replaceable: &(dyn Fn(&[u8]) -> bool + Sync),
    ) -> Result<Option<(String, Option<u64>)>, WriteError> {
        // Errors name the file the user knows, not its temporary name.
        let shown = self.shown(name);
        let held = self
            .read_held(name)
            .map_err(|e| error(&shown, "cannot read what stands at", e))?;
        match &held {
            Some(held) if held == bytes => return Ok(None),
            Some(held) if !replaceable(held) => return Err(changed_by_someone(&shown)),
            _ => {}
        }
        let held = held.map(|held| super::writer::print_of(&held));
        let temp = temp_name(name);
        self.unlink(&temp).map_err(|e| {
            error(
                &shown,
                "cannot remove the temporary file an earlier run left beside it",
                e,
            )
        })?;
        let flags =
            OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC;
        let fd = rfs::openat(
            &self.fd,
            temp.as_str(),
            flags,
            Mode::from_raw_mode(FILE_MODE),
        )
        .map_err(|e| error(&shown, "cannot create its temporary file", e))?;
        let result = (|| {
            rfs::fchmod(&fd, Mode::from_raw_mode(FILE_MODE))
                .map_err(|e| error(&shown, "cannot set the mode of", e))?;
            let mut file = File::from(fd);
            file.write_all(bytes)
                .map_err(|e| error(&shown, "cannot write", e))?;
            match durable {
                Durable::EachFile => file.sync_all().map_err(|e| error(&shown, "cannot sync", e)),
                Durable::Together => Ok(()),
            }
        })();
        match result {
            Ok(()) => Ok(Some((temp, held))),
            Err(e) => {
                self.discard(&temp);
                Err(e)
            }
        }
    }

    /// Renames a staged temporary file over its target (replacing a link standing
    /// there, never writing through it).
    pub(crate) fn commit(&self, temp: &str, name: &str) -> Result<(), WriteError> {
        rfs::renameat(&self.fd, temp, &self.fd, name).map_err(|e| {
            self.discard(temp);
            error(&self.shown(name), "cannot replace", e)
        })
    }

    /// Removes a staged temporary file that will not be committed.
    pub(crate) fn discard(&self, temp: &str) {
        let _ = self.unlink(temp);
    }

    /// Makes the folder's entries durable (the renames and removals in it).
    pub(crate) fn sync(&self) -> Result<(), WriteError> {
        rfs::fsync(&self.fd).map_err(|e| error(&self.shown, "cannot sync the folder", e))
    }
}

/// The error for a file the manifest lists that no longer holds what digestfeed
/// wrote there: it is refused, not replaced.
pub(crate) fn changed_by_someone(shown: &Path) -> WriteError {
    error(
        shown,
        "no longer holds what digestfeed wrote there (someone changed it); refusing to replace it (move it away, or choose another output folder)",
        io::Error::from(io::ErrorKind::AlreadyExists),
    )
}

/// What stands at `rel` in `dir`, without following a link at its last name;
/// `None` when nothing does.
pub(crate) fn kind_at(dir: BorrowedFd<'_>, rel: &str) -> io::Result<Option<rfs::FileType>> {
    match rfs::statat(dir, rel, AtFlags::SYMLINK_NOFOLLOW) {
        Ok(stat) => Ok(Some(rfs::FileType::from_raw_mode(stat.st_mode))),
        Err(Errno::NOENT) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Makes the folder `path` (and the folders above it that are missing), each with
/// mode 0755 whatever the umask: made and changed through handles, so that a link
/// swapped in at its name is never chmod'ed through. A new folder is made durable in
/// its parent.
pub(crate) fn make_folders(path: &Path) -> io::Result<()> {
    if path.is_dir() {
        return Ok(());
    }
    let (parent, name) = match (path.parent(), path.file_name()) {
        (Some(parent), Some(name)) => (parent, name),
        _ => return Err(io::Error::from(io::ErrorKind::NotFound)),
    };
    let parent = if parent.as_os_str().is_empty() {
        Path::new(".")
    } else {
        parent
    };
    make_folders(parent)?;
    // The folders above are the user's, links included, as the config names them.
    let parent_fd = rfs::open(
        parent,
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
        Mode::empty(),
    )?;
    match rfs::mkdirat(&parent_fd, name, Mode::from_raw_mode(DIR_MODE)) {
        Ok(()) => {
            let fd = rfs::openat(&parent_fd, name, DIR_FLAGS, Mode::empty())?;
            rfs::fchmod(&fd, Mode::from_raw_mode(DIR_MODE))?;
            rfs::fsync(&parent_fd)?;
            Ok(())
        }
        Err(Errno::EXIST) if path.is_dir() => Ok(()),
        Err(Errno::EXIST) => Err(io::Error::new(
            io::ErrorKind::NotADirectory,
            format!("{} is a file, not a folder", path.display()),
        )),
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::{symlink, PermissionsExt};

    /// The guard itself, not the writer's check before it: a link swapped in at a
    /// folder's name after that check is still never entered, made or chmod'ed.
    #[test]
    fn a_folder_is_never_opened_or_made_through_a_link() {
        let root = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        fs_mode(outside.path(), 0o700);
        symlink(outside.path(), root.path().join("categories")).unwrap();
        std::fs::write(root.path().join("authors"), "a file").unwrap();
        let fd = File::open(root.path()).unwrap();
        for (rel, create) in [
            ("categories", false),
            ("categories/ai", true),
            ("authors/x", true),
        ] {
            let e = Folder::open(fd.as_fd(), root.path(), rel, create).unwrap_err();
            let first = rel.split('/').next().unwrap();
            assert_eq!(e.path, root.path().join(first), "{e}");
            assert!(e.to_string().contains("not a real folder"), "{e}");
        }
        assert_eq!(std::fs::read_dir(outside.path()).unwrap().count(), 0);
        assert_eq!(mode(outside.path()), 0o700);
    }

    #[test]
    fn folders_are_made_0755_and_a_link_at_a_temporary_name_is_replaced() {
        let root = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        let secret = outside.path().join("secret");
        std::fs::write(&secret, "precious").unwrap();
        let fd = File::open(root.path()).unwrap();
        let folder = Folder::open(fd.as_fd(), root.path(), "authors/x", true).unwrap();
        assert_eq!(mode(&root.path().join("authors")), 0o755);
        assert_eq!(mode(&root.path().join("authors/x")), 0o755);
        symlink(
            &secret,
            root.path().join("authors/x").join(temp_name("rss.xml")),
        )
        .unwrap();
        let temp = folder
            .stage("rss.xml", b"feed", Durable::EachFile)
            .unwrap()
            .unwrap();
        folder.commit(&temp, "rss.xml").unwrap();
        assert_eq!(std::fs::read_to_string(&secret).unwrap(), "precious");
        assert_eq!(folder.read("rss.xml").unwrap(), b"feed");
        assert_eq!(
            folder.stage("rss.xml", b"feed", Durable::EachFile).unwrap(),
            None
        );
    }

    #[test]
    fn make_folders_makes_each_missing_folder_0755() {
        let root = tempfile::tempdir().unwrap();
        let path = root.path().join("a/b/c");
        make_folders(&path).unwrap();
        for p in [root.path().join("a"), root.path().join("a/b"), path.clone()] {
            assert_eq!(mode(&p), 0o755, "{}", p.display());
        }
        make_folders(&path).unwrap();
    }

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    fn fs_mode(path: &Path, mode: u32) {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
    }
}
