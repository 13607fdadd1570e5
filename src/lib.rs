//! digestfeed turns a folder of AI-news digests into RSS, Atom and JSON feeds.
//!
//! ```text
//!  files ──scan──▶ bytes ──parse──▶ Digest ─┐   (one per file; pure)
//!                                           ▼
//!                     Corpus (path → Digest) ──merge──▶ Entry list ──plan──▶ Feeds
//!                                                                              │
//!  output folder ◀──writer::sync── Output (path → bytes) ◀──render─────────────┘
//! ```
//!
//! Everything between the file bytes and the `Output` map is pure: no clock, no disk,
//! no environment. `--once` and the daemon differ only in how they keep the `Corpus`.

#![forbid(unsafe_code)]

pub mod app;
pub mod author;
pub mod cli;
pub mod config;
pub mod daemon;
pub mod engine;
pub mod error;
pub mod fsio;
pub mod future;
pub mod key;
pub mod logging;
pub mod merge;
pub mod model;
pub mod names;
pub mod output;
pub mod par;
pub mod parse;
pub mod plan;
pub mod render;
pub mod slug;
pub mod state;
pub mod systemd;
pub mod text;
pub mod watch;
