//! Files that come while a sync is under way, a part at a time: rendered as earlier
//! parts are written, so that the whole output is never in memory at once (archive
//! pages). Their paths are known before the first part comes; nothing is replaced
//! unless every part that must come came.

use super::phases::{by_folder, StagedFiles, ToWrite};
use super::*;

/// What the next call for later files brings.
pub(crate) enum Next {
    Part(Output),
    /// Every part came.
    End,
    /// The parts could not all be made: the sync fails, and nothing is replaced.
    Failed,
}

/// Files that come in parts while a sync is under way.
pub(crate) struct Later<'f> {
    pub(crate) paths: BTreeSet<String>,
    pub(crate) next: &'f mut dyn FnMut() -> Next,
}

impl Later<'_> {
    /// The paths that must come: with `only`, the others stay as they are; a path that
    /// `desired` has is written from there, whatever comes for it.
    fn must_come(&self, desired: &Output, only: Option<&BTreeSet<String>>) -> BTreeSet<String> {
        self.paths
            .iter()
            .filter(|p| only.is_none_or(|o| o.contains(*p)) && !desired.contains_key(*p))
            .cloned()
            .collect()
    }

    /// How many files may be written from the parts.
    pub(super) fn coming(&self, desired: &Output, only: Option<&BTreeSet<String>>) -> usize {
        self.must_come(desired, only).len()
    }
}

impl OutputDir {
    /// Stages the later files as they come, part by part: each part's files checked
    /// (one the manifest does not record must not be someone else's), staged, and its
    /// bytes let go. `prints` takes the fingerprint of each file that came, stays as it
    /// is and is not recorded yet. On error nothing is staged any more.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn stage_later(
        &self,
        desired: &Output,
        later: Later<'_>,
        only: Option<&BTreeSet<String>>,
        old: &Recorded,
        durable: Durable,
        report: &mut SyncReport,
        prints: &mut BTreeMap<String, u64>,
    ) -> Result<StagedFiles, WriteError> {
        let mut staged: StagedFiles = Vec::new();
        let mut missing = later.must_come(desired, only);
        report.unchanged += later
            .paths
            .iter()
            .filter(|p| !missing.contains(*p) && !desired.contains_key(*p))
            .count();
        let result = loop {
            let part = match (later.next)() {
                Next::Part(part) => part,
                Next::End => break Ok(()),
                Next::Failed => {
                    break Err(error(
                        &self.shown(missing.first().map_or("", String::as_str)),
                        "was not made (the output was not written)",
                        io::Error::from(io::ErrorKind::Interrupted),
                    ))
                }
            };
            match self.stage_part(&part, &mut missing, old, durable, report, prints) {
                Ok(more) => staged.extend(more),
                Err(e) => break Err(e),
            }
        };
        let result = match (result, missing.first()) {
            (Ok(()), Some(first)) => Err(error(
                &self.shown(first),
                "was not made (the output was not written)",
                io::Error::from(io::ErrorKind::Interrupted),
            )),
            (result, _) => result,
        };
        match result {
            Ok(()) => Ok(staged),
            Err(e) => {
                self.discard(&staged);
                Err(e)
            }
        }
    }

    /// One part of [`Self::stage_later`]: the files of it that must come.
    fn stage_part(
        &self,
        part: &Output,
        missing: &mut BTreeSet<String>,
        old: &Recorded,
        durable: Durable,
        report: &mut SyncReport,
        prints: &mut BTreeMap<String, u64>,
    ) -> Result<StagedFiles, WriteError> {
        let part: Vec<(&String, &[u8])> = part
            .iter()
            .filter(|(rel, _)| missing.remove(*rel) && is_safe_relative(rel))
            .map(|(rel, bytes)| (rel, bytes.as_slice()))
            .collect();
        for &(rel, bytes) in part.iter().filter(|(rel, _)| !old.contains_key(*rel)) {
            self.refuse_foreign(rel, bytes)?;
        }
        let todo = by_folder(part.iter().copied(), |name, rel, bytes| ToWrite {
            name,
            rel,
            bytes,
        });
        let more = self.stage_all(&todo, old, durable, report, self.sums.is_some())?;
        // What the manifest will say of a file that stays as it is.
        let written: BTreeSet<&String> = more.iter().flat_map(|(_, f)| f).map(|f| &f.rel).collect();
        for (rel, bytes) in part {
            if !old.contains_key(rel) && !written.contains(rel) {
                prints.insert(rel.clone(), print_of(bytes));
            }
        }
        Ok(more)
    }
}
