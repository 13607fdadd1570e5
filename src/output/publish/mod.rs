//! Publishing to an S3-compatible bucket, beside the output folder: only the objects
//! whose bytes changed are uploaded, each with its Content-Type and Cache-Control.
//!
//! What is in the bucket is known from a manifest object the publisher keeps there
//! (`.digestfeed-manifest.json` under the prefix): every object it wrote, with the MD5
//! of its bytes and the ETag the store gave it. Every write is conditional: the
//! manifest's on its ETag (If-Match, or If-None-Match for the first), each object's on
//! the ETag the manifest recorded for it (If-Match), or, where digestfeed wrote
//! nothing, on there being none (If-None-Match: *). A publisher with a stale view is
//! so refused (HTTP 412) at its first write, and never overwrites a newer publish. A
//! publish:
//!
//! 1. lists the objects under the prefix and holds the manifest against them: an
//!    object gone is uploaded again; one that no longer holds what digestfeed wrote is
//!    not its own any more (where a feed goes, the publish stops; elsewhere it is left
//!    alone and reported), and neither is an object the manifest never recorded;
//! 2. writes the manifest with the MD5 each object about to be uploaded will have;
//! 3. uploads the objects whose bytes changed, what a link points at before what links
//!    to it: archive pages (new ones first), the current documents, then `index.opml`
//!    and `index.html`, so that a publish cut short never leaves a link to an object
//!    not there yet; if one is refused and the manifest is no longer its own, it takes
//!    back what it created and stops (another publisher got in);
//! 4. deletes the objects the manifest listed that the output no longer has, each only
//!    while its ETag is still the one recorded (S3 has no conditional delete);
//! 5. writes the final manifest.
//!
//! A publish cut short (a `kill -9`, a network failure) leaves a manifest from which
//! the next one uploads and deletes again whatever may not have been done, so the
//! bucket converges. `manifest` is the pure part; [`bucket`] talks to the store.

#[cfg(feature = "publish")]
pub mod bucket;
#[cfg(not(feature = "publish"))]
#[path = "unbuilt.rs"]
pub mod bucket;
#[cfg_attr(not(feature = "publish"), allow(dead_code))]
mod caching;
#[cfg(feature = "publish")]
pub(crate) mod credentials;
mod manifest;
mod source;

pub(crate) use manifest::md5_hex;
pub use manifest::{content_type, plan, reconcile, Found, Manifest, ObjectRecord, Plan, MANIFEST};
pub(crate) use source::Pages;
pub use source::ToPublish;

/// What one publish did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Report {
    /// Objects uploaded, by output path.
    pub uploaded: Vec<String>,
    /// Objects deleted, by output path.
    pub deleted: Vec<String>,
    /// Objects the manifest listed that no longer hold what digestfeed wrote: neither
    /// deleted nor listed any more.
    pub left_alone: Vec<String>,
}
