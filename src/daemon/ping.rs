//! WebSub pings from the daemon, beside its loop (see `crate::output::websub`): the loop
//! hands over the topics that changed and goes on. Each hub has a task of its own, so
//! that a hub that hangs delays only its own pings; topics that arrive while a hub's
//! ping is under way go to it together in the next one.

use std::collections::BTreeSet;
use tokio::sync::mpsc;
use url::Url;

/// Where changed topics are handed over; cheap to clone.
#[derive(Clone)]
pub(crate) struct Topics(Vec<mpsc::UnboundedSender<Vec<String>>>);

impl Topics {
    pub(crate) fn offer(&self, topics: Vec<String>) {
        if topics.is_empty() {
            return;
        }
        for hub in &self.0 {
            // Closed only once the pinger is gone, when nobody is to be told anyway.
            let _ = hub.send(topics.clone());
        }
    }
}

pub(crate) struct Pinger {
    topics: Topics,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Pinger {
    /// Starts pinging `hubs` on the current runtime.
    pub(crate) fn start(hubs: Vec<Url>) -> Pinger {
        let (senders, tasks) = hubs
            .into_iter()
            .map(|hub| {
                let (tx, rx) = mpsc::unbounded_channel();
                (tx, tokio::spawn(run(hub, rx)))
            })
            .unzip();
        Pinger {
            topics: Topics(senders),
            tasks,
        }
    }

    pub(crate) fn topics(&self) -> Topics {
        self.topics.clone()
    }
}

impl Drop for Pinger {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

async fn run(hub: Url, mut rx: mpsc::UnboundedReceiver<Vec<String>>) {
    let hubs = [hub];
    while let Some(first) = rx.recv().await {
        let mut topics: BTreeSet<String> = first.into_iter().collect();
        while let Ok(more) = rx.try_recv() {
            topics.extend(more);
        }
        let topics: Vec<String> = topics.into_iter().collect();
        let failed = crate::output::websub::ping(&hubs, &topics).await;
        crate::output::websub::report(&hubs, &topics, &failed);
    }
}
