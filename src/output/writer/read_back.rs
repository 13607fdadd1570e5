//! Files read back from the output folder, for a publisher that does not keep their
//! bytes (archive pages): only the bytes this process wrote there come back, told by
//! the MD5 it took of them as it wrote (the folder's manifest, which anyone who can
//! write the folder can edit, is not asked), read through the folder's handles without
//! following a link. Nothing else in the folder (a link to a secret, a file someone
//! edited) ever leaves the machine.

use super::{OutputDir, Sums};
use crate::error::WriteError;
use crate::output::folder::{error, split_rel, Folder};
use rustix::fs::{self as rfs, Mode, OFlags};
use rustix::io::Errno;
use std::collections::BTreeMap;
use std::io::{self, Read};
use std::os::fd::{AsFd, OwnedFd};
use std::path::PathBuf;

/// Files of the output folder as the last sync left them: a handle on the folder and
/// the MD5 and length of what this process wrote at each path.
#[derive(Debug)]
pub(crate) struct ReadBack {
    dir: OwnedFd,
    shown: PathBuf,
    sums: BTreeMap<String, (String, u64)>,
}

/// What reading a file back found.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Found {
    /// The bytes this process wrote there.
    Written(Vec<u8>),
    /// Nothing, or a folder on the way gone: writing the folder whole puts it back.
    Gone,
    /// Other bytes, a link or something that is no file: written again since, or by
    /// someone else, whom a write does not overrule.
    Other,
}

impl OutputDir {
    /// From now on, every sync takes the MD5 of each later file ([`super::Later`]:
    /// archive pages) it writes or finds as it would write it, for
    /// [`OutputDir::read_back`]. Whether they are all known already (else a sync of
    /// the whole folder is needed first).
    pub(crate) fn keep_sums(&mut self) -> bool {
        self.sums.get_or_insert_with(Sums::default).complete
    }

    /// The later files of those `wanted` says, to be read back (by another thread,
    /// while this one writes on); an error unless every later file this process wants
    /// there is known ([`OutputDir::keep_sums`], then a sync of the whole folder).
    pub(crate) fn read_back(&self, wanted: impl Fn(&str) -> bool) -> Result<ReadBack, WriteError> {
        let known = self.sums.as_ref().filter(|s| s.complete).ok_or_else(|| {
            error(
                &self.path,
                "cannot be read back yet",
                io::Error::other("not written whole since a publisher began reading it back"),
            )
        })?;
        let sums = known
            .by_path
            .iter()
            .filter(|(path, _)| wanted(path))
            .map(|(path, sum)| (path.clone(), sum.clone()))
            .collect();
        // A handle of its own: one duplicated from the folder's would share its lock,
        // and hold the folder locked for as long as a publish keeps the handle.
        let dir = rfs::openat(
            self.dir.as_fd(),
            ".",
            OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .map_err(|e| error(&self.path, "cannot open the output folder", e))?;
        Ok(ReadBack {
            dir,
            shown: self.path.clone(),
            sums,
        })
    }
}

impl ReadBack {
    /// The MD5 and length of what this process wrote at each path.
    pub(crate) fn sums(&self) -> &BTreeMap<String, (String, u64)> {
        &self.sums
    }

    /// Where `rel` is, for messages.
    pub(crate) fn shown(&self, rel: &str) -> PathBuf {
        self.shown.join(rel)
    }

    /// The bytes at `rel`, if they are what this process wrote there.
    pub(crate) fn read(&self, rel: &str) -> Result<Found, WriteError> {
        let Some((md5, len)) = self.sums.get(rel) else {
            return Ok(Found::Other);
        };
        let (dir, name) = split_rel(rel);
        let folder = match Folder::open(self.dir.as_fd(), &self.shown, dir, false) {
            Ok(folder) => folder,
            // A folder on the way gone, or replaced by a link or a file.
            Err(e) => match e.source.raw_os_error().map(Errno::from_raw_os_error) {
                Some(Errno::NOENT) => return Ok(Found::Gone),
                Some(Errno::LOOP | Errno::NOTDIR) => return Ok(Found::Other),
                _ => return Err(e),
            },
        };
        let shown = self.shown(rel);
        let flags = OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::CLOEXEC | OFlags::NONBLOCK;
        let fd = match rfs::openat(folder.fd(), name, flags, Mode::empty()) {
            Ok(fd) => fd,
            Err(Errno::NOENT) => return Ok(Found::Gone),
            Err(Errno::LOOP | Errno::NXIO | Errno::ISDIR) => return Ok(Found::Other),
            Err(e) => return Err(error(&shown, "cannot read back", e)),
        };
        let file = std::fs::File::from(fd);
        let meta = file
            .metadata()
            .map_err(|e| error(&shown, "cannot read back", e))?;
        // Not read at all unless it could be what was written (a link to a large
        // file elsewhere is not read into memory).
        if !meta.is_file() || meta.len() != *len {
            return Ok(Found::Other);
        }
        let mut bytes = Vec::with_capacity(*len as usize);
        file.take(*len + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| error(&shown, "cannot read back", e))?;
        Ok(if crate::output::publish::md5_hex(&bytes) == *md5 {
            Found::Written(bytes)
        } else {
            Found::Other
        })
    }
}

/// A sync of `fixed` and of `pages` as later files, in one part (with `changed`, of
/// those alone), as the daemon and `--once` write archive pages.
#[cfg(test)]
impl OutputDir {
    /// The output folder at `root`, taking the MD5s of the pages it writes.
    pub(crate) fn summing(root: &std::path::Path) -> OutputDir {
        let mut out = OutputDir::open(root).unwrap();
        out.keep_sums();
        out
    }

    pub(crate) fn sync_pages(
        &mut self,
        fixed: &crate::render::tree::Output,
        pages: &crate::render::tree::Output,
        changed: Option<&std::collections::BTreeSet<String>>,
    ) -> Result<super::SyncReport, WriteError> {
        let mut part = Some(pages.clone());
        let later = super::Later {
            paths: pages.keys().cloned().collect(),
            next: &mut || part.take().map_or(super::Next::End, super::Next::Part),
        };
        match changed {
            Some(changed) => self.sync_paths_later(fixed, changed, later),
            None => self.sync_later(fixed, later),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::tree::Output;
    use std::fs;

    use crate::render::tree::output_of as output;

    #[test]
    fn reads_back_what_it_wrote_and_nothing_else() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("out");
        let mut out = OutputDir::summing(&root);
        let pages = output(&[
            ("archive/2026-W01/atom.xml", "page"),
            ("archive/2026-W02/atom.xml", "other"),
        ]);
        assert!(out.read_back(|_| true).is_err(), "nothing written yet");
        out.sync_pages(&output(&[("atom.xml", "feed")]), &pages, None)
            .unwrap();
        fs::write(tmp.path().join("secret"), "other").unwrap();
        let back = out.read_back(|p| p.starts_with("archive/")).unwrap();
        assert_eq!(back.sums().len(), 2);
        assert_eq!(
            back.read("archive/2026-W01/atom.xml").unwrap(),
            Found::Written(b"page".to_vec())
        );
        assert_eq!(
            back.read("atom.xml").unwrap(),
            Found::Other,
            "not asked for"
        );
        // The read-back handle does not hold the folder's lock.
        drop(out);
        let again = OutputDir::open(&root).expect("the folder is free once its writer is gone");
        drop(again);
        // Edited by hand, even with the manifest edited to match: not read back.
        fs::write(root.join("archive/2026-W01/atom.xml"), "edit").unwrap();
        let manifest = fs::read_to_string(root.join(super::super::MANIFEST)).unwrap();
        let forged = manifest.replace(
            &format!("{:016x}", super::super::print_of(b"page")),
            &format!("{:016x}", super::super::print_of(b"edit")),
        );
        assert_ne!(
            forged, manifest,
            "the manifest records the page's fingerprint"
        );
        fs::write(root.join(super::super::MANIFEST), forged).unwrap();
        let read = |rel: &str| back.read(rel).unwrap();
        assert_eq!(read("archive/2026-W01/atom.xml"), Found::Other);
        // Removed, then a link to a file elsewhere with the very bytes written.
        let page = root.join("archive/2026-W02/atom.xml");
        fs::remove_file(&page).unwrap();
        assert_eq!(read("archive/2026-W02/atom.xml"), Found::Gone);
        std::os::unix::fs::symlink(tmp.path().join("secret"), &page).unwrap();
        assert_eq!(read("archive/2026-W02/atom.xml"), Found::Other);
        // A folder on the way replaced by a link to one that holds the same bytes,
        // then gone.
        let elsewhere = tmp.path().join("elsewhere");
        fs::create_dir_all(&elsewhere).unwrap();
        fs::write(elsewhere.join("atom.xml"), "other").unwrap();
        fs::remove_dir_all(root.join("archive/2026-W02")).unwrap();
        std::os::unix::fs::symlink(&elsewhere, root.join("archive/2026-W02")).unwrap();
        assert_eq!(read("archive/2026-W02/atom.xml"), Found::Other);
        fs::remove_file(root.join("archive/2026-W02")).unwrap();
        assert_eq!(read("archive/2026-W02/atom.xml"), Found::Gone);
    }

    /// A failed sync leaves nothing to read back until the folder is written whole;
    /// a sync of some files keeps what it knew of the others.
    #[test]
    fn sums_follow_each_sync() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("out");
        let mut out = OutputDir::summing(&root);
        let none = Output::new();
        out.sync_pages(
            &none,
            &output(&[("a/atom.xml", "a1"), ("b/atom.xml", "b1")]),
            None,
        )
        .unwrap();
        let changed = std::collections::BTreeSet::from(["a/atom.xml".to_string()]);
        let pages = output(&[("a/atom.xml", "a2"), ("b/atom.xml", "b1")]);
        out.sync_pages(&none, &pages, Some(&changed)).unwrap();
        let back = out.read_back(|_| true).unwrap();
        assert_eq!(
            back.read("a/atom.xml").unwrap(),
            Found::Written(b"a2".to_vec())
        );
        assert_eq!(
            back.read("b/atom.xml").unwrap(),
            Found::Written(b"b1".to_vec())
        );
        // A file digestfeed did not write where one goes: the sync fails.
        fs::write(root.join("c.xml"), "theirs").unwrap();
        let refused = output(&[("a/atom.xml", "a2"), ("c.xml", "ours")]);
        assert!(out.sync_pages(&none, &refused, None).is_err());
        assert!(out.read_back(|_| true).is_err());
        fs::remove_file(root.join("c.xml")).unwrap();
        out.sync_pages(&none, &refused, None).unwrap();
        let back = out.read_back(|_| true).unwrap();
        assert_eq!(back.sums().len(), 2, "b/atom.xml is gone");
        assert_eq!(
            back.read("c.xml").unwrap(),
            Found::Written(b"ours".to_vec())
        );
    }
}
