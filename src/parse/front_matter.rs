//! The YAML front matter: where it is, what it holds, and the digest's date.

use chrono::{
    DateTime, Datelike, FixedOffset, LocalResult, NaiveDate, NaiveDateTime, TimeZone, Timelike,
};
use chrono_tz::Tz;
use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::Deserialize;
use std::fmt;

/// Front matter larger than this is refused before YAML parsing: libyaml's scanner is
/// quadratic on deep nesting, and real front matter is a few hundred bytes.
pub const MAX_FRONT_MATTER_BYTES: usize = 16 * 1024;

/// A problem at a line of the file (1-based).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub line: usize,
    pub message: String,
}

fn problem(line: usize, message: impl Into<String>) -> Problem {
    Problem {
        line,
        message: message.into(),
    }
}

/// The file cut in two.
#[derive(Debug, PartialEq, Eq)]
pub struct Split<'a> {
    pub yaml: &'a str,
    /// Line of the file on which `yaml` starts.
    pub yaml_line: usize,
    pub body: &'a str,
    /// Line of the file on which `body` starts.
    pub body_line: usize,
}

fn is_fence(line: &str, fence: &str) -> bool {
    line.trim_end_matches(['\r', ' ', '\t']) == fence
}

/// Finds the front matter between the first line `---` and the next line `---`.
pub fn split(text: &str) -> Result<Split<'_>, Problem> {
    let first_end = text.find('\n').map_or(text.len(), |i| i + 1);
    let first = &text[..first_end];
    if is_fence(first.trim_end_matches('\n'), "+++") {
        return Err(problem(
            1,
            "TOML front matter (+++) is not supported; write it as YAML between --- lines",
        ));
    }
    if !is_fence(first.trim_end_matches('\n'), "---") {
        return Err(problem(
            1,
            "no front matter: a digest starts with a --- line, then YAML with at least `date:`, then ---",
        ));
    }
    let mut offset = first_end;
    let mut line = 2;
    // Counted in bytes up to and including the closing fence, so that one long line
    // is held to the cap as surely as many short ones.
    let over = |offset: usize| offset - first_end > MAX_FRONT_MATTER_BYTES;
    while offset < text.len() && !over(offset) {
        let end = text[offset..]
            .find('\n')
            .map_or(text.len(), |i| offset + i + 1);
        if is_fence(text[offset..end].trim_end_matches('\n'), "---") {
            return Ok(Split {
                yaml: &text[first_end..offset],
                yaml_line: 2,
                body: &text[end..],
                body_line: line + 1,
            });
        }
        offset = end;
        line += 1;
    }
    if over(offset) {
        return Err(problem(
            1,
            format!(
                "front matter is over {} KiB (or its closing --- is missing); a digest's front matter is a few lines",
                MAX_FRONT_MATTER_BYTES / 1024
            ),
        ));
    }
    Err(problem(
        1,
        "front matter is not closed: add a --- line after the YAML that starts here",
    ))
}

/// The keys digestfeed reads. Every other key is ignored without being expanded, so a
/// YAML alias bomb under an unknown key costs nothing.
#[derive(Debug, Default, Deserialize, PartialEq, Eq)]
pub struct FrontMatter {
    pub title: Option<String>,
    pub date: Option<String>,
    #[serde(default, deserialize_with = "one_or_many")]
    pub categories: Vec<String>,
    #[serde(default)]
    pub draft: bool,
    /// When the digest last changed (Hugo's `lastmod`), in a form `date` takes.
    #[serde(default, deserialize_with = "scalar")]
    pub lastmod: Option<String>,
    /// The last part of the digest's page URL, where it is not the file's name.
    #[serde(default, deserialize_with = "scalar")]
    pub slug: Option<String>,
}

/// Any scalar as its text (`slug: 2026` is a slug, not an error: before these keys were
/// read, such a file was valid); null as none.
fn scalar<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    struct Scalar;
    impl<'de> Visitor<'de> for Scalar {
        type Value = Option<String>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a single value")
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Ok(Some(v.to_string()))
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            Ok(Some(v.to_string()))
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            Ok(Some(v.to_string()))
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
            Ok(Some(v.to_string()))
        }
        fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
            Ok(Some(v.to_string()))
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        // A list or a map is no value for these keys: ignored, as they were before they
        // were read.
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            while seq.next_element::<de::IgnoredAny>()?.is_some() {}
            Ok(None)
        }
        fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            while map
                .next_entry::<de::IgnoredAny, de::IgnoredAny>()?
                .is_some()
            {}
            Ok(None)
        }
    }
    d.deserialize_any(Scalar)
}

fn one_or_many<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    struct OneOrMany;
    impl<'de> Visitor<'de> for OneOrMany {
        type Value = Vec<String>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a category name or a list of category names")
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Ok(vec![v.to_string()])
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(Vec::new())
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let mut out = Vec::new();
            while let Some(name) = seq.next_element::<String>()? {
                out.push(name);
            }
            Ok(out)
        }
    }
    d.deserialize_any(OneOrMany)
}

/// Parses the YAML between the fences. Lines in errors are lines of the file.
pub fn parse(yaml: &str, yaml_line: usize) -> Result<FrontMatter, Problem> {
    if yaml.trim().is_empty() {
        return Ok(FrontMatter::default());
    }
    if let Some(plain) = plain(yaml) {
        return Ok(plain);
    }
    yaml_parse(yaml, yaml_line)
}

/// How deep flow collections (`[…]`, `{…}`) may nest. libyaml's scanner costs time
/// in proportion to the depth for every token, so 16 KiB of `[` took 0.3 s; real front
/// matter nests one deep (`categories: [a, b]`).
pub const MAX_FLOW_DEPTH: usize = 16;

/// How many entries the front matter's collections may hold in all (commas in flow
/// collections, `- ` items of block ones): far more than `max_categories`.
pub const MAX_ENTRIES: usize = 4096;

/// Refuses front matter nested deeper than [`MAX_FLOW_DEPTH`] or with more than
/// [`MAX_ENTRIES`] entries, before the YAML parser sees it: one pass over the bytes.
/// Brackets and quotes count only where a YAML node may start (after `: `, `- `, `? `,
/// `,`, another bracket, or at a line's start), so those inside plain text
/// (`title: a [draft]`, `it's`) are text, as for YAML.
pub fn check_shape(yaml: &str, yaml_line: usize) -> Result<(), Problem> {
    let bytes = yaml.as_bytes();
    let (mut depth, mut entries, mut line) = (0usize, 0usize, yaml_line);
    // Whether the last byte that was not a space could come before a node.
    let mut node_start = true;
    // The indentation of the line being read, and, in a block scalar (`key: |`), that
    // of the line that opened it: lines indented deeper are its text, not YAML.
    let (mut indent, mut block): (usize, Option<usize>) = (0, None);
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            b'\n' => {
                line += 1;
                node_start = true;
                let rest = &bytes[i + 1..];
                indent = rest.iter().take_while(|&&c| c == b' ').count();
                let blank = rest[indent..]
                    .first()
                    .is_none_or(|c| matches!(c, b'\n' | b'\r'));
                if block.is_some_and(|opened| blank || indent > opened) {
                    // A line of the block scalar's text: skipped whole.
                    i = memchr::memchr(b'\n', rest).map_or(bytes.len(), |n| i + 1 + n);
                    continue;
                }
                block = None;
            }
            b'|' | b'>' if node_start => {
                // A block scalar: its header, then its text on the lines below.
                block = Some(indent);
                i = memchr::memchr(b'\n', &bytes[i..]).map_or(bytes.len(), |n| i + n);
                continue;
            }
            b' ' | b'\t' | b'\r' => {}
            b'#' if i == 0 || matches!(bytes[i - 1], b' ' | b'\t' | b'\n') => {
                // A comment, to the line's end.
                i = memchr::memchr(b'\n', &bytes[i..]).map_or(bytes.len(), |n| i + n);
                continue;
            }
            b'"' | b'\'' if node_start => {
                // A quoted scalar, to its closing quote (`\"` escapes in double, `''` in
                // single quotes), lines counted.
                i += 1;
                while i < bytes.len() {
                    match bytes[i] {
                        b'\\' if b == b'"' => {
                            i += 1;
                            line += usize::from(bytes.get(i) == Some(&b'\n'));
                        }
                        b'\'' if b == b'\'' && bytes.get(i + 1) == Some(&b'\'') => i += 1,
                        q if q == b => break,
                        b'\n' => line += 1,
                        _ => {}
                    }
                    i += 1;
                }
                node_start = false;
            }
            b'&' | b'!' if node_start => {
                // An anchor or a tag: the node it belongs to may still start after it.
                // Neither holds white space or, in a flow collection, its indicators.
                while i + 1 < bytes.len()
                    && !matches!(
                        bytes[i + 1],
                        b' ' | b'\t' | b'\r' | b'\n' | b',' | b'[' | b']' | b'{' | b'}'
                    )
                {
                    i += 1;
                }
                i += 1;
                continue;
            }
            b'[' | b'{' if node_start => {
                depth += 1;
                if depth > MAX_FLOW_DEPTH {
                    return Err(problem(
                        line,
                        format!("invalid front matter: collections nested more than {MAX_FLOW_DEPTH} deep; a digest's front matter is flat (title, date, categories)"),
                    ));
                }
            }
            b']' | b'}' if depth > 0 => {
                depth -= 1;
                node_start = false;
            }
            b',' if depth > 0 => entries += 1,
            b'-' if indicator(bytes, i) => entries += 1,
            _ => {}
        }
        if entries > MAX_ENTRIES {
            return Err(problem(
                line,
                format!("invalid front matter: more than {MAX_ENTRIES} entries in its lists; a digest's front matter is a few lines"),
            ));
        }
        // After an indicator, or a bracket or comma in a flow collection, a node may
        // start; after anything else, not until the next line.
        node_start = match b {
            b'[' | b'{' | b',' => node_start || depth > 0,
            // In a flow collection a value may follow `:` at once (`{"a":"b"}`).
            b':' => depth > 0 || indicator(bytes, i),
            b'-' | b'?' => indicator(bytes, i),
            b' ' | b'\t' | b'\r' | b'\n' => node_start,
            _ => false,
        };
        i += 1;
    }
    Ok(())
}

/// Whether the `-`, `?` or `:` at `i` is an indicator (followed by white space or the
/// end), not part of a word.
fn indicator(bytes: &[u8], i: usize) -> bool {
    bytes
        .get(i + 1)
        .is_none_or(|n| matches!(n, b' ' | b'\t' | b'\r' | b'\n'))
}

/// [`parse`], always by the YAML parser (after [`check_shape`]).
pub fn yaml_parse(yaml: &str, yaml_line: usize) -> Result<FrontMatter, Problem> {
    check_shape(yaml, yaml_line)?;
    serde_yaml::from_str(yaml).map_err(|e| {
        let line = e.location().map_or(yaml_line, |l| yaml_line + l.line() - 1);
        let message = without_locations(&e.to_string());
        problem(line, format!("invalid front matter: {message}"))
    })
}

/// The front matter as Hugo writes it (`key: "string"`, `date: 2026-01-07T08:00:00+08:00`,
/// `categories: ["a", "b"]`, `draft: false`, one key a line), read without the YAML
/// parser, which a full run would otherwise start 50,000 times. `None` for anything
/// else (comments, escapes, block lists, anchors, repeated keys, values that YAML could
/// read as numbers or nulls…), which the YAML parser then reads;
/// `tests::plain_front_matter_reads_as_yaml_does` holds the two to the same answer.
fn plain(yaml: &str) -> Option<FrontMatter> {
    let mut out = FrontMatter::default();
    let mut seen: Vec<&str> = Vec::new();
    for line in yaml.split('\n') {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.bytes().all(|b| b == b' ') {
            continue;
        }
        let (key, value) = line.split_once(": ")?;
        // libyaml refuses a key of more than 1,024 characters; real keys are short.
        let plain_key = key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
        if key.is_empty() || key.len() > 64 || !plain_key {
            return None;
        }
        if seen.contains(&key) {
            return None;
        }
        seen.push(key);
        let value = value.trim_end_matches(' ');
        match key {
            "title" => out.title = Some(quoted(value).or_else(|| plain_scalar(value))?.to_string()),
            "date" => out.date = Some(plain_date(value).or_else(|| quoted(value))?.to_string()),
            "categories" => {
                out.categories = match value.strip_prefix('[') {
                    Some(list) => quoted_list(list)?,
                    None => vec![quoted(value).or_else(|| plain_scalar(value))?.to_string()],
                }
            }
            "lastmod" => {
                out.lastmod = Some(plain_date(value).or_else(|| quoted(value))?.to_string())
            }
            "slug" => {
                let slug = quoted(value)
                    .or_else(|| plain_date(value))
                    .or_else(|| plain_scalar(value));
                out.slug = Some(slug?.to_string())
            }
            "draft" => {
                out.draft = match value {
                    "true" => true,
                    "false" => false,
                    _ => return None,
                }
            }
            _ => {
                // Ignored, but it must not hide anything that would change the rest.
                if let Some(list) = value.strip_prefix('[') {
                    quoted_list(list)?;
                } else if quoted(value).is_none()
                    && plain_date(value).is_none()
                    && plain_scalar(value).is_none()
                {
                    return None;
                }
            }
        }
    }
    Some(out)
}

const YAML_BREAKS: [char; 4] = ['\u{85}', '\u{2028}', '\u{2029}', '\u{FEFF}'];

/// `"text"` or `'text'` with nothing in it that YAML would read as an escape.
fn quoted(value: &str) -> Option<&str> {
    let inner = value
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .filter(|v| !v.contains(['"', '\\']))
        .or_else(|| {
            value
                .strip_prefix('\'')
                .and_then(|v| v.strip_suffix('\''))
                .filter(|v| !v.contains('\''))
        })?;
    // Controls, and what YAML counts as line breaks or byte-order marks, are left to YAML.
    (!inner.bytes().any(|b| b < 0x20) && !inner.contains(YAML_BREAKS)).then_some(inner)
}

/// An unquoted value that YAML reads as the very text it shows, such as `AI新闻`: it
/// holds a character outside ASCII, so it cannot be a null, a boolean or a number; it
/// starts with a letter or digit; and it holds only letters, digits, spaces between
/// words and `-_.()/+`, so nothing in it can start a comment, a mapping, a flow
/// collection, an anchor, an alias or a tag. Whitespace other than the ASCII space, and
/// what YAML counts as line breaks, are left to YAML.
fn plain_scalar(value: &str) -> Option<&str> {
    let first = value.chars().next()?;
    let allowed = |c: char| {
        c.is_ascii_alphanumeric()
            || matches!(c, ' ' | '-' | '_' | '.' | '(' | ')' | '/' | '+')
            || (c >= '\u{A1}' && !c.is_whitespace() && !YAML_BREAKS.contains(&c))
    };
    let shape = first.is_alphanumeric()
        && !value.is_ascii()
        && !value.ends_with(' ')
        && !value.contains("  ")
        && value.chars().all(allowed)
        && !value.contains(['\u{FFFE}', '\u{FFFF}']);
    shape.then_some(value)
}

/// A bare date such as `2026-01-07T08:00:10.261+08:00` or `2024-01-01 16:00:00`.
fn plain_date(value: &str) -> Option<&str> {
    let b = value.as_bytes();
    let shape = b.len() >= 10
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b.iter()
            .all(|c| c.is_ascii_digit() || b"-:+. TZ".contains(c));
    // `:` before a space or the end of the line would start a mapping, `#` after a space
    // a comment.
    let indicator = value.contains(" #") || value.contains(": ") || value.ends_with(':');
    (shape && !indicator).then_some(value)
}

/// The rest of `["a", "b"]` after its `[`.
fn quoted_list(mut rest: &str) -> Option<Vec<String>> {
    let mut out = Vec::new();
    rest = rest.trim_start_matches(' ');
    if let Some(after) = rest.strip_prefix(']') {
        return after.is_empty().then_some(out);
    }
    loop {
        let inner = rest.strip_prefix('"')?;
        let end = inner.find('"')?;
        let name = &inner[..end];
        if name.contains('\\') || name.bytes().any(|b| b < 0x20) || name.contains(YAML_BREAKS) {
            return None;
        }
        out.push(name.to_string());
        rest = inner[end + 1..].trim_start_matches(' ');
        if let Some(after) = rest.strip_prefix(']') {
            return after.is_empty().then_some(out);
        }
        rest = rest.strip_prefix(',')?.trim_start_matches(' ');
    }
}

pub use crate::error::without_locations;

/// Line of the file holding `key:` in the front matter, for errors about its value.
pub fn key_line(yaml: &str, yaml_line: usize, key: &str) -> usize {
    yaml.lines()
        .position(|l| {
            l.strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with(':'))
        })
        .map_or(yaml_line, |i| yaml_line + i)
}

const DATE_HINT: &str = "write RFC 3339, e.g. 2026-01-07T08:00:00+08:00, or `YYYY-MM-DD HH:MM:SS` in the configured timezone";

/// Reads a front-matter date. Forms without an offset are read in `tz`; a time that
/// does not exist there (a DST gap) is an error, an ambiguous one (a DST overlap) takes
/// the earlier instant. Fractions of a second are dropped: RSS cannot show them, and
/// every format must agree.
pub fn parse_date(value: &str, tz: Tz) -> Result<DateTime<FixedOffset>, String> {
    let value = value.trim();
    let date = if let Ok(d) = DateTime::parse_from_rfc3339(value) {
        d
    } else if let Some(naive) = naive_date_time(value) {
        match tz.from_local_datetime(&naive) {
            LocalResult::Single(d) | LocalResult::Ambiguous(d, _) => d.fixed_offset(),
            LocalResult::None => {
                return Err(format!(
                    "date \"{value}\" does not exist in time zone {tz} (clocks skip it); write the offset explicitly"
                ))
            }
        }
    } else {
        return Err(format!("date \"{value}\" is not a date; {DATE_HINT}"));
    };
    if !(1..=9999).contains(&date.year()) {
        return Err(format!(
            "date \"{value}\" is out of range (years 1 to 9999); {DATE_HINT}"
        ));
    }
    if date.nanosecond() >= 1_000_000_000 {
        return Err(format!(
            "date \"{value}\" is a leap second, which feeds cannot carry; write :59"
        ));
    }
    date.with_nanosecond(0)
        .ok_or_else(|| format!("date \"{value}\" is not a date; {DATE_HINT}"))
}

fn naive_date_time(value: &str) -> Option<NaiveDateTime> {
    for format in [
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M",
    ] {
        if let Ok(d) = NaiveDateTime::parse_from_str(value, format) {
            return Some(d);
        }
    }
    NaiveDate::parse_from_str(value, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(6000))]
        #[test]
        fn plain_front_matter_reads_as_yaml_does(lines in prop::collection::vec(prop_oneof![
            4 => (
                prop::sample::select(vec!["title", "date", "categories", "draft", "tags", "slug", "lastmod"]),
                prop::sample::select(vec![
                    "\"2026.01.07.08 过去4小时\"", "'single'", "\"a: b # c\"", "\"\"", "2026-01-07T08:00:10.261+08:00",
                    "2024-01-01 16:00:00", "2024-01-01", "true", "false", "[\"AI新闻\", \"开源\"]", "[]",
                "2026-01-10T20:00:02+0800:", "2024-01-01 16:", "2024-01-01 :x",
                    "[\"a\",\"b\" ]", "\"x y\"", "AI新闻", "开源 工具", "GPT-5.2 发布", "1号新闻", "新闻(2)/b+c_d",
                ]),
            ).prop_map(|(k, v)| format!("{k}: {v}\n")),
            1 => (
                prop::sample::select(vec!["title", "date", "categories", "draft", "tags", "slug", "lastmod", "Title", " title", "title ", "a-b", ""]),
                prop::sample::select(vec![": ", ":", ":  ", " : "]),
                prop::sample::select(vec![
                    "\"tab\there\"", "\"esc\\\"q\"", "''", "'it''s'", "\"x\" # c", "2024-01-01 #c", "2024", "yes",
                    "null", "~", "", "[ ]", "[\"a\",]", "[a, b]", "[\"a\"] # c", "\"u\u{2028}v\"", "&x \"a\"", "*x",
                    "!!str 1", "|", ">", "- a", "{a: 1}", "plain words", "2024-01-01: x", "\"a\"",
                    "新闻: x", "新闻 #c", "新闻#1", "新闻 ", " 新闻", "新闻  x", "-新闻", "新闻:", "新闻,开源", "[新闻]",
                    "新闻]", "中\u{85}文", "中\u{a0}文", "中\u{3000}文", "中\u{2028}文", "新闻\t", "&新闻", "*新闻",
                    "!新闻", "%新闻", "@新闻", "`新闻", "|新闻", ">新闻", "?新闻", "'新闻", "\"新闻", "新'闻", "新\"闻",
                    "新\\闻", "新闻{a}", "新闻?", "Robotics", "null新闻", "新\u{1}闻", "新\u{9f}闻", "新\u{feff}闻",
                    "\u{ff1a}新闻", "新闻\u{fffe}", "é", "1e3新",
                ]),
                prop::sample::select(vec!["\n", "\r\n", "  \n", "\n\n", "\n  - x\n"]),
            ).prop_map(|(k, sep, v, end)| format!("{k}{sep}{v}{end}")),
        ], 1..6)) {
            let yaml: String = lines.concat();
            if let Some(fast) = plain(&yaml) {
                prop_assert_eq!(Ok(fast), yaml_parse(&yaml, 2), "{:?}", yaml);
            }
        }
    }

    #[test]
    fn a_key_longer_than_yaml_allows_is_left_to_yaml() {
        // Found in review: libyaml gives up on a key of more than 1,024 characters.
        let yaml = format!("{}: \"x\"\ndate: 2026-01-01\n", "a".repeat(1025));
        assert_eq!(plain(&yaml), None);
        assert_eq!(parse(&yaml, 2), yaml_parse(&yaml, 2));
        assert!(yaml_parse(&yaml, 2).is_err());
    }

    #[test]
    fn a_date_ending_in_a_colon_is_left_to_yaml() {
        // Found by the fuzzer: `:` at the end of a line starts a mapping.
        let yaml = "title: \"t\"\r\ndate: 2026-01-10T20:00:02+0800:\r\n";
        assert_eq!(plain(yaml), None);
        assert!(parse(yaml, 2).is_err());
    }

    #[test]
    fn hugo_front_matter_takes_the_shortcut() {
        let yaml = "title: \"2026.01.07.08 过去4小时全球AI发生了什么？\"\ndate: 2026-01-07T08:00:10.261+08:00\ncategories: [\"AI进展\", \"机器人\"]\ndraft: false\n";
        let fast = plain(yaml).unwrap();
        assert_eq!(Ok(fast), yaml_parse(yaml, 2));
        assert!(
            plain("title: \"x\"\ncategories: \"solo\"\r\ndate: 2024-01-01 16:00:00\n").is_some()
        );
    }

    fn date(value: &str, tz: Tz) -> Result<String, String> {
        parse_date(value, tz).map(|d| d.to_rfc3339())
    }

    #[test]
    fn split_finds_yaml_and_body_lines() {
        let s = split("---\ntitle: t\ndate: 2026-01-01\n---\n\n1. [a](https://x.com/a/status/1)\n")
            .unwrap();
        assert_eq!(s.yaml, "title: t\ndate: 2026-01-01\n");
        assert_eq!(s.yaml_line, 2);
        assert_eq!(s.body_line, 5);
        assert!(s.body.starts_with("\n1."));
    }

    #[test]
    fn split_accepts_crlf_and_trailing_spaces_on_fences() {
        let s = split("--- \r\ndate: 2026-01-01\r\n---\r\nbody").unwrap();
        assert_eq!(s.yaml, "date: 2026-01-01\r\n");
        assert_eq!(s.body, "body");
    }

    #[test]
    fn split_rejects_toml_with_a_hint() {
        let p = split("+++\ndate = 2026-01-01\n+++\n").unwrap_err();
        assert_eq!(p.line, 1);
        assert!(p.message.contains("TOML") && p.message.contains("---"));
    }

    #[test]
    fn split_rejects_missing_and_unterminated_front_matter() {
        assert!(split("1. [a](https://x.com/a/status/1)\n")
            .unwrap_err()
            .message
            .contains("no front matter"));
        assert!(split("").unwrap_err().message.contains("no front matter"));
        assert!(split("---\ndate: 2026-01-01\n")
            .unwrap_err()
            .message
            .contains("not closed"));
    }

    #[test]
    fn split_stops_looking_past_the_size_cap() {
        let text = format!("---\n{}", "a: b\n".repeat(20_000));
        assert!(split(&text).unwrap_err().message.contains("KiB"));
    }

    /// One line of nesting, closed on the next line: libyaml's scan of it is quadratic,
    /// so the cap must hold whatever the number of lines.
    #[test]
    fn one_long_line_is_held_to_the_size_cap() {
        let text = format!(
            "---\ndate: 2026-01-01\nx: {}\n---\nbody",
            "[".repeat(100_000)
        );
        assert!(split(&text).unwrap_err().message.contains("KiB"));
        // Exactly at the cap is fine; one byte more is not.
        let fill = |n: usize| format!("x: \"{}\"\n", "a".repeat(n - 6));
        let at_cap = format!("---\n{}---\n", fill(MAX_FRONT_MATTER_BYTES));
        assert_eq!(split(&at_cap).unwrap().yaml.len(), MAX_FRONT_MATTER_BYTES);
        let over = format!("---\n{}---\n", fill(MAX_FRONT_MATTER_BYTES + 1));
        assert!(split(&over).unwrap_err().message.contains("KiB"));
    }

    #[test]
    fn categories_take_a_string_a_list_or_nothing() {
        assert_eq!(parse("categories: AI\n", 2).unwrap().categories, vec!["AI"]);
        assert_eq!(
            parse("categories: [\"AI\", 开源]\n", 2).unwrap().categories,
            vec!["AI", "开源"]
        );
        assert_eq!(
            parse("categories:\n", 2).unwrap().categories,
            Vec::<String>::new()
        );
        assert!(parse("title: x\n", 2).unwrap().categories.is_empty());
    }

    #[test]
    fn yaml_errors_carry_file_lines() {
        let p = parse("title: x\ncategories: {a: 1}\n", 2).unwrap_err();
        assert_eq!(p.line, 3, "{p:?}");
        assert!(p.message.starts_with("invalid front matter:"));
    }

    #[test]
    fn unknown_keys_are_ignored_and_draft_is_read() {
        let fm = parse("tags: [a]\nslug: x\ndraft: true\n", 2).unwrap();
        assert!(fm.draft);
    }

    #[test]
    fn deep_nesting_and_huge_lists_are_refused_before_yaml_reads_them() {
        let near_cap = MAX_FRONT_MATTER_BYTES - 100;
        let cases = [
            format!("title: x\nx: {}\n", "[".repeat(near_cap)),
            format!("title: x\nx: &a {}\n", "{".repeat(near_cap)),
            format!("title: x\nx: {}\n", "{a: ".repeat(near_cap / 4)),
            "x:\n  - [[[\n   [[[[[[ # ]]]\n   [[[[[[[[[[[\n".to_string(),
            // A quote in a block scalar's text opens nothing after it.
            format!("a: |\n  'x\nb: {}\n", "[".repeat(near_cap - 20)),
        ];
        for (case, yaml) in cases.iter().enumerate() {
            let p = parse(yaml, 2).unwrap_err();
            assert!(
                p.message.contains("nested more than 16 deep"),
                "{case}: {p:?}"
            );
            assert_eq!(p.line, [3, 3, 3, 5, 4][case], "{case}");
        }
        let commas = format!("categories: [{}]\n", "a,".repeat(MAX_ENTRIES + 1));
        assert!(parse(&commas, 2)
            .unwrap_err()
            .message
            .contains("more than 4096 entries"));
        let dashes = format!("categories:\n{}", "- a\n".repeat(MAX_ENTRIES + 1));
        assert!(parse(&dashes, 2)
            .unwrap_err()
            .message
            .contains("more than 4096 entries"));
    }

    #[test]
    fn brackets_in_text_and_nesting_up_to_the_bound_are_yaml_as_usual() {
        let deep = format!(
            "x: {}1{}\n",
            "[".repeat(MAX_FLOW_DEPTH),
            "]".repeat(MAX_FLOW_DEPTH)
        );
        assert!(yaml_parse(&deep, 2).is_ok());
        let texts = [
            format!("title: {}\ndate: 2026-01-01\n", "a [b ".repeat(40)),
            format!(
                "title: \"{}\"\ncategories: ['it''s [', \"[\\\"\"]\n",
                "[".repeat(40)
            ),
            format!("title: it's [x\n# {}\ncategories: [a]\n", "[".repeat(40)),
            format!("title: 'a\n  {}'\ndraft: false\n", "{".repeat(40)),
            "a: &x [1, 2]\nb: !!str [c\n".to_string(),
            format!("x: |\n  {}\n  'quoted\ny: [a]\n", "{".repeat(40)),
            format!("x: {{\"t\":\"{}\"}}\n", "[".repeat(40)),
            format!("x: [!t a, {}]\n", "[1], ".repeat(40)),
        ];
        for yaml in texts {
            assert_eq!(check_shape(&yaml, 2), Ok(()), "{yaml}");
        }
    }

    #[test]
    fn alias_bomb_is_refused_quickly() {
        let mut yaml =
            String::from("a: &a [\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\"]\n");
        for i in 1..10 {
            let prev = (b'a' + i - 1) as char;
            let name = (b'a' + i) as char;
            yaml.push_str(&format!("{name}: &{name} [*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev}]\n"));
        }
        yaml.push_str("categories: *j\n");
        let started = std::time::Instant::now();
        let p = parse(&yaml, 2).unwrap_err();
        assert!(p.message.starts_with("invalid front matter:"), "{p:?}");
        // Not a timing assertion on a shared machine: only a guard against a hang.
        assert!(started.elapsed().as_secs() < 30);
    }

    #[test]
    fn yaml_locations_are_removed_from_messages() {
        assert_eq!(
            without_locations(
                "did not find x at line 3 column 64, while parsing y at line 3 column 26"
            ),
            "did not find x, while parsing y"
        );
        assert_eq!(without_locations("plain"), "plain");
    }

    #[test]
    fn key_line_finds_the_key() {
        assert_eq!(key_line("title: a\ndate: b\n", 2, "date"), 3);
        assert_eq!(key_line("title: a\n", 2, "date"), 2);
    }

    #[test]
    fn date_forms() {
        let sh = chrono_tz::Asia::Shanghai;
        assert_eq!(
            date("2026-03-09T12:00:03+08:00", Tz::UTC).unwrap(),
            "2026-03-09T12:00:03+08:00"
        );
        assert_eq!(
            date("2026-01-07T08:00:10.261+08:00", Tz::UTC).unwrap(),
            "2026-01-07T08:00:10+08:00"
        );
        assert_eq!(
            date("2026-01-07T00:00:10Z", sh).unwrap(),
            "2026-01-07T00:00:10+00:00"
        );
        assert_eq!(
            date("2026-01-07 08:00:10", sh).unwrap(),
            "2026-01-07T08:00:10+08:00"
        );
        assert_eq!(
            date("2026-01-07 08:00:10", Tz::UTC).unwrap(),
            "2026-01-07T08:00:10+00:00"
        );
        assert_eq!(date("2026-01-07", sh).unwrap(), "2026-01-07T00:00:00+08:00");
        assert_eq!(
            date("2026-01-07T08:00:10", sh).unwrap(),
            "2026-01-07T08:00:10+08:00"
        );
    }

    #[test]
    fn bad_dates_are_errors_with_a_hint() {
        for bad in [
            "2026-02-30",
            "yesterday",
            "2026-13-01T00:00:00Z",
            "+99999-01-01",
            "-0001-01-01",
            "",
        ] {
            let e = date(bad, Tz::UTC).unwrap_err();
            assert!(e.contains("RFC 3339"), "{bad}: {e}");
        }
        assert!(date("2026-12-31T23:59:60Z", Tz::UTC)
            .unwrap_err()
            .contains("leap second"));
    }

    #[test]
    fn dst_gap_is_an_error_and_overlap_takes_the_earlier_instant() {
        let ny = chrono_tz::America::New_York;
        assert!(date("2026-03-08 02:30:00", ny)
            .unwrap_err()
            .contains("does not exist"));
        assert_eq!(
            date("2026-11-01 01:30:00", ny).unwrap(),
            "2026-11-01T01:30:00-04:00"
        );
    }
}
