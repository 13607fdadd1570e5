//! What front matter just under the size cap costs to read, shape by shape: the
//! shapes that made libyaml slow (deep flow nesting) and flat ones of the same size.
//! `cargo run --release --example front_matter_cost`; each line is the median of 5
//! reads of one digest, in milliseconds, and whether it was read or refused.

use digestfeed::parse::front_matter::MAX_FRONT_MATTER_BYTES;
use digestfeed::parse::parse_digest;
use std::path::Path;
use std::time::Instant;

fn main() {
    let n = MAX_FRONT_MATTER_BYTES - 100;
    let shapes: Vec<(&str, String)> = vec![
        ("open [", format!("x: {}\n", "[".repeat(n))),
        ("open {", format!("x: {}\n", "{".repeat(n))),
        (
            "balanced [ ]",
            format!("x: {}{}\n", "[".repeat(n / 2), "]".repeat(n / 2)),
        ),
        ("nested {a: ", format!("x: {}\n", "{a: ".repeat(n / 4))),
        ("nested - ", format!("x:\n  {}a\n", "- ".repeat(n / 2))),
        (
            "many keys",
            (0..n / 10).map(|i| format!("k{i:05}: v\n")).collect(),
        ),
        ("flow list", format!("x: [{}]\n", "abc,".repeat(n / 4 - 1))),
        ("block list", format!("x:\n{}", "- a\n".repeat(n / 5))),
        (
            "anchors",
            (0..n / 19)
                .map(|i| format!("k{i:04}: &a{i:04} v\n"))
                .collect(),
        ),
    ];
    for (name, yaml) in shapes {
        let text = format!(
            "---\ndate: 2026-01-01T08:00:00Z\n{yaml}---\n\n1. [t](https://x.com/a/status/1)\n"
        );
        let mut times: Vec<f64> = Vec::new();
        let mut read = false;
        for _ in 0..5 {
            let started = Instant::now();
            read = parse_digest(Path::new("d.md"), text.as_bytes(), chrono_tz::Tz::UTC).is_ok();
            times.push(started.elapsed().as_secs_f64() * 1000.0);
        }
        times.sort_by(f64::total_cmp);
        let verdict = if read { "read" } else { "refused" };
        println!(
            "{name:14} {:>6} bytes {:>8.2} ms  {verdict}",
            yaml.len(),
            times[2]
        );
    }
}
