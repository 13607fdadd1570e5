//! RSS 2.0 with the Atom namespace (self link) and Dublin Core (`dc:creator`).

use super::{
    feed_updated, history_links, history_mark, Context, RenderError, HISTORY_NAMESPACE, RSS_FILE,
};
use crate::engine::layout::Feed;
use rss::extension::atom::{AtomExtension, Link};
use rss::extension::dublincore::DublinCoreExtension;
use rss::{Category, Channel, Guid, Item};

pub(crate) fn render(feed: &Feed<'_>, ctx: &Context<'_>) -> Result<Vec<u8>, RenderError> {
    let site = &ctx.settings.site;
    let items = feed
        .entries
        .iter()
        .map(|entry| {
            let summary = ctx.summary(entry);
            Item {
                title: Some(entry.title.to_string()),
                link: Some(entry.url()),
                description: (!summary.is_empty()).then(|| summary.to_string()),
                guid: Some(Guid {
                    value: entry.url(),
                    permalink: true,
                }),
                pub_date: Some(entry.published.to_rfc2822()),
                categories: entry
                    .categories
                    .iter()
                    .map(|name| Category {
                        name: name.to_string(),
                        domain: None,
                    })
                    .collect(),
                dublin_core_ext: Some(DublinCoreExtension {
                    creators: vec![ctx.credit(entry).name.into_owned()],
                    ..Default::default()
                }),
                ..Default::default()
            }
        })
        .collect();
    let channel = Channel {
        title: feed.title.clone(),
        link: site.link.to_string(),
        description: feed.description.clone(),
        language: site.language.clone(),
        last_build_date: (!feed.entries.is_empty()).then(|| feed_updated(feed).to_rfc2822()),
        generator: Some("digestfeed".to_string()),
        atom_ext: Some(AtomExtension {
            links: std::iter::once(Link {
                href: ctx.url(&feed.path(RSS_FILE)),
                rel: "self".to_string(),
                mime_type: Some("application/rss+xml".to_string()),
                ..Default::default()
            })
            .chain(ctx.settings.hubs.iter().map(|hub| Link {
                href: hub.to_string(),
                rel: "hub".to_string(),
                ..Default::default()
            }))
            .chain(
                history_links(feed, RSS_FILE)
                    .into_iter()
                    .map(|(rel, path)| Link {
                        href: ctx.url(&path),
                        rel: rel.to_string(),
                        mime_type: Some("application/rss+xml".to_string()),
                        ..Default::default()
                    }),
            )
            .collect(),
        }),
        namespaces: history_mark(feed)
            .map(|_| ("fh".to_string(), HISTORY_NAMESPACE.to_string()))
            .into_iter()
            .collect(),
        extensions: history_mark(feed)
            .map(|mark| {
                let element = rss::extension::Extension {
                    name: format!("fh:{mark}"),
                    ..Default::default()
                };
                ("fh".to_string(), [(mark.to_string(), vec![element])].into())
            })
            .into_iter()
            .collect(),
        items,
        ..Default::default()
    };
    let bytes = channel
        .pretty_write_to(Vec::with_capacity(ctx.size_hint(feed)), b' ', 2)
        .map_err(RenderError::Rss)?;
    Ok(permalink_guids(bytes, feed.entries.len()))
}

/// The `rss` crate leaves out `isPermaLink="true"` (the default); docs/FORMAT.md §3 and some
/// validators want it written. `<guid>` cannot occur anywhere else: text is escaped,
/// and sanitised descriptions hold no such element.
fn permalink_guids(bytes: Vec<u8>, guids: usize) -> Vec<u8> {
    const PLAIN: &[u8] = b"<guid>";
    const MARKED: &[u8] = b"<guid isPermaLink=\"true\">";
    let finder = memchr::memmem::Finder::new(PLAIN);
    let mut out = Vec::with_capacity(bytes.len() + guids * (MARKED.len() - PLAIN.len()));
    let mut rest = &bytes[..];
    while let Some(i) = finder.find(rest) {
        out.extend_from_slice(&rest[..i]);
        out.extend_from_slice(MARKED);
        rest = &rest[i + PLAIN.len()..];
    }
    out.extend_from_slice(rest);
    out
}
