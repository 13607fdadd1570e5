//! `publish:`, where the feeds go besides the output folder: an S3-compatible bucket.
//! Credentials are never read from here, only from the environment (see the README).

use super::source::Problems;
use serde::Deserialize;
use url::Url;

/// Feeds change with every digest; a reader polling every few minutes should not be
/// served a copy older than that.
pub(super) const DEFAULT_CACHE_FEEDS: &str = "public, max-age=300";
pub(super) const DEFAULT_CACHE_INDEX: &str = "public, max-age=300";
/// A closed archive page changes only when an entry in it is edited or deleted.
pub(super) const DEFAULT_CACHE_ARCHIVES: &str = "public, max-age=86400";

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPublish {
    pub url: Option<String>,
    pub endpoint: Option<String>,
    pub region: Option<String>,
    pub cache_control: Option<RawCacheControl>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCacheControl {
    pub feeds: Option<String>,
    pub index: Option<String>,
    pub archives: Option<String>,
}

pub(super) const PUBLISH_KEYS: &[&str] = &["url", "endpoint", "region", "cache_control"];

/// Where and how the feeds are published.
#[derive(Debug, Clone, PartialEq)]
pub struct Publish {
    pub bucket: String,
    /// Empty, or ends in `/`: object keys are the prefix and the output path.
    pub prefix: String,
    /// An S3-compatible server other than AWS (R2, MinIO, Ceph, …).
    pub endpoint: Option<Url>,
    pub region: Option<String>,
    /// Cache-Control of the feeds, of index.html and index.opml, and of archive
    /// pages but each feed's newest.
    pub cache_feeds: String,
    pub cache_index: String,
    pub cache_archives: String,
}

/// Checks `publish:`; `None` when it is absent or wrong (wrong: reported in `problems`).
pub(super) fn resolve(problems: &mut Problems, raw: Option<RawPublish>) -> Option<Publish> {
    let raw = raw?;
    let Some(url) = raw.url else {
        problems.at(
            "publish",
            "publish: needs `url: s3://bucket/prefix/` (the bucket, and the folder in it)",
        );
        return None;
    };
    let (bucket, prefix) = problems.take("publish.url", bucket_and_prefix(&url))?;
    let endpoint = match raw.endpoint {
        None => None,
        Some(e) => Some(problems.take("publish.endpoint", endpoint(&e))?),
    };
    let cache = raw.cache_control.unwrap_or_default();
    let header = |problems: &mut Problems, key: &str, value: Option<String>, default: &str| {
        let value = value.unwrap_or_else(|| default.to_string());
        if value.is_empty() || value.chars().any(|c| c.is_control()) {
            problems.at(
                key,
                format!("{key} must be one line of text, e.g. \"{default}\""),
            );
        }
        value
    };
    Some(Publish {
        bucket,
        prefix,
        endpoint,
        region: raw
            .region
            .map(|r| r.trim().to_string())
            .filter(|r| !r.is_empty()),
        cache_feeds: header(
            problems,
            "publish.cache_control.feeds",
            cache.feeds,
            DEFAULT_CACHE_FEEDS,
        ),
        cache_index: header(
            problems,
            "publish.cache_control.index",
            cache.index,
            DEFAULT_CACHE_INDEX,
        ),
        cache_archives: header(
            problems,
            "publish.cache_control.archives",
            cache.archives,
            DEFAULT_CACHE_ARCHIVES,
        ),
    })
}

/// `s3://bucket/prefix/` → ("bucket", "prefix/").
fn bucket_and_prefix(url: &str) -> Result<(String, String), String> {
    let example = "write e.g. s3://my-bucket/feeds/";
    let shown = super::without_userinfo(url);
    if shown != url.trim() {
        return Err(format!(
            "publish.url \"{shown}\" holds user info: give the bucket's keys in AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or a shared credentials file), never in the URL"
        ));
    }
    let rest = url
        .trim()
        .strip_prefix("s3://")
        .ok_or_else(|| format!("publish.url \"{url}\" must start with s3://; {example}"))?;
    let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
    // S3's rules for bucket names: 3-63 of a-z, 0-9, '.', '-'.
    let valid = (3..=63).contains(&bucket.len())
        && bucket
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-');
    if !valid {
        return Err(format!(
            "publish.url \"{url}\": \"{bucket}\" is not a bucket name (3 to 63 of a-z, 0-9, '.' and '-'); {example}"
        ));
    }
    let parts: Vec<&str> = prefix.split('/').filter(|p| !p.is_empty()).collect();
    if parts.iter().any(|p| *p == "." || *p == "..") || prefix.contains(['?', '#']) {
        return Err(format!(
            "publish.url \"{url}\": the folder may hold neither `.`, `..`, `?` nor `#`; {example}"
        ));
    }
    let prefix = if parts.is_empty() {
        String::new()
    } else {
        format!("{}/", parts.join("/"))
    };
    Ok((bucket.to_string(), prefix))
}

fn endpoint(value: &str) -> Result<Url, String> {
    let shown = super::without_userinfo(value);
    let url = Url::parse(value.trim()).map_err(|e| {
        format!("publish.endpoint \"{shown}\" is not an absolute URL ({e}); write e.g. https://<account>.r2.cloudflarestorage.com")
    })?;
    if url.scheme() != "http" && url.scheme() != "https" {
        return Err(format!(
            "publish.endpoint \"{shown}\" must be an http or https URL"
        ));
    }
    super::refuse_userinfo("publish.endpoint", &url, &shown)?;
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_and_prefix_are_split_and_normalised() {
        let ok = |u: &str| bucket_and_prefix(u).unwrap();
        assert_eq!(ok("s3://feeds"), ("feeds".into(), "".into()));
        assert_eq!(ok("s3://feeds/"), ("feeds".into(), "".into()));
        assert_eq!(
            ok("s3://feeds/ai//news"),
            ("feeds".into(), "ai/news/".into())
        );
        for bad in [
            "https://feeds/",
            "s3://",
            "s3://Feeds/",
            "s3://f/",
            "s3://feeds/../x",
            "s3://feeds/a?b",
        ] {
            assert!(bucket_and_prefix(bad).is_err(), "{bad}");
        }
        let err = bucket_and_prefix("s3://AKIA:hunter2@feeds/").unwrap_err();
        assert!(
            err.contains("user info") && !err.contains("hunter2"),
            "{err}"
        );
    }
}
