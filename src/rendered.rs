//! Every digest read and every feed rendered, in memory, nothing written: what
//! `--once` writes, what `check` compares and `publish --adopt` takes over. Below the
//! runs (`app`, `check`, `publish::adopt`), which all call it.

use crate::config::Settings;
use crate::error::report::{self, ErrorFormat, Level, Problem};
use crate::error::{DigestError, RunError};
use crate::input::scan;
use crate::model::Summaries;
use crate::render::tree;

/// Every digest read and every feed rendered, in memory: what `--once` writes and
/// `check` compares.
pub(crate) struct Rendered {
    pub built: tree::Built,
    pub digests: usize,
    pub drafts: usize,
    pub errors: Vec<DigestError>,
    pub invalid: usize,
    pub held: usize,
    /// The lints of the digests' text, when asked for.
    pub lints: Vec<crate::error::report::Lint>,
    /// How long reading took, and the peak memory then (MiB), for `-v`.
    pub read: std::time::Duration,
    pub read_peak: u64,
    /// The engine, when the archived feeds' documents are left to stream from it.
    pub engine: Option<crate::engine::Engine>,
}

/// What `check` runs on each digest while its bytes are at hand.
pub(crate) type InspectFile<'a> = &'a (dyn Fn(&std::path::Path, &[u8], &crate::model::Digest) -> Vec<crate::error::report::Lint>
         + Sync);

/// Reads and renders, writing nothing. Problems are shown as they are found;
/// `inspect_file` sees each valid digest's bytes while they are read (what it returns
/// is in [`Rendered::lints`]), and `inspect` every valid digest, future ones included,
/// before the render.
pub(crate) fn read_and_render(
    settings: &Settings,
    format: ErrorFormat,
    inspect_file: InspectFile<'_>,
    inspect: impl FnOnce(&crate::model::Corpus),
) -> Result<Rendered, RunError> {
    read_and_render_with(settings, format, inspect_file, inspect, false)
}

/// [`read_and_render`]; with `history_later`, the archived feeds' documents are left
/// out of [`Rendered::built`], and the engine is kept in [`Rendered::engine`] for the
/// caller to stream them from.
pub(crate) fn read_and_render_with(
    settings: &Settings,
    format: ErrorFormat,
    inspect_file: InspectFile<'_>,
    inspect: impl FnOnce(&crate::model::Corpus),
    history_later: bool,
) -> Result<Rendered, RunError> {
    let skip = settings.output_inside(&settings.input_dir);
    let started = std::time::Instant::now();
    // Summaries are read later, and only for the entries that some feed shows; archive
    // pages show every entry.
    let summaries = if settings.archives.any() {
        Summaries::Read
    } else {
        Summaries::Skip
    };
    let loaded = scan::load_all_inspecting(
        &settings.input_dir,
        skip.as_deref(),
        settings.max_file_bytes,
        settings.rules(),
        summaries,
        inspect_file,
    )
    .map_err(|source| RunError::Input {
        path: settings.input_dir.clone(),
        source,
    })?;
    let read = started.elapsed();
    let read_peak = peak_rss_mb();
    // What falls off the bulk read's shortcut costs the most at 50,000 digests: say
    // what, so that the next shape worth reading line by line shows.
    tracing::debug!("{}", loaded.doubts);
    // Reported first, so that neither a failed write nor the check below hides them.
    show_errors(loaded.faults.iter().chain(&loaded.errors), format);
    // A fault of the machine is no change of the input: feeds written without what it
    // hid would drop entries that come back on the next good run.
    if !loaded.faults.is_empty() {
        return Err(unreadable(loaded.faults.len()));
    }
    // A wrong --input would otherwise publish empty feeds over the good ones.
    if loaded.files == 0 && (!settings.allow_empty || !loaded.errors.is_empty()) {
        return Err(RunError::NoDigests {
            path: settings.input_dir.clone(),
            near_misses: loaded.near_misses,
        });
    }
    let mut corpus = loaded.corpus;
    inspect(&corpus);
    let held = hold_back(settings, &mut corpus);
    let digests = corpus.len();
    // A digest read again for its summaries may now fail for a fault too.
    let faults = std::sync::Mutex::new(Vec::new());
    let read_full = |rel: &std::path::Path, wanted: &[usize]| {
        let path = settings.input_dir.join(rel);
        let bytes = match scan::read_capped(&path, settings.max_file_bytes) {
            Ok(bytes) => bytes,
            Err(e) => {
                if e.fault {
                    faults.lock().unwrap_or_else(|p| p.into_inner()).push(e);
                }
                return None;
            }
        };
        match crate::parse::parse_digest_summaries_at(&path, &bytes, settings.rules(), wanted) {
            Ok(crate::model::Parsed::Digest(digest)) => Some(digest),
            _ => None,
        }
    };
    let (built, engine) = tree::build_with(corpus, settings, history_later, read_full)?;
    let faults = faults.into_inner().unwrap_or_else(|p| p.into_inner());
    show_errors(&faults, format);
    if !faults.is_empty() {
        return Err(unreadable(faults.len()));
    }
    let engine = if history_later {
        Some(engine)
    } else {
        // The process ends right after: freeing a corpus-sized web of small
        // allocations would cost a tenth of the run for nothing.
        std::mem::forget(engine);
        None
    };
    Ok(Rendered {
        built,
        digests,
        drafts: loaded.drafts,
        errors: loaded.errors,
        invalid: loaded.invalid,
        held,
        lints: loaded.lints,
        read,
        read_peak,
        engine,
    })
}

fn show_errors<'a>(errors: impl IntoIterator<Item = &'a DigestError>, format: ErrorFormat) {
    for e in errors {
        report::show(
            &Problem {
                level: Level::Error,
                code: None,
                path: &e.path,
                line: e.line,
                message: &e.message,
            },
            format,
        );
    }
}

fn unreadable(count: usize) -> RunError {
    RunError::Unreadable {
        count: crate::support::text::count(count, "file or folder", "files and folders"),
    }
}

/// Takes the digests dated after now out of `corpus`, unless the settings publish them;
/// returns how many.
fn hold_back(settings: &Settings, corpus: &mut crate::model::Corpus) -> usize {
    if settings.publish_future {
        return 0;
    }
    let held = crate::input::held::hold_back(corpus, chrono::Utc::now());
    for (path, date) in &held {
        let path = settings.input_dir.join(path);
        tracing::debug!(path = %path.display(), appears = %date.to_rfc3339(), "held back until its date");
    }
    if !held.is_empty() {
        tracing::info!(
            held = held.len(),
            "digests dated after now are held back until their date (-v names them; publish_future: true publishes them now)"
        );
    }
    held.len()
}

/// The process's peak resident memory so far, in MiB (0 where `/proc` does not say).
pub(crate) fn peak_rss_mb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
            line.split_whitespace().nth(1)?.parse::<u64>().ok()
        })
        .map_or(0, |kb| kb / 1024)
}
