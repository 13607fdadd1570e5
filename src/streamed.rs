//! Archive pages streamed into the output folder: the archived feeds' documents are
//! rendered a part at a time on one thread while the writer stages the parts before
//! them on others, so the whole output (some 80 KB a digest, in three formats) is never
//! in memory at once, and rendering and writing overlap. `--once` writes its archive
//! pages so, and the daemon every page when it writes the folder whole.

use crate::config::Settings;
use crate::engine::Engine;
use crate::error::{RunError, WriteError};
use crate::output::writer::{Later, Next, OutputDir, SyncReport};
use crate::render::history;
use crate::render::sanitize::Sanitizer;
use crate::render::tree::Output;
use std::collections::BTreeSet;
use std::sync::mpsc;

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
        #[cfg(feature = "publish")]
        {
            let published =
                Settings::for_tests("archives: [global]\npublish:\n  url: s3://feeds/ai/\n");
            assert!(streams_archive_pages(&published, false));
        }
    }
}
