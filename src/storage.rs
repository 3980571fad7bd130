//! The document store: the archive's bytes outside the database, content-addressed
//! (`<sha256[0..2]>/<sha256>`), in a folder (`LocalFileSystem`) or an S3-compatible bucket
//! (`s3://bucket/prefix`, `AmazonS3Builder::from_env`: endpoint, keys and region from the
//! usual `AWS_*` variables, `AWS_ALLOW_HTTP=true` for a local server). Its calls are async and
//! run in the handlers, never inside `web::block`.

use std::path::PathBuf;
use std::sync::Arc;

use actix_web::web::Bytes;
use futures_util::stream::BoxStream;
use futures_util::StreamExt;
use object_store::aws::{AmazonS3Builder, AmazonS3ConfigKey};
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::{ObjectStore, PutPayload, WriteMultipart};

use crate::domain::document::object_path;

/// The default folder of the documents.
pub const DEFAULT_STORAGE: &str = "./data/documents";

/// Where the documents are kept, as `COOPHUB_STORAGE` says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StorageConfig {
    /// A folder (created on first use).
    Folder(PathBuf),
    /// An S3-compatible bucket and a key prefix (may be empty); `options` are builder settings
    /// (`aws_endpoint`, `aws_allow_http`, …) applied over the `AWS_*` environment.
    S3 {
        bucket: String,
        prefix: String,
        options: Vec<(String, String)>,
    },
}

impl Default for StorageConfig {
    fn default() -> Self {
        StorageConfig::Folder(PathBuf::from(DEFAULT_STORAGE))
    }
}

impl StorageConfig {
    /// `s3://bucket/prefix`, or a folder path; empty: the default folder.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        if text.is_empty() {
            return Ok(Self::default());
        }
        if let Some(rest) = text.strip_prefix("s3://") {
            let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
            if bucket.is_empty() {
                return Err(format!("{text:?} names no bucket (s3://bucket/prefix)"));
            }
            return Ok(StorageConfig::S3 {
                bucket: bucket.to_string(),
                prefix: prefix.trim_matches('/').to_string(),
                options: Vec::new(),
            });
        }
        if text.contains("://") {
            return Err(format!(
                "{text:?} is neither a folder nor an s3://bucket/prefix URL"
            ));
        }
        Ok(StorageConfig::Folder(PathBuf::from(text)))
    }
}

/// One document's bytes in the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredObject {
    pub sha256: String,
    pub size: u64,
    pub last_modified: chrono::DateTime<chrono::Utc>,
}

/// 64 lower-case hex digits.
fn is_sha256(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// Reads `len` bytes of `file` from `at`, off the async executor.
async fn read_part(file: Arc<std::fs::File>, at: u64, len: usize) -> Result<Bytes, StoreError> {
    let read = tokio::task::spawn_blocking(move || {
        use std::io::{Read, Seek, SeekFrom};
        let mut buf = vec![0; len];
        let mut f = &*file;
        f.seek(SeekFrom::Start(at))?;
        f.read_exact(&mut buf)?;
        Ok::<_, std::io::Error>(Bytes::from(buf))
    })
    .await;
    let io = |e: std::io::Error| {
        StoreError(object_store::Error::Generic {
            store: "spool",
            source: Box::new(e),
        })
    };
    match read {
        Ok(r) => r.map_err(io),
        Err(e) => Err(io(std::io::Error::other(e))),
    }
}

/// A folder's parts: small, so an upload holds little memory.
const FOLDER_PART: usize = 128 * 1024;
/// S3's smallest part of a multipart upload (but the last).
const S3_PART: usize = 5 * 1024 * 1024;

/// Why the store did not answer (logged; the client gets a 503).
#[derive(Debug, thiserror::Error)]
#[error("document store: {0}")]
pub struct StoreError(#[from] object_store::Error);

/// The opened document store.
#[derive(Clone, Debug)]
pub struct DocumentStore {
    inner: Arc<dyn ObjectStore>,
    prefix: String,
    /// The part size of a multipart upload from a file.
    part_size: usize,
}

impl DocumentStore {
    /// Opens the store (a folder is created if missing).
    pub fn open(config: &StorageConfig) -> Result<Self, String> {
        match config {
            StorageConfig::Folder(dir) => {
                std::fs::create_dir_all(dir)
                    .map_err(|e| format!("cannot create the folder {}: {e}", dir.display()))?;
                let fs = LocalFileSystem::new_with_prefix(dir)
                    .map_err(|e| format!("cannot open the folder {}: {e}", dir.display()))?;
                Ok(DocumentStore {
                    inner: Arc::new(fs),
                    prefix: String::new(),
                    part_size: FOLDER_PART,
                })
            }
            StorageConfig::S3 {
                bucket,
                prefix,
                options,
            } => {
                let mut builder = AmazonS3Builder::from_env().with_bucket_name(bucket);
                for (key, value) in options {
                    let key: AmazonS3ConfigKey = key
                        .parse()
                        .map_err(|e| format!("unknown S3 setting {key}: {e}"))?;
                    builder = builder.with_config(key, value);
                }
                let s3 = builder
                    .build()
                    .map_err(|e| format!("cannot open s3://{bucket}: {e}"))?;
                Ok(DocumentStore {
                    inner: Arc::new(s3),
                    prefix: prefix.clone(),
                    part_size: S3_PART,
                })
            }
        }
    }

    fn path(&self, sha256: &str) -> Path {
        let key = object_path(sha256);
        if self.prefix.is_empty() {
            Path::from(key)
        } else {
            Path::from(format!("{}/{key}", self.prefix))
        }
    }

    /// Whether the bytes with this hash are stored.
    pub async fn contains(&self, sha256: &str) -> Result<bool, StoreError> {
        match self.inner.head(&self.path(sha256)).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// Stores `bytes` under their hash unless they are there already; whether they were new.
    /// Content-addressed, so two uploads of the same bytes racing write the same object.
    pub async fn put_once(&self, sha256: &str, bytes: Bytes) -> Result<bool, StoreError> {
        if self.contains(sha256).await? {
            return Ok(false);
        }
        self.inner
            .put(&self.path(sha256), PutPayload::from(bytes))
            .await?;
        Ok(true)
    }

    /// Every object of the store that is a document's bytes (`<sha256[0..2]>/<sha256>` under
    /// the prefix), with its last change; anything else in the folder or bucket is left out.
    pub async fn list_objects(&self) -> Result<Vec<StoredObject>, StoreError> {
        let prefix = (!self.prefix.is_empty()).then(|| Path::from(self.prefix.as_str()));
        let mut listing = self.inner.list(prefix.as_ref());
        let mut out = Vec::new();
        while let Some(meta) = listing.next().await {
            let meta = meta?;
            let parts: Vec<_> = meta.location.parts().collect();
            let [.., dir, name] = parts.as_slice() else {
                continue;
            };
            let sha256 = name.as_ref();
            if is_sha256(sha256) && object_path(sha256) == format!("{}/{sha256}", dir.as_ref()) {
                out.push(StoredObject {
                    sha256: sha256.to_string(),
                    size: meta.size,
                    last_modified: meta.last_modified,
                });
            }
        }
        Ok(out)
    }

    /// Removes the bytes with this hash (none there: nothing to do).
    pub async fn delete(&self, sha256: &str) -> Result<(), StoreError> {
        match self.inner.delete(&self.path(sha256)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// Stores the `size` bytes of `file` (from its start) under their hash unless they are
    /// there already; whether they were new. Read and sent a part at a time (a multipart
    /// upload: 128 KiB parts in a folder, 5 MiB — S3's smallest — in a bucket), so the bytes
    /// are never all in memory.
    pub async fn put_file_once(
        &self,
        sha256: &str,
        file: Arc<std::fs::File>,
        size: u64,
    ) -> Result<bool, StoreError> {
        if self.contains(sha256).await? {
            return Ok(false);
        }
        let part = self.part_size;
        let path = self.path(sha256);
        if size <= part as u64 {
            let bytes = read_part(file, 0, size as usize).await?;
            self.inner.put(&path, PutPayload::from(bytes)).await?;
            return Ok(true);
        }
        let upload = self.inner.put_multipart(&path).await?;
        let mut writer = WriteMultipart::new_with_chunk_size(upload, part);
        let mut at = 0u64;
        while at < size {
            let len = (size - at).min(part as u64) as usize;
            let bytes = match read_part(file.clone(), at, len).await {
                Ok(b) => b,
                Err(e) => {
                    let _ = writer.abort().await;
                    return Err(e);
                }
            };
            if let Err(e) = writer.wait_for_capacity(1).await {
                return Err(e.into());
            }
            writer.put(bytes);
            at += len as u64;
        }
        writer.finish().await?;
        Ok(true)
    }

    /// The stored bytes, as a stream.
    pub async fn get(
        &self,
        sha256: &str,
    ) -> Result<BoxStream<'static, Result<Bytes, StoreError>>, StoreError> {
        let found = self.inner.get(&self.path(sha256)).await?;
        Ok(found.into_stream().map(|r| r.map_err(StoreError)).boxed())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn storage_settings_parse() {
        assert_eq!(StorageConfig::parse("").unwrap(), StorageConfig::default());
        assert_eq!(
            StorageConfig::parse("/var/lib/coophub/docs").unwrap(),
            StorageConfig::Folder("/var/lib/coophub/docs".into())
        );
        assert_eq!(
            StorageConfig::parse("s3://archive/coophub/docs/").unwrap(),
            StorageConfig::S3 {
                bucket: "archive".into(),
                prefix: "coophub/docs".into(),
                options: vec![]
            }
        );
        assert!(StorageConfig::parse("s3:///x").is_err());
        assert!(StorageConfig::parse("gs://bucket").is_err());
    }
}
