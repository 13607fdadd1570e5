//! Entry identity: every spelling of a tweet's URL maps to one key (docs/FORMAT.md §2).

use std::fmt;
use url::Url;

/// What makes two items the same entry. Tweets are keyed by status id alone, so that
/// every host, scheme, handle case and URL tail of one tweet collapses into one entry;
/// any other link is keyed by its URL without the fragment.
///
/// The derived order (tweets by id, then other links by URL) is the tie-break between
/// entries of equal date.
///
/// Two words (`Box<str>`, not `String`, whose null pointer also tells a tweet): every
/// feed order, map key and occurrence holds one, millions in a full run.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum EntryKey {
    Tweet(u64),
    Url(Box<str>),
}

/// An item's link, read and normalised. Small on purpose: a full run holds one per item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub key: EntryKey,
    /// The X handle as written in this link (`None` for `/i/web/status/…` and non-tweets),
    /// stored once for the process ([`crate::model::names`]).
    pub handle: Option<crate::model::names::Thin>,
}

impl Link {
    /// The absolute URL to publish for this link alone. For a tweet whose handle is
    /// unknown this is the `/i/web/status/` form; merging replaces it once a digest
    /// names the handle.
    pub fn url(&self) -> String {
        match &self.key {
            EntryKey::Tweet(id) => tweet_url(self.handle.as_deref(), *id),
            EntryKey::Url(url) => url.to_string(),
        }
    }
}

/// Why a link cannot become an entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LinkError(String);

impl fmt::Display for LinkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for LinkError {}

/// The canonical URL of a tweet.
pub(crate) fn tweet_url(handle: Option<&str>, id: u64) -> String {
    match handle {
        Some(handle) => format!("https://x.com/{handle}/status/{id}"),
        None => format!("https://x.com/i/web/status/{id}"),
    }
}

/// The X mirrors whose links are the tweet's own (`https://vxtwitter.com/h/status/ID`
/// is `https://x.com/h/status/ID`): the embed fixers and the read-only front ends most
/// often pasted. A config adds more (`x_hosts:`, for other Nitter instances).
pub(crate) const MIRRORS: &[&str] = &[
    "vxtwitter.com",
    "fxtwitter.com",
    "fixupx.com",
    "fixvx.com",
    "xcancel.com",
    "nitter.net",
];

/// Reads a link of a digest item, with only X's own hosts and [`MIRRORS`] as tweets.
#[cfg(test)]
pub(crate) fn parse_link(raw: &str) -> Result<Link, LinkError> {
    parse_link_with(raw, &[])
}

/// Reads a link of a digest item, with X's own hosts, [`MIRRORS`] and `x_hosts`
/// (lowercase) as tweets.
pub(crate) fn parse_link_with(raw: &str, x_hosts: &[&str]) -> Result<Link, LinkError> {
    let raw = raw.trim();
    if let Some((handle, id)) = plain_tweet(raw, x_hosts) {
        return Ok(Link {
            key: EntryKey::Tweet(id),
            handle: Some(crate::model::names::intern_thin(handle)),
        });
    }
    let mut url = Url::parse(raw).map_err(|e| {
        LinkError(format!(
            "link `{raw}` is not an absolute URL ({e}); write it as https://…"
        ))
    })?;
    if url.scheme() != "http" && url.scheme() != "https" {
        return Err(LinkError(format!(
            "link `{raw}` is not an http(s) URL; only web links can be published"
        )));
    }
    if let Some((handle, id)) = tweet_parts(&url, x_hosts) {
        return Ok(Link {
            key: EntryKey::Tweet(id),
            handle: handle.map(crate::model::names::intern_thin),
        });
    }
    url.set_fragment(None);
    Ok(Link {
        key: EntryKey::Url(url.as_str().into()),
        handle: None,
    })
}

/// The handle and status id of a tweet link in its everyday spellings
/// (`https://x.com/handle/status/123`, maybe with `www.`, `/photo/1`, `?s=20`), read
/// without a URL parser: there is one per item. `None` for anything else, which the URL
/// parser then reads; `tests::plain_tweets_read_as_the_url_parser_reads_them` holds the
/// two to the same answer.
fn plain_tweet<'a>(raw: &'a str, x_hosts: &[&str]) -> Option<(&'a str, u64)> {
    let rest = raw
        .strip_prefix("https://")
        .or_else(|| raw.strip_prefix("http://"))?;
    // Byte searches and a hand-rolled number: this runs once per item of every digest.
    let slash = memchr::memchr(b'/', rest.as_bytes())?;
    let host = &rest[..slash];
    // Lowercase hosts only: the URL parser lowercases the others before it asks.
    if host.bytes().any(|b| b.is_ascii_uppercase()) || !is_x_host(host, x_hosts) {
        return None;
    }
    let path = &rest[slash + 1..];
    let end = memchr::memchr(b'/', path.as_bytes())?;
    let (handle, path) = (&path[..end], &path[end + 1..]);
    if !is_handle(handle) {
        return None;
    }
    let path = path
        .strip_prefix("status/")
        .or_else(|| path.strip_prefix("statuses/"))?;
    let digits = path.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 {
        return None;
    }
    let id = path.as_bytes()[..digits].iter().try_fold(0u64, |n, &d| {
        n.checked_mul(10)?.checked_add(u64::from(d - b'0'))
    })?;
    let tail = &path[digits..];
    if tail.is_empty() {
        return Some((handle, id));
    }
    let (tail, fragment) = split_at_byte(tail, b'#');
    let (tail, query) = split_at_byte(tail, b'?');
    let media = |t: &str| {
        t.strip_prefix("/photo/")
            .or_else(|| t.strip_prefix("/video/"))
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    };
    let plain = |s: &str, extra: &[u8]| {
        s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_-".contains(&b) || extra.contains(&b))
    };
    let ok =
        (matches!(tail, "" | "/") || media(tail)) && plain(query, b"=&.") && plain(fragment, b"");
    ok.then_some((handle, id))
}

/// `text` before and after its first `byte` (an ASCII one), or all of it and "".
fn split_at_byte(text: &str, byte: u8) -> (&str, &str) {
    match memchr::memchr(byte, text.as_bytes()) {
        Some(at) => (&text[..at], &text[at + 1..]),
        None => (text, ""),
    }
}

fn is_x_host(host: &str, x_hosts: &[&str]) -> bool {
    let host = host
        .strip_prefix("www.")
        .or_else(|| host.strip_prefix("mobile."))
        .unwrap_or(host);
    host == "x.com" || host == "twitter.com" || MIRRORS.contains(&host) || x_hosts.contains(&host)
}

/// X handles are 1 to 15 letters, digits or underscores; a little slack is left for
/// old or future accounts, but nothing that could be a path or a reserved route.
fn is_handle(segment: &str) -> bool {
    !segment.is_empty()
        && segment.len() <= 50
        && segment
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_')
        && segment != "i"
}

fn status_id(segment: &str) -> Option<u64> {
    if segment.is_empty() || !segment.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    segment.parse().ok()
}

fn tweet_parts<'a>(url: &'a Url, x_hosts: &[&str]) -> Option<(Option<&'a str>, u64)> {
    if !is_x_host(url.host_str()?, x_hosts) {
        return None;
    }
    let segments: Vec<&str> = url.path_segments()?.collect();
    match segments.as_slice() {
        ["i", "web", "status", id, ..] | ["i", "status", id, ..] => Some((None, status_id(id)?)),
        [handle, "status" | "statuses", id, ..] if is_handle(handle) => {
            Some((Some(*handle), status_id(id)?))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The URL parser's reading, without the shortcut.
    fn parsed(raw: &str) -> Option<(Option<String>, u64)> {
        let url = Url::parse(raw).ok()?;
        if url.scheme() != "http" && url.scheme() != "https" {
            return None;
        }
        tweet_parts(&url, &["nitter.example"]).map(|(h, id)| (h.map(str::to_string), id))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(20000))]
        #[test]
        fn plain_tweets_read_as_the_url_parser_reads_them(
            scheme in prop::sample::select(vec!["https://", "http://", "HTTPS://", "ftp://", ""]),
            host in prop::sample::select(vec!["x.com", "twitter.com", "www.x.com", "mobile.twitter.com", "X.com", "x.com:443", "u@x.com", "x.co", "", "vxtwitter.com", "Nitter.net", "nitter.example", "www.fixupx.com", "xcancel.com.evil"]),
            handle in prop::sample::select(vec!["karpathy", "Vista8", "a_b", "i", "", "a.b", "%61", "..", "ab c"]),
            status in prop::sample::select(vec!["/status/", "/statuses/", "/Status/", "/status//", "/status"]),
            id in prop::sample::select(vec!["1900000000000000002", "0012", "", "18446744073709551616", "12a", "1"]),
            tail in prop::sample::select(vec!["", "/", "/photo/1", "/video/2", "/photo/", "/../9", "/./", "?s=20", "?s=20&t=x.y", "#f", "?a b", "?%41", "#a#b", "/analytics"]),
        ) {
            let raw = format!("{scheme}{host}/{handle}{status}{id}{tail}");
            if let Some((h, id)) = plain_tweet(&raw, &["nitter.example"]) {
                prop_assert_eq!(Some((Some(h.to_string()), id)), parsed(&raw), "{}", raw);
            }
        }
    }

    #[test]
    fn a_key_is_two_words() {
        assert_eq!(std::mem::size_of::<EntryKey>(), 16);
    }

    #[test]
    fn everyday_tweet_links_take_the_shortcut() {
        for raw in [
            "https://x.com/karpathy/status/1900000000000000002",
            "https://twitter.com/a_b/status/1?s=20",
            "http://mobile.twitter.com/x/status/2/photo/1",
            "https://www.x.com/x/status/3/",
        ] {
            assert!(plain_tweet(raw, &[]).is_some(), "{raw}");
            assert_eq!(
                plain_tweet(raw, &[]).map(|(h, i)| (Some(h.to_string()), i)),
                parsed(raw)
            );
        }
    }

    fn key(raw: &str) -> EntryKey {
        parse_link(raw).unwrap().key
    }

    #[test]
    fn every_spelling_of_a_tweet_maps_to_its_status_id() {
        let spellings = [
            "https://x.com/karpathy/status/1900000000000000002",
            "https://twitter.com/karpathy/status/1900000000000000002",
            "https://www.twitter.com/karpathy/status/1900000000000000002",
            "https://mobile.twitter.com/karpathy/status/1900000000000000002",
            "https://www.x.com/karpathy/status/1900000000000000002",
            "http://x.com/karpathy/status/1900000000000000002",
            "https://x.com/karpathy/status/1900000000000000002?s=20",
            "https://x.com/karpathy/status/1900000000000000002?s=20&t=abc#frag",
            "https://x.com/karpathy/status/1900000000000000002/",
            "https://x.com/karpathy/status/1900000000000000002/photo/1",
            "https://x.com/KARPATHY/status/1900000000000000002",
            "https://X.COM/Karpathy/status/1900000000000000002",
            "https://x.com/i/web/status/1900000000000000002",
            "https://twitter.com/karpathy/statuses/1900000000000000002",
            "  https://x.com/karpathy/status/1900000000000000002  ",
            "https://twitter.com/i/status/1900000000000000002",
            "https://vxtwitter.com/karpathy/status/1900000000000000002",
            "https://fxtwitter.com/karpathy/status/1900000000000000002/photo/1",
            "https://fixupx.com/karpathy/status/1900000000000000002",
            "https://fixvx.com/karpathy/status/1900000000000000002?s=46",
            "https://xcancel.com/karpathy/status/1900000000000000002#m",
            "https://nitter.net/karpathy/status/1900000000000000002",
            "https://www.nitter.net/Karpathy/status/1900000000000000002",
        ];
        for raw in spellings {
            assert_eq!(key(raw), EntryKey::Tweet(1900000000000000002), "{raw}");
        }
    }

    #[test]
    fn a_mirror_link_is_the_tweet_at_x_and_configured_hosts_join_them() {
        let link = parse_link("https://fxtwitter.com/Vista8/status/42?s=20").unwrap();
        assert_eq!(link.url(), "https://x.com/Vista8/status/42");
        assert_eq!(link.handle.as_deref(), Some("Vista8"));
        let other = "https://nitter.example.org/vista8/status/42";
        assert!(matches!(key(other), EntryKey::Url(_)));
        let link = parse_link_with(other, &["nitter.example.org"]).unwrap();
        assert_eq!(link.key, EntryKey::Tweet(42));
        // A mirror's name inside another host is not the mirror.
        assert!(matches!(
            key("https://notnitter.net/a/status/1"),
            EntryKey::Url(_)
        ));
    }

    #[test]
    fn canonical_url_keeps_the_handle_as_written_and_drops_the_rest() {
        let link = parse_link("http://mobile.twitter.com/Vista8/status/42/photo/1?s=20#x").unwrap();
        assert_eq!(link.url(), "https://x.com/Vista8/status/42");
        assert_eq!(link.handle.as_deref(), Some("Vista8"));
    }

    #[test]
    fn web_status_link_has_no_handle() {
        let link = parse_link("https://x.com/i/web/status/42").unwrap();
        assert_eq!(link.handle, None);
        assert_eq!(link.url(), "https://x.com/i/web/status/42");
    }

    #[test]
    fn other_links_are_keyed_by_url_without_fragment() {
        let a = parse_link("https://example.com/post?id=1#comments").unwrap();
        assert_eq!(a.key, EntryKey::Url("https://example.com/post?id=1".into()));
        assert_eq!(a.handle, None);
        // Query strings matter for other sites: they are different pages.
        assert_ne!(key("https://example.com/post?id=2"), a.key);
    }

    #[test]
    fn x_links_that_are_not_statuses_are_plain_links() {
        assert_eq!(
            key("https://x.com/karpathy"),
            EntryKey::Url("https://x.com/karpathy".into())
        );
        assert!(matches!(
            key("https://x.com/karpathy/status/notanumber"),
            EntryKey::Url(_)
        ));
        assert!(matches!(
            key("https://notx.com/a/status/1"),
            EntryKey::Url(_)
        ));
    }

    #[test]
    fn rejects_relative_and_non_web_links() {
        for raw in [
            "/karpathy/status/1",
            "karpathy",
            "",
            "javascript:alert(1)",
            "mailto:a@b.c",
            "ftp://x.com/a",
        ] {
            let err = parse_link(raw).unwrap_err();
            assert!(err.to_string().contains("link"), "{raw}: {err}");
        }
    }
}
