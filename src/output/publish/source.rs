//! What a publish makes the bucket hold: files whose bytes are at hand, and, for a
//! daemon that lets archive pages go once written, pages read back from the output
//! folder as the publish needs them. Pages are most of the output (some 80 KB a
//! digest, in three formats), and a daemon that kept them all for its uploader held
//! several times the memory of one that does not publish.
//!
//! A page read back must hold what the folder's manifest recorded when the output was
//! offered; one written again since (a later change) or edited by hand stops the
//! publish before anything is uploaded from it, and the newest output is published
//! instead. The MD5 of each page is kept by its fingerprint, so that a publish reads
//! only the pages written since the last one.

use super::manifest::{md5_hex, Manifest, ObjectRecord};
use crate::error::PublishError;
use crate::output::writer::{Found, ReadBack};
use crate::render::tree::Output;
use std::borrow::Cow;
use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};

/// Each page's MD5 and length, by path, for the fingerprint of the bytes they are of.
pub(crate) type Sums = Arc<Mutex<HashMap<String, (u64, String, u64)>>>;

/// Pages on disk, as a sync left them, and the sums of those read before.
#[derive(Debug)]
pub(crate) struct OnDisk {
    pub(crate) pages: ReadBack,
    pub(crate) sums: Sums,
}

/// The output to publish.
#[derive(Clone, Copy)]
pub struct ToPublish<'a> {
    held: &'a Output,
    on_disk: Option<&'a OnDisk>,
}

impl<'a> From<&'a Output> for ToPublish<'a> {
    fn from(held: &'a Output) -> ToPublish<'a> {
        ToPublish {
            held,
            on_disk: None,
        }
    }
}

impl<'a> ToPublish<'a> {
    /// `held`, and the pages of `on_disk` (no path in both).
    pub(crate) fn with_pages(held: &'a Output, on_disk: Option<&'a OnDisk>) -> ToPublish<'a> {
        ToPublish { held, on_disk }
    }

    /// Every path, in order.
    pub fn paths(&self) -> BTreeSet<&'a String> {
        let pages = self
            .on_disk
            .into_iter()
            .flat_map(|d| d.pages.prints().keys());
        self.held.keys().chain(pages).collect()
    }

    pub fn contains(&self, path: &str) -> bool {
        self.held.contains_key(path)
            || self
                .on_disk
                .is_some_and(|d| d.pages.prints().contains_key(path))
    }

    /// The manifest of the output: MD5s of the held files, and of the pages (read
    /// back, unless read before as they are).
    pub fn manifest(&self) -> Result<Manifest, PublishError> {
        let mut manifest = Manifest::of(self.held);
        let Some(disk) = self.on_disk else {
            return Ok(manifest);
        };
        let mut sums = disk.sums.lock().unwrap_or_else(|p| p.into_inner());
        sums.retain(|path, _| disk.pages.prints().contains_key(path));
        for (path, prints) in disk.pages.prints() {
            let (md5, bytes) = match sums.get(path) {
                Some((print, md5, bytes)) if prints.contains(print) => (md5.clone(), *bytes),
                _ => {
                    let (bytes, print) = self.page(path)?;
                    let md5 = md5_hex(&bytes);
                    let len = bytes.len() as u64;
                    sums.insert(path.clone(), (print, md5.clone(), len));
                    (md5, len)
                }
            };
            let record = ObjectRecord {
                md5,
                bytes,
                e_tag: None,
                next: None,
            };
            manifest.objects.insert(path.clone(), record);
        }
        Ok(manifest)
    }

    /// The bytes of the file at `path` (empty if there is none).
    pub fn bytes(&self, path: &str) -> Result<Cow<'a, [u8]>, PublishError> {
        if let Some(bytes) = self.held.get(path) {
            return Ok(Cow::Borrowed(bytes));
        }
        if self.on_disk.is_some() && self.contains(path) {
            return Ok(Cow::Owned(self.page(path)?.0));
        }
        Ok(Cow::Borrowed(&[]))
    }

    /// A page's bytes as the folder's manifest recorded them, and their fingerprint.
    fn page(&self, path: &str) -> Result<(Vec<u8>, u64), PublishError> {
        let found = match self.on_disk {
            Some(disk) => disk.pages.read(path).map_err(|e| PublishError::Object {
                object: disk.pages.shown(path).display().to_string(),
                message: e.to_string(),
            })?,
            None => Found::Changed,
        };
        match found {
            Found::Written(bytes, print) => Ok((bytes, print)),
            Found::Changed => Err(PublishError::ChangedOnDisk {
                path: self
                    .on_disk
                    .map_or(path.into(), |d| d.pages.shown(path).display().to_string()),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::writer::OutputDir;

    fn output(files: &[(&str, &str)]) -> Output {
        files
            .iter()
            .map(|(p, b)| (p.to_string(), b.as_bytes().to_vec()))
            .collect()
    }

    /// Pages read back give the manifest and the bytes of the whole output, read once
    /// for as long as they stay as they are; a page changed since is never uploaded.
    #[test]
    fn pages_read_back_publish_as_if_held() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("out");
        let held = output(&[("atom.xml", "feed"), ("index.html", "page")]);
        let pages = output(&[
            ("archive/2026-W01/atom.xml", "first week"),
            ("archive/2026-W02/atom.xml", "second week"),
        ]);
        let mut out = OutputDir::open(&root).unwrap();
        let mut all = held.clone();
        all.extend(pages.clone());
        out.sync(&all).unwrap();
        let disk = OnDisk {
            pages: out.read_back(|p| pages.contains_key(p)).unwrap(),
            sums: Sums::default(),
        };
        let files = ToPublish::with_pages(&held, Some(&disk));
        assert_eq!(files.manifest().unwrap(), Manifest::of(&all));
        assert_eq!(
            files.paths().into_iter().collect::<Vec<_>>(),
            all.keys().collect::<Vec<_>>()
        );
        for (path, bytes) in &all {
            assert!(files.contains(path));
            assert_eq!(files.bytes(path).unwrap().as_ref(), bytes.as_slice());
        }
        assert!(!files.contains("archive/2026-W03/atom.xml"));

        // Once summed, a page is not read again for the manifest.
        let page = root.join("archive/2026-W01/atom.xml");
        std::fs::remove_file(&page).unwrap();
        assert_eq!(files.manifest().unwrap(), Manifest::of(&all));
        let gone = files.bytes("archive/2026-W01/atom.xml").unwrap_err();
        assert!(
            matches!(&gone, PublishError::ChangedOnDisk { path } if path.ends_with("archive/2026-W01/atom.xml")),
            "{gone}"
        );

        // Edited since it was written: neither summed nor uploaded.
        std::fs::write(root.join("archive/2026-W02/atom.xml"), "edited").unwrap();
        let fresh = OnDisk {
            pages: out.read_back(|p| pages.contains_key(p)).unwrap(),
            sums: Sums::default(),
        };
        let files = ToPublish::with_pages(&held, Some(&fresh));
        assert!(matches!(
            files.manifest(),
            Err(PublishError::ChangedOnDisk { .. })
        ));
        assert!(files.bytes("archive/2026-W02/atom.xml").is_err());
    }
}
