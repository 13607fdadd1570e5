//! `index.opml`: every feed once, for one-click import into a reader.
//!
//! Each feed is listed once, by its RSS file: listing all three formats would make an
//! importing reader subscribe to every feed three times.

use super::{Context, RSS_FILE};
use crate::engine::layout::{Feed, FeedKind};
use crate::support::text::escape_html;
use std::fmt::Write;

pub(crate) fn render(feeds: &[Feed<'_>], ctx: &Context<'_>) -> Vec<u8> {
    let site = &ctx.settings.site;
    let mut out =
        String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<opml version=\"2.0\">\n");
    let _ = writeln!(
        out,
        "  <head>\n    <title>{}</title>\n  </head>\n  <body>",
        escape_html(&site.title)
    );
    let outline = |out: &mut String, feed: &Feed<'_>, indent: &str| {
        let _ = writeln!(
            out,
            "{indent}<outline type=\"rss\" text=\"{t}\" title=\"{t}\" xmlUrl=\"{x}\" htmlUrl=\"{h}\"/>",
            t = escape_html(&feed.title),
            x = escape_html(&ctx.url(&feed.path(RSS_FILE))),
            h = escape_html(site.link.as_str()),
        );
    };
    for feed in feeds
        .iter()
        .filter(|f| matches!(f.kind, FeedKind::Global | FeedKind::Digests))
    {
        outline(&mut out, feed, "    ");
    }
    for (group, is_member) in [
        (
            "Categories",
            (|k: &FeedKind| matches!(k, FeedKind::Category { .. })) as fn(&FeedKind) -> bool,
        ),
        ("Authors", |k: &FeedKind| {
            matches!(k, FeedKind::Author { .. })
        }),
    ] {
        let members: Vec<&Feed<'_>> = feeds.iter().filter(|f| is_member(&f.kind)).collect();
        if members.is_empty() {
            continue;
        }
        let _ = writeln!(out, "    <outline text=\"{group}\" title=\"{group}\">");
        for feed in members {
            outline(&mut out, feed, "      ");
        }
        out.push_str("    </outline>\n");
    }
    out.push_str("  </body>\n</opml>\n");
    out.into_bytes()
}
