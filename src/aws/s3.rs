//! One S3 bucket with blocking calls: the checks made before a run ([`Bucket::check`]), whole
//! small objects (`get`, `put`, `delete`, `list`), and [`Upload`], a `Write` that streams a
//! file to S3 with bounded memory: up to [`PART`] bytes are buffered; a file that stays
//! smaller is sent with one PUT when completed, a larger one becomes a multipart upload of
//! [`PART`]-byte parts with at most [`IN_FLIGHT`] parts uploading at once. Completing a file
//! (its PUT, or the last parts and the completion of its multipart upload) runs in the
//! background, at most [`COMPLETING`] at once, so that the writer goes on with the next file
//! rather than waiting for a round trip per file; [`Bucket::settle`] waits for them all and
//! reports the first failure — a caller settles before it writes what makes the files
//! visible (the manifest). An upload is visible only once completed; one dropped before
//! that is aborted.

use super::{Aws, AwsError};
use futures_util::TryStreamExt;
use object_store::aws::AmazonS3;
use object_store::path::Path as Key;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload, WriteMultipart};
use std::io::{self, Write};
use std::sync::{Arc, Mutex};
use tokio::sync::Semaphore;
use tokio::task::JoinHandle;

/// Part size of multipart uploads (S3's minimum is 5 MiB).
pub const PART: usize = 8 << 20;
/// Parts of one file uploading at once.
pub const IN_FLIGHT: usize = 4;
/// Files completing in the background at once (their buffers, up to [`PART`] each, are held
/// until then).
pub const COMPLETING: usize = 16;

/// A bucket of a connection.
pub struct Bucket {
    aws: Arc<Aws>,
    store: Arc<AmazonS3>,
    pub name: String,
    completing: Arc<Completing>,
}

/// The files completing in the background: a permit per file, and the tasks to wait for.
struct Completing {
    permits: Arc<Semaphore>,
    tasks: Mutex<Vec<JoinHandle<Result<(), String>>>>,
}

impl Bucket {
    pub fn new(aws: Arc<Aws>, name: &str) -> Result<Bucket, AwsError> {
        let store = Arc::new(aws.store(name)?);
        Ok(Bucket {
            aws,
            store,
            name: name.to_string(),
            completing: Arc::new(Completing {
                permits: Arc::new(Semaphore::new(COMPLETING)),
                tasks: Mutex::new(Vec::new()),
            }),
        })
    }

    /// Waits until every file completed so far is in the bucket; the first failure among them
    /// is the error.
    pub fn settle(&self) -> io::Result<()> {
        let tasks = std::mem::take(
            &mut *self
                .completing
                .tasks
                .lock()
                .unwrap_or_else(|p| p.into_inner()),
        );
        let mut first = None;
        for t in tasks {
            let outcome = match self.aws.block_on(t) {
                Ok(r) => r,
                Err(e) => Err(format!("an upload task failed: {e}")),
            };
            if let (Err(e), None) = (outcome, &first) {
                first = Some(e);
            }
        }
        first.map_or(Ok(()), |e| Err(io::Error::other(e)))
    }

    /// The connection this bucket belongs to.
    pub fn aws(&self) -> &Arc<Aws> {
        &self.aws
    }

    /// The object_store client (for its credentials).
    pub(crate) fn store(&self) -> &Arc<AmazonS3> {
        &self.store
    }

    /// `s3://bucket/key`.
    pub fn url(&self, key: &str) -> String {
        format!("s3://{}/{key}", self.name)
    }

    /// Checks that the bucket exists and the credentials may list `prefix`: the check made
    /// before any work, so a missing bucket or refused credentials fail fast.
    pub fn check(&self, prefix: &str) -> Result<(), AwsError> {
        let p = Key::from(prefix);
        let at = if prefix.is_empty() { None } else { Some(&p) };
        self.aws
            .block_on(self.store.list_with_delimiter(at))
            .map(|_| ())
            .map_err(|e| self.classify(&e, &self.url(prefix)))
    }

    /// Sorts an object_store error into the kinds the command line explains.
    pub(crate) fn classify(&self, e: &object_store::Error, what: &str) -> AwsError {
        let text = e.to_string();
        let has = |s: &str| text.contains(s);
        if has("NoSuchBucket") || has("bucket does not exist") {
            AwsError::NoBucket(format!(
                "the S3 bucket `{}` does not exist (create it first, or check --out, the \
                 region and the endpoint)",
                self.name
            ))
        } else if matches!(e, object_store::Error::Unauthenticated { .. })
            || has("InvalidAccessKeyId")
            || has("SignatureDoesNotMatch")
            || has("ExpiredToken")
            || has("credential")
            || has("Credential")
        {
            AwsError::NoCredentials(format!(
                "no usable AWS credentials for {what}: {text} (set AWS_ACCESS_KEY_ID and \
                 AWS_SECRET_ACCESS_KEY, or AWS_PROFILE)"
            ))
        } else if matches!(e, object_store::Error::PermissionDenied { .. }) || has("AccessDenied") {
            AwsError::Denied(format!("access to {what} was denied: {text}"))
        } else {
            AwsError::Other(format!("S3 request for {what} failed: {text}"))
        }
    }

    fn io(&self, e: &object_store::Error, key: &str) -> io::Error {
        io::Error::other(self.classify(e, &self.url(key)).to_string())
    }

    /// The object at `key`, or `None` when there is none.
    pub fn get(&self, key: &str) -> io::Result<Option<Vec<u8>>> {
        let k = Key::from(key);
        let got = self.aws.block_on(async {
            match self.store.get(&k).await {
                Ok(r) => r.bytes().await.map(Some),
                Err(object_store::Error::NotFound { .. }) => Ok(None),
                Err(e) => Err(e),
            }
        });
        got.map(|b| b.map(|b| b.to_vec()))
            .map_err(|e| self.io(&e, key))
    }

    /// Writes a whole object.
    pub fn put(&self, key: &str, bytes: &[u8]) -> io::Result<()> {
        let payload = PutPayload::from(bytes.to_vec());
        self.aws
            .block_on(self.store.put(&Key::from(key), payload))
            .map(|_| ())
            .map_err(|e| self.io(&e, key))
    }

    /// Deletes an object (a missing one is no error).
    pub fn delete(&self, key: &str) -> io::Result<()> {
        match self.aws.block_on(self.store.delete(&Key::from(key))) {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(self.io(&e, key)),
        }
    }

    /// Every object key under `prefix` (recursively), sorted.
    pub fn list(&self, prefix: &str) -> io::Result<Vec<String>> {
        let p = Key::from(prefix);
        let mut keys: Vec<String> = self
            .aws
            .block_on(
                self.store
                    .list(Some(&p))
                    .map_ok(|m| m.location.to_string())
                    .try_collect::<Vec<_>>(),
            )
            .map_err(|e| self.io(&e, prefix))?;
        keys.sort();
        Ok(keys)
    }

    /// Starts streaming an object to `key`.
    pub fn create(&self, key: &str) -> Upload {
        Upload {
            aws: self.aws.clone(),
            store: self.store.clone(),
            bucket: self.name.clone(),
            key: key.to_string(),
            buf: Vec::new(),
            multipart: None,
            completing: self.completing.clone(),
        }
    }
}

/// An object being written (see the module documentation).
pub struct Upload {
    aws: Arc<Aws>,
    store: Arc<AmazonS3>,
    bucket: String,
    key: String,
    buf: Vec<u8>,
    multipart: Option<WriteMultipart>,
    completing: Arc<Completing>,
}

impl Upload {
    fn err(&self, e: object_store::Error) -> io::Error {
        io::Error::other(format!(
            "upload of s3://{}/{} failed: {e}",
            self.bucket, self.key
        ))
    }

    /// Completes the object in the background (see the module documentation): one PUT for a
    /// small file, the completion of the multipart upload for a large one. Waits only while
    /// [`COMPLETING`] files are already completing.
    pub fn complete(mut self) -> io::Result<()> {
        let permits = self.completing.permits.clone();
        let permit = self
            .aws
            .block_on(permits.acquire_owned())
            .map_err(io::Error::other)?;
        let what = format!("upload of s3://{}/{} failed", self.bucket, self.key);
        let multipart = self.multipart.take();
        let payload = PutPayload::from(std::mem::take(&mut self.buf));
        let store = self.store.clone();
        let key = Key::from(self.key.as_str());
        let task = self.aws.spawn(async move {
            let done = match multipart {
                Some(m) => m.finish().await.map(|_| ()),
                None => store.put(&key, payload).await.map(|_| ()),
            };
            drop(permit);
            done.map_err(|e| format!("{what}: {e}"))
        });
        self.completing
            .tasks
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(task);
        Ok(())
    }
}

impl Write for Upload {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let aws = self.aws.clone();
        let _context = aws.enter();
        if let Some(m) = &mut self.multipart {
            m.write(data);
            let waited = self.aws.block_on(m.wait_for_capacity(IN_FLIGHT));
            return waited.map(|()| data.len()).map_err(|e| self.err(e));
        }
        self.buf.extend_from_slice(data);
        if self.buf.len() >= PART {
            let key = Key::from(self.key.as_str());
            let upload = self
                .aws
                .block_on(self.store.put_multipart(&key))
                .map_err(|e| self.err(e))?;
            let mut m = WriteMultipart::new_with_chunk_size(upload, PART);
            m.write(&std::mem::take(&mut self.buf));
            let waited = self.aws.block_on(m.wait_for_capacity(IN_FLIGHT));
            self.multipart = Some(m);
            waited.map_err(|e| self.err(e))?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Drop for Upload {
    fn drop(&mut self) {
        // An upload never completed is aborted, so its parts are not kept (and billed).
        if let Some(m) = self.multipart.take() {
            let _ = self.aws.block_on(m.abort());
        }
    }
}
