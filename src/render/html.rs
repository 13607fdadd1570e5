//! `index.html`: a plain page that lists every feed for people, with autodiscovery
//! links so that a reader given the site's address finds the global feeds.

use super::{feed_updated, Context, ATOM_FILE, JSON_FILE, RSS_FILE};
use crate::engine::layout::{Feed, FeedKind};
use crate::support::text::escape_html;
use std::fmt::Write;

/// Dates never wrap; on a phone each feed is a block: its name on a line, then its
/// count, date and formats.
const STYLE: &str = "body{font:16px/1.5 system-ui,sans-serif;max-width:60em;margin:2em auto;padding:0 1em}table{border-collapse:collapse;width:100%}td,th{text-align:left;padding:.3em .6em;border-bottom:1px solid #ddd}td.n{text-align:right}td.d,td.n{white-space:nowrap}@media (max-width:40em){body{margin:1em auto}tr.h{display:none}tr{display:block;border-bottom:1px solid #ddd;padding:.4em 0}td{display:inline-block;border:0;padding:0 .8em 0 0}td.f{display:block;font-weight:600}}";

pub(crate) fn render(feeds: &[Feed<'_>], ctx: &Context<'_>) -> Vec<u8> {
    let mut out = head(ctx);
    for (heading, kind) in [
        ("All items", 0),
        ("Whole digests", 3),
        ("Categories", 1),
        ("Authors", 2),
    ] {
        let members: Vec<&Feed<'_>> = feeds
            .iter()
            .filter(|f| match &f.kind {
                FeedKind::Global => kind == 0,
                FeedKind::Category { .. } => kind == 1,
                FeedKind::Author { .. } => kind == 2,
                FeedKind::Digests => kind == 3,
            })
            .collect();
        if !members.is_empty() {
            table(&mut out, heading, &members, ctx);
        }
    }
    out.push_str("</body>\n</html>\n");
    out.into_bytes()
}

/// The page up to its tables: autodiscovery links, the site's name and what the
/// tables show.
fn head(ctx: &Context<'_>) -> String {
    let site = &ctx.settings.site;
    let title = escape_html(&site.title);
    let lang = site
        .language
        .as_deref()
        .map(escape_html)
        .unwrap_or_else(|| "en".to_string());
    let mut out = String::new();
    let _ = writeln!(
        out,
        "<!DOCTYPE html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">"
    );
    let _ = writeln!(
        out,
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
    );
    let _ = writeln!(out, "<title>{title} — feeds</title>");
    // Distinct titles: a reader offering the three lets the user tell them apart.
    for (file, mime, format) in [
        (RSS_FILE, "application/rss+xml", "RSS"),
        (ATOM_FILE, "application/atom+xml", "Atom"),
        (JSON_FILE, "application/feed+json", "JSON Feed"),
    ] {
        let _ = writeln!(
            out,
            "<link rel=\"alternate\" type=\"{mime}\" title=\"{title} ({format})\" href=\"{}\">",
            escape_html(&ctx.url(file))
        );
    }
    let _ = writeln!(out, "<style>{STYLE}</style>\n</head>\n<body>");
    let _ = writeln!(
        out,
        "<p><a href=\"{}\">← {title}</a></p>\n<h1>{title} — feeds</h1>",
        escape_html(site.link.as_str())
    );
    if !site.description.is_empty() {
        let _ = writeln!(out, "<p>{}</p>", escape_html(&site.description));
    }
    let _ = writeln!(
        out,
        "<p>Subscribe to a feed in your reader, or import <a href=\"{}\">all of them (OPML)</a>. Each feed holds its latest {} items; dates are in {} time.</p>",
        escape_html(&ctx.url("index.opml")),
        ctx.settings.max_entries,
        ctx.settings.timezone
    );
    out
}

/// One table of feeds, a row each.
fn table(out: &mut String, heading: &str, feeds: &[&Feed<'_>], ctx: &Context<'_>) {
    let (zone, max) = (ctx.settings.timezone, ctx.settings.max_entries);
    let _ = writeln!(out, "<h2>{heading}</h2>\n<table>\n<tr class=\"h\"><th>Feed</th><th>Items (latest {max})</th><th>Newest ({zone})</th><th>Formats</th></tr>");
    for feed in feeds {
        let name = match &feed.kind {
            FeedKind::Global => ctx.settings.site.title.clone(),
            FeedKind::Category { name } => name.clone(),
            FeedKind::Author { handle, name } => format!("{name} (@{handle})"),
            FeedKind::Digests => "Every digest, one entry each".to_string(),
        };
        // One zone for every date, so that "newest" compares at a glance.
        let newest = if feed.entries.is_empty() {
            "—".to_string()
        } else {
            let date = feed_updated(feed);
            format!(
                "<time datetime=\"{}\">{}</time>",
                date.to_rfc3339(),
                date.with_timezone(&zone).format("%Y-%m-%d %H:%M")
            )
        };
        let _ = writeln!(
            out,
            "<tr><td class=\"f\">{}</td><td class=\"n\">{}</td><td class=\"d\">{}</td><td><a href=\"{}\">RSS</a> · <a href=\"{}\">Atom</a> · <a href=\"{}\">JSON</a></td></tr>",
            escape_html(&name),
            crate::support::text::count(feed.entries.len(), "item", "items"),
            newest,
            escape_html(&ctx.url(&feed.path(RSS_FILE))),
            escape_html(&ctx.url(&feed.path(ATOM_FILE))),
            escape_html(&ctx.url(&feed.path(JSON_FILE))),
        );
    }
    out.push_str("</table>\n");
}
