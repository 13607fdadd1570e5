//! Talking to systemd: readiness, status and watchdog messages on `$NOTIFY_SOCKET`.
//!
//! A send never waits for long. A datagram socket whose listener stops reading fills
//! up after a dozen messages, and a blocking send would then freeze the event loop,
//! watchdog pings included. Status lines and pings that cannot go at once are dropped
//! (the next one says the same and more); READY, RELOADING and STOPPING wait a quarter
//! of a second for room, and the caller tries READY again if it was dropped: without
//! it systemd would never consider the service started.

use std::ffi::OsStr;
use std::io;
use std::os::unix::net::UnixDatagram;
use std::time::Duration;

/// One line of the notify protocol (`sd_notify(3)`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Notice<'a> {
    Ready,
    Reloading,
    Stopping,
    Watchdog,
    Status(&'a str),
}

impl Notice<'_> {
    fn line(&self) -> String {
        match self {
            Notice::Ready => "READY=1".into(),
            Notice::Reloading => "RELOADING=1".into(),
            Notice::Stopping => "STOPPING=1".into(),
            Notice::Watchdog => "WATCHDOG=1".into(),
            // A newline would end the assignment early and start another.
            Notice::Status(s) => format!("STATUS={}", s.replace('\n', " ")),
        }
    }
}

/// What became of one message.
#[derive(Debug, PartialEq, Eq)]
#[allow(clippy::enum_variant_names)] // `Sent::Sent`: a message that went.
pub(crate) enum Sent {
    Sent,
    /// The listener was not keeping up: the message was dropped rather than waited for.
    Dropped,
    /// Not started by systemd (no `$NOTIFY_SOCKET`).
    NoManager,
}

/// How long a notice that must arrive waits for room in the socket.
const MUST_ARRIVE: Duration = Duration::from_millis(250);

/// Sends `notices` to the socket systemd named, if any.
pub(crate) fn notify(notices: &[Notice<'_>]) -> Sent {
    let Some(socket) = std::env::var_os("NOTIFY_SOCKET") else {
        return Sent::NoManager;
    };
    let must = notices
        .iter()
        .any(|n| matches!(n, Notice::Ready | Notice::Reloading | Notice::Stopping));
    match send(&socket, notices, must.then_some(MUST_ARRIVE)) {
        Ok(sent) => sent,
        Err(e) => {
            tracing::debug!(error = %e, "cannot notify systemd");
            Sent::Dropped
        }
    }
}

/// Sends one datagram of `notices` to `socket` (a path, or `@name` for an abstract
/// socket), waiting at most `wait` for room (not at all without it).
pub(crate) fn send(
    socket: &OsStr,
    notices: &[Notice<'_>],
    wait: Option<Duration>,
) -> io::Result<Sent> {
    use std::os::unix::ffi::OsStrExt;
    let mut message = String::new();
    for notice in notices {
        message.push_str(&notice.line());
        message.push('\n');
    }
    let sock = UnixDatagram::unbound()?;
    match wait {
        Some(wait) => sock.set_write_timeout(Some(wait))?,
        None => sock.set_nonblocking(true)?,
    }
    let bytes = socket.as_bytes();
    let result = match bytes.strip_prefix(b"@") {
        Some(name) => {
            use std::os::linux::net::SocketAddrExt;
            let addr = std::os::unix::net::SocketAddr::from_abstract_name(name)?;
            sock.send_to_addr(message.as_bytes(), &addr)
        }
        None => sock.send_to(message.as_bytes(), socket),
    };
    match result {
        Ok(_) => Ok(Sent::Sent),
        Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(Sent::Dropped),
        Err(e) => Err(e),
    }
}

/// How often to ping the watchdog, when systemd asks for pings (`WatchdogSec=`): half
/// the interval it allows, as `sd_watchdog_enabled(3)` advises.
pub(crate) fn watchdog_interval() -> Option<Duration> {
    let usec: u64 = std::env::var("WATCHDOG_USEC").ok()?.parse().ok()?;
    if let Ok(pid) = std::env::var("WATCHDOG_PID") {
        // Meant for another process (a parent that passed its environment on).
        if pid.parse::<u32>().ok()? != std::process::id() {
            return None;
        }
    }
    (usec > 0).then(|| Duration::from_micros(usec) / 2)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

    #[test]
    fn lines_follow_the_protocol() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("notify");
        let listener = UnixDatagram::bind(&path).unwrap();
        let sent = send(
            path.as_os_str(),
            &[Notice::Ready, Notice::Status("3 digests\nfine")],
            None,
        );
        assert_eq!(sent.unwrap(), Sent::Sent);
        let mut buf = [0u8; 256];
        let n = listener.recv(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"READY=1\nSTATUS=3 digests fine\n");
    }

    /// A listener that never reads: every send still returns at once, and what does
    /// not fit is dropped. A blocking send would hang on about the dozenth message.
    #[test]
    fn a_listener_that_stops_reading_never_blocks_the_sender() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("notify");
        let _listener = UnixDatagram::bind(&path).unwrap();
        let (done, finished) = mpsc::channel();
        let socket = path.clone().into_os_string();
        std::thread::spawn(move || {
            let outcomes: Vec<Sent> = (0..2000)
                .map(|_| send(&socket, &[Notice::Status("busy")], None).unwrap())
                .collect();
            // A notice that must arrive waits a moment for room, then gives up too.
            let ready = send(&socket, &[Notice::Ready], Some(Duration::from_millis(50)));
            let _ = done.send((outcomes, ready.unwrap()));
        });
        let (outcomes, ready) = finished
            .recv_timeout(Duration::from_secs(60))
            .expect("2,000 sends to a full socket return");
        assert!(outcomes.contains(&Sent::Sent));
        assert!(outcomes.contains(&Sent::Dropped));
        assert_eq!(ready, Sent::Dropped);
    }

    #[test]
    fn abstract_sockets_are_reached_by_name() {
        use std::os::linux::net::SocketAddrExt;
        let name = format!("digestfeed-test-{}", std::process::id());
        let addr = std::os::unix::net::SocketAddr::from_abstract_name(name.as_bytes()).unwrap();
        let listener = UnixDatagram::bind_addr(&addr).unwrap();
        let socket = format!("@{name}");
        assert_eq!(
            send(OsStr::new(&socket), &[Notice::Watchdog], None).unwrap(),
            Sent::Sent
        );
        let mut buf = [0u8; 64];
        let n = listener.recv(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"WATCHDOG=1\n");
    }
}
