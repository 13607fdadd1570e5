//! How problems in digests (errors, and lints) reach the user: as `path:line: what`
//! log lines, as GitHub Actions annotations, or as JSON lines for other CI tools.

use std::path::{Path, PathBuf};

/// `--error-format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ErrorFormat {
    /// `path:line: what is wrong`, in the log (standard error).
    #[default]
    Human,
    /// `::error file=…,line=…::…` workflow commands on standard output.
    Github,
    /// One JSON object a line on standard output.
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Error,
    Warning,
}

/// One problem to show.
pub struct Problem<'a> {
    pub level: Level,
    /// A lint's code; `None` for an error.
    pub code: Option<&'a str>,
    pub path: &'a Path,
    pub line: Option<usize>,
    pub message: &'a str,
}

/// What a lint found: a problem in a digest that does not keep it out of the feeds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lint {
    pub code: &'static str,
    pub path: PathBuf,
    pub line: Option<usize>,
    pub message: String,
}

impl std::fmt::Display for Lint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(line) => write!(
                f,
                "{}:{line}: {} [{}]",
                self.path.display(),
                self.message,
                self.code
            ),
            None => write!(
                f,
                "{}: {} [{}]",
                self.path.display(),
                self.message,
                self.code
            ),
        }
    }
}

/// A problem as `format` shows it; `None` for the human format, which goes to the log.
pub fn render(problem: &Problem<'_>, format: ErrorFormat) -> Option<String> {
    let path = problem.path.display().to_string();
    match format {
        ErrorFormat::Human => None,
        ErrorFormat::Github => {
            let kind = match problem.level {
                Level::Error => "error",
                Level::Warning => "warning",
            };
            let mut props = format!("file={}", escape_property(&path));
            if let Some(line) = problem.line {
                props.push_str(&format!(",line={line}"));
            }
            if let Some(code) = problem.code {
                props.push_str(&format!(",title={}", escape_property(code)));
            }
            Some(format!("::{kind} {props}::{}", escape_data(problem.message)))
        }
        ErrorFormat::Json => Some(
            serde_json::json!({
                "level": match problem.level { Level::Error => "error", Level::Warning => "warning" },
                "code": problem.code,
                "file": path,
                "line": problem.line,
                "message": problem.message,
            })
            .to_string(),
        ),
    }
}

/// Shows a problem: in the log for the human format, else on standard output.
pub fn show(problem: &Problem<'_>, format: ErrorFormat) {
    match render(problem, format) {
        Some(line) => crate::support::stdout::line(&line),
        None => {
            let at = match problem.line {
                Some(line) => format!("{}:{line}", problem.path.display()),
                None => problem.path.display().to_string(),
            };
            let code = problem.code.map(|c| format!(" [{c}]")).unwrap_or_default();
            match problem.level {
                Level::Error => tracing::error!("{at}: {}{code}", problem.message),
                Level::Warning => tracing::warn!("{at}: {}{code}", problem.message),
            }
        }
    }
}

/// GitHub's escaping of a workflow command's message.
fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// GitHub's escaping of a workflow command's property value.
fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn github_annotations_and_json_lines_escape_what_they_must() {
        let p = Problem {
            level: Level::Error,
            code: None,
            path: Path::new("posts/a,b.md"),
            line: Some(3),
            message: "date \"x\" is not a date; 100% sure\nreally",
        };
        assert_eq!(
            render(&p, ErrorFormat::Github).unwrap(),
            "::error file=posts/a%2Cb.md,line=3::date \"x\" is not a date; 100%25 sure%0Areally"
        );
        let json: serde_json::Value =
            serde_json::from_str(&render(&p, ErrorFormat::Json).unwrap()).unwrap();
        assert_eq!(json["file"], "posts/a,b.md");
        assert_eq!(json["line"], 3);
        assert_eq!(json["level"], "error");
        assert!(render(&p, ErrorFormat::Human).is_none());
        let lint = Problem {
            level: Level::Warning,
            code: Some("DF001"),
            line: None,
            ..p
        };
        assert_eq!(
            render(&lint, ErrorFormat::Github).unwrap(),
            "::warning file=posts/a%2Cb.md,title=DF001::date \"x\" is not a date; 100%25 sure%0Areally"
        );
    }
}
