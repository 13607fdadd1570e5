//! `post_url`: where a digest's own page is on the site, the link (and id) of its
//! entry in the digest feed. A template with fields taken from the digest alone, so
//! that the entry keeps its id when only the digest's text changes.

use crate::model::Digest;
use chrono::Datelike;
use chrono_tz::Tz;
use std::path::Path;
use url::Url;

/// The fields a template may name.
const FIELDS: &[&str] = &["path", "stem", "slug", "year", "month", "day"];

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Text(String),
    Field(&'static str),
}

/// A checked `post_url` template. The default one is empty: it makes no URL.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PostUrl {
    parts: Vec<Part>,
}

impl PostUrl {
    /// Hugo's URL of a page of the `posts` section on `site`, for a site whose input
    /// folder is `content/posts`, the layout of `hugo new posts/…`.
    pub fn default_for(site: &Url) -> PostUrl {
        let mut base = site.to_string();
        if !base.ends_with('/') {
            base.push('/');
        }
        PostUrl {
            parts: vec![
                Part::Text(format!("{base}posts/")),
                Part::Field("path"),
                Part::Text("/".to_string()),
            ],
        }
    }

    /// Reads a template: text with `{field}`s; a field not in [`FIELDS`] or a brace
    /// left open is an error that says which. The result must be an absolute http(s)
    /// URL whatever the fields hold.
    pub fn parse(template: &str) -> Result<PostUrl, String> {
        let mut parts = Vec::new();
        let mut rest = template.trim();
        while let Some(open) = rest.find('{') {
            if open > 0 {
                parts.push(Part::Text(rest[..open].to_string()));
            }
            let Some(close) = rest[open..].find('}') else {
                return Err(format!(
                    "post_url \"{template}\" has a `{{` without its `}}`"
                ));
            };
            let name = &rest[open + 1..open + close];
            let Some(field) = FIELDS.iter().find(|f| **f == name) else {
                return Err(format!(
                    "post_url \"{template}\" names {{{name}}}, which is not a field; use {}",
                    FIELDS
                        .iter()
                        .map(|f| format!("{{{f}}}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            };
            parts.push(Part::Field(field));
            rest = &rest[open + close + 1..];
        }
        if !rest.is_empty() {
            parts.push(Part::Text(rest.to_string()));
        }
        let url = PostUrl { parts };
        let sample = url.fill(|_| "a".to_string());
        let parsed = Url::parse(&sample).map_err(|e| {
            format!("post_url \"{template}\" does not make an absolute URL ({e}); write e.g. https://example.org/posts/{{stem}}/")
        })?;
        if parsed.scheme() != "http" && parsed.scheme() != "https" {
            return Err(format!(
                "post_url \"{template}\" must make an http or https URL"
            ));
        }
        if !parsed.username().is_empty() || parsed.password().is_some() {
            return Err("post_url must not hold a user name or password".to_string());
        }
        Ok(url)
    }

    fn fill(&self, value: impl Fn(&str) -> String) -> String {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Text(text) => out.push_str(text),
                Part::Field(field) => out.push_str(&value(field)),
            }
        }
        out
    }

    /// The page URL of the digest at `path` (relative to the input folder), with its
    /// fields as Hugo makes them: a page bundle (`<folder>/index.md`) is its folder;
    /// the front matter's `slug` stands for the last part of `{path}`; path, stem and
    /// slug are lowercased, spaces become `-`, and characters Hugo leaves out of URLs
    /// are left out (`(am)` → `am`), the rest percent-encoded.
    pub fn expand(&self, path: &Path, digest: &Digest, timezone: Tz) -> String {
        let without_md = path.with_extension("");
        let rel = without_md.to_string_lossy().replace('\\', "/");
        // A page bundle's page is its folder.
        let rel = match rel.strip_suffix("/index") {
            Some(folder) => folder.to_string(),
            None => rel,
        };
        let (folder, stem) = match rel.rsplit_once('/') {
            Some((folder, stem)) => (Some(folder), stem),
            None => (None, rel.as_str()),
        };
        let slug = digest.slug.as_deref().unwrap_or(stem);
        let page = match folder {
            Some(folder) => format!("{folder}/{slug}"),
            None => slug.to_string(),
        };
        let date = digest.date.with_timezone(&timezone);
        self.fill(|field| match field {
            "path" => urlize(&page, true),
            "stem" => urlize(stem, false),
            "slug" => urlize(slug, false),
            "year" => format!("{:04}", date.year()),
            "month" => format!("{:02}", date.month()),
            _ => format!("{:02}", date.day()),
        })
    }
}

/// A path part as Hugo writes it into a URL: lowercase, white space as `-`, letters,
/// digits and `.`, `_`, `-`, `~`, `+` kept (`/` too where `slashes`), anything else
/// left out; what is not ASCII percent-encoded.
fn urlize(text: &str, slashes: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.trim().chars().flat_map(char::to_lowercase) {
        match c {
            c if c.is_whitespace() && !out.ends_with('-') => out.push('-'),
            c if c.is_whitespace() => {}
            'a'..='z' | '0'..='9' | '-' | '.' | '_' | '~' | '+' => out.push(c),
            '/' if slashes => out.push(c),
            c if c.is_alphanumeric() => {
                let mut buf = [0; 4];
                for byte in c.encode_utf8(&mut buf).bytes() {
                    out.push_str(&format!("%{byte:02X}"));
                }
            }
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn digest(date: &str, slug: Option<&str>) -> Digest {
        let text = format!(
            "---\ntitle: t\ndate: {date}\n{}---\n",
            slug.map(|s| format!("slug: \"{s}\"\n")).unwrap_or_default()
        );
        match crate::parse::parse_digest(Path::new("x.md"), text.as_bytes(), Tz::UTC).unwrap() {
            crate::model::Parsed::Digest(d) => d,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn fields_fill_in_from_the_digest_alone() {
        let url =
            PostUrl::parse("https://example.org/{year}/{month}/{day}/{slug}/?from={stem}").unwrap();
        let d = digest("2026-03-09T01:00:03+08:00", None);
        // The date in the configured zone: the 8th in UTC, the 9th in Shanghai.
        assert_eq!(
            url.expand(Path::new("2026/March 9.md"), &d, Tz::UTC),
            "https://example.org/2026/03/08/march-9/?from=march-9"
        );
        assert_eq!(
            url.expand(Path::new("2026/March 9.md"), &d, Tz::Asia__Shanghai),
            "https://example.org/2026/03/09/march-9/?from=march-9"
        );
        // Hugo's URLs: punctuation left out, letters kept (encoded).
        let d = digest("2026-03-09", Some("AI 新闻? What's new #1"));
        let slug = PostUrl::parse("https://example.org/p/{slug}/").unwrap();
        assert_eq!(
            slug.expand(Path::new("a.md"), &d, Tz::UTC),
            "https://example.org/p/ai-%E6%96%B0%E9%97%BB-whats-new-1/"
        );
        // The slug stands for the file's name in {path}; a page bundle is its folder.
        let path = PostUrl::parse("https://example.org/{path}/").unwrap();
        assert_eq!(
            path.expand(Path::new("2026/03/a.md"), &d, Tz::UTC),
            "https://example.org/2026/03/ai-%E6%96%B0%E9%97%BB-whats-new-1/"
        );
        let plain = digest("2026-03-09", None);
        assert_eq!(
            path.expand(Path::new("2026/03/a (am).md"), &plain, Tz::UTC),
            "https://example.org/2026/03/a-am/"
        );
        assert_eq!(
            path.expand(Path::new("2026/my-post/index.md"), &plain, Tz::UTC),
            "https://example.org/2026/my-post/"
        );
        let stem = PostUrl::parse("https://example.org/{stem}/").unwrap();
        assert_eq!(
            stem.expand(Path::new("2026/my-post/index.md"), &plain, Tz::UTC),
            "https://example.org/my-post/"
        );
    }

    #[test]
    fn the_default_is_hugos_posts_section() {
        let site = Url::parse("https://example.org/blog").unwrap();
        let d = digest("2026-03-09", None);
        assert_eq!(
            PostUrl::default_for(&site).expand(Path::new("2026-03-09-12.md"), &d, Tz::UTC),
            "https://example.org/blog/posts/2026-03-09-12/"
        );
    }

    #[test]
    fn bad_templates_say_what_is_wrong() {
        let unknown = PostUrl::parse("https://example.org/{name}/").unwrap_err();
        assert!(
            unknown.contains("{name}") && unknown.contains("{stem}"),
            "{unknown}"
        );
        assert!(PostUrl::parse("https://example.org/{stem/")
            .unwrap_err()
            .contains("without"));
        assert!(PostUrl::parse("/posts/{stem}/")
            .unwrap_err()
            .contains("absolute"));
        assert!(PostUrl::parse("ftp://example.org/{stem}")
            .unwrap_err()
            .contains("http"));
        assert!(PostUrl::parse("https://me:pw@example.org/{stem}").is_err());
    }
}
