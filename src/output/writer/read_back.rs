//! Files read back from the output folder, for a publisher that does not keep their
//! bytes (a daemon's archive pages): only bytes the manifest records as digestfeed's
//! come back, read through the folder's handles without following a link, so that
//! nothing else in the folder (a link to a secret, a file someone edited) ever leaves
//! the machine.

use super::{print_of, OutputDir, Recorded};
use crate::error::WriteError;
use crate::output::folder::{error, split_rel, Folder};
use std::collections::BTreeMap;
use std::os::fd::{AsFd, OwnedFd};
use std::path::PathBuf;

/// Files of the output folder as a sync left them: a handle on the folder and what
/// the manifest recorded for each.
#[derive(Debug)]
pub(crate) struct ReadBack {
    dir: OwnedFd,
    shown: PathBuf,
    prints: Recorded,
}

/// What reading a file back found.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Found {
    /// The bytes, which the manifest recorded, and their fingerprint.
    Written(Vec<u8>, u64),
    /// Nothing there, something other than a file, or bytes digestfeed did not write
    /// (or not when these were recorded): it was changed since.
    Changed,
}

impl OutputDir {
    /// The files the manifest records now of those `wanted` says, to be read back
    /// later (by another thread, while this one writes on).
    pub(crate) fn read_back(&self, wanted: impl Fn(&str) -> bool) -> Result<ReadBack, WriteError> {
        let (mut prints, _) = self.read_manifest()?;
        prints.retain(|path, _| wanted(path));
        let dir = self
            .dir
            .as_fd()
            .try_clone_to_owned()
            .map_err(|e| error(&self.path, "cannot open the output folder", e))?;
        Ok(ReadBack {
            dir,
            shown: self.path.clone(),
            prints,
        })
    }
}

impl ReadBack {
    /// The paths, and the fingerprints recorded for each.
    pub(crate) fn prints(&self) -> &BTreeMap<String, Vec<u64>> {
        &self.prints
    }

    /// Where `rel` is, for messages.
    pub(crate) fn shown(&self, rel: &str) -> PathBuf {
        self.shown.join(rel)
    }

    /// The bytes at `rel`, if they are what digestfeed recorded there.
    pub(crate) fn read(&self, rel: &str) -> Result<Found, WriteError> {
        let Some(prints) = self.prints.get(rel) else {
            return Ok(Found::Changed);
        };
        let (dir, name) = split_rel(rel);
        let folder = match Folder::open(self.dir.as_fd(), &self.shown, dir, false) {
            Ok(folder) => folder,
            // A folder gone or replaced by a link: the file is not what was recorded.
            Err(_) => return Ok(Found::Changed),
        };
        let bytes = folder
            .read_held(name)
            .map_err(|e| error(&self.shown(rel), "cannot read back", e))?;
        Ok(match bytes {
            Some(bytes) => {
                let print = print_of(&bytes);
                if prints.contains(&print) {
                    Found::Written(bytes, print)
                } else {
                    Found::Changed
                }
            }
            None => Found::Changed,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn written(dir: &std::path::Path, files: &[(&str, &str)]) -> OutputDir {
        let mut out = OutputDir::open(dir).unwrap();
        let desired = files
            .iter()
            .map(|(p, b)| (p.to_string(), b.as_bytes().to_vec()))
            .collect();
        out.sync(&desired).unwrap();
        out
    }

    #[test]
    fn reads_back_what_it_wrote_and_nothing_else() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("out");
        let out = written(
            &root,
            &[
                ("archive/2026-W01/atom.xml", "page"),
                ("archive/2026-W02/atom.xml", "other"),
                ("atom.xml", "feed"),
            ],
        );
        fs::write(tmp.path().join("secret"), "secret").unwrap();
        let paths = [
            "archive/2026-W01/atom.xml".to_string(),
            "archive/2026-W02/atom.xml".to_string(),
            "nowhere.xml".to_string(),
        ];
        let back = out.read_back(|p| paths.iter().any(|w| w == p)).unwrap();
        assert_eq!(back.prints().len(), 2, "a path never written is not listed");
        assert_eq!(
            back.read("archive/2026-W01/atom.xml").unwrap(),
            Found::Written(b"page".to_vec(), print_of(b"page"))
        );
        // Edited by hand, replaced by a link to a file outside, removed: not read back.
        fs::write(root.join("archive/2026-W01/atom.xml"), "edited").unwrap();
        assert_eq!(
            back.read("archive/2026-W01/atom.xml").unwrap(),
            Found::Changed
        );
        let page = root.join("archive/2026-W02/atom.xml");
        fs::remove_file(&page).unwrap();
        assert_eq!(
            back.read("archive/2026-W02/atom.xml").unwrap(),
            Found::Changed
        );
        std::os::unix::fs::symlink(tmp.path().join("secret"), &page).unwrap();
        assert_eq!(
            back.read("archive/2026-W02/atom.xml").unwrap(),
            Found::Changed
        );
        // A folder on the way replaced by a link to one that holds the same bytes.
        let elsewhere = tmp.path().join("elsewhere");
        fs::create_dir_all(&elsewhere).unwrap();
        fs::write(elsewhere.join("atom.xml"), "other").unwrap();
        fs::remove_dir_all(root.join("archive/2026-W02")).unwrap();
        std::os::unix::fs::symlink(&elsewhere, root.join("archive/2026-W02")).unwrap();
        assert_eq!(
            back.read("archive/2026-W02/atom.xml").unwrap(),
            Found::Changed
        );
        assert_eq!(
            back.read("atom.xml").unwrap(),
            Found::Changed,
            "not asked for"
        );
    }
}
