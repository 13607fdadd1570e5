//! The daemon's knowledge of the input folder: every digest's last good parse, and what
//! each file held when it was last read. Pure: callers hand in what they read.

use crate::error::DigestError;
use crate::model::{Digest, Parsed, Summaries};
use crate::parse::{parse_digest_with, Rules};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// What reading a file gave.
#[derive(Debug)]
pub enum FileInput<'a> {
    Bytes(&'a [u8]),
    /// It exists but cannot be used as a whole (unreadable, over the size limit).
    Unreadable(DigestError),
    /// It is no longer there (deleted, renamed away, no longer a digest name).
    Gone,
}

/// What an update did.
#[derive(Debug, PartialEq)]
pub enum Outcome {
    /// Same bytes as last time, or gone and never known: nothing to do.
    Unchanged,
    /// The published digest of this path is now this one (`None`: there is none).
    Changed(Option<Digest>),
    /// New content that cannot be published. The file's last good entries, if any, stay;
    /// the errors are new (the same broken bytes are reported once).
    Invalid(Vec<DigestError>),
}

/// A file read and parsed ahead of [`State::commit`].
#[derive(Debug)]
pub enum Prepared {
    Gone,
    /// The bytes seen last time: nothing to do.
    Same,
    New {
        print: u64,
        parsed: Result<Parsed, Vec<DigestError>>,
    },
}

#[derive(Debug, Default)]
pub struct State {
    /// Every file read, each path once (the daemon holds one per digest of the folder).
    /// Ordered, so that a folder's files are one range.
    seen: BTreeMap<PathBuf, Seen>,
    /// How many of them have a published digest.
    published: usize,
    /// Files whose current content has a problem: it cannot be published at all, or
    /// only without some of its items.
    invalid: BTreeSet<PathBuf>,
}

/// What the state knows of a file.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
struct Seen {
    /// Fingerprint of what it held when last read (`None`: forgotten, read it again).
    print: Option<u64>,
    /// Whether its last good parse is published.
    published: bool,
}

/// What a new reading of the file at `rel` makes of its record `seen`, of the files
/// with problems and of the count of published ones.
fn take(
    invalid: &mut BTreeSet<PathBuf>,
    published: &mut usize,
    seen: &mut Seen,
    rel: &Path,
    print: u64,
    parsed: Result<Parsed, Vec<DigestError>>,
) -> Outcome {
    seen.print = Some(print);
    let was = seen.published;
    let problems = match &parsed {
        Ok(Parsed::Digest(digest)) => !digest.skipped.is_empty(),
        Ok(Parsed::Draft) => false,
        Err(_) => true,
    };
    if problems {
        invalid.insert(rel.to_path_buf());
    } else if !invalid.is_empty() {
        invalid.remove(rel);
    }
    match parsed {
        Ok(Parsed::Digest(digest)) => {
            seen.published = true;
            *published += usize::from(!was);
            Outcome::Changed(Some(digest))
        }
        Ok(Parsed::Draft) => {
            seen.published = false;
            unpublish(published, was)
        }
        Err(errors) => Outcome::Invalid(errors),
    }
}

/// The outcome of a file's digest leaving (`was`: whether it was published).
fn unpublish(published: &mut usize, was: bool) -> Outcome {
    if was {
        *published -= 1;
        Outcome::Changed(None)
    } else {
        Outcome::Unchanged
    }
}

/// What a file held, to tell whether it changed: a hash of its bytes. foldhash, not
/// SipHash: a start-up scan hashes the whole folder, and SipHash took a fifth of the
/// scan. Whoever can write a digest can change the feeds anyway, so a crafted collision
/// gains nothing.
pub fn fingerprint(bytes: &[u8]) -> u64 {
    use std::hash::BuildHasher;
    foldhash::quality::FixedState::with_seed(0x6469_6765_7374_6665).hash_one(bytes)
}

impl State {
    /// Takes in what the file at `rel` holds now. `path` names it in errors.
    pub fn update(
        &mut self,
        rel: &Path,
        path: &Path,
        input: FileInput<'_>,
        rules: Rules,
    ) -> Outcome {
        let prepared = self.prepare(rel, path, input, rules, Summaries::Read);
        self.commit(rel, prepared)
    }

    /// The part of [`State::update`] that only reads the state: what the file holds,
    /// parsed unless it is what was seen last time. Many files can be prepared at once,
    /// on every core, then committed one by one. `summaries` says whether the items'
    /// summaries are read now or left for later (see [`Summaries`]).
    pub fn prepare(
        &self,
        rel: &Path,
        path: &Path,
        input: FileInput<'_>,
        rules: Rules,
        summaries: Summaries,
    ) -> Prepared {
        let print = match &input {
            FileInput::Bytes(bytes) => fingerprint(bytes),
            FileInput::Unreadable(e) => fingerprint(e.message.as_bytes()).rotate_left(1),
            FileInput::Gone => return Prepared::Gone,
        };
        if self.print_of(rel) == Some(print) {
            return Prepared::Same;
        }
        let parsed = match input {
            FileInput::Bytes(bytes) => parse_digest_with(path, bytes, rules, summaries),
            FileInput::Unreadable(e) => Err(vec![e]),
            FileInput::Gone => return Prepared::Gone,
        };
        Prepared::New { print, parsed }
    }

    /// Takes in a prepared file.
    pub fn commit(&mut self, rel: &Path, prepared: Prepared) -> Outcome {
        let (print, parsed) = match prepared {
            Prepared::Gone => {
                let seen = self.seen.remove(rel).unwrap_or_default();
                self.invalid.remove(rel);
                return unpublish(&mut self.published, seen.published);
            }
            Prepared::Same => return Outcome::Unchanged,
            Prepared::New { print, parsed } => (print, parsed),
        };
        // One search of the map a file: paths compare component by component.
        let seen = self.seen.entry(rel.to_path_buf()).or_default();
        take(
            &mut self.invalid,
            &mut self.published,
            seen,
            rel,
            print,
            parsed,
        )
    }

    /// [`State::commit`] for the files of a listing (each path once), in its order.
    /// Into a state that knows no file yet, the daemon's start, they go in one bulk
    /// build of the map rather than a search each: a tenth of the start's commits.
    pub fn commit_all<'p>(
        &mut self,
        files: impl IntoIterator<Item = (&'p Path, Prepared)>,
    ) -> Vec<Outcome> {
        if !self.seen.is_empty() {
            return files
                .into_iter()
                .map(|(rel, prepared)| self.commit(rel, prepared))
                .collect();
        }
        let mut fresh = Vec::new();
        let outcomes = files
            .into_iter()
            .map(|(rel, prepared)| match prepared {
                Prepared::New { print, parsed } => {
                    let mut seen = Seen::default();
                    let outcome = take(
                        &mut self.invalid,
                        &mut self.published,
                        &mut seen,
                        rel,
                        print,
                        parsed,
                    );
                    fresh.push((rel.to_path_buf(), seen));
                    outcome
                }
                // Nothing known yet: nothing left, nothing the same.
                Prepared::Gone | Prepared::Same => Outcome::Unchanged,
            })
            .collect();
        self.seen = fresh.into_iter().collect();
        outcomes
    }

    /// Paths known below `dir` (relative; `""` for all), for finding what a removed or
    /// re-listed folder held.
    pub fn known_under(&self, dir: &Path) -> Vec<PathBuf> {
        // Paths order component by component, so everything below `dir` follows it.
        self.seen
            .range::<Path, _>((std::ops::Bound::Included(dir), std::ops::Bound::Unbounded))
            .map(|(p, _)| p)
            .take_while(|p| p.starts_with(dir))
            .cloned()
            .collect()
    }

    /// The fingerprint of what the file at `rel` held when last read, if known.
    pub fn print_of(&self, rel: &Path) -> Option<u64> {
        self.seen.get(rel).and_then(|seen| seen.print)
    }

    /// How many digests are published.
    pub fn published_count(&self) -> usize {
        self.published
    }

    /// Whether this path has a published digest (its last good parse).
    pub fn is_published(&self, rel: &Path) -> bool {
        self.seen.get(rel).is_some_and(|seen| seen.published)
    }

    /// How many files hold content with a problem right now.
    pub fn invalid_count(&self) -> usize {
        self.invalid.len()
    }

    /// Forgets what files held, so that the next update of each re-parses it (after a
    /// config change that alters parsing). Published digests stay until then.
    pub fn forget_contents(&mut self) {
        for seen in self.seen.values_mut() {
            seen.print = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "---\ndate: 2026-01-01T00:00:00Z\n---\n1. [a - Ben Tossell](https://x.com/bentossell/status/1)\n";
    const BETTER: &str = "---\ndate: 2026-01-01T00:00:00Z\n---\n1. [b - Ben Tossell](https://x.com/bentossell/status/2)\n";

    fn update(state: &mut State, rel: &str, input: FileInput<'_>) -> Outcome {
        state.update(Path::new(rel), Path::new(rel), input, Rules::default())
    }

    /// A start's bulk commit leaves the state, and says, what committing the files one
    /// by one does: good, broken, draft, partly good and gone files, then an update.
    #[test]
    fn a_bulk_commit_is_the_commits_one_by_one() {
        let partly =
            "---\ndate: 2026-01-01T00:00:00Z\n---\n1. [a](https://x.com/a/status/1)\n2. no link\n";
        let files: Vec<(&str, FileInput<'_>)> = vec![
            ("2026/01/a.md", FileInput::Bytes(GOOD.as_bytes())),
            ("2026/01/b.md", FileInput::Bytes(b"no front matter\n")),
            (
                "2026/01/c.md",
                FileInput::Bytes(b"---\ndate: 2026-01-01\ndraft: true\n---\n"),
            ),
            ("2026/01/d.md", FileInput::Bytes(partly.as_bytes())),
            ("2026/01/e.md", FileInput::Gone),
            ("2026/02/a.md", FileInput::Bytes(BETTER.as_bytes())),
        ];
        let prepare = |s: &State| -> Vec<(&Path, Prepared)> {
            files
                .iter()
                .map(|(rel, input)| {
                    let input = match input {
                        FileInput::Bytes(b) => FileInput::Bytes(b),
                        FileInput::Gone => FileInput::Gone,
                        FileInput::Unreadable(e) => FileInput::Unreadable(e.clone()),
                    };
                    let rel = Path::new(*rel);
                    (
                        rel,
                        s.prepare(rel, rel, input, Rules::default(), Summaries::Read),
                    )
                })
                .collect()
        };
        let mut one_by_one = State::default();
        let singly: Vec<Outcome> = prepare(&one_by_one)
            .into_iter()
            .map(|(rel, p)| one_by_one.commit(rel, p))
            .collect();
        let mut bulk = State::default();
        let together = bulk.commit_all(prepare(&State::default()));
        assert_eq!(together, singly);
        assert_eq!(bulk.seen, one_by_one.seen);
        assert_eq!(bulk.invalid, one_by_one.invalid);
        assert_eq!(bulk.published_count(), 3);
        assert_eq!(bulk.published_count(), one_by_one.published_count());
        // A state that knows files takes a bulk commit one by one.
        let again = bulk.commit_all(prepare(&bulk));
        assert!(again.iter().all(|o| *o == Outcome::Unchanged), "{again:?}");
        assert_eq!(bulk.seen, one_by_one.seen);
    }

    #[test]
    fn same_bytes_are_not_parsed_again() {
        let mut s = State::default();
        assert!(matches!(
            update(&mut s, "a.md", FileInput::Bytes(GOOD.as_bytes())),
            Outcome::Changed(Some(_))
        ));
        assert_eq!(
            update(&mut s, "a.md", FileInput::Bytes(GOOD.as_bytes())),
            Outcome::Unchanged
        );
        assert!(matches!(
            update(&mut s, "a.md", FileInput::Bytes(BETTER.as_bytes())),
            Outcome::Changed(Some(_))
        ));
    }

    #[test]
    fn a_broken_edit_keeps_the_last_good_digest_and_reports_once() {
        let mut s = State::default();
        update(&mut s, "a.md", FileInput::Bytes(GOOD.as_bytes()));
        let broken = &GOOD.as_bytes()[..20];
        assert!(
            matches!(update(&mut s, "a.md", FileInput::Bytes(broken)), Outcome::Invalid(e) if e.len() == 1)
        );
        assert!(s.is_published(Path::new("a.md")), "last good entries stay");
        assert_eq!(
            update(&mut s, "a.md", FileInput::Bytes(broken)),
            Outcome::Unchanged,
            "reported once"
        );
        assert_eq!(s.invalid_count(), 1);
        // Repaired: the new content replaces the old.
        assert!(matches!(
            update(&mut s, "a.md", FileInput::Bytes(BETTER.as_bytes())),
            Outcome::Changed(Some(_))
        ));
        assert_eq!(s.published_count(), 1);
        assert_eq!(s.invalid_count(), 0);
        // Deleted while broken: its entries go.
        update(&mut s, "a.md", FileInput::Bytes(broken));
        assert_eq!(
            update(&mut s, "a.md", FileInput::Gone),
            Outcome::Changed(None)
        );
        assert_eq!(s.published_count(), 0);
    }

    #[test]
    fn a_draft_withdraws_the_digest() {
        let mut s = State::default();
        update(&mut s, "a.md", FileInput::Bytes(GOOD.as_bytes()));
        let draft = GOOD.replacen("---\n", "---\ndraft: true\n", 1);
        assert_eq!(
            update(&mut s, "a.md", FileInput::Bytes(draft.as_bytes())),
            Outcome::Changed(None)
        );
        assert_eq!(s.published_count(), 0);
    }

    #[test]
    fn gone_files_that_were_never_known_change_nothing() {
        let mut s = State::default();
        assert_eq!(update(&mut s, "x.md", FileInput::Gone), Outcome::Unchanged);
    }

    #[test]
    fn known_under_lists_a_folder() {
        let mut s = State::default();
        update(&mut s, "2026/01/a.md", FileInput::Bytes(GOOD.as_bytes()));
        update(&mut s, "2026/b.md", FileInput::Bytes(BETTER.as_bytes()));
        update(&mut s, "c.md", FileInput::Bytes(BETTER.as_bytes()));
        let mut under = s.known_under(Path::new("2026"));
        under.sort();
        assert_eq!(
            under,
            vec![PathBuf::from("2026/01/a.md"), PathBuf::from("2026/b.md")]
        );
        assert_eq!(s.known_under(Path::new("")).len(), 3);
    }
}
