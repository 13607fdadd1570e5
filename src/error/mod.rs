//! Errors a user can cause, each saying where (`path:line`) and what is wrong.

pub mod report;

use std::fmt;
use std::path::PathBuf;

/// A digest that cannot be published. Its Display is `path:line: message`, the form
/// editors and terminals turn into a link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigestError {
    pub path: PathBuf,
    pub line: Option<usize>,
    pub message: String,
    /// A fault of the machine (permission denied, an I/O error), not of the file's
    /// content: what the file holds is unknown, which is not the same as invalid.
    pub fault: bool,
}

impl DigestError {
    pub fn new(path: impl Into<PathBuf>, line: Option<usize>, message: impl Into<String>) -> Self {
        DigestError {
            path: path.into(),
            line,
            message: message.into(),
            fault: false,
        }
    }

    /// A file or folder that could not be read for `source`: a fault of the machine,
    /// unless the error says something about the path itself (gone, a loop of links,
    /// not a folder), which is the input's.
    pub fn unreadable(
        path: impl Into<PathBuf>,
        message: impl Into<String>,
        source: &std::io::Error,
    ) -> Self {
        use std::io::ErrorKind::*;
        let input = matches!(
            source.kind(),
            NotFound | NotADirectory | IsADirectory | InvalidFilename
        ) || source.raw_os_error() == Some(libc::ELOOP);
        DigestError {
            fault: !input,
            ..DigestError::new(path, None, message)
        }
    }
}

impl fmt::Display for DigestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{}: {}", self.path.display(), line, self.message),
            None => write!(f, "{}: {}", self.path.display(), self.message),
        }
    }
}

impl std::error::Error for DigestError {}

/// A configuration that cannot be used: nothing is written. One problem, and any
/// others found in the same file, so that a user fixes them all in one go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub path: Option<PathBuf>,
    pub line: Option<usize>,
    pub message: String,
    /// Further problems, each shown on a line of its own.
    pub also: Vec<ConfigError>,
}

impl ConfigError {
    pub fn new(message: impl Into<String>) -> Self {
        ConfigError {
            path: None,
            line: None,
            message: message.into(),
            also: Vec::new(),
        }
    }

    /// One error holding all of `errors` (in order); `None` for none.
    /// This problem and those it carries, each on its own.
    pub fn into_all(mut self) -> Vec<ConfigError> {
        let mut all = std::mem::take(&mut self.also);
        all.insert(0, self);
        all
    }

    pub fn join(errors: Vec<ConfigError>) -> Option<ConfigError> {
        let mut errors = errors.into_iter();
        let mut first = errors.next()?;
        first.also.extend(errors);
        Some(first)
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.path, self.line) {
            (Some(path), Some(line)) => write!(f, "{}:{}: {}", path.display(), line, self.message)?,
            (Some(path), None) => write!(f, "{}: {}", path.display(), self.message)?,
            _ => f.write_str(&self.message)?,
        }
        for more in &self.also {
            write!(f, "\n{more}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigError {}

/// The output could not be written. Every feed on disk is still whole: either its old
/// version or its new one.
#[derive(Debug, thiserror::Error)]
pub struct WriteError {
    pub path: PathBuf,
    pub action: &'static str,
    #[source]
    pub source: std::io::Error,
}

/// `path: action: what the system said`. A refusal of digestfeed's own (a link or a
/// file in the way) carries no system error: `action` says it all, and a trailing
/// "entity already exists" would only confuse.
impl fmt::Display for WriteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.action)?;
        if let Some(code) = self.source.raw_os_error() {
            let said = std::io::Error::from_raw_os_error(code).to_string();
            // "Permission denied (os error 13)" reads better without its number.
            let said = said.split(" (os error").next().unwrap_or(&said);
            write!(f, ": {said}")?;
        } else if let Some(said) = self.source.get_ref() {
            write!(f, ": {said}")?;
        }
        Ok(())
    }
}

/// What the file watcher reports: the daemon rescans, or watches again later.
#[derive(Debug, thiserror::Error)]
pub enum WatchError {
    /// The kernel's event queue overflowed: events were lost.
    #[error("the kernel dropped file events")]
    Overflow,
    /// Some folders could not be watched.
    #[error("{}not every folder is watched: the inotify watch limit is reached; raise it with `sysctl fs.inotify.max_user_watches=524288` (see inotify(7))", at(.path))]
    Limit { path: Option<PathBuf> },
    #[error("{}cannot watch: {source}", at(.path))]
    Notify {
        path: Option<PathBuf>,
        source: notify::Error,
    },
}

fn at(path: &Option<PathBuf>) -> String {
    path.as_ref()
        .map(|p| format!("{}: ", p.display()))
        .unwrap_or_default()
}

impl WatchError {
    /// The watcher's error, at `path` when it says none of its own.
    pub fn from_notify(source: notify::Error, path: Option<&std::path::Path>) -> WatchError {
        let path = source
            .paths
            .first()
            .cloned()
            .or_else(|| path.map(std::path::Path::to_path_buf));
        match source.kind {
            notify::ErrorKind::MaxFilesWatch => WatchError::Limit { path },
            _ => WatchError::Notify { path, source },
        }
    }
}

/// A feed writer failed on data it was given. Writing into memory cannot fail for lack
/// of space, so this means a bug: it is reported, never written to disk.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("cannot render a feed: RSS writer: {0}")]
    Rss(#[from] rss::Error),
    #[error("cannot render a feed: Atom writer: {0}")]
    Atom(#[from] atom_syndication::Error),
    #[error("cannot render a feed: JSON writer: {0}")]
    Json(#[from] serde_json::Error),
}

/// A failure that stops a run before or while writing.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("{0}")]
    Config(#[from] ConfigError),
    #[error("{}: cannot read the input folder: {source}", path.display())]
    Input {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{0}")]
    Watch(#[from] WatchError),
    /// The event loop or its signal handlers could not be set up.
    #[error("cannot start the event loop: {0}")]
    EventLoop(std::io::Error),
    #[error("{0}")]
    Render(#[from] RenderError),
    #[error("{0}")]
    Write(#[from] WriteError),
    #[error("{0}")]
    Publish(#[from] PublishError),
    #[error("{count} of the input could not be read (each named above); nothing was written, so that no feed drops their entries until they can be read again")]
    Unreadable { count: String },
    #[error("{}: no digests found (files named *.md, searched recursively){}; nothing was written. If an empty folder is expected, pass --allow-empty or set `allow_empty: true`", path.display(), near_miss_hint(*near_misses))]
    NoDigests { path: PathBuf, near_misses: usize },
}

/// Why a publish to object storage stopped. The bucket is left as a later publish can
/// finish: its manifest is written only after every upload.
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    #[error("publish: {message}")]
    Setup { message: String },
    #[error("{object}: {message}")]
    Object { object: String, message: String },
    #[error("{object}: another publisher changed the bucket since this one read it (the manifest's ETag no longer matches); nothing of theirs was changed. Run again to publish over their state")]
    Conflict { object: String },
    #[error("{object}: an object digestfeed did not write stands where a feed goes; nothing was changed. Remove it, or publish to another folder (publish.url); if the bucket's manifest was lost, `digestfeed publish --adopt` takes over the objects that hold what digestfeed writes")]
    Foreign { object: String },
    #[error("{path}: no longer holds what digestfeed wrote there (written again since, removed, or changed by someone else); nothing was uploaded from it")]
    ChangedOnDisk {
        path: String,
        /// Nothing is there (rather than other bytes).
        gone: bool,
    },
}

fn near_miss_hint(near_misses: usize) -> String {
    match near_misses {
        0 => String::new(),
        1 => " but 1 file named like Markdown was passed over (digests end in .md, lowercase; -v names it)".into(),
        n => format!(" but {n} files named like Markdown were passed over (digests end in .md, lowercase; -v names them)"),
    }
}

impl RunError {
    /// The process's exit code for this failure: 2 for what stops a run (usage,
    /// config, input, output), 1 for an input without a digest (nothing was wrong
    /// with any file, but a run that publishes nothing is most likely a mistake).
    pub fn exit_code(&self) -> u8 {
        match self {
            RunError::NoDigests { .. } | RunError::Unreadable { .. } => 1,
            _ => 2,
        }
    }
}

/// serde_yaml's messages carry locations relative to the YAML alone (`at line 3
/// column 7`); the caller reports the line of the file instead, so these go.
pub fn without_locations(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(i) = rest.find(" at line ") {
        out.push_str(&rest[..i]);
        let tail = &rest[i + " at line ".len()..];
        let skip = tail
            .find(|c: char| !(c.is_ascii_digit() || c == ' ' || "column".contains(c)))
            .unwrap_or(tail.len());
        rest = &tail[skip..];
    }
    out.push_str(rest);
    out
}
