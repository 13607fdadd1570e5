//! Writes N realistic digests, deterministically from a seed, for benchmarks.
//!
//! `cargo run --release --example gen_corpus -- OUT_DIR COUNT [SEED]`
//!
//! What the digests look like is described in `benches/support/corpus.rs`.

#[path = "../benches/support/corpus.rs"]
mod corpus;

use std::fs;
use std::path::Path;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 3 {
        eprintln!("usage: gen_corpus OUT_DIR COUNT [SEED]");
        std::process::exit(2);
    }
    let out = Path::new(&args[1]);
    let count: u64 = args[2].parse().expect("COUNT is a number");
    let seed: u64 = args
        .get(3)
        .map_or(1, |s| s.parse().expect("SEED is a number"));
    for (rel, text) in corpus::generate(count, seed) {
        let path = out.join(rel);
        fs::create_dir_all(path.parent().expect("a digest is in a folder"))
            .expect("create the output folder");
        fs::write(path, text).expect("write a digest");
    }
}
