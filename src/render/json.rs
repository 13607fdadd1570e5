//! JSON Feed 1.1 (<https://jsonfeed.org/version/1.1>).

use super::{history_links, Context, RenderError, JSON_FILE};
use crate::engine::layout::Feed;
use chrono::SecondsFormat;
use serde::Serialize;

#[derive(Serialize)]
struct JsonFeed<'a> {
    version: &'static str,
    title: &'a str,
    home_page_url: String,
    feed_url: String,
    /// The next older page of the feed's history (RFC 5005 paging, in JSON Feed's terms).
    #[serde(skip_serializing_if = "Option::is_none")]
    next_url: Option<String>,
    description: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    language: Option<&'a str>,
    authors: Vec<Author<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    hubs: Vec<Hub>,
    items: Vec<JsonItem<'a>>,
}

/// A WebSub hub (JSON Feed 1.1's `hubs`).
#[derive(Serialize)]
struct Hub {
    #[serde(rename = "type")]
    kind: &'static str,
    url: String,
}

#[derive(Serialize)]
struct Author<'a> {
    name: std::borrow::Cow<'a, str>,
    url: String,
}

#[derive(Serialize)]
struct JsonItem<'a> {
    id: String,
    url: String,
    title: &'a str,
    content_html: std::borrow::Cow<'a, str>,
    date_published: String,
    date_modified: String,
    authors: Vec<Author<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tags: Vec<&'a str>,
}

pub(crate) fn render(feed: &Feed<'_>, ctx: &Context<'_>) -> Result<Vec<u8>, RenderError> {
    let site = &ctx.settings.site;
    let site_author = || Author {
        name: std::borrow::Cow::Borrowed(&site.author),
        url: site.link.to_string(),
    };
    let items = feed
        .entries
        .iter()
        .map(|entry| {
            let date = entry.published.to_rfc3339_opts(SecondsFormat::Secs, true);
            JsonItem {
                id: entry.url(),
                url: entry.url(),
                title: &entry.title,
                content_html: ctx.summary(entry),
                date_published: date,
                date_modified: entry.modified().to_rfc3339_opts(SecondsFormat::Secs, true),
                authors: vec![{
                    let credit = ctx.credit(entry);
                    Author {
                        name: credit.name,
                        url: credit.url,
                    }
                }],
                tags: entry.categories.iter().map(|c| &**c).collect(),
            }
        })
        .collect();
    let out = JsonFeed {
        version: "https://jsonfeed.org/version/1.1",
        title: &feed.title,
        home_page_url: site.link.to_string(),
        feed_url: ctx.url(&feed.path(JSON_FILE)),
        next_url: history_links(feed, JSON_FILE)
            .into_iter()
            .find(|(rel, _)| *rel == "prev-archive")
            .map(|(_, path)| ctx.url(&path)),
        description: &feed.description,
        language: site.language.as_deref(),
        authors: vec![site_author()],
        hubs: ctx
            .settings
            .hubs
            .iter()
            .map(|hub| Hub {
                kind: "WebSub",
                url: hub.to_string(),
            })
            .collect(),
        items,
    };
    let mut bytes = Vec::with_capacity(ctx.size_hint(feed));
    serde_json::to_writer_pretty(&mut bytes, &out).map_err(RenderError::Json)?;
    bytes.push(b'\n');
    Ok(bytes)
}
