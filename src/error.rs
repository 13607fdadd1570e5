//! Errors a user can cause, each saying where (`path:line`) and what is wrong.

use std::fmt;
use std::path::PathBuf;

/// A digest that cannot be published. Its Display is `path:line: message`, the form
/// editors and terminals turn into a link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigestError {
    pub path: PathBuf,
    pub line: Option<usize>,
    pub message: String,
}

impl DigestError {
    pub fn new(path: impl Into<PathBuf>, line: Option<usize>, message: impl Into<String>) -> Self {
        DigestError {
            path: path.into(),
            line,
            message: message.into(),
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
