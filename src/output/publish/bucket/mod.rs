//! The bucket side of a publish: reads the manifest, uploads, writes the manifest
//! conditionally, deletes. Retries (network errors, 5xx) are object_store's, bounded in
//! count and time.

use super::caching::Caching;
use super::manifest::{content_type, plan_for, reconcile, upload_step, Manifest, MANIFEST};
use super::source::ToPublish;
use super::Report;
use crate::config::Publish;
use crate::error::PublishError;
use object_store::aws::{AmazonS3, AmazonS3Builder, S3ConditionalPut};
use object_store::path::Path as ObjectPath;
use object_store::{
    Attribute, Attributes, BackoffConfig, ObjectStore, PutMode, PutOptions, PutPayload,
    RetryConfig, UpdateVersion,
};
use std::collections::BTreeMap;
use std::time::Duration;

mod refusals;

/// Uploads at a time.
const CONCURRENCY: usize = 8;

/// A bucket and the prefix the feeds go under.
pub struct Bucket {
    store: AmazonS3,
    config: Publish,
}

impl Bucket {
    /// The bucket of `config`, credentials from the environment (AWS_ACCESS_KEY_ID,
    /// AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN), else the shared credentials file
    /// (`credentials`), else the instance's or container's role.
    pub fn new(config: &Publish) -> Result<Bucket, PublishError> {
        let mut builder = AmazonS3Builder::from_env()
            .with_bucket_name(&config.bucket)
            .with_conditional_put(S3ConditionalPut::ETagMatch)
            .with_retry(RetryConfig {
                backoff: BackoffConfig {
                    init_backoff: Duration::from_millis(200),
                    max_backoff: Duration::from_secs(5),
                    base: 2.0,
                },
                max_retries: 5,
                retry_timeout: Duration::from_secs(60),
            });
        if let Some(endpoint) = &config.endpoint {
            builder = builder
                .with_endpoint(endpoint.as_str().trim_end_matches('/'))
                .with_allow_http(endpoint.scheme() == "http");
        }
        if let Some(keys) = super::credentials::from_profile() {
            builder = builder
                .with_access_key_id(keys.access_key_id)
                .with_secret_access_key(keys.secret_access_key);
            if let Some(token) = keys.session_token {
                builder = builder.with_token(token);
            }
        }
        if let Some(region) = &config.region {
            builder = builder.with_region(region);
        }
        let store = builder.build().map_err(|e| PublishError::Setup {
            message: e.to_string(),
        })?;
        Ok(Bucket {
            store,
            config: config.clone(),
        })
    }

    /// The object key of an output path, as written: `Path::from` would percent-encode
    /// the non-ASCII letters of a slug, which the key must keep (the feed's URL encodes
    /// them once, and the store decodes them).
    fn key(&self, path: &str) -> Result<ObjectPath, PublishError> {
        ObjectPath::parse(format!("{}{path}", self.config.prefix)).map_err(|e| {
            PublishError::Object {
                object: self.url(path),
                message: e.to_string(),
            }
        })
    }

    /// Shown in messages: `s3://bucket/prefix/path`.
    fn url(&self, path: &str) -> String {
        format!("s3://{}/{}{path}", self.config.bucket, self.config.prefix)
    }

    /// The bucket's manifest and its ETag (`None`: there is none yet), as a publish
    /// starts from it.
    pub async fn state(&self) -> Result<(Manifest, Option<String>), PublishError> {
        let fail = |message: String| PublishError::Object {
            object: self.url(MANIFEST),
            message,
        };
        match self.store.get(&self.key(MANIFEST)?).await {
            Ok(got) => {
                let e_tag = got.meta.e_tag.clone();
                let bytes = got.bytes().await.map_err(|e| fail(e.to_string()))?;
                let manifest = Manifest::from_bytes(&bytes).map_err(fail)?;
                Ok((manifest, e_tag))
            }
            Err(object_store::Error::NotFound { .. }) => Ok((Manifest::default(), None)),
            Err(e) => Err(fail(e.to_string())),
        }
    }

    /// Puts one object in `mode`: `Update` with the ETag recorded, so that an object
    /// someone else wrote since is never overwritten, or `Create` where digestfeed has
    /// written nothing. Returns the new ETag, or `Err(None)` when the condition failed.
    async fn upload(
        &self,
        path: &str,
        bytes: &[u8],
        mode: PutMode,
        cache: &str,
    ) -> Result<Option<String>, Option<PublishError>> {
        let mut attributes = Attributes::new();
        attributes.insert(Attribute::ContentType, content_type(path).into());
        attributes.insert(Attribute::CacheControl, cache.to_string().into());
        let options = PutOptions {
            mode,
            attributes,
            ..PutOptions::default()
        };
        match self
            .store
            .put_opts(&self.key(path)?, PutPayload::from(bytes.to_vec()), options)
            .await
        {
            Ok(result) => Ok(result.e_tag),
            Err(
                object_store::Error::Precondition { .. }
                | object_store::Error::AlreadyExists { .. },
            ) => Err(None),
            Err(e) => Err(Some(PublishError::Object {
                object: self.url(path),
                message: e.to_string(),
            })),
        }
    }

    /// The ETag of every object at `paths` that exists: from one listing of the prefix
    /// (a request per thousand objects), or, where the listing holds a key the client
    /// cannot read, from a request per path.
    async fn listed<'p>(
        &self,
        paths: impl Iterator<Item = &'p String>,
    ) -> Result<BTreeMap<String, String>, PublishError> {
        if let Some(listed) = self.list().await? {
            return Ok(listed);
        }
        tracing::warn!(prefix = %self.url(""), "the bucket holds a key this client cannot read (an empty or `..` segment); asking about each object alone");
        let mut listed = BTreeMap::new();
        for path in paths {
            if let Some(e_tag) = self.e_tag_of(path).await? {
                listed.insert(path.clone(), e_tag);
            }
        }
        Ok(listed)
    }

    /// The ETag of every object under the prefix, by output path (the manifest left
    /// out); `None` if the listing holds a key the client cannot read.
    async fn list(&self) -> Result<Option<BTreeMap<String, String>>, PublishError> {
        use futures::StreamExt;
        let fail = |message: String| PublishError::Object {
            object: self.url(""),
            message,
        };
        let prefix = match self.config.prefix.trim_end_matches('/') {
            "" => None,
            p => Some(ObjectPath::parse(p).map_err(|e| fail(e.to_string()))?),
        };
        let mut listed = BTreeMap::new();
        let mut stream = self.store.list(prefix.as_ref());
        while let Some(meta) = stream.next().await {
            let meta = match meta {
                Ok(meta) => meta,
                // A key the client cannot name (`a//b`, `..`) fails the whole page:
                // then each object that matters is asked about alone.
                Err(object_store::Error::InvalidPath { .. }) => return Ok(None),
                Err(e) => return Err(fail(e.to_string())),
            };
            let Some(path) = meta
                .location
                .as_ref()
                .strip_prefix(self.config.prefix.as_str())
            else {
                continue;
            };
            if path != MANIFEST {
                listed.insert(path.to_string(), meta.e_tag.unwrap_or_default());
            }
        }
        Ok(Some(listed))
    }

    /// The MD5 of one object's bytes (`None`: there is none).
    async fn md5_of(&self, path: &str) -> Result<Option<String>, PublishError> {
        let fail = |e: object_store::Error| PublishError::Object {
            object: self.url(path),
            message: e.to_string(),
        };
        match self.store.get(&self.key(path)?).await {
            Ok(got) => Ok(Some(super::manifest::md5_hex(
                &got.bytes().await.map_err(fail)?,
            ))),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(fail(e)),
        }
    }

    /// The ETag of one object now (`None`: there is none).
    async fn e_tag_of(&self, path: &str) -> Result<Option<String>, PublishError> {
        match self.store.head(&self.key(path)?).await {
            Ok(meta) => Ok(Some(meta.e_tag.unwrap_or_default())),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(PublishError::Object {
                object: self.url(path),
                message: e.to_string(),
            }),
        }
    }

    /// Writes the manifest if the one in the bucket is still `e_tag` (`None`: there is
    /// none); returns the new ETag.
    async fn put_manifest(
        &self,
        manifest: &Manifest,
        e_tag: Option<String>,
    ) -> Result<Option<String>, PublishError> {
        let mode = match e_tag {
            Some(e_tag) => PutMode::Update(UpdateVersion {
                e_tag: Some(e_tag),
                version: None,
            }),
            None => PutMode::Create,
        };
        let mut attributes = Attributes::new();
        attributes.insert(Attribute::ContentType, "application/json".into());
        attributes.insert(Attribute::CacheControl, "no-store".into());
        let options = PutOptions {
            mode,
            attributes,
            ..PutOptions::default()
        };
        let payload = PutPayload::from(manifest.to_bytes());
        match self
            .store
            .put_opts(&self.key(MANIFEST)?, payload, options)
            .await
        {
            Ok(result) => Ok(result.e_tag),
            Err(
                object_store::Error::Precondition { .. }
                | object_store::Error::AlreadyExists { .. },
            ) => Err(PublishError::Conflict {
                object: self.url(MANIFEST),
            }),
            Err(e) => Err(PublishError::Object {
                object: self.url(MANIFEST),
                message: e.to_string(),
            }),
        }
    }

    /// Makes the bucket hold `files`: see the module [`crate::output::publish`] for the order.
    pub async fn publish<'a>(
        &self,
        files: impl Into<ToPublish<'a>>,
    ) -> Result<Report, PublishError> {
        let state = self.state().await?;
        self.publish_from(files, state).await
    }

    /// [`Bucket::publish`] from a state read earlier: refused, with nothing changed, if
    /// the bucket's manifest is no longer that one.
    pub async fn publish_from<'a>(
        &self,
        files: impl Into<ToPublish<'a>>,
        (remote, e_tag): (Manifest, Option<String>),
    ) -> Result<Report, PublishError> {
        let files: ToPublish<'a> = files.into();
        let paths = files.paths();
        // What the bucket holds, against what the manifest says: objects gone are
        // uploaded again, and those someone else changed are not digestfeed's any more.
        let listed = self
            .listed(remote.objects.keys().chain(paths.iter().copied()))
            .await?;
        let mut verified = BTreeMap::new();
        for path in super::manifest::to_verify(&remote, &listed) {
            if let Some(md5) = self.md5_of(&path).await? {
                verified.insert(path, md5);
            }
        }
        let found = reconcile(&remote, &listed, &verified);
        let believed = found.believed;
        let plan = plan_for(files.manifest(), &believed);
        let mut report = Report::default();
        // An object digestfeed did not write where a new feed goes.
        let foreign_new = plan
            .upload
            .iter()
            .find(|p| !believed.objects.contains_key(*p) && listed.contains_key(*p));
        if (foreign_new.is_some() || !found.not_ours.is_empty())
            && self.e_tag_of(MANIFEST).await? != e_tag
        {
            // Another publisher's objects are not foreign: tell a stale view first.
            return Err(PublishError::Conflict {
                object: self.url(MANIFEST),
            });
        }
        for path in found.not_ours {
            if files.contains(&path) {
                return Err(PublishError::Foreign {
                    object: self.url(&path),
                });
            }
            tracing::warn!(object = %self.url(&path), "left alone: the manifest lists it, but it no longer holds what digestfeed wrote there");
            report.left_alone.push(path);
        }
        // Where a new feed goes, an object digestfeed did not write stops the publish.
        if let Some(path) = foreign_new {
            return Err(PublishError::Foreign {
                object: self.url(path),
            });
        }
        if plan.is_empty() && believed == remote {
            return Ok(report);
        }
        let intent = plan.intent(&believed);
        let intent_tag = self.put_manifest(&intent, e_tag).await?;
        let mut written: BTreeMap<String, Option<String>> = BTreeMap::new();
        let caching = Caching::of_paths(&self.config, paths.into_iter());
        // Step by step (`upload_step`): no batch holds an object and one linking it.
        let steps = plan
            .upload
            .chunk_by(|a, b| upload_step(a, &believed) == upload_step(b, &believed));
        for step in steps {
            for batch in step.chunks(CONCURRENCY) {
                // Another publisher that got in since stops this one between batches.
                if self.e_tag_of(MANIFEST).await? != intent_tag {
                    return Err(self.refused_at(&batch[0], &believed, &written).await);
                }
                // Read (pages from the folder) a batch at a time: never the whole output.
                let bytes = batch
                    .iter()
                    .map(|path| files.bytes(path))
                    .collect::<Result<Vec<_>, _>>()?;
                let uploads = batch.iter().zip(&bytes).map(|(path, bytes)| {
                    let mode = match believed.objects.get(path).and_then(|r| r.e_tag.clone()) {
                        Some(e_tag) => PutMode::Update(UpdateVersion {
                            e_tag: Some(e_tag),
                            version: None,
                        }),
                        None => PutMode::Create,
                    };
                    self.upload(path, bytes, mode, caching.of(path))
                });
                let results = futures::future::join_all(uploads).await;
                let mut refused = None;
                for ((path, bytes), result) in batch.iter().zip(&bytes).zip(results) {
                    match result {
                        Ok(e_tag) => {
                            written.insert(path.clone(), e_tag);
                        }
                        Err(None) => {
                            // An earlier publisher whose intent this one built on may
                            // have landed its write since: it is digestfeed's, and this
                            // one's to replace.
                            match self
                                .over_landed_intent(path, bytes, &remote, caching.of(path))
                                .await?
                            {
                                Some(e_tag) => {
                                    written.insert(path.clone(), e_tag);
                                }
                                None => refused = refused.or(Some(path)),
                            }
                        }
                        Err(Some(e)) => return Err(e),
                    }
                }
                if let Some(path) = refused {
                    return Err(self.refused(path, &intent_tag, &believed, &written).await);
                }
            }
        }
        // Deletes before the final manifest, so that one stopped between the two is
        // still listed and deleted by the next publish. Only an object that still holds
        // what digestfeed wrote is deleted, and only while the manifest is this one's.
        if !plan.delete.is_empty() && self.e_tag_of(MANIFEST).await? != intent_tag {
            return Err(self.refused_at(MANIFEST, &believed, &written).await);
        }
        for path in &plan.delete {
            let held = self.e_tag_of(path).await?;
            match held {
                None => {}
                Some(now) if believed.objects.get(path).is_some_and(|r| r.holds(&now)) => {
                    match self.store.delete(&self.key(path)?).await {
                        Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
                        Err(e) => {
                            return Err(PublishError::Object {
                                object: self.url(path),
                                message: e.to_string(),
                            })
                        }
                    }
                    report.deleted.push(path.clone());
                }
                Some(_) => {
                    tracing::warn!(object = %self.url(path), "left alone: it no longer holds what digestfeed wrote there");
                    report.left_alone.push(path.clone());
                }
            }
        }
        let mut manifest = plan.manifest;
        for (path, record) in &mut manifest.objects {
            record.e_tag = match written.get(path) {
                Some(e_tag) => e_tag.clone(),
                None => believed.objects.get(path).and_then(|r| r.e_tag.clone()),
            };
        }
        self.put_manifest(&manifest, intent_tag).await?;
        report.uploaded = plan.upload;
        Ok(report)
    }
}

/// Publishes `files` once, on a runtime of its own (for `--once`).
pub fn publish_once<'a>(
    config: &Publish,
    files: impl Into<ToPublish<'a>>,
) -> Result<Report, PublishError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| PublishError::Setup {
            message: format!("cannot start the network runtime: {e}"),
        })?;
    let bucket = Bucket::new(config)?;
    runtime.block_on(bucket.publish(files))
}
