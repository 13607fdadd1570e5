//! Publishing to object storage from the daemon, beside its loop: the loop hands over
//! the output after each write and never waits; the uploader publishes the newest
//! output it was given, and after a failure tries again every few seconds, with
//! whatever is newest by then, until the store answers.

use super::ping::Topics;
use crate::config::Publish;
use crate::error::PublishError;
use crate::output::publish::bucket::publish_once;
use crate::output::publish::{Pages, ToPublish};
use crate::output::writer::ReadBack;
use crate::render::tree::Output;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{watch, Notify};
use tracing::{debug, error, info, warn};

/// After a failed publish.
const RETRY: Duration = Duration::from_secs(5);

/// An output as written: the files the renderer keeps (shared with it, which copies
/// them only if it changes them while this still holds them) and, where archive
/// pages' bytes go once written, the pages in the output folder.
struct Offered {
    files: Arc<Output>,
    pages: Option<ReadBack>,
}

/// The newest output not yet published; once published, it is let go ([`let_go`]).
type Newest = Arc<watch::Sender<Option<Arc<Offered>>>>;

pub(crate) struct Uploader {
    newest: Newest,
    task: tokio::task::JoinHandle<()>,
    /// Whether a publish is under way: a stop does not wait for it.
    busy: Arc<AtomicBool>,
    /// Told when the output folder no longer holds a page as it was written (removed
    /// by someone) and no newer output came: the folder is to be written whole again.
    resync: Arc<Notify>,
}

impl Uploader {
    /// Starts the uploader on the current runtime; `ping` hears of the feeds it
    /// uploaded, as URLs under `base_url`.
    pub(crate) fn start(config: Publish, ping: Option<(Topics, url::Url)>) -> Uploader {
        let (newest, rx) = watch::channel(None);
        let newest = Arc::new(newest);
        let busy = Arc::new(AtomicBool::new(false));
        let resync = Arc::new(Notify::new());
        let task = tokio::spawn(run(
            config,
            Arc::clone(&newest),
            rx,
            ping,
            (Arc::clone(&busy), Arc::clone(&resync)),
        ));
        Uploader {
            newest,
            task,
            busy,
            resync,
        }
    }

    /// Whether a publish is under way (a store that accepts connections and never
    /// answers holds one for as long as its retries last).
    pub(crate) fn in_flight(&self) -> bool {
        self.busy.load(Ordering::SeqCst)
    }

    /// The output as written now (`pages`: the archive pages, in the output folder);
    /// replaces whatever was not yet published.
    pub(crate) fn offer(&self, files: Arc<Output>, pages: Option<ReadBack>) {
        self.newest
            .send_replace(Some(Arc::new(Offered { files, pages })));
    }

    /// Tells when the output folder is to be written whole again (see `resync`).
    pub(crate) fn resync(&self) -> Arc<Notify> {
        Arc::clone(&self.resync)
    }
}

impl Drop for Uploader {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Lets `published` go if nothing newer came meanwhile, without waking the uploader:
/// kept, it would make the renderer copy the whole output at its next change.
fn let_go(newest: &Newest, published: &Arc<Offered>) {
    newest.send_if_modified(|held| {
        if held.as_ref().is_some_and(|h| Arc::ptr_eq(h, published)) {
            *held = None;
        }
        false
    });
}

async fn run(
    config: Publish,
    newest: Newest,
    mut rx: watch::Receiver<Option<Arc<Offered>>>,
    ping: Option<(Topics, url::Url)>,
    (busy, resync): (Arc<AtomicBool>, Arc<Notify>),
) {
    let config = Arc::new(config);
    // The page the last publish found changed in the folder, if it failed so.
    let mut changed_before: Option<String> = None;
    loop {
        // The channel stays open while this task holds its sender (to let outputs go):
        // the task ends when the uploader is dropped, which aborts it.
        if rx.changed().await.is_err() {
            return;
        }
        loop {
            let Some(files) = rx.borrow_and_update().clone() else {
                break;
            };
            // The hashing and the requests run off the loop's thread, on a runtime of
            // their own.
            let job = {
                let (config, busy) = (Arc::clone(&config), Arc::clone(&busy));
                let files = Arc::clone(&files);
                busy.store(true, Ordering::SeqCst);
                tokio::task::spawn_blocking(move || {
                    let published = publish_once(
                        &config,
                        ToPublish::with_pages(
                            &files.files,
                            files.pages.as_ref().map(|p| p as &dyn Pages),
                        ),
                    );
                    busy.store(false, Ordering::SeqCst);
                    published
                })
            };
            match job.await {
                Ok(Ok(report)) => {
                    changed_before = None;
                    let_go(&newest, &files);
                    drop(files);
                    if !report.uploaded.is_empty() || !report.deleted.is_empty() {
                        info!(
                            uploaded = report.uploaded.len(),
                            deleted = report.deleted.len(),
                            "published"
                        );
                    }
                    if let Some((topics, base_url)) = &ping {
                        topics.offer(crate::output::websub::topics(base_url, &report.uploaded));
                    }
                    break;
                }
                Ok(Err(e @ PublishError::Conflict { .. })) => {
                    warn!("{e}; trying again in {}s", RETRY.as_secs());
                }
                Ok(Err(PublishError::ChangedOnDisk { path, gone })) => {
                    drop(files);
                    // Most often a page written again by a change whose output is
                    // offered now or in a moment: published then, without the wait.
                    // The same page twice is no such change.
                    let again = changed_before.as_ref() == Some(&path);
                    changed_before = Some(path.clone());
                    let e = PublishError::ChangedOnDisk { path, gone };
                    if !again && tokio::time::timeout(RETRY, rx.changed()).await.is_ok() {
                        debug!("{e}; publishing the newer output");
                        rx.mark_changed();
                        continue;
                    }
                    if gone {
                        // Writing the folder whole puts it back; its output comes as an
                        // offer.
                        warn!("{e}; writing the output folder whole again");
                        resync.notify_one();
                        break;
                    }
                    // Someone else's bytes, which no write overrules.
                    error!(
                        "{e}; move it away (digestfeed writes it again), publishing again in {}s",
                        RETRY.as_secs()
                    );
                    tokio::time::sleep(RETRY).await;
                    rx.mark_changed();
                    continue;
                }
                Ok(Err(e)) => error!(
                    "{e}; the local feeds are current, publishing again in {}s",
                    RETRY.as_secs()
                ),
                Err(e) => error!("publish: {e}; trying again in {}s", RETRY.as_secs()),
            }
            // Not held while waiting: the next try takes the newest output anyway.
            drop(files);
            tokio::time::sleep(RETRY).await;
            rx.mark_changed();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn output(name: &str) -> Arc<Offered> {
        Arc::new(Offered {
            files: Arc::new(Output::from([(name.to_string(), b"bytes".to_vec())])),
            pages: None,
        })
    }

    /// Once published, the output is let go, unless a newer one came meanwhile: that
    /// one is still to publish. Neither wakes the uploader.
    #[test]
    fn the_published_output_is_let_go_and_a_newer_one_kept() {
        let (tx, mut rx) = watch::channel(None);
        let newest: Newest = Arc::new(tx);
        let first = output("a");
        newest.send_replace(Some(Arc::clone(&first)));
        rx.borrow_and_update();
        let_go(&newest, &first);
        assert!(rx.borrow().is_none());
        assert_eq!(Arc::strong_count(&first), 1, "still held");
        assert!(!rx.has_changed().unwrap());

        let second = output("b");
        newest.send_replace(Some(Arc::clone(&second)));
        rx.borrow_and_update();
        let_go(&newest, &first);
        assert!(rx
            .borrow()
            .as_ref()
            .is_some_and(|o| Arc::ptr_eq(o, &second)));
        assert!(!rx.has_changed().unwrap());
    }
}
