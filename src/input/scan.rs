//! Finding and reading digests under the input folder.

use crate::error::DigestError;
use crate::model::Corpus;
use crate::model::{Parsed, Summaries};
use crate::parse::{parse_digest_with, Rules};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// Is this file name one of the digests? `*.md`, except Hugo's section files
/// (`_index.md`), hidden files (editor locks and swap files such as `.#a.md`) and
/// editors' temporary names (`#a.md#`, `a.md~` never end in `.md`).
pub(crate) fn is_digest_name(name: &str) -> bool {
    name.ends_with(".md") && name.len() > 3 && !name.starts_with(['.', '#']) && name != "_index.md"
}

/// What a walk of the input folder found.
#[derive(Debug, Default)]
pub(crate) struct Listing {
    /// Every digest, as sorted paths relative to the folder walked.
    pub files: Vec<PathBuf>,
    /// Sub-folders that exist but could not be read (relative, with why): what they
    /// hold is unknown, which is not the same as gone.
    pub unreadable: Vec<(PathBuf, io::Error)>,
    /// Files passed over whose names suggest Markdown (`a.markdown`, `B.MD`).
    pub near_misses: usize,
}

impl Listing {
    /// Whether `rel` lies in a folder that could not be read.
    pub(crate) fn hides(&self, rel: &Path) -> bool {
        self.unreadable.iter().any(|(dir, _)| rel.starts_with(dir))
    }
}

/// Why a file that is not a digest was passed over, for `-v`; and whether its name
/// suggests the user meant it as one (`.markdown`, `.MD`), for the warning that no
/// digest was found.
pub(crate) fn skip_reason(name: &str) -> (&'static str, bool) {
    let lower = name.to_ascii_lowercase();
    let markdown = [".md", ".markdown", ".mdown", ".mkd"]
        .iter()
        .any(|ext| lower.ends_with(ext));
    if name == "_index.md" {
        ("a Hugo section file, not a digest", false)
    } else if name.starts_with('.') {
        ("hidden (editors keep locks and swap files so)", false)
    } else if name.starts_with('#') || name.ends_with('~') {
        ("an editor's temporary file", false)
    } else if markdown {
        ("digests are named *.md (lowercase)", true)
    } else {
        ("not a .md file", false)
    }
}

/// Every digest below `root`. Hidden folders and `skip` (the output folder, when it
/// lies inside the input) are not entered; symbolic links to folders are not followed,
/// so a link cannot lead outside the tree or loop. Only `root` itself failing is an
/// error; a sub-folder that vanished is passed over, one that cannot be read is listed
/// in [`Listing::unreadable`].
pub(crate) fn list(root: &Path, skip: Option<&Path>) -> io::Result<Listing> {
    let mut found = Vec::new();
    let mut unreadable = Vec::new();
    let mut near_misses = 0;
    let mut pending = vec![PathBuf::new()];
    while let Some(rel) = pending.pop() {
        let dir = root.join(&rel);
        let entries = match fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if rel.as_os_str().is_empty() => return Err(e),
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
            Err(e) => {
                unreadable.push((rel, e));
                continue;
            }
        };
        for entry in entries.flatten() {
            let os_name = entry.file_name();
            let name = os_name.to_string_lossy();
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            // Joined as the OS gave it: a name that is not UTF-8 still opens.
            let child = rel.join(&os_name);
            if kind.is_dir() {
                if !name.starts_with('.') && skip != Some(root.join(&child).as_path()) {
                    pending.push(child);
                }
            } else if is_digest_name(&name) {
                found.push(child);
            } else {
                let (why, near) = skip_reason(&name);
                near_misses += usize::from(near);
                tracing::debug!(path = %root.join(&child).display(), "skipped: {why}");
            }
        }
    }
    found.sort_unstable_by(|a, b| component_order(a, b));
    unreadable.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(Listing {
        files: found,
        unreadable,
        near_misses,
    })
}

/// The order of `Path`s (component by component) for the relative, normalised paths
/// that [`list`] makes, computed on their bytes with `/` as the smallest byte: sorting
/// tens of thousands of paths by `Path`'s own comparison is a measurable part of a run.
fn component_order(a: &Path, b: &Path) -> std::cmp::Ordering {
    use std::os::unix::ffi::OsStrExt;
    let key = |c: &u8| if *c == b'/' { 0 } else { *c };
    let a = a.as_os_str().as_bytes().iter().map(key);
    a.cmp(b.as_os_str().as_bytes().iter().map(key))
}

/// Reads at most `cap` bytes; a larger file is an error that names the limit, and costs
/// no more than the limit to find out.
pub(crate) fn read_capped(path: &Path, cap: u64) -> Result<Vec<u8>, DigestError> {
    use std::os::unix::fs::OpenOptionsExt;
    // Non-blocking, and only regular files: a FIFO or device named `*.md` must not
    // hang the run.
    let file = fs::OpenOptions::new()
        .read(true)
        .custom_flags(rustix::fs::OFlags::NONBLOCK.bits() as i32)
        .open(path)
        .map_err(|e| DigestError::unreadable(path, format!("cannot read the file: {e}"), &e))?;
    let size = match file.metadata() {
        Ok(meta) if meta.is_file() => meta.len(),
        Ok(_) => {
            return Err(DigestError::new(
                path,
                None,
                "not a regular file; a digest is a plain .md file",
            ))
        }
        Err(e) => {
            return Err(DigestError::unreadable(
                path,
                format!("cannot read the file: {e}"),
                &e,
            ))
        }
    };
    // Sized from the file's length (plus one byte to see the end): one allocation and
    // one read, not a buffer grown from nothing in a dozen reads.
    let expected = usize::try_from(size.min(cap))
        .unwrap_or(0)
        .saturating_add(1);
    let mut bytes = Vec::with_capacity(expected);
    loop {
        let asked = bytes.capacity() - bytes.len();
        let read = match rustix::io::read(&file, rustix::buffer::spare_capacity(&mut bytes)) {
            Ok(read) => read,
            Err(rustix::io::Errno::INTR) => continue,
            Err(e) => {
                let e = std::io::Error::from(e);
                return Err(DigestError::unreadable(
                    path,
                    format!("cannot read the file: {e}"),
                    &e,
                ));
            }
        };
        let len = bytes.len() as u64;
        // A regular file reads short only at its end: a full run of ten thousand
        // files saves as many reads that would only have said so.
        if read == 0 || (read < asked && len == size) || len > cap {
            break;
        }
        if bytes.len() == bytes.capacity() {
            // Up to one byte past the cap, to tell a file that grew past it.
            let more = (cap.saturating_add(1) - len).min(1 << 16);
            bytes.reserve_exact(usize::try_from(more).unwrap_or(1 << 16));
        }
    }
    if bytes.len() as u64 > cap {
        return Err(DigestError::new(
            path,
            None,
            format!(
                "file is larger than {cap} bytes (config max_file_bytes); a digest is a few kilobytes"
            ),
        ));
    }
    Ok(bytes)
}

/// Reads and parses one digest (`rel`: its path relative to `root`; without
/// `summaries`, see [`parse_digest_with`]), showing `seen` the file's path, bytes and
/// what they parsed to while the bytes are at hand (lints of the text use it).
fn load_one_seen(
    root: &Path,
    rel: &Path,
    cap: u64,
    rules: Rules,
    summaries: Summaries,
    seen: &mut dyn FnMut(&Path, &[u8], &Parsed),
) -> Result<Parsed, Vec<DigestError>> {
    let path = root.join(rel);
    let bytes = read_capped(&path, cap).map_err(|e| vec![e])?;
    let parsed = parse_digest_with(&path, &bytes, rules, summaries);
    if let Ok(p) = &parsed {
        seen(&path, &bytes, p);
    }
    if tracing::enabled!(tracing::Level::TRACE) {
        let what = match &parsed {
            Ok(Parsed::Digest(d)) => crate::support::text::count(d.items.len(), "item", "items"),
            Ok(Parsed::Draft) => "a draft".to_string(),
            Err(errors) => crate::support::text::count(errors.len(), "problem", "problems"),
        };
        tracing::trace!(path = %path.display(), bytes = bytes.len(), "read: {what}");
    }
    parsed
}

/// What a full scan found.
#[derive(Debug, Default)]
pub(crate) struct Loaded {
    pub corpus: Corpus,
    pub drafts: usize,
    /// Every problem found, in path order.
    pub errors: Vec<DigestError>,
    /// Files (and folders) with at least one problem: a file left out whole, or one
    /// published without some of its items.
    pub invalid: usize,
    /// Digest files found (drafts and invalid ones included).
    pub files: usize,
    /// Files passed over whose names suggest Markdown.
    pub near_misses: usize,
    /// Why the digests that the line-by-line reading left to the CommonMark parser were
    /// left to it.
    pub doubts: crate::parse::lines::Doubts,
    /// What [`load_all_inspecting`] found.
    pub lints: Vec<crate::error::report::Lint>,
    /// Files and folders that could not be read for a fault of the machine (not in
    /// `errors`): what they hold is unknown.
    pub faults: Vec<DigestError>,
}

/// Whether the start of the file at `path` is in the page cache; `None` where the
/// system cannot tell (a kernel or file system without non-blocking reads, something
/// that is not a file).
fn in_page_cache(path: &Path) -> Option<bool> {
    use rustix::io::{Errno, ReadWriteFlags};
    use std::os::unix::fs::OpenOptionsExt;
    let file = fs::OpenOptions::new()
        .read(true)
        .custom_flags(rustix::fs::OFlags::NONBLOCK.bits() as i32)
        .open(path)
        .ok()?;
    // Only regular files, as `read_capped` reads.
    if !file.metadata().ok()?.is_file() {
        return None;
    }
    let mut byte = [0u8; 1];
    // RWF_NOWAIT makes the read fail rather than wait for the disk.
    match rustix::io::preadv2(
        &file,
        &mut [io::IoSliceMut::new(&mut byte)],
        0,
        ReadWriteFlags::NOWAIT,
    ) {
        Ok(_) => Some(true),
        Err(Errno::AGAIN) => Some(false),
        // A kernel or file system without non-blocking reads cannot tell.
        Err(_) => None,
    }
}

/// Reader threads per core when the digests are not in memory (the first run after a
/// boot, or a folder the kernel has not kept cached): each read then waits on the disk,
/// and more reads in flight keep it busy. Measured at 10,000 digests: a cold read in 0.29-0.35 s with
/// 8 threads on 2 cores, 0.58-0.63 s with 2; with the files in memory, 2 threads are
/// the faster by 20 ms.
const COLD_READERS_PER_CORE: usize = 4;

/// How many threads read `files`: one per core, more if a sample of them has to come
/// from the disk.
fn readers(root: &Path, files: &[PathBuf]) -> usize {
    let cores = crate::support::par::cores();
    let step = (files.len() / 8).max(1);
    let cold = files
        .iter()
        .step_by(step)
        .take(8)
        .any(|rel| in_page_cache(&root.join(rel)) == Some(false));
    if cold {
        cores * COLD_READERS_PER_CORE
    } else {
        cores
    }
}

/// Reads every digest below `root`, on every core: reading and parsing dominate a
/// full run, and each file is independent of the others.
#[cfg(test)]
pub(crate) fn load_all(
    root: &Path,
    skip: Option<&Path>,
    cap: u64,
    rules: Rules,
    summaries: Summaries,
) -> io::Result<Loaded> {
    load_all_inspecting(root, skip, cap, rules, summaries, |_, _, _| Vec::new())
}

/// Reads every digest below `root`, on every core, with `inspect` run on every
/// digest's path, bytes and parse while the bytes are at hand, on the core that read
/// them; what it finds is in [`Loaded::lints`].
pub(crate) fn load_all_inspecting(
    root: &Path,
    skip: Option<&Path>,
    cap: u64,
    rules: Rules,
    summaries: Summaries,
    inspect: impl Fn(&Path, &[u8], &crate::model::Digest) -> Vec<crate::error::report::Lint> + Sync,
) -> io::Result<Loaded> {
    let listing = list(root, skip)?;
    let files = listing.files;
    let results = crate::support::par::par_map_on(readers(root, &files), &files, |rel| {
        let mut found = Vec::new();
        let mut seen = |path: &Path, bytes: &[u8], parsed: &Parsed| {
            if let Parsed::Digest(digest) = parsed {
                found = inspect(path, bytes, digest);
            }
        };
        let parsed = load_one_seen(root, rel, cap, rules, summaries, &mut seen);
        (rel.clone(), parsed, found)
    });
    let mut loaded = Loaded {
        files: files.len(),
        near_misses: listing.near_misses,
        ..Loaded::default()
    };
    // Its digests cannot be published, and a run that leaves them out must say so.
    for (dir, e) in listing.unreadable {
        let error = DigestError::unreadable(
            root.join(dir),
            format!("cannot read the folder: {e} (let digestfeed's user read it)"),
            &e,
        );
        if error.fault {
            loaded.faults.push(error);
        } else {
            loaded.invalid += 1;
            loaded.errors.push(error);
        }
    }
    let mut digests = Vec::with_capacity(results.len());
    for (rel, result, lints) in results {
        loaded.lints.extend(lints);
        match result {
            Ok(Parsed::Digest(mut digest)) => {
                loaded.doubts.add(digest.doubt);
                if !digest.skipped.is_empty() {
                    loaded.invalid += 1;
                    loaded.errors.append(&mut digest.skipped);
                }
                digests.push((rel, digest));
            }
            Ok(Parsed::Draft) => {
                tracing::debug!(path = %root.join(&rel).display(), "a draft (draft: true): not published");
                loaded.drafts += 1;
            }
            Err(errors) if errors.iter().any(|e| e.fault) => loaded.faults.extend(errors),
            Err(errors) => {
                loaded.invalid += 1;
                loaded.errors.extend(errors);
            }
        }
    }
    // Already in order: the map is built in one pass, not by a search per insert.
    loaded.corpus = digests.into_iter().collect();
    Ok(loaded)
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(3000))]
        #[test]
        // Normalised, as `list` makes them: every part a plain name (never `.` or `..`).
        fn byte_order_is_path_order(a in "[ab][ab.\\- ]{0,2}(/[ab][ab.\\- ]{0,2}){0,2}", b in "[ab][ab.\\- ]{0,2}(/[ab][ab.\\- ]{0,2}){0,2}") {
            let (a, b) = (Path::new(&a), Path::new(&b));
            proptest::prop_assert_eq!(component_order(a, b), a.cmp(b));
        }
    }

    /// Read in one go when the file is as long as it says, up to the cap and no
    /// further; a file whose length says nothing (procfs says 0) is read to its end.
    #[test]
    fn read_capped_reads_to_the_end_and_not_past_the_cap() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.md");
        for len in [0usize, 1, 4095, 65_536, 200_001] {
            let text: Vec<u8> = (0..len).map(|i| b'a' + (i % 26) as u8).collect();
            fs::write(&path, &text).unwrap();
            assert_eq!(read_capped(&path, 200_001).unwrap(), text, "{len} bytes");
            let over = read_capped(&path, len.saturating_sub(1) as u64);
            assert_eq!(over.is_err(), len > 0, "{len} bytes, cap one less");
        }
        let status = read_capped(Path::new("/proc/self/status"), 1 << 20).unwrap();
        assert!(status.starts_with(b"Name:"), "{status:?}");
        let capped = read_capped(Path::new("/proc/self/status"), 10).unwrap_err();
        assert!(
            capped.message.contains("larger than 10 bytes"),
            "{}",
            capped.message
        );
    }

    #[test]
    fn a_file_just_written_is_found_in_the_page_cache() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.md");
        fs::write(&path, "---\ndate: 2026-01-01\n---\n").unwrap();
        // Some systems cannot tell; none may call a file just written cold.
        assert_ne!(in_page_cache(&path), Some(false));
        assert_eq!(in_page_cache(&dir.path().join("missing.md")), None);
        // Not a file: nothing is read from it.
        assert_eq!(in_page_cache(dir.path()), None);
        assert_eq!(
            readers(dir.path(), &[PathBuf::from("a.md")]),
            crate::support::par::cores()
        );
    }

    /// What a run logs at -v: the digests the line-by-line reading left to the parser,
    /// by why; drafts, invalid files and digests it read count nothing.
    #[test]
    fn load_all_counts_what_the_shortcut_leaves_to_the_parser() {
        let dir = tempfile::tempdir().unwrap();
        let front = "---\ndate: 2026-01-01\n---\n";
        for (name, body) in [
            ("plain.md", "1. [t](https://x.com/a/status/1)\n   s\n"),
            ("brackets.md", "1. [a [b]](https://x.com/a/status/2)\n"),
            (
                "html.md",
                "1. [a <b class=\"x\">c</b>](https://x.com/a/status/3)\n",
            ),
            ("emphasis.md", "1. [a *b*](https://x.com/a/status/5)\n"),
            (
                "lazy.md",
                "1. [t](https://x.com/a/status/4)\n   s\n  - lazy\n",
            ),
        ] {
            fs::write(dir.path().join(name), format!("{front}{body}")).unwrap();
        }
        fs::write(
            dir.path().join("draft.md"),
            "---\ndate: 2026-01-01\ndraft: true\n---\n1. [a *b*](u)\n",
        )
        .unwrap();
        fs::write(dir.path().join("bad.md"), "no front matter\n").unwrap();
        let load = |summaries| load_all(dir.path(), None, 1 << 20, Rules::default(), summaries);
        let loaded = load(Summaries::Skip).unwrap();
        assert_eq!(loaded.corpus.len(), 5);
        assert_eq!(loaded.doubts.total(), 3, "{}", loaded.doubts);
        assert_eq!(
            loaded.doubts.get(crate::parse::lines::Doubt::TitleMarkup),
            2
        );
        assert_eq!(
            loaded.doubts.to_string(),
            "3 digests read by the full CommonMark parser: 2 title markup, 1 lazy line"
        );
        // Read with their summaries, every digest is the parser's: nothing was tried.
        assert_eq!(load(Summaries::Read).unwrap().doubts.total(), 0);
    }

    #[test]
    fn digest_names() {
        for yes in ["a.md", "2026-01-07-08.md", "x y.md", "_other.md"] {
            assert!(is_digest_name(yes), "{yes}");
        }
        for no in [
            "_index.md",
            ".a.md",
            ".#a.md",
            "#a.md#",
            "a.md~",
            "a.md.swp",
            "4913",
            ".md",
            "a.markdown",
            "a.md123.bck",
            ".goutputstream-X",
        ] {
            assert!(!is_digest_name(no), "{no}");
        }
    }
}
