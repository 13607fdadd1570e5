//! Atom 1.0. The site is the feed-level author, so that an entry without an author of
//! its own (a link that is not a tweet) is still credited, as RFC 4287 requires.

use super::{
    current_path, feed_updated, history_links, history_mark, Context, RenderError, ATOM_FILE,
    HISTORY_NAMESPACE,
};
use crate::engine::layout::Feed;
use atom_syndication::{Category, Content, Entry, Generator, Link, Person, Text, WriteConfig};
use std::borrow::Cow;

/// Stands for an entry's content while atom_syndication writes the document: no text
/// digestfeed writes holds it (XML 1.0 forbids it), so each one in the document is the
/// next entry's content, then escaped as the crate escapes text ([`splice_contents`]).
/// The crate escaped a content into a string grown as it went, then copied it: a
/// tenth of a run with archives, whose pages hold every summary.
const STAND_IN: char = '\u{1}';

pub(crate) fn render(feed: &Feed<'_>, ctx: &Context<'_>) -> Result<Vec<u8>, RenderError> {
    let contents: Vec<Cow<'_, str>> = feed.entries.iter().map(|e| ctx.summary(e)).collect();
    let bytes = document(feed, ctx, &contents, true)?;
    match splice_contents(&bytes, &contents) {
        Some(spliced) => Ok(spliced),
        // A stand-in where none was put: the crate writes the contents itself.
        None => document(feed, ctx, &contents, false),
    }
}

/// The document, with each entry's content from `contents`, or a [`STAND_IN`] for it.
pub(crate) fn document(
    feed: &Feed<'_>,
    ctx: &Context<'_>,
    contents: &[Cow<'_, str>],
    stand_in: bool,
) -> Result<Vec<u8>, RenderError> {
    let site = &ctx.settings.site;
    let self_url = ctx.url(&feed.path(ATOM_FILE));
    let out = atom_syndication::Feed {
        title: Text::plain(feed.title.clone()),
        id: ctx.url(&current_path(feed, ATOM_FILE)),
        updated: feed_updated(feed),
        authors: vec![Person {
            name: site.author.clone(),
            uri: Some(site.link.to_string()),
            ..Default::default()
        }],
        // The site first: one reader takes the first link for it, whatever its rel.
        links: [
            Link {
                href: site.link.to_string(),
                rel: "alternate".to_string(),
                mime_type: Some("text/html".to_string()),
                ..Default::default()
            },
            Link {
                href: self_url,
                rel: "self".to_string(),
                mime_type: Some("application/atom+xml".to_string()),
                ..Default::default()
            },
        ]
        .into_iter()
        .chain(ctx.settings.hubs.iter().map(|hub| Link {
            href: hub.to_string(),
            rel: "hub".to_string(),
            ..Default::default()
        }))
        .chain(
            history_links(feed, ATOM_FILE)
                .into_iter()
                .map(|(rel, path)| Link {
                    href: ctx.url(&path),
                    rel: rel.to_string(),
                    mime_type: Some("application/atom+xml".to_string()),
                    ..Default::default()
                }),
        )
        .collect(),
        namespaces: history_mark(feed)
            .map(|_| ("fh".to_string(), HISTORY_NAMESPACE.to_string()))
            .into_iter()
            .collect(),
        generator: Some(Generator {
            value: "digestfeed".to_string(),
            ..Default::default()
        }),
        subtitle: Some(Text::plain(feed.description.clone())),
        lang: site.language.clone(),
        entries: feed
            .entries
            .iter()
            .zip(contents)
            .map(|(e, content)| entry(e, content, stand_in, ctx))
            .collect(),
        ..Default::default()
    };
    let config = WriteConfig {
        write_document_declaration: true,
        indent_size: Some(2),
    };
    // Around stand-ins, the document is all but its contents.
    let hint = if stand_in {
        ctx.size_hint_without_summaries(feed)
    } else {
        ctx.size_hint(feed)
    };
    let bytes = out
        .write_with_config(Vec::with_capacity(hint), config)
        .map_err(RenderError::Atom)?;
    Ok(match history_mark(feed) {
        Some(mark) => with_history_mark(bytes, mark),
        None => bytes,
    })
}

/// `bytes` with `<fh:MARK/>` among the feed's metadata, before its first entry: RFC
/// 4287 puts a feed's extension elements before its entries, and atom_syndication
/// writes them after. `<entry>` at a line's start cannot occur in text, which is
/// escaped.
fn with_history_mark(mut bytes: Vec<u8>, mark: &str) -> Vec<u8> {
    let element = format!("  <fh:{mark}/>\n");
    let at = memchr::memmem::find(&bytes, b"\n  <entry>")
        .or_else(|| memchr::memmem::rfind(&bytes, b"\n</feed>"))
        .map_or(bytes.len(), |i| i + 1);
    bytes.splice(at..at, element.bytes());
    bytes
}

/// `bytes` with each [`STAND_IN`] replaced by the next non-empty content of
/// `contents`, escaped as quick-xml's `escape` escapes text; `None` unless there are
/// as many of one as of the other.
fn splice_contents(bytes: &[u8], contents: &[Cow<'_, str>]) -> Option<Vec<u8>> {
    let mut contents = contents.iter().filter(|c| !c.is_empty());
    let escaped: usize = contents.clone().map(|c| c.len() + c.len() / 4).sum();
    let mut out = Vec::with_capacity(bytes.len() + escaped);
    let mut rest = bytes;
    while let Some(at) = memchr::memchr(STAND_IN as u8, rest) {
        out.extend_from_slice(&rest[..at]);
        escape_text(contents.next()?.as_bytes(), &mut out);
        rest = &rest[at + 1..];
    }
    out.extend_from_slice(rest);
    contents.next().is_none().then_some(out)
}

/// What quick-xml's `escape` makes of text: `<`, `>`, `&`, `'` and `"` as references.
fn escape_text(text: &[u8], out: &mut Vec<u8>) {
    let mut from = 0;
    for (at, &c) in text.iter().enumerate() {
        let reference: &[u8] = match c {
            b'<' => b"&lt;",
            b'>' => b"&gt;",
            b'&' => b"&amp;",
            b'\'' => b"&apos;",
            b'"' => b"&quot;",
            _ => continue,
        };
        out.extend_from_slice(&text[from..at]);
        out.extend_from_slice(reference);
        from = at + 1;
    }
    out.extend_from_slice(&text[from..]);
}

fn entry(entry: &crate::model::Entry, summary: &str, stand_in: bool, ctx: &Context<'_>) -> Entry {
    // On every entry, though the feed names the site too: six of eleven readers tried
    // look for the author on the entry only.
    let credit = ctx.credit(entry);
    Entry {
        title: Text::plain(entry.title.to_string()),
        id: entry.url(),
        updated: entry.modified(),
        published: Some(entry.published),
        authors: vec![Person {
            name: credit.name.into_owned(),
            uri: Some(credit.url),
            ..Default::default()
        }],
        categories: entry
            .categories
            .iter()
            .map(|name| Category {
                term: name.to_string(),
                ..Default::default()
            })
            .collect(),
        links: vec![Link {
            href: entry.url(),
            rel: "alternate".to_string(),
            ..Default::default()
        }],
        content: (!summary.is_empty()).then(|| Content {
            value: Some(if stand_in {
                STAND_IN.to_string()
            } else {
                summary.to_string()
            }),
            content_type: Some("html".to_string()),
            ..Default::default()
        }),
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Settings;
    use crate::engine::Engine;
    use crate::model::Parsed;
    use proptest::prelude::*;
    use std::collections::HashMap;
    use std::path::{Path, PathBuf};

    /// Every Atom document of a digest whose items' summaries are `summaries` (and a
    /// digest feed entry holding them all): spliced, and as the crate writes it whole.
    fn spliced_as_the_crate_writes(summaries: &[String]) -> Result<bool, TestCaseError> {
        let settings = Settings::for_tests("max_entries: 3\n");
        let mut text = String::from(
            "---\ntitle: \"A 'quoted' <digest> & more\"\ndate: 2026-01-05T08:00:00Z\ncategories: [AI]\n---\n\nIntro \"&\" <b>x</b>.\n\n",
        );
        for (i, summary) in summaries.iter().enumerate() {
            text.push_str(&format!(
                "{}. [Title {i} & 'co'](https://x.com/someone/status/{})\n\n    {summary}\n\n",
                i + 1,
                i + 1
            ));
        }
        let Ok(Parsed::Digest(digest)) =
            crate::parse::parse_digest(Path::new("a.md"), text.as_bytes(), chrono_tz::UTC)
        else {
            return Ok(false);
        };
        let mut engine = Engine::for_one_build(&settings);
        engine.apply([(PathBuf::from("a.md"), Some(digest))]);
        let (summaries, sanitizer) = (
            HashMap::new(),
            crate::render::sanitize::Sanitizer::default(),
        );
        let ctx = Context {
            settings: &settings,
            summaries: &summaries,
            sanitizer: &sanitizer,
        };
        for (_, feed) in engine.feeds(&settings) {
            let contents: Vec<Cow<'_, str>> = feed.entries.iter().map(|e| ctx.summary(e)).collect();
            prop_assert_eq!(
                String::from_utf8(render(&feed, &ctx).unwrap()).unwrap(),
                String::from_utf8(document(&feed, &ctx, &contents, false).unwrap()).unwrap()
            );
        }
        Ok(true)
    }

    #[test]
    fn a_digest_with_every_character_escaping_touches_is_spliced_as_the_crate_writes() {
        let summaries = ["<b>bold</b> & 'single' \"double\" a > b `c <&>`".to_string()];
        assert!(spliced_as_the_crate_writes(&summaries).unwrap_or_else(|e| panic!("{e}")));
    }

    proptest! {
        #[test]
        fn contents_spliced_in_are_what_the_crate_writes(summaries in prop::collection::vec(
            prop::collection::vec(prop::sample::select(vec![
                "text", "字", " ", "<b>", "</b>", "&", "&amp;", "'", "\"", ">", "<", "**b**",
                "`c <&>`", "[l](https://e.org/?a=1&b='2')", "<a href=\"https://e.org/\" title=\"t\">", "</a>",
                "\u{a0}", "&#1;", "\u{1}", "\n    ", "\n\n    ", "]]>",
            ]), 0..10).prop_map(|parts| parts.concat()),
            1..5,
        )) {
            spliced_as_the_crate_writes(&summaries)?;
        }
    }

    #[test]
    fn a_stand_in_that_is_not_one_leaves_the_contents_to_the_crate() {
        let contents = [Cow::Borrowed("<p>x</p>")];
        assert_eq!(splice_contents(b"a\x01b\x01c", &contents), None);
        assert_eq!(splice_contents(b"abc", &contents), None);
        assert_eq!(
            splice_contents(b"a\x01b", &contents).unwrap(),
            b"a&lt;p&gt;x&lt;/p&gt;b"
        );
    }
}
