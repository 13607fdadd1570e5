//! Configuration in two stages: the YAML file as written (`RawConfig`, every key
//! optional, unknown keys refused), overlaid with command-line flags, then checked once
//! into `Settings`. Nothing after `Settings::resolve` sees an unchecked value.

mod archives;
mod post_url;
mod publish;
mod schema;
mod values;

use values::{absolute_url, x_hosts};
pub use values::{is_example_host, lexically_clean};
pub(crate) use values::{refuse_userinfo, without_userinfo};
mod source;

use crate::error::ConfigError;
use crate::parse::{Rules, DEFAULT_MAX_CATEGORIES, DEFAULT_MAX_CATEGORY_BYTES};
pub use archives::Archives;
use chrono_tz::Tz;
pub use post_url::PostUrl;
pub use publish::Publish;
use publish::{RawPublish, PUBLISH_KEYS};
use serde::Deserialize;
use source::Problems;
pub use source::{is_language_tag, Source};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;
use url::Url;

pub const DEFAULT_MAX_ENTRIES: usize = 50;
pub const DEFAULT_DEBOUNCE_MS: u64 = 200;
pub const DEFAULT_MAX_FILE_BYTES: u64 = 8 * 1024 * 1024;
pub const DEFAULT_SITE_TITLE: &str = "AI digest";

/// The config file as written. Relative paths in it are relative to the file's folder.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawConfig {
    pub input_dir: Option<PathBuf>,
    pub output_dir: Option<PathBuf>,
    pub base_url: Option<String>,
    pub site: Option<RawSite>,
    pub max_entries: Option<usize>,
    pub timezone: Option<String>,
    pub authors: Option<BTreeMap<String, String>>,
    pub debounce_ms: Option<u64>,
    pub max_file_bytes: Option<u64>,
    pub max_categories: Option<usize>,
    pub max_category_bytes: Option<usize>,
    pub allow_empty: Option<bool>,
    pub publish_future: Option<bool>,
    pub publish: Option<RawPublish>,
    pub websub: Option<RawWebSub>,
    pub x_hosts: Option<Vec<String>>,
    pub post_url: Option<String>,
    pub archives: Option<Vec<String>>,
    /// Where each key stands in the file, for messages about its value.
    #[serde(skip)]
    pub source: Option<Source>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSite {
    pub title: Option<String>,
    pub link: Option<String>,
    pub description: Option<String>,
    pub language: Option<String>,
    pub author: Option<String>,
}

const TOP_KEYS: &[&str] = &[
    "input_dir",
    "output_dir",
    "base_url",
    "site",
    "max_entries",
    "timezone",
    "authors",
    "debounce_ms",
    "max_file_bytes",
    "max_categories",
    "max_category_bytes",
    "allow_empty",
    "publish_future",
    "publish",
    "websub",
    "x_hosts",
    "post_url",
    "archives",
];
const SITE_KEYS: &[&str] = &["title", "link", "description", "language", "author"];

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawWebSub {
    pub hubs: Option<Vec<String>>,
}

/// Command-line values that override the file.
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    pub input_dir: Option<PathBuf>,
    pub output_dir: Option<PathBuf>,
    pub base_url: Option<String>,
    pub allow_empty: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Site {
    pub title: String,
    /// The site's home page: absolute, used as every feed's alternate link.
    pub link: Url,
    pub description: String,
    pub language: Option<String>,
    /// Credited on entries that have no author of their own.
    pub author: String,
}

/// Checked configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    pub input_dir: PathBuf,
    /// Where the feeds are written; optional when they are published to a bucket.
    pub output_dir: Option<PathBuf>,
    /// Always ends in `/`, so that relative feed paths join under it.
    pub base_url: Url,
    pub site: Site,
    pub max_entries: usize,
    pub timezone: Tz,
    /// Lowercase handle → display name.
    pub authors: BTreeMap<String, String>,
    pub debounce: Duration,
    pub max_file_bytes: u64,
    /// Distinct categories one digest may name.
    pub max_categories: usize,
    /// Bytes one category name may hold.
    pub max_category_bytes: usize,
    /// Whether `--once` on an input without a digest is fine (else exit 1).
    pub allow_empty: bool,
    /// Whether digests dated after now are published at once (else at their date).
    pub publish_future: bool,
    /// An S3-compatible bucket the feeds are uploaded to, besides the output folder.
    pub publish: Option<Publish>,
    /// WebSub hubs every feed names and that are told of every feed that changed.
    pub hubs: Vec<Url>,
    /// Hosts whose status links are tweets besides X's and `key::MIRRORS`
    /// (lowercase), stored once for the process.
    pub x_hosts: &'static [&'static str],
    /// Each digest's page on the site: the link and id of its entry in the digest feed.
    pub post_url: PostUrl,
    /// The feeds whose older entries are paged into archive documents.
    pub archives: Archives,
}

impl RawConfig {
    /// Parses a config file's text; `origin` names it in errors.
    pub fn parse(text: &str, origin: &Path) -> Result<RawConfig, ConfigError> {
        let source = Source::new(origin, text);
        let mut raw = if text.trim().is_empty() {
            RawConfig::default()
        } else {
            let (value, problems) = schema::check(text, origin, &source)?;
            let mut raw = schema::read(&value).map_err(|e| yaml_error(&e, origin))?;
            if !problems.is_empty() {
                // With what is left, the values' problems too (those of the file: the
                // flags are not known here), so that one run reports them all.
                raw.source = Some(source);
                let mut all = problems;
                if let Err(found) = Settings::resolve(raw, Overrides::default()) {
                    all.extend(found.into_all().into_iter().filter(|e| e.line.is_some()));
                }
                all.sort_by_key(|e| e.line.unwrap_or(usize::MAX));
                return Err(
                    ConfigError::join(all).unwrap_or_else(|| ConfigError::new("invalid config"))
                );
            }
            raw
        };
        raw.source = Some(source);
        Ok(raw)
    }

    /// Reads and parses a config file; relative paths in it are made relative to its folder.
    pub fn load(path: &Path) -> Result<RawConfig, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
            path: Some(path.to_path_buf()),
            line: None,
            message: format!("cannot read the config file: {e}"),
            also: Vec::new(),
        })?;
        let mut raw = RawConfig::parse(&text, path)?;
        let base = path.parent().unwrap_or(Path::new(""));
        for dir in [&mut raw.input_dir, &mut raw.output_dir]
            .into_iter()
            .flatten()
        {
            if dir.is_relative() {
                *dir = base.join(&*dir);
            }
        }
        Ok(raw)
    }
}

fn yaml_error(e: &serde_yaml::Error, origin: &Path) -> ConfigError {
    let mut message = crate::error::without_locations(&e.to_string());
    if let Some(key) = unknown_field(&message) {
        let known = if message.contains("`author`") && !message.contains("`input_dir`") {
            SITE_KEYS
        } else if message.contains("`endpoint`") {
            PUBLISH_KEYS
        } else if message.contains("expected `hubs`") {
            &["hubs"]
        } else {
            TOP_KEYS
        };
        message = format!("unknown key \"{key}\"");
        if let Some(near) = closest(&key, known) {
            message.push_str(&format!(" (did you mean \"{near}\"?)"));
        } else {
            message.push_str(&format!("; the keys are: {}", known.join(", ")));
        }
    }
    ConfigError {
        path: Some(origin.to_path_buf()),
        line: e.location().map(|l| l.line()),
        message: plain_words(&message),
        also: Vec::new(),
    }
}

/// serde's names for Rust types, in words a config's author knows.
fn plain_words(message: &str) -> String {
    let mut out = message.to_string();
    for (rust, plain) in [
        ("expected usize", "expected a whole number (0, 1, 2, …)"),
        ("expected u64", "expected a whole number (0, 1, 2, …)"),
        ("expected u32", "expected a whole number (0, 1, 2, …)"),
        ("expected a boolean", "expected true or false"),
        ("expected a string", "expected text"),
        (
            "expected struct RawSite",
            "expected the keys of `site:` (title, link, …)",
        ),
        ("expected a map", "expected `handle: name` lines"),
    ] {
        out = out.replace(rust, plain);
    }
    out
}

fn unknown_field(message: &str) -> Option<String> {
    let rest = message.split("unknown field `").nth(1)?;
    Some(rest.split('`').next()?.to_string())
}

/// The known key nearest to `key`: without regard to case, `_` and `-` first (Hugo's
/// `baseURL` is `base_url`), else within a few letters.
fn closest<'a>(key: &str, known: &[&'a str]) -> Option<&'a str> {
    let fold = |k: &str| -> String {
        k.chars()
            .filter(|c| !matches!(c, '_' | '-'))
            .flat_map(char::to_lowercase)
            .collect()
    };
    let folded = fold(key);
    if let Some(same) = known.iter().find(|k| fold(k) == folded) {
        return Some(same);
    }
    known
        .iter()
        .map(|k| (strsim::levenshtein(&folded, &fold(k)), *k))
        .filter(|(d, k)| *d <= 2.max(k.len() / 3))
        .min()
        .map(|(_, k)| k)
}

impl Settings {
    /// The output folder as logs show it.
    pub fn output_shown(&self) -> String {
        match &self.output_dir {
            Some(dir) => lexically_clean(dir).display().to_string(),
            None => "(none: published to the bucket only)".to_string(),
        }
    }

    /// The output folder when it lies inside `input` (the input folder as given, or as
    /// the watcher resolved it), so that reading the input passes it over.
    pub fn output_inside(&self, input: &Path) -> Option<PathBuf> {
        self.output_dir
            .as_ref()
            .and_then(|dir| output_inside_input(input, dir))
    }

    /// How digests are read under these settings.
    pub fn rules(&self) -> Rules {
        Rules {
            timezone: self.timezone,
            max_categories: self.max_categories,
            max_category_bytes: self.max_category_bytes,
            x_hosts: self.x_hosts,
        }
    }

    /// Overlays `overrides` on `raw` and checks every value. Every problem is
    /// reported, each at its key's line, not just the first.
    pub fn resolve(raw: RawConfig, overrides: Overrides) -> Result<Settings, ConfigError> {
        let mut problems = Problems::new(raw.source.as_ref());
        let input_dir = overrides.input_dir.or(raw.input_dir);
        if input_dir.is_none() {
            problems.general("no input folder: give --input DIR or `input_dir:` in the config");
        }
        let output_dir = overrides.output_dir.or(raw.output_dir);
        if output_dir.is_none() && raw.publish.is_none() {
            problems.general("no output folder: give --output DIR or `output_dir:` in the config (or `publish:` to publish to object storage only)");
        }
        let base_url = base_url(&mut problems, overrides.base_url, raw.base_url);
        let site = site(
            &mut problems,
            raw.site.unwrap_or_default(),
            base_url.as_ref(),
        );
        let timezone = match raw.timezone {
            None => Some(Tz::UTC),
            Some(name) => problems.take(
                "timezone",
                name.trim().parse::<Tz>().map_err(|_| {
                    format!("timezone \"{name}\" is not an IANA time zone name; write e.g. Asia/Shanghai or UTC")
                }),
            ),
        };
        let authors = authors(&mut problems, raw.authors.unwrap_or_default());
        let at_least_one = |problems: &mut Problems, key: &str, value: u64, what: &str| {
            if value == 0 {
                problems.at(key, format!("{key} must be at least 1{what}"));
            }
        };
        let max_entries = raw.max_entries.unwrap_or(DEFAULT_MAX_ENTRIES);
        at_least_one(
            &mut problems,
            "max_entries",
            max_entries as u64,
            " (the number of items a feed holds)",
        );
        let max_file_bytes = raw.max_file_bytes.unwrap_or(DEFAULT_MAX_FILE_BYTES);
        at_least_one(&mut problems, "max_file_bytes", max_file_bytes, "");
        let max_category_bytes = raw.max_category_bytes.unwrap_or(DEFAULT_MAX_CATEGORY_BYTES);
        at_least_one(
            &mut problems,
            "max_category_bytes",
            max_category_bytes as u64,
            "",
        );
        if !cfg!(feature = "publish") {
            for (asked, key) in [
                (raw.publish.is_some(), "publish"),
                (
                    raw.websub
                        .as_ref()
                        .is_some_and(|w| w.hubs.as_ref().is_some_and(|h| !h.is_empty())),
                    "websub",
                ),
            ] {
                if asked {
                    problems.at(key, format!("`{key}:` needs a digestfeed built with the `publish` feature (the default; this one was built with --no-default-features)"));
                }
            }
        }
        let publish = publish::resolve(&mut problems, raw.publish);
        let hubs = hubs(&mut problems, raw.websub);
        let x_hosts = x_hosts(&mut problems, raw.x_hosts);
        let archives = archives::resolve(&mut problems, raw.archives);
        let post_url = match raw.post_url {
            Some(template) => problems.take("post_url", PostUrl::parse(&template)),
            None => site.as_ref().map(|site| PostUrl::default_for(&site.link)),
        };
        let (Some(input_dir), Some(base_url), Some(site), Some(timezone), Some(post_url)) =
            (input_dir, base_url, site, timezone, post_url)
        else {
            return Err(problems
                .into_error()
                .unwrap_or_else(|| ConfigError::new("the configuration is incomplete")));
        };
        if let Some(error) = problems.into_error() {
            return Err(error);
        }
        Ok(Settings {
            input_dir,
            output_dir,
            base_url,
            site,
            max_entries,
            timezone,
            authors,
            debounce: Duration::from_millis(raw.debounce_ms.unwrap_or(DEFAULT_DEBOUNCE_MS)),
            max_file_bytes,
            max_categories: raw.max_categories.unwrap_or(DEFAULT_MAX_CATEGORIES),
            max_category_bytes,
            allow_empty: overrides.allow_empty || raw.allow_empty.unwrap_or(false),
            publish_future: raw.publish_future.unwrap_or(false),
            publish,
            hubs,
            x_hosts,
            post_url,
            archives,
        })
    }
}

/// The base URL, from the flag or the file.
fn base_url(problems: &mut Problems, flag: Option<String>, file: Option<String>) -> Option<Url> {
    match (flag, file) {
        (Some(flag), _) => absolute_url("--base-url", &flag, true)
            .map_err(|m| problems.general(m))
            .ok(),
        (None, Some(value)) => problems.take("base_url", absolute_url("base_url", &value, true)),
        (None, None) => {
            problems.general(
                "no base URL: give --base-url https://example.org/feeds/ or `base_url:` in the config",
            );
            None
        }
    }
}

/// `site:` with its defaults; `None` when its link is unusable.
fn site(problems: &mut Problems, site: RawSite, base_url: Option<&Url>) -> Option<Site> {
    let title = clean(site.title).unwrap_or_else(|| DEFAULT_SITE_TITLE.to_string());
    let link = match clean(site.link) {
        Some(link) => problems.take("site.link", absolute_url("site.link", &link, false)),
        None => base_url.cloned(),
    };
    let language = clean(site.language);
    if let Some(tag) = language.as_deref().filter(|tag| !is_language_tag(tag)) {
        let hint = if tag.contains('_') {
            format!(" (write \"{}\")", tag.replace('_', "-"))
        } else {
            String::new()
        };
        problems.at(
            "site.language",
            format!("site.language \"{tag}\" is not a language tag{hint}; write e.g. en, zh-CN or pt-BR"),
        );
    }
    Some(Site {
        author: clean(site.author).unwrap_or_else(|| title.clone()),
        description: clean(site.description).unwrap_or_default(),
        language,
        title,
        link: link?,
    })
}

/// `websub.hubs`: absolute http(s) URLs, without duplicates, in the order written.
fn hubs(problems: &mut Problems, raw: Option<RawWebSub>) -> Vec<Url> {
    let mut hubs: Vec<Url> = Vec::new();
    for hub in raw.and_then(|w| w.hubs).unwrap_or_default() {
        if let Some(url) = problems.take("websub.hubs", absolute_url("websub.hubs", &hub, false)) {
            if !hubs.contains(&url) {
                hubs.push(url);
            }
        }
    }
    hubs
}

/// `authors:`, handles lowercase and without `@`.
fn authors(problems: &mut Problems, raw: BTreeMap<String, String>) -> BTreeMap<String, String> {
    let mut authors = BTreeMap::new();
    for (key, name) in raw {
        let handle = key.trim().trim_start_matches('@').to_ascii_lowercase();
        let name =
            crate::support::text::collapse_whitespace(&crate::support::text::xml_safe(&name));
        if handle.is_empty() || name.is_empty() {
            problems.at(
                &format!("authors.{key}"),
                format!("authors: \"{handle}\" → \"{name}\" needs both a handle and a name"),
            );
        }
        authors.insert(handle, name);
    }
    authors
}

fn clean(value: Option<String>) -> Option<String> {
    value
        .map(|v| crate::support::text::collapse_whitespace(&crate::support::text::xml_safe(&v)))
        .filter(|v| !v.is_empty())
}

/// The output folder, when it lies inside the input folder, so that scanning skips it.
fn output_inside_input(input: &Path, output: &Path) -> Option<PathBuf> {
    let canonical_input = input.canonicalize().ok()?;
    let canonical_output = output.canonicalize().ok()?;
    let inside = canonical_output.strip_prefix(&canonical_input).ok()?;
    (!inside.as_os_str().is_empty()).then(|| input.join(inside))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<RawConfig, ConfigError> {
        RawConfig::parse(text, Path::new("config/digestfeed.yaml"))
    }

    fn minimal() -> Overrides {
        Overrides {
            input_dir: Some("in".into()),
            output_dir: Some("out".into()),
            base_url: Some("https://example.org/feeds".into()),
            allow_empty: false,
        }
    }

    #[cfg(feature = "publish")]
    #[test]
    fn publish_is_checked_at_its_lines_and_its_keys_suggested() {
        let text = "max_entries: 5\npublish:\n  url: https://bucket/\n  endpoint: ftp://x\n";
        let err = Settings::resolve(parse(text).unwrap(), minimal()).unwrap_err();
        let shown = err.to_string();
        assert!(
            shown.contains(":3:") && shown.contains("must start with s3://"),
            "{shown}"
        );
        let typo = parse("publish:\n  url: s3://feeds/\n  endpont: http://x\n").unwrap_err();
        assert!(
            typo.to_string().contains("did you mean \"endpoint\""),
            "{typo}"
        );
        let ok = "publish:\n  url: s3://feeds/ai\n  endpoint: http://127.0.0.1:9000\n";
        let p = Settings::resolve(parse(ok).unwrap(), minimal())
            .unwrap()
            .publish
            .unwrap();
        assert_eq!((p.bucket.as_str(), p.prefix.as_str()), ("feeds", "ai/"));
        assert_eq!(p.cache_feeds, publish::DEFAULT_CACHE_FEEDS);
    }

    #[cfg(feature = "publish")]
    #[test]
    fn websub_hubs_must_be_http_urls_and_are_kept_once_in_order() {
        let text = "websub:\n  hubs:\n    - https://b.example/\n    - https://a.example/\n    - https://b.example/\n";
        let hubs = Settings::resolve(parse(text).unwrap(), minimal())
            .unwrap()
            .hubs;
        let hubs: Vec<&str> = hubs.iter().map(Url::as_str).collect();
        assert_eq!(hubs, ["https://b.example/", "https://a.example/"]);
        let bad = "max_entries: 3\nwebsub:\n  hubs: [mailto:x@example.org]\n";
        let err = Settings::resolve(parse(bad).unwrap(), minimal()).unwrap_err();
        assert!(err.to_string().contains(":3:"), "{err}");
        let typo = parse("websub:\n  hub: []\n").unwrap_err();
        assert!(typo.to_string().contains("\"hubs\""), "{typo}");
    }

    #[test]
    fn the_shipped_configs_load() {
        for file in ["config/digestfeed.yaml", "config/service.yaml"] {
            let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
            let raw = RawConfig::load(&path).unwrap_or_else(|e| panic!("{e}"));
            Settings::resolve(raw, Overrides::default()).unwrap_or_else(|e| panic!("{e}"));
        }
    }

    /// Every problem at once, each at its line, in words a config's author knows.
    #[test]
    fn every_problem_is_reported_at_its_line() {
        let text = "input_dir: in\noutput_dir: out\nbase_url: https://a.org/f/?x=1\nsite:\n  link: ftp://a\n  language: zh_CN\nmax_entries: 0\ntimezone: Mars/Base\n";
        let raw = parse(text).unwrap();
        let err = Settings::resolve(raw, Overrides::default()).unwrap_err();
        let lines: Vec<String> = err.to_string().lines().map(str::to_string).collect();
        let at: Vec<&str> = lines
            .iter()
            .map(|l| l.split(": ").next().unwrap())
            .collect();
        assert_eq!(
            at,
            [
                "config/digestfeed.yaml:3",
                "config/digestfeed.yaml:5",
                "config/digestfeed.yaml:6",
                "config/digestfeed.yaml:7",
                "config/digestfeed.yaml:8"
            ],
            "{err}"
        );
        assert!(lines[0].contains("has a query string"), "{err}");
        assert!(lines[2].contains("(write \"zh-CN\")"), "{err}");
        let err = parse("max_entries: lots\n").unwrap_err();
        assert!(err.to_string().contains("expected a whole number"), "{err}");
        // A flag's problem has no line.
        let flags = Overrides {
            base_url: Some("https://a.org/?q".into()),
            ..minimal()
        };
        let err = Settings::resolve(RawConfig::default(), flags).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("--base-url \"https://a.org/?q\" has a query string"),
            "{err}"
        );
    }

    #[test]
    fn unknown_key_is_named_with_line_and_suggestion() {
        let err = parse("input_dir: in\nbase_url: https://x.org/\nmax_entires: 10\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            "config/digestfeed.yaml:3: unknown key \"max_entires\" (did you mean \"max_entries\"?)"
        );
    }

    #[test]
    fn unknown_site_key_is_named() {
        let err = parse("site:\n  titel: x\n").unwrap_err();
        assert_eq!(err.line, Some(2));
        assert!(
            err.message.contains("\"titel\"") && err.message.contains("\"title\""),
            "{err}"
        );
    }

    #[test]
    fn unknown_key_far_from_any_lists_the_keys() {
        let err = parse("colour: blue\n").unwrap_err();
        assert!(
            err.message
                .contains("unknown key \"colour\"; the keys are: input_dir"),
            "{err}"
        );
    }

    #[test]
    fn flags_work_without_a_config_and_fill_defaults() {
        let s = Settings::resolve(RawConfig::default(), minimal()).unwrap();
        assert_eq!(s.base_url.as_str(), "https://example.org/feeds/");
        assert_eq!(s.site.link, s.base_url);
        assert_eq!(s.site.author, DEFAULT_SITE_TITLE);
        assert_eq!(s.max_entries, 50);
        assert_eq!(s.timezone, Tz::UTC);
        assert_eq!(s.debounce, Duration::from_millis(200));
    }

    #[test]
    fn flags_override_the_file() {
        let raw = parse("input_dir: a\noutput_dir: b\nbase_url: https://a.org/\n").unwrap();
        let s = Settings::resolve(raw, minimal()).unwrap();
        assert_eq!(s.input_dir, PathBuf::from("in"));
        assert_eq!(s.base_url.as_str(), "https://example.org/feeds/");
    }

    #[test]
    fn reads_every_key() {
        let raw = parse(
            "input_dir: in\noutput_dir: out\nbase_url: https://a.org/f/\nsite:\n  title: T\n  link: https://a.org/\n  description: D\n  language: zh-CN\n  author: Ed\nmax_entries: 7\ntimezone: Asia/Shanghai\nauthors:\n  '@Vista8': 向阳乔木\ndebounce_ms: 50\nmax_file_bytes: 1000\nmax_categories: 3\nmax_category_bytes: 9\n",
        )
        .unwrap();
        let s = Settings::resolve(raw, Overrides::default()).unwrap();
        assert_eq!(s.site.title, "T");
        assert_eq!(s.site.link.as_str(), "https://a.org/");
        assert_eq!(s.site.language.as_deref(), Some("zh-CN"));
        assert_eq!(s.site.author, "Ed");
        assert_eq!(s.max_entries, 7);
        assert_eq!(s.timezone, chrono_tz::Asia::Shanghai);
        assert_eq!(s.authors["vista8"], "向阳乔木");
        assert_eq!(s.debounce, Duration::from_millis(50));
        assert_eq!(s.max_file_bytes, 1000);
        assert_eq!(
            (s.rules().max_categories, s.rules().max_category_bytes),
            (3, 9)
        );
    }

    #[test]
    fn rejects_bad_values_with_the_key_named() {
        let cases = [
            ("base_url: not a url\n", "base_url"),
            ("base_url: ftp://a.org/\n", "base_url"),
            ("timezone: Mars/Base\n", "timezone"),
            ("max_entries: 0\n", "max_entries"),
        ];
        for (text, key) in cases {
            let mut o = minimal();
            if text.starts_with("base_url") {
                o.base_url = None;
            }
            let err = Settings::resolve(parse(text).unwrap(), o).unwrap_err();
            assert!(err.message.contains(key), "{text}: {err}");
        }
        let err = parse("max_entries: many\n").unwrap_err();
        assert_eq!(err.line, Some(1));
    }

    #[test]
    fn user_info_in_any_url_is_refused_without_printing_the_secret() {
        let text = "base_url: https://feeds:hunter1@a.org/f/\nsite:\n  link: https://u:hunter2@a.org/\nwebsub:\n  hubs: [\"https://hub:hunter3@hub.example/\"]\npublish:\n  url: s3://feeds/ai\n  endpoint: http://KEY:hunter4@127.0.0.1:9000\n";
        let mut o = minimal();
        o.base_url = None;
        let err = Settings::resolve(parse(text).unwrap(), o).unwrap_err();
        let shown = err.to_string();
        assert!(!shown.contains("hunter"), "{shown}");
        for (line, key) in [
            (1, "base_url"),
            (3, "site.link"),
            (5, "websub.hubs"),
            (8, "publish.endpoint"),
        ] {
            assert!(
                shown.contains(&format!(":{line}: {key} ")) && shown.contains("user info"),
                "{key} at {line}: {shown}"
            );
        }
        assert!(shown.contains("AWS_ACCESS_KEY_ID"), "{shown}");
        // The flag too, and a URL too broken to parse still hides its user info.
        let mut o = minimal();
        o.base_url = Some("https://me:hunter5@a.org/".into());
        let err = Settings::resolve(RawConfig::default(), o).unwrap_err();
        assert!(err.to_string().contains("--base-url") && !err.to_string().contains("hunter"));
        assert_eq!(without_userinfo("http://k:s@h st/x@y"), "http://…@h st/x@y");
        assert_eq!(without_userinfo("https:/k:s@h/x"), "https://…@h/x");
        assert_eq!(without_userinfo("k:s@h/x"), "k://…@h/x");
        for odd in ["https:/k:hunter9@a.org/", "https:k:hunter9@a.org/"] {
            let mut o = minimal();
            o.base_url = Some(odd.into());
            let err = Settings::resolve(RawConfig::default(), o)
                .unwrap_err()
                .to_string();
            assert!(!err.contains("hunter9"), "{err}");
        }
        assert_eq!(without_userinfo("https://a.org/p@q"), "https://a.org/p@q");
    }

    #[test]
    fn x_hosts_are_host_names_kept_lowercase_and_once() {
        let text = "x_hosts: [Nitter.Example.org, www.nitter.example.org, \"xcancel.example.\"]\n";
        let s = Settings::resolve(parse(text).unwrap(), minimal()).unwrap();
        assert_eq!(s.x_hosts, ["nitter.example.org", "xcancel.example"]);
        assert_eq!(s.rules().x_hosts, s.x_hosts);
        let bad = "max_entries: 3\nx_hosts:\n  - https://nitter.example.org/\n";
        let err = Settings::resolve(parse(bad).unwrap(), minimal()).unwrap_err();
        assert!(
            err.to_string()
                .contains(":2: x_hosts: \"https://nitter.example.org/\" is not a host name"),
            "{err}"
        );
    }

    #[test]
    fn shown_paths_lose_dot_dot_lexically() {
        assert_eq!(
            lexically_clean(Path::new("config/../public")),
            Path::new("public")
        );
        assert_eq!(
            lexically_clean(Path::new("/etc/x/./../feeds")),
            Path::new("/etc/feeds")
        );
        assert_eq!(
            lexically_clean(Path::new("../a/../../b")),
            Path::new("../../b")
        );
        assert_eq!(lexically_clean(Path::new("a/..")), Path::new("."));
    }

    #[test]
    fn placeholder_domains_are_told() {
        for host in [
            "example.org",
            "feeds.example.com",
            "a.example.net",
            "x.example",
            "b.test",
            "EXAMPLE.ORG.",
        ] {
            assert!(is_example_host(host), "{host}");
        }
        for host in [
            "example.org.cn",
            "myexample.org",
            "examples.com",
            "feeds.ai",
        ] {
            assert!(!is_example_host(host), "{host}");
        }
        let s = Settings::resolve(RawConfig::default(), minimal()).unwrap();
        let found = s.placeholders();
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].starts_with("base_url https://example.org/feeds/"),
            "{found:?}"
        );
        let real =
            parse("base_url: https://feeds.ai/\nsite:\n  link: https://example.com/\n").unwrap();
        let mut o = minimal();
        o.base_url = None;
        let found = Settings::resolve(real, o).unwrap().placeholders();
        assert!(
            found.len() == 1 && found[0].starts_with("site.link"),
            "{found:?}"
        );
    }

    /// Every problem of a config in one run, each at its own line.
    #[test]
    fn every_key_and_type_problem_is_reported_at_once_at_its_line() {
        let text = "baseURL: https://a.org/\nsite:\n  titel: T\n  Language: en\nmax_entries: many\ndebounce_ms: [1]\npublish:\n  cache_control:\n    feed: x\n";
        let err = parse(text).unwrap_err().to_string();
        for (line, words) in [
            (1, "unknown key \"baseURL\" (did you mean \"base_url\"?)"),
            (
                3,
                "unknown key \"titel\" in `site:` (did you mean \"title\"?)",
            ),
            (
                4,
                "unknown key \"Language\" in `site:` (did you mean \"language\"?)",
            ),
            (
                9,
                "unknown key \"feed\" in `publish.cache_control:` (did you mean \"feeds\"?)",
            ),
        ] {
            assert!(
                err.contains(&format!("config/digestfeed.yaml:{line}: {words}")),
                "{line}: {err}"
            );
        }
        // Keys, types and values in one run: an unknown key, a bad URL and a number
        // out of range, each at its line.
        let mixed = "input_dir: in\nbase_url: ftp://a.org/\nmax_entires: 3\nmax_entries: 0\n";
        let err = parse(mixed).unwrap_err().to_string();
        for line in [2, 3, 4] {
            assert!(
                err.contains(&format!("digestfeed.yaml:{line}: ")),
                "{line}: {err}"
            );
        }
        // Every value of the wrong type.
        let err = parse("max_entries: many\ndebounce_ms: [1]\nallow_empty: 3\n")
            .unwrap_err()
            .to_string();
        for line in [1, 2, 3] {
            assert!(
                err.contains(&format!("digestfeed.yaml:{line}: ")),
                "{line}: {err}"
            );
        }
        assert!(
            err.contains("expected a whole number") && err.contains("expected true or false"),
            "{err}"
        );
    }

    /// Plain scalars that YAML reads as numbers or booleans are text where text is
    /// wanted, as before the config was checked as a whole.
    #[test]
    fn numbers_where_text_is_wanted_are_text() {
        let text =
            "input_dir: 2026\nsite:\n  title: 1984\n  description: true\nauthors:\n  12345: Name\n";
        let raw = parse(text).unwrap();
        assert_eq!(raw.input_dir.as_deref(), Some(Path::new("2026")));
        let site = raw.site.as_ref().unwrap();
        assert_eq!(
            (site.title.as_deref(), site.description.as_deref()),
            (Some("1984"), Some("true"))
        );
        assert_eq!(raw.authors.as_ref().unwrap()["12345"], "Name");
    }

    #[test]
    fn tabs_and_duplicate_keys_are_named_at_their_lines() {
        let err = parse("site:\n\ttitle: T\nmax_entries: 5\n \tx: 1\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains(":2: a tab indents this line") && err.contains(":4: a tab"),
            "{err}"
        );
        let err = parse("max_entries: 5\nbase_url: https://a.org/\nmax_entries: 6\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains(":3: \"max_entries\" is set twice (first at line 1)"),
            "{err}"
        );
        // A tab in a block scalar's text is YAML; so is text that looks like a key.
        let fine = "site:\n  description: |\n    a\n    \tb\n    Note: x\n    Note: y\n";
        assert!(parse(fine).is_ok());
        let twice =
            "site:\n  description: |\n    Note: x\n    Note: y\nmax_entries: 5\nmax_entries: 6\n";
        let err = parse(twice).unwrap_err().to_string();
        assert!(
            err.contains(":6: \"max_entries\" is set twice") && !err.contains("Note"),
            "{err}"
        );
        assert_eq!(closest("BASE-URL", TOP_KEYS), Some("base_url"));
        assert_eq!(closest("outputdir", TOP_KEYS), Some("output_dir"));
    }

    /// A build without the `publish` feature refuses what it cannot do, at its line.
    #[cfg(not(feature = "publish"))]
    #[test]
    fn a_build_without_publishing_refuses_publish_and_hubs() {
        let text = "publish:\n  url: s3://feeds/\nwebsub:\n  hubs: [https://hub.example/]\n";
        let err = Settings::resolve(parse(text).unwrap(), minimal())
            .unwrap_err()
            .to_string();
        assert!(
            err.contains(":1: `publish:` needs a digestfeed built with the `publish` feature"),
            "{err}"
        );
        assert!(err.contains(":3: `websub:` needs"), "{err}");
    }

    #[test]
    fn missing_required_values_say_which_flag_to_give() {
        let err = Settings::resolve(RawConfig::default(), Overrides::default()).unwrap_err();
        assert!(err.message.contains("--input"), "{err}");
    }
}
