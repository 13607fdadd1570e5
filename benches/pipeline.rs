//! Micro-benchmarks of the pipeline's pure steps, so that a regression shows where it
//! happens: parsing (reported in MB/s, in full as the daemon parses and without summaries
//! as a full run reads), the engine building every entry from parsed digests (as the
//! daemon does) or only the shown ones (as `--once` does), rendering every feed, and
//! the engine taking in one new digest.
//!
//! `cargo bench --bench pipeline`

#[path = "support/corpus.rs"]
mod corpus;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use digestfeed::config::Settings;
use digestfeed::engine::Engine;
use digestfeed::model::Corpus;
use digestfeed::model::Parsed;
use digestfeed::parse::{parse_digest, parse_digest_with};
use digestfeed::render::tree::Renderer;
use std::hint::black_box;
use std::path::{Path, PathBuf};

const DIGESTS: u64 = 2000;

fn settings() -> Settings {
    Settings::for_tests("")
}

fn parsed(files: &[(String, String)]) -> Corpus {
    files
        .iter()
        .filter_map(|(path, text)| {
            match parse_digest(Path::new(path), text.as_bytes(), chrono_tz::Tz::UTC) {
                Ok(Parsed::Digest(d)) => Some((PathBuf::from(path), d)),
                _ => None,
            }
        })
        .collect()
}

fn benches(c: &mut Criterion) {
    let files = corpus::generate(DIGESTS, 7);
    let bytes: usize = files.iter().map(|(_, t)| t.len()).sum();
    let settings = settings();

    let mut group = c.benchmark_group("parse");
    group.throughput(Throughput::Bytes(bytes as u64));
    group.sample_size(10);
    group.bench_function(format!("{DIGESTS} digests"), |b| {
        b.iter(|| black_box(parsed(&files)))
    });
    // What a full run does: items without their summaries, plain shapes read line by line.
    group.bench_function(format!("{DIGESTS} digests, bulk read"), |b| {
        b.iter(|| {
            files
                .iter()
                .filter(|(path, text)| {
                    parse_digest_with(
                        Path::new(path),
                        text.as_bytes(),
                        chrono_tz::Tz::UTC,
                        digestfeed::model::Summaries::Skip,
                    )
                    .is_ok()
                })
                .count()
        })
    });
    // The same on digests in every shape the format accepts: what falls off the shortcut
    // costs the CommonMark parser.
    let variants = corpus::generate_mix(DIGESTS, 7, corpus::Mix::Variants);
    let variant_bytes: usize = variants.iter().map(|(_, t)| t.len()).sum();
    group.throughput(Throughput::Bytes(variant_bytes as u64));
    group.bench_function(format!("{DIGESTS} digests, bulk read, variants"), |b| {
        b.iter(|| {
            variants
                .iter()
                .filter(|(path, text)| {
                    parse_digest_with(
                        Path::new(path),
                        text.as_bytes(),
                        chrono_tz::Tz::UTC,
                        digestfeed::model::Summaries::Skip,
                    )
                    .is_ok()
                })
                .count()
        })
    });
    group.finish();

    let corpus = parsed(&files);
    let mut group = c.benchmark_group("engine");
    group.sample_size(10);
    group.bench_function(format!("build from {DIGESTS} digests"), |b| {
        b.iter_batched(
            || corpus.clone(),
            |corpus| {
                let mut engine = Engine::new(&settings);
                engine.apply(corpus.into_iter().map(|(p, d)| (p, Some(d))));
                black_box(engine.counts())
            },
            BatchSize::LargeInput,
        )
    });
    // What `--once` builds: every entry placed, only the shown ones computed.
    group.bench_function(format!("build for one run from {DIGESTS} digests"), |b| {
        b.iter_batched(
            || corpus.clone(),
            |corpus| {
                let mut engine = Engine::for_one_build(&settings);
                engine.apply(corpus.into_iter().map(|(p, d)| (p, Some(d))));
                black_box(engine.counts())
            },
            BatchSize::LargeInput,
        )
    });
    let mut engine = Engine::new(&settings);
    engine.apply(corpus.clone().into_iter().map(|(p, d)| (p, Some(d))));
    let extra = parsed(&corpus::generate(DIGESTS + 1, 7)[DIGESTS as usize..]);
    let (new_path, new_digest) = extra.into_iter().next().expect("one more digest");
    group.bench_function(format!("one new digest into {DIGESTS}"), |b| {
        b.iter(|| {
            let dirty = engine.apply([(new_path.clone(), Some(new_digest.clone()))]);
            engine.apply([(new_path.clone(), None)]);
            black_box(dirty)
        })
    });
    group.finish();

    let mut group = c.benchmark_group("render");
    group.sample_size(10);
    group.bench_function("every feed", |b| {
        b.iter(|| {
            let mut renderer = Renderer::default();
            black_box(renderer.render(&engine, &settings, None).expect("renders"))
        })
    });
    group.finish();
}

criterion_group!(pipeline, benches);
criterion_main!(pipeline);
