//! Where each key stands in the config file, so that a value found wrong after
//! parsing is reported as `path:line` like a YAML error is.

use crate::error::ConfigError;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// The config file's path and the line of each key in it: `max_entries`, `site.link`,
/// `authors.karpathy`. Keys in flow style (`site: {link: …}`) are found at their
/// parent's line.
#[derive(Debug, Default, Clone)]
pub struct Source {
    pub path: Option<PathBuf>,
    lines: HashMap<String, usize>,
    /// Keys written twice: the key, its first line and the line of the second.
    duplicates: Vec<(String, usize, usize)>,
}

impl Source {
    pub fn new(path: &Path, text: &str) -> Source {
        let mut lines: HashMap<String, usize> = HashMap::new();
        let mut duplicates = Vec::new();
        // The keys the line is nested in, with their indentation.
        let mut parents: Vec<(usize, String)> = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let indent = line.len() - line.trim_start_matches([' ', '\t']).len();
            let Some((key, _)) = line.trim_start().split_once(':') else {
                continue;
            };
            let key = key.trim().trim_matches(['"', '\'']);
            if key.is_empty() || key.starts_with('#') || key.starts_with('-') {
                continue;
            }
            while parents.last().is_some_and(|(at, _)| *at >= indent) {
                parents.pop();
            }
            let mut name = String::new();
            for (_, parent) in &parents {
                name.push_str(parent);
                name.push('.');
            }
            name.push_str(key);
            parents.push((indent, key.to_string()));
            match lines.get(&name) {
                Some(&first) => duplicates.push((name, first, i + 1)),
                None => {
                    lines.insert(name, i + 1);
                }
            }
        }
        Source {
            path: Some(path.to_path_buf()),
            lines,
            duplicates,
        }
    }

    /// Keys written twice, as the line scan sees them: the key (`site.title`), the
    /// line of its first use and of the second.
    pub fn duplicates(&self) -> &[(String, usize, usize)] {
        &self.duplicates
    }

    /// The line of `key`, else of the nearest key it is in (`site` for `site.link`).
    pub fn line(&self, key: &str) -> Option<usize> {
        let mut key = key;
        loop {
            if let Some(line) = self.lines.get(key) {
                return Some(*line);
            }
            key = key.rsplit_once('.')?.0;
        }
    }
}

/// Problems found while checking a config, each at its key's line.
#[derive(Debug, Default)]
pub(super) struct Problems<'a> {
    source: Option<&'a Source>,
    found: Vec<ConfigError>,
}

impl<'a> Problems<'a> {
    pub(super) fn new(source: Option<&'a Source>) -> Problems<'a> {
        Problems {
            source,
            found: Vec::new(),
        }
    }

    /// A problem with the value of `key` in the file.
    pub(super) fn at(&mut self, key: &str, message: impl Into<String>) {
        let source = self.source;
        self.found.push(ConfigError {
            path: source.and_then(|s| s.path.clone()),
            line: source.and_then(|s| s.line(key)),
            message: message.into(),
            also: Vec::new(),
        });
    }

    /// A problem with no place in the file (a missing value, a flag).
    pub(super) fn general(&mut self, message: impl Into<String>) {
        self.found.push(ConfigError::new(message));
    }

    /// `Ok(value)` as it is; an `Err` becomes a problem at `key`, and `None`.
    pub(super) fn take<T>(&mut self, key: &str, result: Result<T, String>) -> Option<T> {
        result.map_err(|message| self.at(key, message)).ok()
    }

    pub(super) fn into_error(self) -> Option<ConfigError> {
        // Problems in file order, then those without a place.
        let mut found = self.found;
        found.sort_by_key(|e| e.line.unwrap_or(usize::MAX));
        ConfigError::join(found)
    }
}

/// Whether `tag` is a well-formed BCP 47 language tag as feeds use them (`en`,
/// `zh-CN`, `zh-Hans-CN`, `pt-BR`): a language of 2-3 letters (or 4-8, as the RFC
/// allows), then subtags of 1-8 letters or digits. Not a check against the registry.
pub fn is_language_tag(tag: &str) -> bool {
    let mut parts = tag.split('-');
    let language = parts.next().unwrap_or("");
    // `x-…` private use and `i-…` grandfathered tags start with one letter.
    let single = matches!(language, "x" | "X" | "i" | "I") && tag.len() > 2;
    let language_ok = (single || (2..=8).contains(&language.len()))
        && language.bytes().all(|b| b.is_ascii_alphabetic());
    language_ok
        && parts.all(|p| (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_found_at_their_lines() {
        let text = "# comment\ninput_dir: in\nsite:\n  title: T\n  link: \"x\"\nauthors:\n  '@Vista8': name\nmax_entries: 0\n";
        let source = Source::new(Path::new("c.yaml"), text);
        assert_eq!(source.line("input_dir"), Some(2));
        assert_eq!(source.line("site.link"), Some(5));
        assert_eq!(source.line("site.language"), Some(3));
        assert_eq!(source.line("authors.@Vista8"), Some(7));
        assert_eq!(source.line("max_entries"), Some(8));
        assert_eq!(source.line("timezone"), None);
    }

    #[test]
    fn language_tags() {
        for good in [
            "en",
            "zh-CN",
            "zh-Hans-CN",
            "pt-BR",
            "de-1996",
            "sgn-BE-FR",
            "x-pig-latin",
            "i-klingon",
        ] {
            assert!(is_language_tag(good), "{good}");
        }
        for bad in [
            "",
            "e",
            "x",
            "x-",
            "zh_CN",
            "english!",
            "en-",
            "en--US",
            "中文",
            "en-US-toolongsubtag",
        ] {
            assert!(!is_language_tag(bad), "{bad}");
        }
    }
}
