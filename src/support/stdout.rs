//! Standard output, for what a run prints there (lists of changes, diffs, problems in
//! a machine format). A reader that closes the pipe early (`| head -1`) ends the
//! printing quietly, as for any Unix tool, not the run: `--once` still writes its
//! feeds, and every run exits with the status it would have had.

use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};

/// Whether the reader has gone: nothing more is printed.
static CLOSED: AtomicBool = AtomicBool::new(false);
/// Whether printing failed otherwise (a full disk under a redirection): the run's
/// output is incomplete, which its exit status must say.
static FAILED: AtomicBool = AtomicBool::new(false);

/// Whether something could not be printed for another reason than a closed pipe.
pub fn failed() -> bool {
    FAILED.load(Ordering::Relaxed)
}

/// Prints `text` as it is.
pub fn print(text: &str) {
    if text.is_empty() || CLOSED.load(Ordering::Relaxed) {
        return;
    }
    let mut out = io::stdout().lock();
    let written = out.write_all(text.as_bytes()).and_then(|()| out.flush());
    if let Err(e) = written {
        CLOSED.store(true, Ordering::Relaxed);
        if e.kind() != io::ErrorKind::BrokenPipe {
            FAILED.store(true, Ordering::Relaxed);
            tracing::error!("cannot print to standard output: {e}");
        }
    }
}

/// Prints `line` and a line end.
pub fn line(line: &str) {
    print(&format!("{line}\n"));
}
