//! AWS access for `--out s3://…` and `lab publish` (feature `s3`): the settings and credential
//! chain ([`Aws::connect`]), an S3 bucket with blocking calls over object_store
//! ([`s3::Bucket`]) and the few Glue catalog calls `lab publish` needs ([`glue::Glue`]). The
//! rest of the crate is synchronous: this module owns a small tokio runtime and blocks on it,
//! so async code stays inside it.
//!
//! Credentials come from the standard chain: `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` /
//! `AWS_SESSION_TOKEN`; else the profile `AWS_PROFILE` (or `default`) of the shared files
//! (`AWS_SHARED_CREDENTIALS_FILE` or `~/.aws/credentials`, `AWS_CONFIG_FILE` or
//! `~/.aws/config`, read by [`profile`]); else web identity or container credentials
//! (object_store's providers); else the EC2 instance metadata service, unless
//! `AWS_EC2_METADATA_DISABLED=true`, in which case no credentials is an error before any
//! request. The region is `--region`, `AWS_REGION`, `AWS_DEFAULT_REGION`, the profile's
//! `region`, or `us-east-1`; the endpoint is `--endpoint`, `AWS_ENDPOINT_URL_S3` (S3 only),
//! `AWS_ENDPOINT_URL`, or AWS's own.

pub mod glue;
pub mod profile;
pub mod s3;

use object_store::ClientOptions;
use object_store::aws::{AmazonS3, AmazonS3Builder, AwsCredential};
use std::sync::Arc;
use std::time::Duration;

/// What the command line may override.
#[derive(Clone, Debug, Default)]
pub struct Settings {
    /// `--region`.
    pub region: Option<String>,
    /// `--endpoint` (an S3-compatible endpoint, e.g. a local test server).
    pub endpoint: Option<String>,
}

/// Why an AWS operation failed; every kind is reported with exit code 2.
#[derive(Debug)]
pub enum AwsError {
    /// No credentials could be found (or the profile named does not exist).
    NoCredentials(String),
    /// The bucket does not exist.
    NoBucket(String),
    /// The credentials were refused, or lack a permission.
    Denied(String),
    /// Anything else: the network, the endpoint, an unexpected answer.
    Other(String),
}

impl std::fmt::Display for AwsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AwsError::NoCredentials(m)
            | AwsError::NoBucket(m)
            | AwsError::Denied(m)
            | AwsError::Other(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for AwsError {}

/// A connection to AWS (or an S3-compatible endpoint): runtime, region, endpoint and the
/// credentials' source.
pub struct Aws {
    rt: Arc<tokio::runtime::Runtime>,
    pub region: String,
    endpoint: Option<String>,
    s3_endpoint: Option<String>,
    /// Keys from a profile file, when the environment had none.
    profile_keys: Option<profile::Keys>,
}

/// Makes ring the process's TLS crypto provider (HTTPS to S3 and Glue), unless one is set:
/// reqwest is built without a provider of its own.
fn tls() {
    // An error means a provider is already installed, which is as good.
    let _ = rustls::crypto::ring::default_provider().install_default();
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

impl Aws {
    /// Resolves region, endpoint and the source of credentials, and starts the runtime.
    /// Fails when no credentials can exist (see the module documentation).
    pub fn connect(settings: &Settings) -> Result<Aws, AwsError> {
        tls();
        let files = profile::Files::from_env();
        let prof = files.profile().map_err(AwsError::NoCredentials)?;
        let region = settings
            .region
            .clone()
            .or_else(|| env("AWS_REGION"))
            .or_else(|| env("AWS_DEFAULT_REGION"))
            .or_else(|| prof.as_ref().and_then(|p| p.region.clone()))
            .unwrap_or_else(|| "us-east-1".to_string());
        let endpoint = settings
            .endpoint
            .clone()
            .or_else(|| env("AWS_ENDPOINT_URL"));
        let s3_endpoint = settings
            .endpoint
            .clone()
            .or_else(|| env("AWS_ENDPOINT_URL_S3"))
            .or_else(|| endpoint.clone());
        let env_keys = env("AWS_ACCESS_KEY_ID").is_some() && env("AWS_SECRET_ACCESS_KEY").is_some();
        let profile_keys = if env_keys {
            None
        } else {
            prof.and_then(|p| p.keys)
        };
        let other_source = [
            "AWS_WEB_IDENTITY_TOKEN_FILE",
            "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
            "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        ]
        .iter()
        .any(|v| env(v).is_some());
        let imds_off =
            env("AWS_EC2_METADATA_DISABLED").is_some_and(|v| v.eq_ignore_ascii_case("true"));
        if !env_keys && profile_keys.is_none() && !other_source && imds_off {
            return Err(AwsError::NoCredentials(format!(
                "no AWS credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or \
                 AWS_PROFILE with a profile in {} (the instance metadata service is disabled \
                 by AWS_EC2_METADATA_DISABLED)",
                files.credentials.display()
            )));
        }
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("lab-aws")
            .enable_all()
            .build()
            .map_err(|e| AwsError::Other(format!("cannot start the AWS client runtime: {e}")))?;
        Ok(Aws {
            rt: Arc::new(rt),
            region,
            endpoint,
            s3_endpoint,
            profile_keys,
        })
    }

    /// The endpoint for a service other than S3 (`None`: AWS's own).
    pub fn endpoint(&self) -> Option<&str> {
        self.endpoint.as_deref()
    }

    /// Runs a future to completion on the runtime (from any thread outside it).
    pub(crate) fn block_on<F: std::future::Future>(&self, f: F) -> F::Output {
        self.rt.block_on(f)
    }

    /// Starts a future on the runtime, to be waited for later.
    pub(crate) fn spawn<F>(&self, f: F) -> tokio::task::JoinHandle<F::Output>
    where
        F: std::future::Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.rt.spawn(f)
    }

    /// Enters the runtime's context on this thread (object_store spawns upload tasks from
    /// synchronous calls).
    pub(crate) fn enter(&self) -> tokio::runtime::EnterGuard<'_> {
        self.rt.enter()
    }

    /// The object_store client for `bucket`.
    pub(crate) fn store(&self, bucket: &str) -> Result<AmazonS3, AwsError> {
        let mut b = AmazonS3Builder::from_env()
            .with_bucket_name(bucket)
            .with_region(&self.region)
            .with_client_options(
                ClientOptions::new()
                    .with_connect_timeout(Duration::from_secs(10))
                    .with_timeout(Duration::from_secs(300)),
            );
        if let Some(e) = &self.s3_endpoint {
            b = b
                .with_endpoint(e)
                .with_allow_http(e.starts_with("http://"))
                .with_virtual_hosted_style_request(false);
        }
        // Like the AWS SDKs, over HTTPS (AWS itself) a request signs its headers but not its
        // body (`UNSIGNED-PAYLOAD`): TLS already protects the bytes, and hashing every part
        // for the signature would read the whole lake once more. Over plain HTTP (a local
        // S3-compatible endpoint) the body's SHA-256 is signed too. `AWS_UNSIGNED_PAYLOAD`
        // (`true`/`false`), read by the builder, decides instead when it is set.
        if env("AWS_UNSIGNED_PAYLOAD").is_none() {
            let https = self
                .s3_endpoint
                .as_deref()
                .is_none_or(|e| e.starts_with("https://"));
            b = b.with_unsigned_payload(https);
        }
        if let Some(k) = &self.profile_keys {
            b = b
                .with_access_key_id(&k.access_key_id)
                .with_secret_access_key(&k.secret_access_key);
            if let Some(t) = &k.session_token {
                b = b.with_token(t);
            }
        }
        b.build()
            .map_err(|e| AwsError::Other(format!("cannot set up the S3 client: {e}")))
    }

    /// Current credentials from the chain (for signing Glue requests).
    pub(crate) fn credentials(&self, store: &AmazonS3) -> Result<Arc<AwsCredential>, AwsError> {
        self.block_on(store.credentials().get_credential())
            .map_err(|e| AwsError::NoCredentials(format!("no usable AWS credentials: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use object_store::ClientOptions;
    use object_store::client::{HttpConnector, ReqwestConnector};

    /// An HTTPS client (S3 and Glue on AWS) can be built: TLS has its crypto provider.
    #[test]
    fn https_clients_have_a_tls_provider() {
        super::tls();
        let http = ReqwestConnector::default().connect(&ClientOptions::new());
        assert!(http.is_ok(), "{:?}", http.err());
    }
}
