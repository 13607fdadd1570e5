//! Measures the daemon's latency: from a digest being renamed into the input folder to
//! its entry being in `atom.xml`.
//!
//! `cargo run --release --example latency -- BINARY INPUT_DIR [COUNT] [DEBOUNCE_MS]`
//!
//! Starts BINARY (a release build of digestfeed) in watch mode on INPUT_DIR with a
//! fresh output folder, waits for READY=1, then COUNT times (default 20) writes a new
//! digest next to the folder (none with COUNT 0), renames it in, and polls `atom.xml` until the entry
//! shows. Prints the median and the maximum, and the daemon's resident memory after
//! start and after the updates. The new digests are removed at the end.

use std::fs;
use std::os::unix::net::UnixDatagram;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 3 {
        eprintln!("usage: [LATENCY_CONFIG=yaml] latency BINARY INPUT_DIR [COUNT] [DEBOUNCE_MS]");
        std::process::exit(2);
    }
    let binary = &args[1];
    let input = fs::canonicalize(&args[2]).expect("INPUT_DIR exists");
    let count: usize = args
        .get(3)
        .map_or(20, |s| s.parse().expect("COUNT is a number"));
    let debounce: u64 = args
        .get(4)
        .map_or(200, |s| s.parse().expect("DEBOUNCE_MS is a number"));
    let work = input
        .parent()
        .expect("INPUT_DIR has a parent")
        .join(format!(".latency-{}", std::process::id()));
    fs::create_dir_all(&work).expect("create a work folder next to the input");
    let output = work.join("out");
    let config = work.join("config.yaml");
    fs::write(
        &config,
        format!(
            // The probes are dated 2099, to be the newest entries; and the generated
            // corpora reach past today.
            "input_dir: {}\noutput_dir: {}\nbase_url: https://feeds.example.org/\ndebounce_ms: {debounce}\npublish_future: true\n{}",
            input.display(),
            output.display(),
            // More settings, such as `archives: [global, digests]`.
            std::env::var("LATENCY_CONFIG").unwrap_or_default()
        ),
    )
    .expect("write the config");
    let socket_path = work.join("notify.sock");
    let socket = UnixDatagram::bind(&socket_path).expect("bind the notify socket");
    socket
        .set_read_timeout(Some(Duration::from_secs(600)))
        .expect("set a timeout");
    let started = Instant::now();
    let child = Command::new(binary)
        .arg("--config")
        .arg(&config)
        .arg("-q")
        .env("NOTIFY_SOCKET", &socket_path)
        .stdout(Stdio::null())
        .spawn()
        .expect("start the daemon");
    let mut run = Cleanup {
        child,
        work: work.clone(),
        added: Vec::new(),
    };
    let mut buf = [0u8; 512];
    loop {
        let n = socket.recv(&mut buf).expect("READY=1 within 10 minutes");
        if String::from_utf8_lossy(&buf[..n]).contains("READY=1") {
            break;
        }
    }
    println!(
        "ready after {:.2} s, resident {} MB",
        started.elapsed().as_secs_f64(),
        resident_mb(run.child.id())
    );
    // Drain further notifications so the daemon never waits on the socket.
    std::thread::spawn(move || while socket.recv(&mut buf).is_ok() {});

    let mut latencies = Vec::new();
    for i in 0..count {
        let id = 1_999_000_000_000_000_000u64 + i as u64;
        let text = format!(
            "---\ndate: 2099-01-01T{:02}:{:02}:00+00:00\ncategories: [\"Latency\"]\n---\n\n1.  [Latency probe {i} - Maya Chen](https://x.com/mayachen_ai/status/{id})\n\n    Probe.\n",
            i / 60,
            i % 60
        );
        let temp = work.join(format!("probe-{i}.md"));
        fs::write(&temp, text).expect("write a probe");
        let target = input.join(format!("zz-latency-probe-{i}.md"));
        let needle = format!("/status/{id}<");
        // Noted before it is there: however the run ends, the probe leaves the folder.
        run.added.push(target.clone());
        let t0 = Instant::now();
        fs::rename(&temp, &target).expect("rename the probe in");
        loop {
            if fs::read_to_string(output.join("atom.xml")).is_ok_and(|t| t.contains(&needle)) {
                break;
            }
            if t0.elapsed() > Duration::from_secs(60) {
                panic!("probe {i} never appeared");
            }
            std::thread::sleep(Duration::from_micros(500));
        }
        latencies.push(t0.elapsed());
        // Let the daemon go idle before the next probe.
        std::thread::sleep(Duration::from_millis(2 * debounce));
    }
    println!(
        "resident after {count} updates: {} MB",
        resident_mb(run.child.id())
    );
    drop(run);
    if latencies.is_empty() {
        return;
    }
    latencies.sort();
    let ms = |d: &Duration| d.as_secs_f64() * 1000.0;
    println!(
        "latency over {count}: median {:.1} ms, max {:.1} ms, min {:.1} ms (debounce {debounce} ms)",
        ms(&latencies[latencies.len() / 2]),
        ms(latencies.last().expect("at least one")),
        ms(&latencies[0]),
    );
}

/// Stops the daemon and removes what the run added, however the run ends (a panic, or
/// a standard output closed early by `| head`): a daemon left running, or a probe left
/// in the folder, changes every later measurement of that folder.
struct Cleanup {
    child: std::process::Child,
    work: std::path::PathBuf,
    added: Vec<std::path::PathBuf>,
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        for path in &self.added {
            let _ = fs::remove_file(path);
        }
        let _ = fs::remove_dir_all(&self.work);
    }
}

/// A process's resident memory (VmRSS), in MB.
fn resident_mb(pid: u32) -> u64 {
    let status = fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb / 1024)
}
