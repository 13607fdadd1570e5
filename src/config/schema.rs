//! The config file checked as a whole before its values are read: tabs, duplicate
//! keys, every unknown key and every value of the wrong type, all in one run, each at
//! its own line, so that a config is fixed in one go rather than one error at a time.

use super::publish::PUBLISH_KEYS;
use super::source::Source;
use super::{closest, plain_words, RawConfig, SITE_KEYS, TOP_KEYS};
use crate::error::ConfigError;
use serde_yaml::{Mapping, Value};
use std::path::Path;

/// The keys each mapping of the config may hold, by its path (`""`: the top).
const SCHEMA: &[(&str, &[&str])] = &[
    ("", TOP_KEYS),
    ("site", SITE_KEYS),
    ("publish", PUBLISH_KEYS),
    ("publish.cache_control", &["feeds", "index", "archives"]),
    ("websub", &["hubs"]),
];

/// The config's YAML as a value, and the problems of its keys and value types (the
/// keys at fault taken out of the value, so that the rest can still be checked);
/// `Err` when the text is no YAML mapping at all.
pub(super) fn check(
    text: &str,
    origin: &Path,
    source: &Source,
) -> Result<(Value, Vec<ConfigError>), ConfigError> {
    let at = |line: Option<usize>, message: String| ConfigError {
        path: Some(origin.to_path_buf()),
        line,
        message,
        also: Vec::new(),
    };
    let mut value: Value = match serde_yaml::from_str(text) {
        Ok(value) => value,
        Err(e) if tab_lines(text).next().is_some() => {
            // YAML's own message for a tab ("found character that cannot start any
            // token") names neither the tab nor the fix. A tab is fine in a block
            // scalar's text, so this is asked only of a config YAML refused.
            let tabs = tab_lines(text).map(|line| {
                at(
                    Some(line),
                    "a tab indents this line, and YAML is indented with spaces only: replace the tab with spaces".into(),
                )
            });
            return Err(
                ConfigError::join(tabs.collect()).unwrap_or_else(|| super::yaml_error(&e, origin))
            );
        }
        Err(e) if e.to_string().contains("duplicate entry") && !source.duplicates().is_empty() => {
            // Only the key YAML names: the line scan also sees block scalars' text.
            let named = e.to_string();
            let found = source
                .duplicates()
                .iter()
                .filter(|(key, _, _)| {
                    let last = key.rsplit('.').next().unwrap_or(key);
                    named.contains(&format!("key \"{last}\""))
                        || named.contains(&format!("key {last}"))
                })
                .map(|(key, first, again)| {
                    at(
                        Some(*again),
                        format!("\"{key}\" is set twice (first at line {first}); keep one"),
                    )
                })
                .collect();
            return Err(ConfigError::join(found).unwrap_or_else(|| super::yaml_error(&e, origin)));
        }
        Err(e) => return Err(super::yaml_error(&e, origin)),
    };
    let mut problems = Vec::new();
    match &mut value {
        Value::Null => {}
        Value::Mapping(top) => {
            keys(top, "", source, &mut problems, &at);
            values(top, source, &mut problems, &at);
        }
        _ => {
            return Err(at(
                Some(1),
                "the config is not a mapping of keys (`input_dir: …` lines)".into(),
            ))
        }
    }
    Ok((value, problems))
}

/// A config from its YAML value, read as from its text: a plain scalar (`title: 1984`,
/// `input_dir: 2026`) is text where text is wanted, which reading the value directly
/// would refuse as a number.
pub(super) fn read(value: &Value) -> Result<RawConfig, serde_yaml::Error> {
    serde_yaml::from_str(&serde_yaml::to_string(value)?)
}

/// The lines (1-based) indented with a tab.
fn tab_lines(text: &str) -> impl Iterator<Item = usize> + '_ {
    text.lines().enumerate().filter_map(|(i, line)| {
        let indent = line.len() - line.trim_start_matches([' ', '\t']).len();
        (line[..indent].contains('\t') && !line.trim().is_empty()).then_some(i + 1)
    })
}

/// Every key of `mapping` (at `path`) that the schema does not know, with the
/// nearest it does; and the same in the mappings below it.
fn keys(
    mapping: &mut Mapping,
    path: &str,
    source: &Source,
    problems: &mut Vec<ConfigError>,
    at: &dyn Fn(Option<usize>, String) -> ConfigError,
) {
    let Some((_, known)) = SCHEMA.iter().find(|(p, _)| *p == path) else {
        return;
    };
    let within = if path.is_empty() {
        String::new()
    } else {
        format!(" in `{path}:`")
    };
    let mut unknown = Vec::new();
    for (name, child) in mapping.iter_mut() {
        let Some(key) = name.as_str() else {
            problems.push(at(source.line(path), format!("a key{within} is not text")));
            unknown.push(name.clone());
            continue;
        };
        let full = if path.is_empty() {
            key.to_string()
        } else {
            format!("{path}.{key}")
        };
        if !known.contains(&key) {
            let mut message = format!("unknown key \"{key}\"{within}");
            match closest(key, known) {
                Some(near) => message.push_str(&format!(" (did you mean \"{near}\"?)")),
                None => message.push_str(&format!("; the keys are: {}", known.join(", "))),
            }
            problems.push(at(source.line(&full), message));
            unknown.push(name.clone());
            continue;
        }
        if let Value::Mapping(inner) = child {
            keys(inner, &full, source, problems, at);
        }
    }
    for name in unknown {
        mapping.remove(&name);
    }
}

/// Every top-level value of the wrong type, each read alone.
/// Taken out of `top`, so that the rest still reads.
fn values(
    top: &mut Mapping,
    source: &Source,
    problems: &mut Vec<ConfigError>,
    at: &dyn Fn(Option<usize>, String) -> ConfigError,
) {
    let mut wrong = Vec::new();
    for (key, value) in top.iter() {
        let mut alone = Mapping::new();
        alone.insert(key.clone(), value.clone());
        if let Err(e) = read(&Value::Mapping(alone)) {
            let name = key.as_str().unwrap_or_default();
            let message = crate::error::without_locations(&e.to_string());
            problems.push(at(
                source.line(name),
                format!("{name}: {}", plain_words(&message)),
            ));
            wrong.push(key.clone());
        }
    }
    for key in wrong {
        top.remove(&key);
    }
}
