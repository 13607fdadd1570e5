//! Atom 1.0. The site is the feed-level author, so that an entry without an author of
//! its own (a link that is not a tweet) is still credited, as RFC 4287 requires.

use super::{feed_updated, Context, RenderError, ATOM_FILE};
use crate::engine::layout::Feed;
use atom_syndication::{Category, Content, Entry, Generator, Link, Person, Text, WriteConfig};

pub(crate) fn render(feed: &Feed<'_>, ctx: &Context<'_>) -> Result<Vec<u8>, RenderError> {
    let site = &ctx.settings.site;
    let self_url = ctx.url(&feed.path(ATOM_FILE));
    let out = atom_syndication::Feed {
        title: Text::plain(feed.title.clone()),
        id: self_url.clone(),
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
    out.write_with_config(Vec::new(), config)
        .map_err(RenderError::Atom)
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
