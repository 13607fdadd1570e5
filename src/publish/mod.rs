//! Publishing to an S3-compatible bucket, beside the output folder: only the objects
//! whose bytes changed are uploaded, each with its Content-Type and Cache-Control.
//!
//! What is in the bucket is known from a manifest object the publisher keeps there
//! (`.digestfeed-manifest.json` under the prefix): every object it wrote, with the MD5
//! of its bytes. Every write of the manifest is conditional on its ETag (If-Match, or
//! If-None-Match for the first), so that a publisher with a stale view is refused (HTTP
//! 412) before it changes anything. A publish, when the output differs from the
//! manifest:
//!
//! 1. writes the manifest with the objects it is about to upload marked unknown;
//! 2. uploads the feeds whose bytes changed, then `index.opml` and `index.html`;
//! 3. deletes the objects the manifest listed that the output no longer has (an object
//!    the manifest never recorded is never deleted, nor overwritten: one standing where
//!    a new feed goes stops the publish before step 1);
//! 4. writes the final manifest.
//!
//! A publish cut short (a `kill -9`, a network failure) leaves a manifest from which
//! the next one uploads and deletes again whatever may not have been done, so the
//! bucket converges. [`plan`] is the pure part; [`bucket`] talks to the store.

pub mod bucket;
pub mod credentials;
mod plan;

pub use plan::{content_type, plan, Manifest, ObjectRecord, Plan, MANIFEST};

/// What one publish did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Report {
    /// Objects uploaded, by output path.
    pub uploaded: Vec<String>,
    /// Objects deleted, by output path.
    pub deleted: Vec<String>,
}
