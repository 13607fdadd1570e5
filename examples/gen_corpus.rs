//! Writes N realistic digests, deterministically from a seed, for benchmarks.
//!
//! `cargo run --release --example gen_corpus -- OUT_DIR COUNT [SEED] [--variants]`
//!
//! With `--variants`, some digests take the other shapes the input format accepts
//! (other list markers and layouts, titles with markup, block-list categories…). What
//! the digests look like, and in what proportions, is described in
//! `benches/support/corpus.rs`.

#[path = "../benches/support/corpus.rs"]
mod corpus;

use std::fs;
use std::path::Path;

const USAGE: &str = "usage: gen_corpus OUT_DIR COUNT [SEED] [--variants]";

fn main() {
    let mut mix = corpus::Mix::Usual;
    let mut args = Vec::new();
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--variants" => mix = corpus::Mix::Variants,
            flag if flag.starts_with("--") => {
                eprintln!("unknown flag {flag}\n{USAGE}");
                std::process::exit(2);
            }
            _ => args.push(arg),
        }
    }
    if !(2..=3).contains(&args.len()) {
        eprintln!("{USAGE}");
        std::process::exit(2);
    }
    let out = Path::new(&args[0]);
    let count: u64 = args[1].parse().expect("COUNT is a number");
    let seed: u64 = args
        .get(2)
        .map_or(1, |s| s.parse().expect("SEED is a number"));
    let files = match mix {
        corpus::Mix::Usual => corpus::generate(count, seed),
        corpus::Mix::Variants => corpus::generate_mix(count, seed, mix),
    };
    for (rel, text) in files {
        let path = out.join(rel);
        fs::create_dir_all(path.parent().expect("a digest is in a folder"))
            .expect("create the output folder");
        fs::write(path, text).expect("write a digest");
    }
}
