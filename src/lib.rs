//! digestfeed turns a folder of AI-news digests into RSS, Atom and JSON feeds.
//!
//! The path every run takes, `--once` and the daemon alike, each stage in the folder
//! named for it (`ls src` reads top to bottom as the pipeline):
//!
//! ```text
//!  input folder ─input::scan─▶ bytes ─parse─▶ model::Digest ─┐        (per file; pure)
//!                                                            ▼
//!      engine (store → evidence → entries → order) ─▶ feeds, laid out by engine::layout
//!                                                            │
//!  output folder, bucket, hubs ◀─output── render::tree::Output ◀─render
//! ```
//!
//! - [`app`]: the mode dispatcher at the top; nothing calls back up into it. `--once`
//!   is here, `publish --adopt` in `app::adopt`, the daemon in [`daemon`] and `check`
//!   in [`check`]. `rendered` (beside them, below all three) reads every digest and
//!   renders every feed, writing nothing; `streamed` writes archive pages into the
//!   output folder as they are rendered, for `--once` and the daemon.
//! - [`cli`] (flags) and [`config`] (the YAML file and the settings derived from both).
//! - [`input`]: the input folder: reading it (`scan`), its file events (`watch`), what
//!   the daemon knows of each file ([`input::state`]), digests held back until their
//!   date (`held`).
//! - [`parse`]: bytes to a [`model::Digest`] (front matter, then the items, by a
//!   line-by-line reading where it is sure, else CommonMark).
//! - [`model`]: the plain data between the stages, entry keys (`model::key`, every
//!   spelling of a tweet's URL to one key) and names stored once (`model::names`).
//! - [`engine`]: the merge kept up to date (docs/FORMAT.md §1-3): one entry per tweet,
//!   author names from evidence, feed orders, the feeds' layout and folder names.
//! - [`render`]: feeds to bytes, one module per format; [`render::tree`] is the whole
//!   desired output tree, the one path from parsed digests to files.
//! - [`output`]: where the bytes go: the output folder (`output::writer`, only what
//!   changed, atomically), the bucket ([`output::publish`]), the WebSub hubs.
//! - [`daemon`]: the same stages kept live: [`daemon::live`] holds the pipeline (no
//!   disk, no clock), `daemon::folders` reads what file events name and writes the
//!   output folder, `daemon::schedule` holds the timers, and `daemon::run` is one loop
//!   over signals, events and timers.
//! - [`check`]: `digestfeed check`: the lints ([`check::lint`]) and the per-feed diff.
//! - [`error`]: errors a user can cause, each naming the file and line, and
//!   [`error::report`], how problems reach the user (log lines, GitHub annotations,
//!   JSON lines).
//! - [`support`]: what every stage leans on: work shared among the cores, text
//!   helpers, standard output, logging, the allocator.
//! - `reference`: the same result computed the plain way. The binary never runs it;
//!   tests, fuzzing and benchmarks hold the engine to it.
//!
//! Everything between the file bytes and the `Output` map is pure: no clock (the
//! daemon passes the time in), no disk, no environment.

pub mod app;
pub mod check;
pub mod cli;
pub mod config;
pub mod daemon;
pub mod engine;
pub mod error;
pub mod input;
pub mod model;
pub mod output;
pub mod parse;
// The oracle the tests, fuzz targets and benchmarks hold the engine to; not for users.
#[doc(hidden)]
pub mod reference;
pub mod render;
pub(crate) mod rendered;
pub(crate) mod streamed;
pub mod support;
