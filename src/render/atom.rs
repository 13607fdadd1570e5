//! Atom 1.0. The site is the feed-level author, so that an entry without an author of
//! its own (a link that is not a tweet) is still credited, as RFC 4287 requires.

use super::{
    current_path, feed_updated, history_links, history_mark, Context, RenderError, ATOM_FILE,
    HISTORY_NAMESPACE,
};
use crate::engine::layout::Feed;
use atom_syndication::{Category, Content, Entry, Generator, Link, Person, Text, WriteConfig};

pub(crate) fn render(feed: &Feed<'_>, ctx: &Context<'_>) -> Result<Vec<u8>, RenderError> {
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
        entries: feed.entries.iter().map(|e| entry(e, ctx)).collect(),
        ..Default::default()
    };
    let config = WriteConfig {
        write_document_declaration: true,
        indent_size: Some(2),
    };
    let bytes = out
        .write_with_config(Vec::with_capacity(ctx.size_hint(feed)), config)
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

fn entry(entry: &crate::model::Entry, ctx: &Context<'_>) -> Entry {
    let summary = ctx.summary(entry);
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
            value: Some(summary.to_string()),
            content_type: Some("html".to_string()),
            ..Default::default()
        }),
        ..Default::default()
    }
}
