//! What a publish makes the bucket hold: files whose bytes are at hand, and, where
//! archive pages are not kept, [`Pages`] fetched as the publish needs them: read back
//! from the output folder they were written into, or, without one, rendered again
//! (`crate::streamed`). Pages are most of the output (some 80 KB a digest, in
//! three formats): a daemon that kept them all for its uploader held several times the
//! memory of one that does not publish.
//!
//! A page is read back only if it holds what this process wrote there (its MD5, taken
//! as it was written: `output::writer::ReadBack`). One written again since (a later
//! change), edited or removed stops the publish before anything is uploaded from it.

use super::manifest::{Manifest, ObjectRecord};
use crate::error::PublishError;
use crate::output::writer::{Found, ReadBack};
use crate::render::tree::Output;
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

/// Archive pages whose bytes are not held: known by the MD5 and length of each, their
/// bytes fetched one at a time as a publish uploads them.
pub(crate) trait Pages: Sync {
    /// The MD5 and length of each page, by path.
    fn sums(&self) -> &BTreeMap<String, (String, u64)>;
    /// The bytes of the page at `path`, only if they are those `sums` gives.
    fn bytes(&self, path: &str) -> Result<Vec<u8>, PublishError>;
}

/// Pages read back from the output folder.
impl Pages for ReadBack {
    fn sums(&self) -> &BTreeMap<String, (String, u64)> {
        ReadBack::sums(self)
    }

    fn bytes(&self, path: &str) -> Result<Vec<u8>, PublishError> {
        let shown = || self.shown(path).display().to_string();
        match self.read(path) {
            Ok(Found::Written(bytes)) => Ok(bytes),
            Ok(found) => Err(PublishError::ChangedOnDisk {
                path: shown(),
                gone: found == Found::Gone,
            }),
            Err(e) => Err(PublishError::Object {
                object: shown(),
                message: e.to_string(),
            }),
        }
    }
}

/// The output to publish.
#[derive(Clone, Copy)]
pub struct ToPublish<'a> {
    held: &'a Output,
    pages: Option<&'a dyn Pages>,
}

impl<'a> From<&'a Output> for ToPublish<'a> {
    fn from(held: &'a Output) -> ToPublish<'a> {
        ToPublish { held, pages: None }
    }
}

impl<'a> ToPublish<'a> {
    /// `held`, and the pages of `pages` (no path in both).
    pub(crate) fn with_pages(held: &'a Output, pages: Option<&'a dyn Pages>) -> ToPublish<'a> {
        ToPublish { held, pages }
    }

    /// Every path, in order.
    pub fn paths(&self) -> BTreeSet<&'a String> {
        let pages = self.pages.into_iter().flat_map(|p| p.sums().keys());
        self.held.keys().chain(pages).collect()
    }

    pub fn contains(&self, path: &str) -> bool {
        self.held.contains_key(path) || self.pages.is_some_and(|p| p.sums().contains_key(path))
    }

    /// The manifest of the output: the MD5s of the held files, and of the pages as
    /// they were written.
    pub fn manifest(&self) -> Manifest {
        let mut manifest = Manifest::of(self.held);
        for (path, (md5, bytes)) in self.pages.iter().flat_map(|p| p.sums()) {
            let record = ObjectRecord {
                md5: md5.clone(),
                bytes: *bytes,
                e_tag: None,
                next: None,
            };
            manifest.objects.insert(path.clone(), record);
        }
        manifest
    }

    /// The bytes of the file at `path` (empty if there is none): for a page, fetched,
    /// and only if they are those [`ToPublish::manifest`] gave the MD5 of.
    pub fn bytes(&self, path: &str) -> Result<Cow<'a, [u8]>, PublishError> {
        if let Some(bytes) = self.held.get(path) {
            return Ok(Cow::Borrowed(bytes));
        }
        match self.pages.filter(|p| p.sums().contains_key(path)) {
            Some(pages) => Ok(Cow::Owned(pages.bytes(path)?)),
            None => Ok(Cow::Borrowed(&[])),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::writer::OutputDir;

    use crate::render::tree::output_of as output;

    /// Pages read back give the manifest and the bytes of the whole output, as if they
    /// were held; a page changed since is never uploaded.
    #[test]
    fn pages_read_back_publish_as_if_held() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("out");
        let held = output(&[("atom.xml", "feed"), ("index.html", "page")]);
        let pages = output(&[
            ("archive/2026-W01/atom.xml", "first week"),
            ("archive/2026-W02/atom.xml", "second week"),
        ]);
        let mut out = OutputDir::summing(&root);
        let mut all = held.clone();
        all.extend(pages.clone());
        out.sync_pages(&held, &pages, None).unwrap();
        let back = out.read_back(|p| pages.contains_key(p)).unwrap();
        let files = ToPublish::with_pages(&held, Some(&back as &dyn Pages));
        assert_eq!(files.manifest(), Manifest::of(&all));
        assert_eq!(
            files.paths().into_iter().collect::<Vec<_>>(),
            all.keys().collect::<Vec<_>>()
        );
        for (path, bytes) in &all {
            assert!(files.contains(path));
            assert_eq!(files.bytes(path).unwrap().as_ref(), bytes.as_slice());
        }
        assert!(!files.contains("archive/2026-W03/atom.xml"));

        std::fs::write(root.join("archive/2026-W02/atom.xml"), "edited").unwrap();
        let changed = files.bytes("archive/2026-W02/atom.xml").unwrap_err();
        assert!(
            matches!(&changed, PublishError::ChangedOnDisk { path, gone: false } if path.ends_with("archive/2026-W02/atom.xml")),
            "{changed}"
        );
    }
}
