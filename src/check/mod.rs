//! `digestfeed check`: what `--once` would change, without writing anything. The
//! rendered output is compared with the output folder (the files its manifest lists),
//! or, publishing to a bucket without one, with the bucket's manifest. With what it
//! reports: `lint` (digests valid but likely not meant), `diff` (entries added,
//! removed, changed per feed) and `report` (how problems reach the user, which
//! `--once` uses too).

pub(crate) mod diff;
pub mod lint;

use crate::cli::CheckArgs;
use crate::config::Settings;
use crate::error::report::{self, ErrorFormat, Level, Lint, Problem};
use crate::error::RunError;
use crate::render::tree::Output;
use std::fs;
use std::path::Path;
use std::process::ExitCode;

/// How one output file would change.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum FileChange {
    New(String),
    Changed(String),
    Removed(String),
}

impl FileChange {
    /// `{"change": "new", "path": "atom.xml"}`, for the JSON formats.
    pub fn to_json(&self) -> serde_json::Value {
        let (change, path) = match self {
            FileChange::New(p) => ("new", p),
            FileChange::Changed(p) => ("changed", p),
            FileChange::Removed(p) => ("removed", p),
        };
        serde_json::json!({ "change": change, "path": path })
    }
}

impl std::fmt::Display for FileChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FileChange::New(p) => write!(f, "new      {p}"),
            FileChange::Changed(p) => write!(f, "changed  {p}"),
            FileChange::Removed(p) => write!(f, "removed  {p}"),
        }
    }
}

/// What a sync of `files` into `dir` would change. Only reads: a file is compared
/// only if it is a regular file (a link where a feed goes is a change, as the writer
/// replaces it).
pub fn against_folder(dir: &Path, files: &Output) -> Vec<FileChange> {
    let mut changes = changed_in_folder(dir, files);
    changes.extend(removed_from_folder(dir, |path| files.contains_key(path)));
    changes.sort();
    changes
}

/// The files of `files` that are new to `dir` or that it holds otherwise.
fn changed_in_folder(dir: &Path, files: &Output) -> Vec<FileChange> {
    let mut changes = Vec::new();
    for (path, bytes) in files {
        let target = dir.join(path);
        let regular = fs::symlink_metadata(&target).is_ok_and(|m| m.file_type().is_file());
        if !regular {
            changes.push(FileChange::New(path.clone()));
        } else if fs::read(&target).ok().as_ref() != Some(bytes) {
            changes.push(FileChange::Changed(path.clone()));
        }
    }
    changes
}

/// The files the manifest of `dir` lists that are there and that a sync would not
/// keep: it removes them.
fn removed_from_folder(dir: &Path, kept: impl Fn(&str) -> bool) -> Vec<FileChange> {
    crate::output::writer::listed(dir)
        .into_iter()
        .filter(|path| !kept(path) && dir.join(path).exists())
        .map(FileChange::Removed)
        .collect()
}

/// [`against_folder`] for `fixed` and every archived feed's documents, streamed from
/// `engine` a part at a time as `--once` writes them, so that they are never all in
/// memory; and what `--once` would refuse of them, as it refuses it.
fn streamed_against_folder(
    dir: &Path,
    fixed: &Output,
    engine: &crate::engine::Engine,
    settings: &Settings,
) -> Result<Vec<FileChange>, RunError> {
    use crate::output::writer::{OutputDir, Refusals};
    use std::cell::RefCell;
    use std::collections::BTreeSet;
    let mut changes = changed_in_folder(dir, fixed);
    // Set when the paths come, asked by each part; the first refusal stops the stream.
    let refusals: RefCell<Option<Refusals>> = RefCell::new(None);
    let refused: RefCell<Option<crate::error::WriteError>> = RefCell::new(None);
    let mut later: BTreeSet<String> = BTreeSet::new();
    let sanitizer = crate::render::sanitize::Sanitizer::default();
    crate::render::history::stream(
        engine,
        settings,
        &sanitizer,
        |paths| {
            let found = OutputDir::refusals_later(dir, fixed, &paths)
                .and_then(|r| r.map(|r| r.listed(fixed).map(|()| r)).transpose());
            later = paths;
            match found {
                Ok(r) => {
                    *refusals.borrow_mut() = r;
                    true
                }
                Err(e) => {
                    *refused.borrow_mut() = Some(e);
                    false
                }
            }
        },
        |part| {
            if let Some(r) = refusals.borrow().as_ref() {
                if let Err(e) = r.part(&part) {
                    *refused.borrow_mut() = Some(e);
                    return false;
                }
            }
            changes.extend(changed_in_folder(dir, &part));
            true
        },
    )?;
    if let Some(e) = refused.into_inner() {
        return Err(e.into());
    }
    changes.extend(removed_from_folder(dir, |path| {
        fixed.contains_key(path) || later.contains(path)
    }));
    changes.sort();
    Ok(changes)
}

/// What a publish of `files` would change in a bucket whose manifest is `remote`.
pub fn against_manifest(
    remote: &crate::output::publish::Manifest,
    files: &Output,
) -> Vec<FileChange> {
    let plan = crate::output::publish::plan(files, remote);
    let mut changes: Vec<FileChange> = plan
        .upload
        .into_iter()
        .map(|p| {
            if remote.objects.contains_key(&p) {
                FileChange::Changed(p)
            } else {
                FileChange::New(p)
            }
        })
        .chain(plan.delete.into_iter().map(FileChange::Removed))
        .collect();
    changes.sort();
    changes
}

/// `digestfeed check`: the exit code.
pub fn main(
    settings: &Settings,
    args: &CheckArgs,
    format: ErrorFormat,
    diff: Option<crate::cli::DiffFormat>,
) -> ExitCode {
    if let Err(e) = known_lints(args) {
        tracing::error!("{e}");
        return ExitCode::from(2);
    }
    let mut lints = Vec::new();
    let held_after = (!settings.publish_future).then(chrono::Utc::now);
    let per_file = |path: &Path, bytes: &[u8], digest: &crate::model::Digest| {
        lint::digest_lints(path, digest, Some(bytes), held_after)
    };
    // Archive pages are most of the output: compared with the folder a part at a time
    // where `--once` streams them, so that what it refuses first is refused first.
    let stream = crate::streamed::streams_archive_pages(settings, diff.is_some());
    let rendered = crate::rendered::read_and_render_with(
        settings,
        format,
        &per_file,
        |corpus| {
            let retitles = lint::is_named("DF007", &args.warn, &args.deny);
            lints = lint::corpus_lints(
                corpus,
                &settings.input_dir,
                retitles,
                settings.max_categories,
            );
        },
        stream,
    );
    let rendered = match rendered {
        Ok(mut rendered) => {
            lints.append(&mut rendered.lints);
            lints.retain(|l| lint::is_reported(l, &args.warn, &args.deny));
            lints.sort_by(|a, b| (&a.path, a.line, a.code).cmp(&(&b.path, b.line, b.code)));
            rendered
        }
        Err(e) => {
            tracing::error!("{e}");
            return ExitCode::from(e.exit_code());
        }
    };
    let denied = show_lints(&lints, &args.deny, format);
    let changes = match compare(settings, &rendered.built.files, rendered.engine.as_ref()) {
        Ok(changes) => changes,
        Err(e) => {
            tracing::error!("{e}");
            return ExitCode::from(2);
        }
    };
    // In a JSON format, standard output carries JSON only.
    let json = format == ErrorFormat::Json || diff == Some(crate::cli::DiffFormat::Json);
    for change in &changes {
        if json {
            crate::support::stdout::line(&change.to_json().to_string());
        } else {
            crate::support::stdout::line(&change.to_string());
        }
    }
    if let (Some(diff_format), Some(dir)) = (diff, &settings.output_dir) {
        let files = &rendered.built.files;
        let old = crate::check::diff::read_folder_feeds(dir, files);
        crate::support::stdout::print(&crate::check::diff::render(
            &crate::check::diff::diff(&old, files),
            diff_format,
        ));
    }
    tracing::info!(
        digests = rendered.digests,
        invalid = rendered.invalid,
        problems = rendered.errors.len(),
        lints = lints.len(),
        denied,
        changes = changes.len(),
        "checked"
    );
    if !rendered.errors.is_empty() || denied > 0 {
        ExitCode::from(1)
    } else if !changes.is_empty() {
        ExitCode::from(3)
    } else {
        ExitCode::SUCCESS
    }
}

/// An error naming a `--deny` or `--warn` value that is no lint.
fn known_lints(args: &CheckArgs) -> Result<(), String> {
    match args
        .deny
        .iter()
        .chain(&args.warn)
        .find(|d| !lint::is_known(d))
    {
        None => Ok(()),
        Some(unknown) => {
            let known: Vec<String> = lint::LINTS
                .iter()
                .map(|(code, name, _)| format!("{code} ({name})"))
                .collect();
            Err(format!(
                "{unknown}: no such lint; the lints are {}, or all",
                known.join(", ")
            ))
        }
    }
}

/// Shows every lint, as an error if denied; returns how many were denied.
fn show_lints(lints: &[Lint], deny: &[String], format: ErrorFormat) -> usize {
    let mut denied = 0;
    for l in lints {
        let level = if lint::is_denied(l, deny) {
            denied += 1;
            Level::Error
        } else {
            Level::Warning
        };
        report::show(
            &Problem {
                level,
                code: Some(l.code),
                path: &l.path,
                line: l.line,
                message: &l.message,
            },
            format,
        );
    }
    denied
}

/// What `--once` would change: in the output folder, else in the bucket. With
/// `engine`, the archived feeds' documents are not in `files`, but streamed from it.
fn compare(
    settings: &Settings,
    files: &Output,
    engine: Option<&crate::engine::Engine>,
) -> Result<Vec<FileChange>, RunError> {
    match (&settings.output_dir, &settings.publish) {
        (Some(dir), _) => match engine {
            Some(engine) => streamed_against_folder(dir, files, engine, settings),
            None => {
                // What `--once` would refuse is reported as it reports it (exit 2).
                crate::output::writer::OutputDir::refusal(dir, files)?;
                Ok(against_folder(dir, files))
            }
        },
        (None, Some(config)) => {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(RunError::EventLoop)?;
            let bucket = crate::output::publish::bucket::Bucket::new(config)?;
            let (remote, _) = runtime.block_on(bucket.state())?;
            Ok(against_manifest(&remote, files))
        }
        (None, None) => Ok(Vec::new()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::writer::MANIFEST;

    #[test]
    fn a_folder_is_compared_by_bytes_and_by_what_its_manifest_lists() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("same.xml"), "s").unwrap();
        fs::write(dir.path().join("old.xml"), "o").unwrap();
        fs::write(dir.path().join("gone.xml"), "g").unwrap();
        fs::write(dir.path().join("mine.txt"), "m").unwrap();
        fs::write(dir.path().join(MANIFEST), "same.xml\nold.xml\ngone.xml\n").unwrap();
        let files: Output = [("same.xml", "s"), ("old.xml", "o2"), ("new.xml", "n")]
            .iter()
            .map(|(p, b)| (p.to_string(), b.as_bytes().to_vec()))
            .collect();
        assert_eq!(
            against_folder(dir.path(), &files),
            [
                FileChange::New("new.xml".into()),
                FileChange::Changed("old.xml".into()),
                FileChange::Removed("gone.xml".into()),
            ]
        );
        assert!(against_folder(dir.path(), &Output::new())
            .iter()
            .all(|c| !matches!(c, FileChange::Removed(p) if p == "mine.txt")));
    }
}
