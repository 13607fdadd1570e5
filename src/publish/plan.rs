//! The pure part of a publish: what the bucket holds (the manifest), and what to upload
//! and delete to make it hold the output.

use crate::output::Output;
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
    pub md5: String,
    pub bytes: u64,
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

pub fn md5_hex(bytes: &[u8]) -> String {
    Md5::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl Plan {
    /// The manifest to write before anything else: the old one, with every object about
    /// to be uploaded marked as unknown (an empty MD5). Should the publish stop half-way,
    /// the next one uploads those again and deletes what this one meant to delete.
    pub fn intent(&self, remote: &Manifest) -> Manifest {
        let mut intent = remote.clone();
        for path in &self.upload {
            let bytes = self.manifest.objects.get(path).map_or(0, |r| r.bytes);
            intent.objects.insert(
                path.clone(),
                ObjectRecord {
                    md5: String::new(),
                    bytes,
                },
            );
        }
        intent
    }
}

/// What a publish does, in order.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Plan {
    /// Feeds first, then the index files that link to them.
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
    let manifest = Manifest::of(files);
    let changed = |path: &String| remote.objects.get(path) != manifest.objects.get(path);
    let (index, feeds): (Vec<String>, Vec<String>) = files
        .keys()
        .filter(|p| changed(p))
        .cloned()
        .partition(|p| is_index(p));
    let mut upload = feeds;
    upload.extend(index);
    let delete = remote
        .objects
        .keys()
        .filter(|p| !files.contains_key(*p))
        .cloned()
        .collect();
    Plan {
        upload,
        delete,
        manifest,
    }
}

fn is_index(path: &str) -> bool {
    path == "index.html" || path == "index.opml"
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

/// Whether an output file is served with the index files' Cache-Control.
pub fn uses_index_cache(path: &str) -> bool {
    is_index(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn output(files: &[(&str, &str)]) -> Output {
        files
            .iter()
            .map(|(p, b)| (p.to_string(), b.as_bytes().to_vec()))
            .collect()
    }

    #[test]
    fn a_first_publish_uploads_feeds_before_the_index_files() {
        let files = output(&[
            ("index.html", "h"),
            ("atom.xml", "a"),
            ("index.opml", "o"),
            ("authors/x/rss.xml", "r"),
        ]);
        let plan = plan(&files, &Manifest::default());
        assert_eq!(
            plan.upload,
            ["atom.xml", "authors/x/rss.xml", "index.html", "index.opml"]
        );
        assert!(plan.delete.is_empty());
        assert_eq!(plan.manifest, Manifest::of(&files));
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
        assert_eq!(intent.objects["atom.xml"].md5, "");
        assert_eq!(intent.objects["index.html"].md5, "");
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
