//! The daemon's timers, as plain data with the clock passed in: when a burst of events
//! has settled, when to retry what failed, when to watch again at the inotify limit,
//! when a held digest is due, when READY is owed, when to ping the watchdog. The event
//! loop sleeps until [`Schedule::next`] and hands back what fired.

use std::time::Duration;
use tokio::time::Instant;

/// After a failed write or an unreadable input folder, try again this soon.
pub(crate) const RETRY: Duration = Duration::from_secs(5);

/// At the inotify watch limit, make the watch again this often (and rescan, which also
/// finds what changed in the folders that could not be watched).
pub(crate) const LIMIT_RETRY: Duration = Duration::from_secs(60);

/// A READY that systemd's socket had no room for is sent again this soon.
pub(crate) const READY_RETRY: Duration = Duration::from_secs(1);

/// However busy the folder, feeds are updated at least this often.
pub(crate) fn max_wait(debounce: Duration) -> Duration {
    (debounce * 10).max(Duration::from_secs(2))
}

/// What a timer that fired asks for. When several are due at once, they fire in this
/// order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Timer {
    /// Ping the watchdog.
    Ping,
    /// Send READY again.
    Ready,
    /// The burst has settled (or waited long enough): apply it.
    Settle,
    /// Retry what failed: re-attach the input folder, watch again, write again.
    Retry,
    /// Make the watch again, the limit may have been raised.
    Rewatch,
    /// A digest held back for its date may be due.
    Due,
}

#[derive(Debug)]
pub(crate) struct Schedule {
    debounce: Duration,
    watchdog: Option<Duration>,
    first_event: Option<Instant>,
    at: [Option<Instant>; 6],
}

fn slot(timer: Timer) -> usize {
    timer as usize
}

const TIMERS: [Timer; 6] = [
    Timer::Ping,
    Timer::Ready,
    Timer::Settle,
    Timer::Retry,
    Timer::Rewatch,
    Timer::Due,
];

impl Schedule {
    /// With `watchdog`, pings every that long, the first one from `now`.
    pub(crate) fn new(debounce: Duration, watchdog: Option<Duration>, now: Instant) -> Schedule {
        let mut schedule = Schedule {
            debounce,
            watchdog,
            first_event: None,
            at: [None; 6],
        };
        schedule.at[slot(Timer::Ping)] = watchdog.map(|d| now + d);
        schedule
    }

    pub(crate) fn set_debounce(&mut self, debounce: Duration) {
        self.debounce = debounce;
    }

    /// A file event at `now`: settle once `debounce` passes without another, but no
    /// later than [`max_wait`] after the first event of the burst.
    pub(crate) fn event(&mut self, now: Instant) {
        let first = *self.first_event.get_or_insert(now);
        let settle = (now + self.debounce).min(first + max_wait(self.debounce));
        self.at[slot(Timer::Settle)] = Some(settle);
    }

    /// Settle at once (a rescan asked for by a reload or a retry).
    pub(crate) fn settle_now(&mut self, now: Instant) {
        self.at[slot(Timer::Settle)] = Some(now);
    }

    /// `timer` at `at`, unless it is due sooner already.
    pub(crate) fn by(&mut self, timer: Timer, at: Instant) {
        let slot = &mut self.at[slot(timer)];
        *slot = Some(slot.map_or(at, |due| due.min(at)));
    }

    /// `timer` at `at` exactly (`None`: not at all), whatever it was.
    pub(crate) fn set(&mut self, timer: Timer, at: Option<Instant>) {
        self.at[slot(timer)] = at;
    }

    pub(crate) fn is_set(&self, timer: Timer) -> bool {
        self.at[slot(timer)].is_some()
    }

    /// The next timer to fire, and when.
    pub(crate) fn next(&self) -> Option<(Instant, Timer)> {
        TIMERS
            .iter()
            .filter_map(|&t| self.at[slot(t)].map(|at| (at, t)))
            .min()
    }

    /// Takes `timer` as fired at `now`: it is cleared, and the watchdog's re-armed.
    pub(crate) fn fire(&mut self, timer: Timer, now: Instant) {
        self.at[slot(timer)] = None;
        match timer {
            Timer::Settle => self.first_event = None,
            Timer::Ping => self.at[slot(Timer::Ping)] = self.watchdog.map(|d| now + d),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::time::{advance, sleep_until};

    const MS: Duration = Duration::from_millis(1);

    /// Drives the schedule as the event loop does, on tokio's paused clock: sleeps
    /// until the next timer, fires it, and records when and what.
    async fn run_until(schedule: &mut Schedule, end: Instant) -> Vec<(u128, Timer)> {
        let start = Instant::now();
        let mut fired = Vec::new();
        while let Some((at, timer)) = schedule.next() {
            if at > end {
                break;
            }
            sleep_until(at).await;
            schedule.fire(timer, Instant::now());
            fired.push(((Instant::now() - start).as_millis(), timer));
        }
        fired
    }

    #[tokio::test(start_paused = true)]
    async fn a_burst_settles_after_the_debounce_and_a_trickle_by_the_max_wait() {
        let now = Instant::now();
        let mut s = Schedule::new(200 * MS, None, now);
        assert_eq!(s.next(), None);
        s.event(now);
        advance(150 * MS).await;
        s.event(Instant::now());
        assert_eq!(s.next(), Some((now + 350 * MS, Timer::Settle)));
        // An event every 100 ms for ever: the burst still settles 2 s after it began.
        for _ in 0..30 {
            advance(100 * MS).await;
            s.event(Instant::now());
        }
        assert_eq!(s.next(), Some((now + 2000 * MS, Timer::Settle)));
        s.fire(Timer::Settle, now + 2000 * MS);
        // The next burst counts its own wait.
        s.event(now + 3000 * MS);
        assert_eq!(s.next(), Some((now + 3200 * MS, Timer::Settle)));
    }

    #[tokio::test(start_paused = true)]
    async fn the_watchdog_is_pinged_at_its_interval_among_other_timers() {
        let now = Instant::now();
        let mut s = Schedule::new(200 * MS, Some(1000 * MS), now);
        s.by(Timer::Retry, now + 5000 * MS);
        s.by(Timer::Retry, now + 2500 * MS);
        s.by(Timer::Retry, now + 9000 * MS);
        s.set(Timer::Rewatch, Some(now + 60_000 * MS));
        let fired = run_until(&mut s, now + 4000 * MS).await;
        assert_eq!(
            fired,
            [
                (1000, Timer::Ping),
                (2000, Timer::Ping),
                (2500, Timer::Retry),
                (3000, Timer::Ping),
                (4000, Timer::Ping)
            ]
        );
        assert!(s.is_set(Timer::Rewatch) && !s.is_set(Timer::Retry));
        let fired = run_until(&mut s, now + 60_000 * MS).await;
        assert_eq!(fired.last(), Some(&(56_000, Timer::Rewatch)));
        assert_eq!(fired.len(), 57, "a ping a second, and the rewatch");
    }

    #[test]
    fn timers_due_together_fire_in_a_fixed_order() {
        let now = Instant::now();
        let mut s = Schedule::new(200 * MS, None, now);
        for t in [Timer::Due, Timer::Retry, Timer::Settle, Timer::Ready] {
            s.set(t, Some(now));
        }
        let mut order = Vec::new();
        while let Some((_, t)) = s.next() {
            s.fire(t, now);
            order.push(t);
        }
        assert_eq!(
            order,
            [Timer::Ready, Timer::Settle, Timer::Retry, Timer::Due]
        );
    }
}
