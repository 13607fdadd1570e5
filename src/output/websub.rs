//! WebSub: telling hubs which feeds changed, so that subscribed readers fetch them
//! within seconds instead of at their next poll. Every feed names the hubs
//! (`rel="hub"`, JSON Feed `hubs`); after a change is durable (written into the output
//! folder, or uploaded to the bucket when publishing there), each hub gets one POST,
//! `hub.mode=publish` with a `hub.url` and a `hub.topic` for every feed file whose
//! bytes changed. A hub that is down or slow changes nothing else: pings are retried a
//! few times and logged, never waited on by the daemon's loop, and never fail `--once`.

use crate::render::{ATOM_FILE, JSON_FILE, RSS_FILE};
#[cfg(feature = "publish")]
use std::time::Duration;
use url::Url;

/// Attempts per hub and ping, and the wait before each retry.
#[cfg(feature = "publish")]
const ATTEMPTS: u32 = 3;
#[cfg(feature = "publish")]
const BACKOFF: Duration = Duration::from_secs(1);
/// For one request, connection included.
#[cfg(feature = "publish")]
const TIMEOUT: Duration = Duration::from_secs(10);

/// The URLs of the feed files among `changed` output paths: the topics to announce.
/// Archive pages are not subscribed to: a reader reaches them from the current
/// document, whose change is announced.
pub(crate) fn topics<'a>(
    base_url: &Url,
    changed: impl IntoIterator<Item = &'a String>,
) -> Vec<String> {
    let mut topics: Vec<String> = changed
        .into_iter()
        .filter(|path| {
            let name = path.rsplit('/').next().unwrap_or(path);
            (name == RSS_FILE || name == ATOM_FILE || name == JSON_FILE)
                && !crate::engine::archive::is_page(path)
        })
        .map(|path| crate::render::output_url(base_url, path))
        .collect();
    topics.sort();
    topics.dedup();
    topics
}

/// The form body of one ping.
#[cfg_attr(not(feature = "publish"), allow(dead_code))]
pub(crate) fn body(topics: &[String]) -> String {
    let mut form = url::form_urlencoded::Serializer::new(String::new());
    form.append_pair("hub.mode", "publish");
    for topic in topics {
        form.append_pair("hub.url", topic);
        form.append_pair("hub.topic", topic);
    }
    form.finish()
}

/// Tells every hub of `topics`; returns the hubs that could not be told, with why.
#[cfg(feature = "publish")]
pub(crate) async fn ping(hubs: &[Url], topics: &[String]) -> Vec<(Url, String)> {
    if hubs.is_empty() || topics.is_empty() {
        return Vec::new();
    }
    let client = match reqwest::Client::builder()
        .timeout(TIMEOUT)
        .user_agent(concat!("digestfeed/", env!("CARGO_PKG_VERSION")))
        .build()
    {
        Ok(client) => client,
        Err(e) => return hubs.iter().map(|h| (h.clone(), e.to_string())).collect(),
    };
    let body = body(topics);
    let pings = hubs.iter().map(|hub| ping_one(&client, hub, &body));
    futures::future::join_all(pings)
        .await
        .into_iter()
        .zip(hubs)
        .filter_map(|(result, hub)| result.err().map(|e| (hub.clone(), e)))
        .collect()
}

/// [`ping`] in a build without the `publish` feature, whose config refuses hubs.
#[cfg(not(feature = "publish"))]
pub(crate) async fn ping(hubs: &[Url], _topics: &[String]) -> Vec<(Url, String)> {
    let why = "this digestfeed was built without the `publish` feature";
    hubs.iter()
        .map(|hub| (hub.clone(), why.to_string()))
        .collect()
}

#[cfg(feature = "publish")]
async fn ping_one(client: &reqwest::Client, hub: &Url, body: &str) -> Result<(), String> {
    let mut last = String::new();
    for attempt in 0..ATTEMPTS {
        if attempt > 0 {
            tokio::time::sleep(BACKOFF * 2u32.pow(attempt - 1)).await;
        }
        let sent = client
            .post(hub.clone())
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(body.to_string())
            .send()
            .await;
        match sent {
            Ok(response) if response.status().is_success() => return Ok(()),
            // A hub that refuses the request will refuse it again.
            Ok(response) if response.status().is_client_error() => {
                return Err(format!("the hub answered {}", response.status()))
            }
            Ok(response) => last = format!("the hub answered {}", response.status()),
            Err(e) => last = e.to_string(),
        }
    }
    Err(format!("{last} ({ATTEMPTS} attempts)"))
}

/// [`ping`] for `--once`, on a runtime of its own; failures are warnings.
pub(crate) fn ping_once(hubs: &[Url], topics: &[String]) {
    if hubs.is_empty() || topics.is_empty() {
        return;
    }
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            tracing::warn!("websub: cannot start the network runtime: {e}; no hub was told");
            return;
        }
    };
    let failed = runtime.block_on(ping(hubs, topics));
    report(hubs, topics, &failed);
}

/// Logs the outcome of a ping.
pub(crate) fn report(hubs: &[Url], topics: &[String], failed: &[(Url, String)]) {
    for (hub, why) in failed {
        tracing::warn!(hub = %hub, "websub: the hub was not told of {} changed feeds: {why}; the feeds themselves are fine", topics.len());
    }
    let told = hubs.len() - failed.len();
    if told > 0 {
        tracing::info!(hubs = told, feeds = topics.len(), "websub: hubs told");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topics_are_the_changed_feed_files_absolute() {
        let base = Url::parse("https://feeds.example.org/ai/").unwrap();
        let changed = [
            "index.html".to_string(),
            "categories/模型/atom.xml".to_string(),
            "rss.xml".to_string(),
            "archive/2026-W02/rss.xml".to_string(),
            "digests/archive/2026-W02/atom.xml".to_string(),
            "categories/archive/rss.xml".to_string(),
        ];
        assert_eq!(
            topics(&base, &changed),
            [
                "https://feeds.example.org/ai/categories/%E6%A8%A1%E5%9E%8B/atom.xml",
                "https://feeds.example.org/ai/categories/archive/rss.xml",
                "https://feeds.example.org/ai/rss.xml",
            ]
        );
    }

    #[test]
    fn the_body_names_every_topic_as_url_and_topic() {
        let body = body(&["https://f.example/a.xml".to_string()]);
        assert_eq!(
            body,
            "hub.mode=publish&hub.url=https%3A%2F%2Ff.example%2Fa.xml&hub.topic=https%3A%2F%2Ff.example%2Fa.xml"
        );
    }
}
