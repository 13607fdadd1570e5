//! A stub WebSub hub and a static file server on 127.0.0.1, for the WebSub tests. The
//! hub records every ping, and before answering fetches each topic from the static
//! server (as a real hub would), so a test can tell whether the feed already held the
//! change when the hub was told.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How the stub answers.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Answer {
    Accept,
    Fail,
    /// Reads the ping, then never answers.
    Hang,
}

/// One ping as the hub saw it.
#[derive(Debug, Clone)]
pub(crate) struct Ping {
    pub mode: String,
    /// `hub.url` values, in order.
    pub urls: Vec<String>,
    pub topics: Vec<String>,
    /// Each topic's body as fetched when the ping came.
    pub fetched: BTreeMap<String, String>,
    pub at: Instant,
}

pub(crate) struct Hub {
    pub url: String,
    pings: Arc<Mutex<Vec<Ping>>>,
}

impl Hub {
    pub(crate) fn start(answer: Answer) -> Hub {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/hub", listener.local_addr().unwrap());
        let pings = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&pings);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let sink = Arc::clone(&sink);
                std::thread::spawn(move || serve_hub(stream, answer, &sink));
            }
        });
        Hub { url, pings }
    }

    pub(crate) fn pings(&self) -> Vec<Ping> {
        self.pings.lock().unwrap().clone()
    }

    /// Waits up to `patience` for at least `n` pings.
    pub(crate) fn wait_for(&self, n: usize, patience: Duration) -> Vec<Ping> {
        let deadline = Instant::now() + patience;
        loop {
            let pings = self.pings();
            if pings.len() >= n || Instant::now() > deadline {
                return pings;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

fn read_request(stream: &mut TcpStream) -> Option<(String, String)> {
    let mut reader = BufReader::new(stream.try_clone().ok()?);
    let mut head = String::new();
    reader.read_line(&mut head).ok()?;
    let mut length = 0;
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).ok()?;
        if line.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().unwrap_or(0);
            }
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some((head, String::from_utf8_lossy(&body).into_owned()))
}

fn serve_hub(mut stream: TcpStream, answer: Answer, pings: &Mutex<Vec<Ping>>) {
    let Some((_, body)) = read_request(&mut stream) else {
        return;
    };
    let at = Instant::now();
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(body.as_bytes())
        .into_owned()
        .collect();
    let values = |key: &str| -> Vec<String> {
        pairs
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
            .collect()
    };
    let topics = values("hub.topic");
    let fetched = topics.iter().map(|t| (t.clone(), get(t))).collect();
    pings.lock().unwrap().push(Ping {
        mode: values("hub.mode").concat(),
        urls: values("hub.url"),
        topics,
        fetched,
        at,
    });
    match answer {
        Answer::Accept => {
            let _ = stream.write_all(b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n");
        }
        Answer::Fail => {
            let _ = stream.write_all(
                b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            );
        }
        Answer::Hang => std::thread::sleep(Duration::from_secs(3600)),
    }
}

/// GET of an http://127.0.0.1 URL; the body, or "" on failure.
fn get(url: &str) -> String {
    let Ok(parsed) = url::Url::parse(url) else {
        return String::new();
    };
    let Ok(mut stream) = TcpStream::connect((
        parsed.host_str().unwrap_or("127.0.0.1"),
        parsed.port().unwrap_or(80),
    )) else {
        return String::new();
    };
    let request = format!(
        "GET {} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
        parsed.path()
    );
    let _ = stream.write_all(request.as_bytes());
    let mut response = String::new();
    let _ = stream.read_to_string(&mut response);
    response
        .split_once("\r\n\r\n")
        .map(|(_, body)| body.to_string())
        .unwrap_or_default()
}

/// Serves a folder's files over HTTP; returns its base URL (ending in `/`).
pub(crate) fn serve_folder(root: PathBuf) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}/", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let Some((head, _)) = read_request(&mut stream) else {
                continue;
            };
            let path = head.split_whitespace().nth(1).unwrap_or("/");
            let decoded = percent_decode(path.trim_start_matches('/'));
            let body = std::fs::read(root.join(decoded)).ok();
            let response = match body {
                Some(body) => {
                    let mut r = format!(
                        "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                        body.len()
                    )
                    .into_bytes();
                    r.extend(body);
                    r
                }
                None => b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                    .to_vec(),
            };
            let _ = stream.write_all(&response);
        }
    });
    base
}

fn percent_decode(path: &str) -> String {
    url::form_urlencoded::parse(format!("p={}", path.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}
