//! The pure part of a publish: what the bucket holds (the manifest), and what to upload
//! and delete to make it hold the output.

use crate::output::link_order;
pub(super) use crate::output::link_order::is_index;
use crate::render::tree::Output;
use md5::{Digest, Md5};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The manifest's name under the prefix.
pub const MANIFEST: &str = ".digestfeed-manifest.json";

/// Every object the publisher wrote, by output path.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub objects: BTreeMap<String, ObjectRecord>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectRecord {
    /// Hex MD5 of the bytes: what S3 gives as the ETag of an object put in one request.
    /// Empty in an intent written by an older build: the object's bytes are unknown.
    pub md5: String,
    pub bytes: u64,
    /// The ETag the store gave the object when digestfeed wrote it (quoted, as the
    /// store sends it); `None` in a manifest of an older build.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub e_tag: Option<String>,
    /// In an intent: the MD5 of the bytes about to be written. Until the final
    /// manifest, the object holds either these or those recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

impl ObjectRecord {
    /// Whether an object with this ETag holds what the record says digestfeed wrote.
    pub fn holds(&self, e_tag: &str) -> bool {
        self.e_tag.as_deref() == Some(e_tag)
            || (!self.md5.is_empty() && unquoted(e_tag) == self.md5)
    }
}

/// An ETag without its quotes (S3 sends `"md5"`).
pub(super) fn unquoted(e_tag: &str) -> &str {
    e_tag.trim_matches('"')
}

impl Manifest {
    /// The manifest of `files`.
    pub fn of(files: &Output) -> Manifest {
        Manifest {
            objects: files
                .iter()
                .map(|(path, bytes)| {
                    let record = ObjectRecord {
                        md5: md5_hex(bytes),
                        bytes: bytes.len() as u64,
                        e_tag: None,
                        next: None,
                    };
                    (path.clone(), record)
                })
                .collect(),
        }
    }

    /// Deterministic JSON, one object a line.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = serde_json::to_vec_pretty(self).unwrap_or_default();
        out.push(b'\n');
        out
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Manifest, String> {
        serde_json::from_slice(bytes).map_err(|e| format!("not a manifest digestfeed wrote: {e}"))
    }
}

pub(crate) fn md5_hex(bytes: &[u8]) -> String {
    Md5::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl Plan {
    /// The manifest to write before anything else: the old one, with every object about
    /// to be uploaded marked with the MD5 of its next bytes beside what it holds now.
    /// Should the publish stop half-way, the next one knows both as its own, uploads
    /// those again and deletes what this one meant to delete.
    pub fn intent(&self, remote: &Manifest) -> Manifest {
        let mut intent = remote.clone();
        for path in &self.upload {
            let Some(next) = self.manifest.objects.get(path) else {
                continue;
            };
            let record = intent.objects.entry(path.clone()).or_insert(ObjectRecord {
                md5: String::new(),
                bytes: 0,
                e_tag: None,
                next: None,
            });
            record.next = Some(next.md5.clone());
        }
        intent
    }
}

/// What the bucket was found to hold, against what its manifest recorded.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Found {
    /// The manifest as the bucket bears it out: each record with the ETag its object
    /// has now; objects gone or no longer digestfeed's are left out, so that what goes
    /// there is uploaded again (or refused).
    pub believed: Manifest,
    /// Recorded objects that now hold bytes digestfeed did not write there.
    pub not_ours: Vec<String>,
}

/// The records whose object's ETag tells neither the bytes recorded nor those an
/// intent was about to write: the store's ETags may not be MD5s (SSE-KMS, multipart,
/// a record of an older build that kept none), so the bytes decide.
#[cfg_attr(not(feature = "publish"), allow(dead_code))]
pub(super) fn to_verify(remote: &Manifest, listed: &BTreeMap<String, String>) -> Vec<String> {
    remote
        .objects
        .iter()
        .filter(|(path, r)| {
            let unknown = r.md5.is_empty() && r.next.is_none();
            listed
                .get(*path)
                .is_some_and(|e| !unknown && !r.holds(e) && r.next.as_deref() != Some(unquoted(e)))
        })
        .map(|(path, _)| path.clone())
        .collect()
}

/// Holds the manifest `remote` against the ETag of every object under the prefix
/// (`listed`, by output path); `verified`: the MD5 of the bytes of the objects of
/// `to_verify`.
pub fn reconcile(
    remote: &Manifest,
    listed: &BTreeMap<String, String>,
    verified: &BTreeMap<String, String>,
) -> Found {
    let mut found = Found::default();
    for (path, record) in &remote.objects {
        let Some(e_tag) = listed.get(path) else {
            // Gone (deleted by hand, a store restarted empty): uploaded again.
            continue;
        };
        let mut believed = record.clone();
        // What the object holds: its ETag's word, or its bytes' where that says nothing.
        let held = verified.get(path).map_or(unquoted(e_tag), String::as_str);
        if record.next.as_deref() == Some(held) {
            // The intent's upload landed.
            believed.md5 = record.next.clone().unwrap_or_default();
        } else if record.md5.is_empty() && record.next.is_none() || record.md5 == held {
            // An older build's mark of an upload in flight (taken as digestfeed's, as
            // it was), or the bytes recorded.
        } else if !record.holds(e_tag) {
            found.not_ours.push(path.clone());
            continue;
        }
        believed.e_tag = Some(e_tag.clone());
        believed.next = None;
        found.believed.objects.insert(path.clone(), believed);
    }
    found
}

/// What a publish does, in order.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Plan {
    /// In the order of `upload_step`: what a link points at before what links to it.
    pub upload: Vec<String>,
    /// Objects the old manifest listed that the output no longer has.
    pub delete: Vec<String>,
    pub manifest: Manifest,
}

impl Plan {
    /// Whether the bucket already holds the output.
    pub fn is_empty(&self) -> bool {
        self.upload.is_empty() && self.delete.is_empty()
    }
}

/// What to upload and delete so that a bucket holding `remote` holds `files`.
pub fn plan(files: &Output, remote: &Manifest) -> Plan {
    plan_for(Manifest::of(files), remote)
}

/// [`plan`] for the output whose manifest is `manifest`.
pub(crate) fn plan_for(manifest: Manifest, remote: &Manifest) -> Plan {
    let changed = |path: &String| match (remote.objects.get(path), manifest.objects.get(path)) {
        (Some(had), Some(wanted)) => {
            had.md5 != wanted.md5 || had.bytes != wanted.bytes || had.next.is_some()
        }
        _ => true,
    };
    let mut upload: Vec<String> = manifest
        .objects
        .keys()
        .filter(|p| changed(p))
        .cloned()
        .collect();
    // Stable: by path within a step.
    upload.sort_by_key(|p| upload_step(p, remote));
    let delete = remote
        .objects
        .keys()
        .filter(|p| !manifest.objects.contains_key(*p))
        .cloned()
        .collect();
    Plan {
        upload,
        delete,
        manifest,
    }
}

/// The Content-Type an output file is served with.
pub fn content_type(path: &str) -> &'static str {
    let name = path.rsplit('/').next().unwrap_or(path);
    match name {
        "rss.xml" => "application/rss+xml; charset=utf-8",
        "atom.xml" => "application/atom+xml; charset=utf-8",
        "feed.json" => "application/feed+json; charset=utf-8",
        "index.opml" => "text/x-opml; charset=utf-8",
        "index.html" => "text/html; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// When an object is uploaded in a publish: [`link_order::step`], held if `remote`
/// records it.
pub(crate) fn upload_step(path: &str, remote: &Manifest) -> u8 {
    link_order::step(path, remote.objects.contains_key(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::render::tree::output_of as output;

    #[test]
    fn a_first_publish_uploads_feeds_before_the_index_files() {
        let files = output(&[
            ("index.html", "h"),
            ("atom.xml", "a"),
            ("index.opml", "o"),
            ("authors/x/index.html", "p"),
            ("authors/x/rss.xml", "r"),
        ]);
        let plan = plan(&files, &Manifest::default());
        // The pages and the list after the feeds they link.
        assert_eq!(
            plan.upload,
            [
                "atom.xml",
                "authors/x/rss.xml",
                "authors/x/index.html",
                "index.html",
                "index.opml"
            ]
        );
        assert!(is_index("authors/x/index.html") && !is_index("authors/x/atom.xml"));
        assert_eq!(
            content_type("authors/x/index.html"),
            "text/html; charset=utf-8"
        );
        assert!(plan.delete.is_empty());
        assert_eq!(plan.manifest, Manifest::of(&files));
    }

    #[test]
    fn pages_go_up_before_the_documents_that_link_them_new_pages_first() {
        let before = output(&[
            ("atom.xml", "a"),
            ("archive/2026-W01/atom.xml", "1"),
            ("archive/2026-W02/atom.xml", "2"),
            ("index.html", "h"),
        ]);
        let remote = Manifest::of(&before);
        // A new week closes: W02 gains its `next-archive` to W03, which the current
        // document's `prev-archive` now names; a new category comes with it.
        let after = output(&[
            ("atom.xml", "a2"),
            ("archive/2026-W01/atom.xml", "1"),
            ("archive/2026-W02/atom.xml", "2b"),
            ("archive/2026-W03/atom.xml", "3"),
            ("categories/new/atom.xml", "c"),
            ("categories/new/index.html", "p"),
            ("index.html", "h2"),
        ]);
        let plan = plan(&after, &remote);
        assert_eq!(
            plan.upload,
            [
                "archive/2026-W03/atom.xml",
                "archive/2026-W02/atom.xml",
                "atom.xml",
                "categories/new/atom.xml",
                "categories/new/index.html",
                "index.html",
            ]
        );
        let steps: Vec<u8> = plan
            .upload
            .iter()
            .map(|p| upload_step(p, &remote))
            .collect();
        assert!(steps.is_sorted(), "{steps:?}");
    }

    #[test]
    fn only_changed_objects_are_uploaded_and_only_recorded_ones_deleted() {
        let before = output(&[("atom.xml", "a"), ("categories/x/rss.xml", "x")]);
        let remote = Manifest::of(&before);
        assert!(plan(&before, &remote).is_empty());
        let after = output(&[("atom.xml", "a2"), ("index.html", "h")]);
        let plan = plan(&after, &remote);
        assert_eq!(plan.upload, ["atom.xml", "index.html"]);
        assert_eq!(plan.delete, ["categories/x/rss.xml"]);
    }

    #[test]
    fn the_intent_marks_what_is_uploaded_as_unknown_and_keeps_what_is_deleted() {
        let before = output(&[("atom.xml", "a"), ("categories/x/rss.xml", "x")]);
        let remote = Manifest::of(&before);
        let after = output(&[("atom.xml", "a2"), ("index.html", "h")]);
        let plan = plan(&after, &remote);
        let intent = plan.intent(&remote);
        assert_eq!(intent.objects["atom.xml"].md5, md5_hex(b"a"));
        assert_eq!(intent.objects["atom.xml"].next, Some(md5_hex(b"a2")));
        assert_eq!(intent.objects["index.html"].next, Some(md5_hex(b"h")));
        assert_eq!(
            intent.objects["categories/x/rss.xml"],
            remote.objects["categories/x/rss.xml"]
        );
        // Stopped after the intent: the next publish does the same work again.
        let again = super::plan(&after, &intent);
        assert_eq!(
            (again.upload, again.delete),
            (plan.upload.clone(), plan.delete.clone())
        );
    }

    #[test]
    fn the_bucket_bears_out_the_manifest_or_its_objects_are_not_ours() {
        let files = output(&[
            ("a.xml", "a"),
            ("b.xml", "b"),
            ("c.xml", "c"),
            ("d.xml", "d"),
        ]);
        let mut remote = Manifest::of(&files);
        for record in remote.objects.values_mut() {
            record.e_tag = Some(format!("\"{}\"", record.md5));
        }
        // a: as written; b: gone; c: someone else's bytes; d: an intent's upload landed.
        remote.objects.get_mut("d.xml").unwrap().next = Some(md5_hex(b"d2"));
        let listed: BTreeMap<String, String> = [
            ("a.xml", format!("\"{}\"", md5_hex(b"a"))),
            ("c.xml", format!("\"{}\"", md5_hex(b"other"))),
            ("d.xml", format!("\"{}\"", md5_hex(b"d2"))),
            ("e.xml", "\"planted\"".to_string()),
        ]
        .into_iter()
        .map(|(p, e)| (p.to_string(), e))
        .collect();
        let found = reconcile(&remote, &listed, &BTreeMap::new());
        assert_eq!(found.not_ours, ["c.xml"]);
        let believed: Vec<&String> = found.believed.objects.keys().collect();
        assert_eq!(believed, ["a.xml", "d.xml"]);
        assert_eq!(found.believed.objects["d.xml"].md5, md5_hex(b"d2"));
        assert_eq!(found.believed.objects["d.xml"].next, None);
        // b is uploaded again; d goes back to "d" from what it holds now, first, as
        // the one object with an ETag to be refused on.
        let plan = plan(&files, &found.believed);
        assert_eq!(plan.upload, ["d.xml", "b.xml", "c.xml"]);
        // An intent's new object that someone else's bytes took: not ours either.
        let mut intent = Manifest::default();
        intent.objects.insert(
            "e.xml".into(),
            ObjectRecord {
                md5: String::new(),
                bytes: 0,
                e_tag: None,
                next: Some(md5_hex(b"e")),
            },
        );
        assert_eq!(
            reconcile(&intent, &listed, &BTreeMap::new()).not_ours,
            ["e.xml"]
        );
        // Where the ETag is not the MD5 (SSE-KMS), the bytes decide: those recorded,
        // or those an intent was writing, are digestfeed's; others are not.
        let mut old = Manifest::of(&output(&[("c.xml", "c")]));
        assert_eq!(to_verify(&old, &listed), ["c.xml"]);
        let none = BTreeMap::new();
        assert_eq!(reconcile(&old, &listed, &none).not_ours, ["c.xml"]);
        let bytes_are = |md5: String| BTreeMap::from([("c.xml".to_string(), md5)]);
        let kept = reconcile(&old, &listed, &bytes_are(md5_hex(b"c")));
        assert_eq!(
            kept.believed.objects["c.xml"].e_tag,
            Some(listed["c.xml"].clone())
        );
        old.objects.get_mut("c.xml").unwrap().next = Some(md5_hex(b"c2"));
        let landed = reconcile(&old, &listed, &bytes_are(md5_hex(b"c2")));
        assert_eq!(landed.believed.objects["c.xml"].md5, md5_hex(b"c2"));
        assert_eq!(
            reconcile(&old, &listed, &bytes_are(md5_hex(b"x"))).not_ours,
            ["c.xml"]
        );
        // An ETag that tells the bytes recorded: nothing to read.
        old.objects.get_mut("c.xml").unwrap().md5 = md5_hex(b"other");
        old.objects.get_mut("c.xml").unwrap().next = None;
        assert!(to_verify(&old, &listed).is_empty());
    }

    #[test]
    fn the_manifest_reads_back_what_it_wrote() {
        let m = Manifest::of(&output(&[("rss.xml", "r")]));
        assert_eq!(m.objects["rss.xml"].md5, "4b43b0aee35624cd95b910189b3dc231");
        assert_eq!(Manifest::from_bytes(&m.to_bytes()), Ok(m));
        assert!(Manifest::from_bytes(b"{").is_err());
    }

    #[test]
    fn every_output_file_has_its_content_type() {
        assert_eq!(
            content_type("categories/a/atom.xml"),
            "application/atom+xml; charset=utf-8"
        );
        assert_eq!(
            content_type("rss.xml"),
            "application/rss+xml; charset=utf-8"
        );
        assert_eq!(
            content_type("authors/b/feed.json"),
            "application/feed+json; charset=utf-8"
        );
        assert_eq!(content_type("index.opml"), "text/x-opml; charset=utf-8");
        assert_eq!(content_type("index.html"), "text/html; charset=utf-8");
    }
}
