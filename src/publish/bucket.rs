//! The bucket side of a publish: reads the manifest, uploads, writes the manifest
//! conditionally, deletes. Retries (network errors, 5xx) are object_store's, bounded in
//! count and time.

use super::plan::{content_type, plan, uses_index_cache, Manifest, MANIFEST};
use super::Report;
use crate::config::Publish;
use crate::error::PublishError;
use crate::output::Output;
use object_store::aws::{AmazonS3, AmazonS3Builder, S3ConditionalPut};
use object_store::path::Path as ObjectPath;
use object_store::{
    Attribute, Attributes, BackoffConfig, ObjectStore, PutMode, PutOptions, PutPayload,
    RetryConfig, UpdateVersion,
};
use std::time::Duration;

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
    /// ([`super::credentials`]), else the instance's or container's role.
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

    async fn upload(&self, path: &str, bytes: &[u8]) -> Result<(), PublishError> {
        let mut attributes = Attributes::new();
        attributes.insert(Attribute::ContentType, content_type(path).into());
        let cache = if uses_index_cache(path) {
            &self.config.cache_index
        } else {
            &self.config.cache_feeds
        };
        attributes.insert(Attribute::CacheControl, cache.clone().into());
        let options = PutOptions {
            attributes,
            ..PutOptions::default()
        };
        self.store
            .put_opts(&self.key(path)?, PutPayload::from(bytes.to_vec()), options)
            .await
            .map(|_| ())
            .map_err(|e| PublishError::Object {
                object: self.url(path),
                message: e.to_string(),
            })
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

    /// An error if an object the manifest does not record stands at one of `paths`:
    /// a publish never overwrites what it did not write. Asked before anything is
    /// written; after the first publish only new feeds are asked about.
    async fn refuse_foreign(
        &self,
        paths: &[String],
        remote: &Manifest,
        e_tag: Option<&str>,
    ) -> Result<(), PublishError> {
        let new: Vec<&String> = paths
            .iter()
            .filter(|p| !remote.objects.contains_key(*p))
            .collect();
        if new.is_empty() {
            return Ok(());
        }
        // Another publisher's new feeds are not foreign: tell a stale view first.
        let now = match self.store.head(&self.key(MANIFEST)?).await {
            Ok(meta) => meta.e_tag,
            Err(object_store::Error::NotFound { .. }) => None,
            Err(e) => {
                return Err(PublishError::Object {
                    object: self.url(MANIFEST),
                    message: e.to_string(),
                })
            }
        };
        if now.as_deref() != e_tag {
            return Err(PublishError::Conflict {
                object: self.url(MANIFEST),
            });
        }
        for batch in new.chunks(CONCURRENCY) {
            let heads = batch.iter().map(|path| async move {
                let key = self.key(path)?;
                match self.store.head(&key).await {
                    Ok(_) => Err(PublishError::Foreign {
                        object: self.url(path),
                    }),
                    Err(object_store::Error::NotFound { .. }) => Ok(()),
                    Err(e) => Err(PublishError::Object {
                        object: self.url(path),
                        message: e.to_string(),
                    }),
                }
            });
            for result in futures::future::join_all(heads).await {
                result?;
            }
        }
        Ok(())
    }

    /// Makes the bucket hold `files`: see the module [`crate::publish`] for the order.
    pub async fn publish(&self, files: &Output) -> Result<Report, PublishError> {
        let state = self.state().await?;
        self.publish_from(files, state).await
    }

    /// [`Bucket::publish`] from a state read earlier: refused, with nothing changed, if
    /// the bucket's manifest is no longer that one.
    pub async fn publish_from(
        &self,
        files: &Output,
        (remote, e_tag): (Manifest, Option<String>),
    ) -> Result<Report, PublishError> {
        let plan = plan(files, &remote);
        if plan.is_empty() {
            return Ok(Report::default());
        }
        self.refuse_foreign(&plan.upload, &remote, e_tag.as_deref())
            .await?;
        let e_tag = self.put_manifest(&plan.intent(&remote), e_tag).await?;
        // Feeds before the index files that link to them.
        let (feeds, index): (Vec<&String>, Vec<&String>) =
            plan.upload.iter().partition(|p| !uses_index_cache(p));
        for group in [feeds, index] {
            for batch in group.chunks(CONCURRENCY) {
                let uploads = batch.iter().map(|path| {
                    let bytes = files.get(*path).map_or(&[][..], Vec::as_slice);
                    self.upload(path, bytes)
                });
                for result in futures::future::join_all(uploads).await {
                    result?;
                }
            }
        }
        // Deletes before the final manifest, so that one stopped between the two is
        // still listed and deleted by the next publish.
        for path in &plan.delete {
            match self.store.delete(&self.key(path)?).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
                Err(e) => {
                    return Err(PublishError::Object {
                        object: self.url(path),
                        message: e.to_string(),
                    })
                }
            }
        }
        self.put_manifest(&plan.manifest, e_tag).await?;
        Ok(Report {
            uploaded: plan.upload,
            deleted: plan.delete,
        })
    }
}

/// Publishes `files` once, on a runtime of its own (for `--once`).
pub fn publish_once(config: &Publish, files: &Output) -> Result<Report, PublishError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| PublishError::Setup {
            message: format!("cannot start the network runtime: {e}"),
        })?;
    let bucket = Bucket::new(config)?;
    runtime.block_on(bucket.publish(files))
}
