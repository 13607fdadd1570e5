//! Integration tests: the real binary on fixture folders, its output read back with
//! parsers this project did not write (feed-rs, roxmltree, serde_json).

mod archives;
mod bad_input;
mod check;
mod cli_docs;
mod cli_docs_gen;
#[path = "../../benches/support/corpus.rs"]
#[allow(dead_code)]
mod corpus;
mod daemon;
mod determinism;
mod digest_feed;
mod faults;
mod feeds;
mod golden;
mod hardening;
mod pages;
mod properties;
#[cfg(feature = "publish")]
mod publish;
mod shortcut;
mod structure;
mod support;
#[cfg(feature = "publish")]
mod websub;
#[cfg(feature = "publish")]
mod websub_hub;
