//! digestfeed turns a folder of AI-news digests into RSS, Atom and JSON feeds.
//!
//! The path every run takes, `--once` and the daemon alike, each stage in the module
//! named for it:
//!
//! ```text
//!  input folder ─fsio::scan─▶ bytes ─parse─▶ Digest ─┐                (per file; pure)
//!                                                    ▼
//!        engine (store → evidence → entries → order) ─▶ feeds (layout)
//!                                                    │
//!  output folder ◀─fsio::writer── Output ◀─output::Renderer (render::{rss,atom,json,html,opml})
//! ```
//!
//! - `app`: the mode dispatcher at the top (nothing calls back up into it): `--once`,
//!   the daemon, and the commands `check` and `publish --adopt`. `rendered` reads
//!   every digest on every core (`fsio::scan`), builds the [`engine`] at once and
//!   renders ([`output`]), writing nothing; `--once` then writes (`fsio::writer`).
//! - `daemon`: the same stages kept live. [`daemon::live`] holds the pipeline (no disk,
//!   no clock), [`daemon::folders`] reads what file events name and writes the output folder, [`daemon::schedule`] holds
//!   the timers, and `daemon::run` is one loop over signals, events and timers.
//! - [`parse`]: bytes to a [`model::Digest`] (front matter, then the items, by a
//!   line-by-line reading where it is sure, else CommonMark).
//! - [`engine`]: the merge kept up to date (docs/FORMAT.md §1-3): one entry per tweet,
//!   author names from evidence (`author` holds the rules' pieces), feed orders.
//! - `reference`: the same result computed the plain way. The binary never runs it;
//!   tests, fuzzing and benchmarks hold the engine to it.
//! - [`check`]: `digestfeed check`, with the lints ([`check::lint`]), the per-feed
//!   diff and the error formats.
//! - Errors a user can cause are in [`error`], each naming the file and line.
//!
//! Everything between the file bytes and the `Output` map is pure: no clock (the
//! daemon passes the time in), no disk, no environment.

pub mod app;
pub(crate) mod author;
pub mod check;
pub mod cli;
pub mod config;
pub mod daemon;
pub mod engine;
pub mod error;
pub(crate) mod fsio;
pub(crate) mod held;
pub(crate) mod layout;
pub mod model;
pub mod output;
pub mod parse;
pub mod publish;
// The oracle the tests, fuzz targets and benchmarks hold the engine to; not for users.
#[doc(hidden)]
pub mod reference;
pub(crate) mod render;
pub(crate) mod rendered;
pub(crate) mod slug;
pub mod state;
pub mod support;
pub(crate) mod watch;
pub(crate) mod websub;
