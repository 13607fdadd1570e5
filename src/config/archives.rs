//! `archives`: which feeds page their older entries into archive documents (RFC 5005
//! §4), so that a reader can go back through the whole history.

use super::source::Problems;

/// The feeds whose history is kept in archive pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Archives {
    pub global: bool,
    pub digests: bool,
    pub categories: bool,
    pub authors: bool,
}

impl Archives {
    pub fn any(&self) -> bool {
        self.global || self.digests || self.categories || self.authors
    }
}

const KINDS: &str = "global, digests, categories or authors";

/// `archives:` as written: a list of feed kinds, each at most once.
pub(super) fn resolve(problems: &mut Problems, raw: Option<Vec<String>>) -> Archives {
    let mut archives = Archives::default();
    for kind in raw.unwrap_or_default() {
        let flag = match kind.trim() {
            "global" => &mut archives.global,
            "digests" => &mut archives.digests,
            "categories" => &mut archives.categories,
            "authors" => &mut archives.authors,
            other => {
                problems.at(
                    "archives",
                    format!("archives: \"{other}\" is not a kind of feed; write {KINDS}"),
                );
                continue;
            }
        };
        if *flag {
            problems.at(
                "archives",
                format!("archives: \"{}\" is named twice", kind.trim()),
            );
        }
        *flag = true;
    }
    archives
}

#[cfg(test)]
mod tests {
    use crate::config::Settings;

    #[test]
    fn archives_name_kinds_of_feed_and_anything_else_is_an_error_at_its_line() {
        let s = Settings::for_tests("archives: [digests, global]\n");
        assert!(s.archives.global && s.archives.digests && !s.archives.categories);
        assert!(!Settings::for_tests("max_entries: 5\n").archives.any());
        let raw = crate::config::RawConfig::parse(
            "max_entries: 5\narchives: [global, everything]\n",
            std::path::Path::new("c.yaml"),
        );
        let error = raw
            .and_then(|raw| Settings::resolve(raw, Default::default()))
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("c.yaml:2: archives: \"everything\" is not a kind of feed"),
            "{error}"
        );
    }
}
