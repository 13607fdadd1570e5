//! The pages for people, in the site's language ([`super::labels`]): `index.html`, the
//! newest headlines and every feed, and beside each feed's files an `index.html` that
//! shows its latest entries and how to subscribe ([`feed_page`]). Plain HTML: no
//! script, font, style sheet or image from elsewhere; light and dark from the reader's
//! setting; the summaries are the feeds' own sanitised HTML.

use super::labels::{self, Labels};
use super::{feed_updated, Context, ATOM_FILE, JSON_FILE, RSS_FILE};
use crate::engine::layout::{Feed, FeedKind};
use crate::model::Entry;
use crate::support::text::escape_html;
use std::fmt::Write;

/// The page of each feed folder.
pub(crate) const PAGE_FILE: &str = "index.html";

/// How many headlines the front page shows.
const HEADLINES: usize = 20;

/// Long words and URLs wrap rather than widen the page; on a phone each feed of a table
/// is a block: its name on a line, then its count, date and formats.
const STYLE: &str = ":root{color-scheme:light dark;--fg:#1b1b1b;--bg:#fff;--muted:#5c5c5c;--rule:#ddd;--link:#0b57d0;--code:#f3f3f3}@media (prefers-color-scheme:dark){:root{--fg:#e6e6e6;--bg:#161616;--muted:#a6a6a6;--rule:#3a3a3a;--link:#8ab4f8;--code:#262626}}body{font:16px/1.6 system-ui,-apple-system,\"Segoe UI\",\"PingFang SC\",\"Hiragino Sans GB\",\"Noto Sans CJK SC\",\"Microsoft YaHei\",sans-serif;color:var(--fg);background:var(--bg);max-width:46em;margin:2em auto;padding:0 1em;overflow-wrap:anywhere}a{color:var(--link)}h1{font-size:1.6em;line-height:1.3}h2{font-size:1.25em;margin-top:2em}h3{font-size:1.05em;margin:0}.m{color:var(--muted);font-size:.9em}ol.e{list-style:none;padding:0}ol.e>li{border-top:1px solid var(--rule);padding:1em 0}ol.h{padding-left:1.4em}ol.h li{margin:.3em 0}img,video{max-width:100%;height:auto}pre{overflow-x:auto;background:var(--code);padding:.6em}code{background:var(--code)}code.u{user-select:all;word-break:break-all;padding:.1em .3em}ul.u{padding-left:1.2em}table{border-collapse:collapse;width:100%}td,th{text-align:left;padding:.3em .6em;border-bottom:1px solid var(--rule)}td.n{text-align:right}td.d,td.n{white-space:nowrap}@media (max-width:40em){body{margin:1em auto}tr.h{display:none}tr{display:block;border-bottom:1px solid var(--rule);padding:.4em 0}td{display:inline-block;border:0;padding:0 .8em 0 0}td.f{display:block;font-weight:600}}";

fn labels(ctx: &Context<'_>) -> &'static Labels {
    labels::for_language(ctx.settings.site.language.as_deref())
}

/// The page's start: its language, title, the feeds it announces (`(title, folder)`,
/// each in three formats), and the link back, where there is a page to go back to.
fn open(
    out: &mut String,
    ctx: &Context<'_>,
    title: &str,
    announce: &[(&str, &str)],
    back: Option<(&str, &str)>,
) {
    // The site's language where the labels speak it; else the labels' (English).
    let lang = match ctx.settings.site.language.as_deref() {
        Some(tag)
            if labels::for_language(Some(tag)).lang != labels::EN.lang
                || tag.to_ascii_lowercase().starts_with("en") =>
        {
            tag
        }
        _ => labels(ctx).lang,
    };
    let _ = writeln!(
        out,
        "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<meta name=\"color-scheme\" content=\"light dark\">\n<title>{}</title>",
        escape_html(lang),
        escape_html(title)
    );
    // Distinct titles: a reader offering the three lets the user tell them apart.
    for (name, dir) in announce {
        for (file, mime, format) in [
            (RSS_FILE, "application/rss+xml", "RSS"),
            (ATOM_FILE, "application/atom+xml", "Atom"),
            (JSON_FILE, "application/feed+json", "JSON Feed"),
        ] {
            let _ = writeln!(
                out,
                "<link rel=\"alternate\" type=\"{mime}\" title=\"{} ({format})\" href=\"{}\">",
                escape_html(name),
                escape_html(&ctx.url(&crate::engine::layout::file_in(dir, file)))
            );
        }
    }
    let _ = writeln!(out, "<style>{STYLE}</style>\n</head>\n<body>");
    if let Some((text, href)) = back {
        let _ = writeln!(
            out,
            "<p><a href=\"{}\">← {}</a></p>",
            escape_html(href),
            escape_html(text)
        );
    }
}

/// A feed's name on the pages.
fn name(feed: &Feed<'_>, ctx: &Context<'_>) -> String {
    match &feed.kind {
        FeedKind::Global => ctx.settings.site.title.clone(),
        FeedKind::Category { name } => name.clone(),
        FeedKind::Author { handle, name } => format!("{name} (@{handle})"),
        FeedKind::Digests => labels(ctx).digests_name.to_string(),
    }
}

fn time(out: &mut String, date: chrono::DateTime<chrono::FixedOffset>, ctx: &Context<'_>) {
    let _ = write!(
        out,
        "<time datetime=\"{}\">{}</time>",
        date.to_rfc3339(),
        labels(ctx).date(date, ctx.settings.timezone)
    );
}

/// `index.html`: the newest headlines, then every feed.
pub(crate) fn render(feeds: &[Feed<'_>], ctx: &Context<'_>) -> Vec<u8> {
    let l = labels(ctx);
    let site = &ctx.settings.site;
    let title = format!("{} — {}", site.title, l.feeds_of_site);
    let mut out = String::new();
    // Without a site of its own (site.link defaults to base_url), the page is the site.
    let back =
        (site.link != ctx.settings.base_url).then_some((site.title.as_str(), site.link.as_str()));
    open(&mut out, ctx, &title, &[(site.title.as_str(), "")], back);
    let _ = writeln!(out, "<h1>{}</h1>", escape_html(&title));
    if !site.description.is_empty() {
        let _ = writeln!(out, "<p>{}</p>", escape_html(&site.description));
    }
    let _ = writeln!(
        out,
        "<p>{}<a href=\"{}\">{}</a>{} {}{}{}</p>",
        l.follow,
        escape_html(&ctx.url("index.opml")),
        l.opml,
        l.follow_end,
        l.times_in.0,
        ctx.settings.timezone,
        l.times_in.1
    );
    // The front page is the global feed's page too: its folder is the root.
    if let Some(global) = feeds.iter().find(|f| f.kind == FeedKind::Global) {
        let _ = writeln!(
            out,
            "<h2 id=\"latest\">{}</h2>\n<ol class=\"h\">",
            l.headlines
        );
        for entry in global.entries.iter().take(HEADLINES) {
            let _ = write!(
                out,
                "<li><a href=\"{}\">{}</a> <span class=\"m\">{} · ",
                escape_html(&entry.url()),
                escape_html(&entry.title),
                escape_html(&ctx.credit(entry).name)
            );
            time(&mut out, entry.published, ctx);
            out.push_str("</span></li>\n");
        }
        out.push_str("</ol>\n");
        subscribe(&mut out, global, ctx);
    }
    let _ = writeln!(out, "<h2>{}</h2>", l.feeds);
    for (heading, kind) in [
        (l.all_items, 0),
        (l.digests, 3),
        (l.categories, 1),
        (l.authors, 2),
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

/// One table of feeds, a row each, the name linking to the feed's page.
fn table(out: &mut String, heading: &str, feeds: &[&Feed<'_>], ctx: &Context<'_>) {
    let l = labels(ctx);
    let _ = writeln!(
        out,
        "<h3>{heading}</h3>\n<table>\n<tr class=\"h\"><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>",
        l.col_feed, l.col_items, l.col_newest, l.col_formats
    );
    for feed in feeds {
        let _ = write!(
            out,
            "<tr><td class=\"f\"><a href=\"{}\">{}</a></td><td class=\"n\">{}</td><td class=\"d\">",
            escape_html(&page_url(feed, ctx)),
            escape_html(&name(feed, ctx)),
            (l.items)(feed.count),
        );
        if feed.entries.is_empty() {
            out.push('—');
        } else {
            time(out, feed_updated(feed), ctx);
        }
        let _ = writeln!(
            out,
            "</td><td><a href=\"{}\">RSS</a> · <a href=\"{}\">Atom</a> · <a href=\"{}\">JSON</a></td></tr>",
            escape_html(&ctx.url(&feed.path(RSS_FILE))),
            escape_html(&ctx.url(&feed.path(ATOM_FILE))),
            escape_html(&ctx.url(&feed.path(JSON_FILE))),
        );
    }
    out.push_str("</table>\n");
}

/// The URL of a feed's page: its folder, which a web server answers with its
/// `index.html`.
fn page_url(feed: &Feed<'_>, ctx: &Context<'_>) -> String {
    if feed.dir.is_empty() {
        format!("{}#latest", ctx.url(PAGE_FILE))
    } else {
        ctx.url(&format!("{}/", feed.dir))
    }
}

/// Web readers that subscribe to a feed from a link: (name, address before the
/// percent-encoded feed URL).
const WEB_READERS: [(&str, &str); 3] = [
    ("Feedly", "https://feedly.com/i/subscription/feed/"),
    ("Inoreader", "https://www.inoreader.com/?add_feed="),
    ("NewsBlur", "https://www.newsblur.com/?url="),
];

/// A feed's page: how to subscribe, then its entries as a reader shows them.
pub(crate) fn feed_page(feed: &Feed<'_>, ctx: &Context<'_>) -> Vec<u8> {
    let l = labels(ctx);
    let site = &ctx.settings.site;
    let name = name(feed, ctx);
    let about = match &feed.kind {
        FeedKind::Global => feed.description.clone(),
        FeedKind::Category { name } => (l.about_category)(name, &site.title),
        FeedKind::Author { handle, name } => (l.about_author)(name, handle, &site.title),
        FeedKind::Digests => (l.about_digests)(&site.title),
    };
    let title = match feed.kind {
        FeedKind::Digests => format!("{} — {}", l.digests, site.title),
        _ => feed.title.clone(),
    };
    let mut out = String::new();
    open(
        &mut out,
        ctx,
        &title,
        &[(title.as_str(), feed.dir.as_str())],
        Some((
            &format!("{} — {}", site.title, l.feeds_of_site),
            &ctx.url(PAGE_FILE),
        )),
    );
    let _ = writeln!(out, "<h1>{}</h1>", escape_html(&name));
    let _ = writeln!(out, "<p>{}</p>", escape_html(&about));
    subscribe(&mut out, feed, ctx);
    let _ = writeln!(
        out,
        "<h2>{}</h2>\n<p class=\"m\">{}{}{}</p>",
        l.latest, l.times_in.0, ctx.settings.timezone, l.times_in.1
    );
    if feed.entries.is_empty() {
        let _ = writeln!(out, "<p>{}</p>", l.none_yet);
    } else {
        out.push_str("<ol class=\"e\">\n");
        for entry in &feed.entries {
            entry_item(&mut out, entry, ctx);
        }
        out.push_str("</ol>\n");
    }
    out.push_str("</body>\n</html>\n");
    out.into_bytes()
}

/// How to subscribe to `feed`: its three URLs, each selected whole by a click, and
/// the web readers that take it.
fn subscribe(out: &mut String, feed: &Feed<'_>, ctx: &Context<'_>) {
    let l = labels(ctx);
    let _ = writeln!(
        out,
        "<h2>{}</h2>\n<p>{}</p>\n<ul class=\"u\">",
        l.subscribe, l.what_reader
    );
    for (file, format) in [
        (RSS_FILE, "RSS"),
        (ATOM_FILE, "Atom"),
        (JSON_FILE, "JSON Feed"),
    ] {
        let _ = writeln!(
            out,
            "<li>{format}: <code class=\"u\">{}</code></li>",
            escape_html(&ctx.url(&feed.path(file)))
        );
    }
    let rss = encode_component(&ctx.url(&feed.path(RSS_FILE)));
    let _ = write!(out, "</ul>\n<p>{}", l.open_in);
    for (i, (reader, prefix)) in WEB_READERS.iter().enumerate() {
        let sep = if i == 0 { " " } else { " · " };
        let _ = write!(
            out,
            "{sep}<a href=\"{}\">{reader}</a>",
            escape_html(&format!("{prefix}{rss}"))
        );
    }
    out.push_str("</p>\n");
}

/// One entry as a reader shows it: its title linking where the feeds link it, who
/// and when, and the summary the feeds carry.
fn entry_item(out: &mut String, entry: &Entry, ctx: &Context<'_>) {
    let _ = write!(
        out,
        "<li><h3><a href=\"{}\">{}</a></h3>\n<p class=\"m\">{} · ",
        escape_html(&entry.url()),
        escape_html(&entry.title),
        escape_html(&ctx.credit(entry).name)
    );
    time(out, entry.published, ctx);
    out.push_str("</p>\n");
    let summary = ctx.summary(entry);
    if !summary.is_empty() {
        let _ = writeln!(out, "<div class=\"s\">{summary}</div>");
    }
    out.push_str("</li>\n");
}

/// A URL as one query component: everything but unreserved characters escaped.
fn encode_component(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 3 / 2);
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(byte as char)
            }
            _ => {
                let _ = write!(out, "%{byte:02X}");
            }
        }
    }
    out
}
