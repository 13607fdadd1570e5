//! Checks of single values of the config: URLs (absolute, http(s), no user info, not
//! on a domain reserved for examples), `x_hosts`, and paths as messages show them;
//! and the test fixture of settings.

use super::source::Problems;
use super::{Overrides, RawConfig, Settings};
use std::path::{Path, PathBuf};
use url::Url;

/// An absolute http(s) URL; with `as_folder`, the URL of a folder files are joined
/// under (a trailing `/` added), which can hold no query string: the feeds' URLs would
/// silently lose it.
pub(super) fn absolute_url(key: &str, value: &str, as_folder: bool) -> Result<Url, String> {
    let shown = without_userinfo(value);
    let mut url = Url::parse(value.trim()).map_err(|e| {
        format!(
            "{key} \"{shown}\" is not an absolute URL ({e}); write e.g. https://example.org/feeds/"
        )
    })?;
    if url.scheme() != "http" && url.scheme() != "https" {
        return Err(format!("{key} \"{shown}\" must be an http or https URL"));
    }
    refuse_userinfo(key, &url, &shown)?;
    url.set_fragment(None);
    if as_folder {
        if url.query().is_some() {
            return Err(format!(
                "{key} \"{shown}\" has a query string; feed URLs are made by adding paths to it, which would drop it. Write the folder's URL alone, e.g. https://example.org/feeds/"
            ));
        }
        if !url.path().ends_with('/') {
            let path = format!("{}/", url.path());
            url.set_path(&path);
        }
    }
    Ok(url)
}

/// `path` with `.` and `name/..` taken out, for messages: a config's relative folders
/// are joined to its own folder (`config/../public`), which the user did not write.
/// Only shown: the path used stays as joined, since `..` after a link is not lexical.
pub fn lexically_clean(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut clean = PathBuf::new();
    for part in path.components() {
        match part {
            Component::CurDir => {}
            Component::ParentDir
                if matches!(clean.components().next_back(), Some(Component::Normal(_))) =>
            {
                clean.pop();
            }
            other => clean.push(other),
        }
    }
    if clean.as_os_str().is_empty() {
        clean.push(".");
    }
    clean
}

/// Whether `host` is reserved for examples (RFC 2606): `example.com`, `.net`, `.org`
/// and their subdomains, and the `.example`, `.test`, `.invalid` and `.localhost`
/// top-level domains. A config still holding one publishes placeholder links.
pub fn is_example_host(host: &str) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    let tld = host.rsplit('.').next().unwrap_or("");
    let second = host.rsplit('.').take(2).collect::<Vec<_>>();
    matches!(tld, "example" | "test" | "invalid" | "localhost")
        || matches!(second.as_slice(), ["com" | "net" | "org", "example"])
}

/// A URL with any user info (`user:secret@`) cut out, for messages: whatever the
/// config holds, no secret is printed.
pub(crate) fn without_userinfo(value: &str) -> String {
    let value = value.trim();
    // The scheme ends at the first `:`; the authority, after any slashes (the URL
    // parser takes `https:/u:p@h` too), at the first `/`, `?` or `#`.
    let Some(colon) = value.find(':') else {
        return value.to_string();
    };
    let after = &value[colon + 1..];
    let rest = after.trim_start_matches(['/', '\\']);
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{}://…@{}", &value[..colon], &rest[at + 1..]),
        None => value.to_string(),
    }
}

/// User info in a URL is refused: `base_url` and hubs are published in every feed and
/// page, and the endpoint's URL appears in error lines, so a secret there would leak.
pub(crate) fn refuse_userinfo(key: &str, url: &Url, shown: &str) -> Result<(), String> {
    if url.username().is_empty() && url.password().is_none() {
        return Ok(());
    }
    let where_to = match key {
        "publish.endpoint" => "give the bucket's keys in AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or a shared credentials file, see README \"Publishing\"), never in the URL",
        "websub.hubs" => "a hub is pinged without credentials; name it by its public URL",
        _ => "this URL is published in every feed and page; write the public URL alone",
    };
    Err(format!(
        "{key} \"{shown}\" holds user info (user:password@): {where_to}"
    ))
}

impl Settings {
    /// Settings from a config's text, for input `in`, output `out` and the base URL
    /// `https://feeds.example.org/`: the one fixture of the unit tests, the integration
    /// tests, the benchmarks and the fuzz targets. Panics on a config with a problem.
    #[doc(hidden)]
    pub fn for_tests(config: &str) -> Settings {
        let raw = RawConfig::parse(config, Path::new("test.yaml")).expect("a valid test config");
        Settings::resolve(
            raw,
            Overrides {
                input_dir: Some("in".into()),
                output_dir: Some("out".into()),
                base_url: Some("https://feeds.example.org/".into()),
                ..Overrides::default()
            },
        )
        .expect("valid test settings")
    }

    /// What the settings hold that is most likely left from an example: `base_url` or
    /// `site.link` on a reserved example domain. Worth a warning, not a refusal (tests
    /// and previews use them on purpose).
    pub fn placeholders(&self) -> Vec<String> {
        let mut found = Vec::new();
        for (key, url) in [("base_url", &self.base_url), ("site.link", &self.site.link)] {
            // site.link defaults to base_url: one warning says it.
            if key == "site.link" && *url == self.base_url {
                continue;
            }
            if url.host_str().is_some_and(is_example_host) {
                found.push(format!(
                    "{key} {url} is on a domain reserved for examples (RFC 2606): every feed will link there; set it to the address the feeds are served at"
                ));
            }
        }
        found
    }
}

/// `x_hosts`: host names (another Nitter instance), lowercase, each once.
pub(super) fn x_hosts(
    problems: &mut Problems,
    raw: Option<Vec<String>>,
) -> &'static [&'static str] {
    let mut hosts: Vec<&'static str> = Vec::new();
    for host in raw.unwrap_or_default() {
        let host = host.trim().trim_end_matches('.').to_ascii_lowercase();
        // Links are matched without `www.` and `mobile.`: so are the hosts.
        let host = host
            .strip_prefix("www.")
            .or_else(|| host.strip_prefix("mobile."))
            .unwrap_or(&host)
            .to_string();
        let valid = host.contains('.')
            && host.split('.').all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && label
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-')
            });
        if !valid {
            problems.at(
                "x_hosts",
                format!("x_hosts: \"{host}\" is not a host name; write the host alone, e.g. nitter.example.org"),
            );
            continue;
        }
        let host = crate::model::names::intern(&host);
        if !hosts.contains(&host) {
            hosts.push(host);
        }
    }
    crate::model::names::intern_set(&hosts)
}
