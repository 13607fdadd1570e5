//! What a publish does when the bucket is not as its manifest says: an upload refused
//! (another publisher got in, an earlier intent landed, someone wrote the object), and
//! `publish --adopt`, the way back from a lost manifest.

use super::super::manifest::{md5_hex, unquoted, Manifest, ObjectRecord, MANIFEST};
use super::Bucket;
use crate::error::PublishError;
use crate::render::tree::Output;
use object_store::{ObjectStore, PutMode, UpdateVersion};
use std::collections::BTreeMap;

impl Bucket {
    /// Records in the manifest every object at a path of `files` that holds exactly
    /// those bytes and that the manifest does not list as it is (not at all, or with
    /// bytes it no longer holds); uploads and deletes nothing.
    /// Returns the paths taken over, and those whose object holds other bytes.
    pub async fn adopt(&self, files: &Output) -> Result<(Vec<String>, Vec<String>), PublishError> {
        let (remote, e_tag) = self.state().await?;
        let listed = self.listed(files.keys()).await?;
        let mut manifest = remote.clone();
        let (mut adopted, mut differ) = (Vec::new(), Vec::new());
        for (path, bytes) in files {
            let Some(now) = listed.get(path) else {
                continue;
            };
            // Recorded and as recorded: nothing to take over.
            if remote.objects.get(path).is_some_and(|r| r.holds(now)) {
                continue;
            }
            let mut record = ObjectRecord {
                md5: md5_hex(bytes),
                bytes: bytes.len() as u64,
                e_tag: None,
                next: None,
            };
            // An ETag that is not the MD5 (SSE-KMS, multipart): the bytes decide.
            let same = record.holds(now)
                || self.md5_of(path).await?.as_deref() == Some(record.md5.as_str());
            if same {
                record.e_tag = Some(now.clone());
                manifest.objects.insert(path.clone(), record);
                adopted.push(path.clone());
            } else {
                differ.push(path.clone());
            }
        }
        if !adopted.is_empty() {
            self.put_manifest(&manifest, e_tag).await?;
        }
        Ok((adopted, differ))
    }

    /// After a refused upload of `path`: if the object holds what the intent this
    /// publisher read (`remote`) was about to write there, the publisher that wrote
    /// that intent landed its upload after this one listed the bucket; that is
    /// digestfeed's, and is replaced (If-Match on its ETag). Returns the new ETag.
    pub(super) async fn over_landed_intent(
        &self,
        path: &str,
        bytes: &[u8],
        remote: &Manifest,
        cache: &str,
    ) -> Result<Option<Option<String>>, PublishError> {
        let Some(next) = remote.objects.get(path).and_then(|r| r.next.as_deref()) else {
            return Ok(None);
        };
        let Some(now) = self.e_tag_of(path).await? else {
            return Ok(None);
        };
        let landed = unquoted(&now) == next || self.md5_of(path).await?.as_deref() == Some(next);
        if !landed {
            return Ok(None);
        }
        let mode = PutMode::Update(UpdateVersion {
            e_tag: Some(now),
            version: None,
        });
        match self.upload(path, bytes, mode, cache).await {
            Ok(e_tag) => Ok(Some(e_tag)),
            Err(None) => Ok(None),
            Err(Some(e)) => Err(e),
        }
    }

    /// Another publisher got in (the manifest is no longer this one's intent): what
    /// this one created is taken back, if still as it wrote it, and the publish stops.
    pub(super) async fn refused_at(
        &self,
        path: &str,
        believed: &Manifest,
        written: &BTreeMap<String, Option<String>>,
    ) -> PublishError {
        for (created, e_tag) in written {
            if believed.objects.contains_key(created) {
                continue;
            }
            let ours = matches!(self.e_tag_of(created).await, Ok(Some(now)) if Some(&now) == e_tag.as_ref());
            if ours {
                if let Ok(key) = self.key(created) {
                    let _ = self.store.delete(&key).await;
                }
            }
        }
        PublishError::Conflict {
            object: self.url(path),
        }
    }

    /// Why a conditional upload of `path` was refused: the manifest is no longer the
    /// intent this publisher wrote (another publisher got in), or someone else wrote
    /// that object since digestfeed did.
    pub(super) async fn refused(
        &self,
        path: &str,
        intent_tag: &Option<String>,
        believed: &Manifest,
        written: &BTreeMap<String, Option<String>>,
    ) -> PublishError {
        match self.e_tag_of(MANIFEST).await {
            Ok(now) if now != *intent_tag => self.refused_at(path, believed, written).await,
            Ok(_) => PublishError::Object {
                object: self.url(path),
                message: "someone else wrote this object since digestfeed did; the publish stopped here, with the objects before it updated (remove it, and the next publish writes it)".into(),
            },
            Err(e) => e,
        }
    }
}
