//! Archive pages streamed into the output folder: the archived feeds' documents are
//! rendered a part at a time on one thread while the writer stages the parts before
//! them on others, so the whole output (some 80 KB a digest, in three formats) is never
//! in memory at once, and rendering and writing overlap. `--once` writes its archive
//! pages so, and the daemon every page when it writes the folder whole.
//!
//! Into a bucket without an output folder, `--once` streams them twice
//! ([`with_pages_again`]): rendered once for the MD5 and length of each file (the
//! manifest a publish writes first), and again, a document at a time, as they are
//! uploaded.

use crate::config::Settings;
use crate::engine::Engine;
use crate::error::{PublishError, RenderError, RunError, WriteError};
use crate::output::publish::{md5_hex, Pages};
use crate::output::writer::{Later, Next, OutputDir, SyncReport};
use crate::render::history;
use crate::render::sanitize::Sanitizer;
use crate::render::tree::Output;
use crate::support::par::par_map;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{mpsc, Mutex};

/// What the rendering thread hands the writer: every path first, then the parts, then
/// that it is done (a thread that fails or panics ends without saying so).
enum Part {
    Paths(BTreeSet<String>),
    Files(Output),
    Done,
}

/// Whether a run streams the archived feeds' documents into the output folder (and
/// `check` compares them with it a part at a time): when there are some, unless the
/// whole output is wanted at once, for a diff to print. A bucket published to beside
/// the folder gets the pages read back from it.
pub(crate) fn streams_archive_pages(settings: &Settings, diff: bool) -> bool {
    settings.archives.any() && settings.output_dir.is_some() && !diff
}

/// Whether `--once` leaves the archived feeds' documents out of its build, to be
/// rendered again as they are uploaded ([`with_pages_again`]):
/// for a bucket published to without an output folder, which would otherwise hold
/// them all.
pub(crate) fn renders_pages_again(settings: &Settings) -> bool {
    settings.archives.any() && settings.output_dir.is_none() && settings.publish.is_some()
}

/// Runs `publish` with the archived feeds' documents of `engine` as pages rendered
/// again as they are uploaded ([`renders_pages_again`]).
pub(crate) fn with_pages_again<R>(
    engine: &Engine,
    settings: &Settings,
    publish: impl FnOnce(&dyn Pages) -> R,
) -> Result<R, RenderError> {
    let sanitizer = Sanitizer::default();
    history::with_documents(engine, settings, &sanitizer, |docs| {
        let mut sums = BTreeMap::new();
        for start in (0..docs.len()).step_by(history::PART) {
            let files = docs.render(start..docs.len().min(start + history::PART))?;
            let taken = par_map(&files, |(_, bytes)| (md5_hex(bytes), bytes.len() as u64));
            sums.extend(files.into_iter().map(|(path, _)| path).zip(taken));
        }
        let doc_of = (0..docs.len())
            .flat_map(|i| docs.paths(i).into_iter().map(move |path| (path, i)))
            .collect();
        Ok(publish(&Again {
            docs,
            doc_of,
            sums,
            last: Mutex::new(None),
        }))
    })
}

/// The archived feeds' documents rendered again on demand.
struct Again<'d, 'a> {
    docs: &'d history::Documents<'a>,
    /// Which document each file is of.
    doc_of: HashMap<String, usize>,
    sums: BTreeMap<String, (String, u64)>,
    /// What is left of the files of the document rendered last: a publish asks for an
    /// archive page's files one after the other (a current document's may be asked
    /// for between others', and is then rendered again: it is small).
    last: Mutex<Option<(usize, Output)>>,
}

impl Pages for Again<'_, '_> {
    fn sums(&self) -> &BTreeMap<String, (String, u64)> {
        &self.sums
    }

    fn bytes(&self, path: &str) -> Result<Vec<u8>, PublishError> {
        let fail = |message: String| PublishError::Object {
            object: path.to_string(),
            message,
        };
        let (Some(&doc), Some((md5, _))) = (self.doc_of.get(path), self.sums.get(path)) else {
            return Err(fail("not a file of the archived feeds".into()));
        };
        let mut last = self.last.lock().unwrap_or_else(|p| p.into_inner());
        if last
            .as_ref()
            .is_none_or(|(at, files)| *at != doc || !files.contains_key(path))
        {
            let files = self
                .docs
                .render(doc..doc + 1)
                .map_err(|e| fail(e.to_string()))?;
            *last = Some((doc, files.into_iter().collect()));
        }
        let bytes = last
            .as_mut()
            .and_then(|(_, files)| files.remove(path))
            .unwrap_or_default();
        // The manifest records the first rendering's MD5: an object with other bytes
        // would be taken for someone else's by the next publish.
        if md5_hex(&bytes) != *md5 {
            return Err(fail(
                "rendered again, it differs from its first rendering".into(),
            ));
        }
        Ok(bytes)
    }
}

/// How the folder is synced: as `--once` does (each file made durable on its own), or
/// as the daemon does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Run {
    Once,
    Daemon,
}

/// Brings `out` in line with `fixed` and every archived feed's documents, streamed
/// from `engine` (a document `fixed` has too is written from `fixed`). A render
/// error is reported before the write's (which then only says a file was not made);
/// either way nothing is replaced.
pub(crate) fn sync(
    out: &mut OutputDir,
    fixed: &Output,
    engine: &Engine,
    settings: &Settings,
    run: Run,
) -> Result<SyncReport, RunError> {
    std::thread::scope(|scope| {
        // One part rendered ahead of the one being written.
        let (tx, rx) = mpsc::sync_channel::<Part>(1);
        let rendering = scope.spawn(move || {
            let sanitizer = Sanitizer::default();
            let paths_tx = tx.clone();
            let files_tx = tx.clone();
            history::stream(
                engine,
                settings,
                &sanitizer,
                |paths| paths_tx.send(Part::Paths(paths)).is_ok(),
                |files| files_tx.send(Part::Files(files)).is_ok(),
            )?;
            // Unheard if the writer stopped: it has failed already.
            let _ = tx.send(Part::Done);
            Ok::<(), crate::error::RenderError>(())
        });
        let synced = match rx.recv() {
            Ok(Part::Paths(paths)) => {
                let mut next = || match rx.recv() {
                    Ok(Part::Files(files)) => Next::Part(files),
                    Ok(Part::Done) => Next::End,
                    Ok(Part::Paths(_)) | Err(_) => Next::Failed,
                };
                let later = Later {
                    paths,
                    next: &mut next,
                };
                Some(match run {
                    Run::Once => out.sync_once_later(fixed, later),
                    Run::Daemon => out.sync_later(fixed, later),
                })
            }
            _ => None,
        };
        // A render still under way stops at its next part.
        drop(rx);
        match rendering.join() {
            Ok(Ok(())) => {}
            Ok(Err(e)) => return Err(e.into()),
            Err(panic) => std::panic::resume_unwind(panic),
        }
        match synced {
            Some(result) => Ok(result?),
            // The rendering ended well without a word: it cannot, but nothing is
            // replaced if it does.
            None => Err(WriteError {
                path: settings.output_dir.clone().unwrap_or_default(),
                action: "the archive pages were not made; nothing was written",
                source: std::io::Error::from(std::io::ErrorKind::Interrupted),
            }
            .into()),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Pages are streamed into a folder whenever there is one, a bucket or not (the
    /// bucket gets them read back); held only for a diff, or for a bucket alone.
    #[test]
    fn pages_stream_into_a_folder_unless_a_diff_wants_them_all() {
        let archived = Settings::for_tests("archives: [global]\n");
        assert!(streams_archive_pages(&archived, false));
        assert!(!streams_archive_pages(&archived, true));
        assert!(!streams_archive_pages(&Settings::for_tests(""), false));
        let mut no_folder = archived.clone();
        no_folder.output_dir = None;
        assert!(!streams_archive_pages(&no_folder, false));
        assert!(!renders_pages_again(&archived) && !renders_pages_again(&no_folder));
        #[cfg(feature = "publish")]
        {
            let published =
                Settings::for_tests("archives: [global]\npublish:\n  url: s3://feeds/ai/\n");
            assert!(streams_archive_pages(&published, false));
            assert!(!renders_pages_again(&published));
            let mut bucket_only = published.clone();
            bucket_only.output_dir = None;
            assert!(renders_pages_again(&bucket_only));
            assert!(!renders_pages_again(&Settings {
                archives: Default::default(),
                ..bucket_only
            }));
        }
    }
}
