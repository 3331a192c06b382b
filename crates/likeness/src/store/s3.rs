//! The S3 backend: object_store's `AmazonS3` (SigV4 signed with ring, TLS through reqwest's
//! rustls with the ring provider: no aws-lc in the build), under a prefix.

use std::sync::Arc;
use std::time::Duration;

use object_store::aws::AmazonS3Builder;
use object_store::prefix::PrefixStore;
use object_store::{BackoffConfig, ClientOptions, ObjectStore, RetryConfig};

use super::settings::S3Settings;
use crate::error::{Error, Result};

/// A request that has not finished by then has failed (images are a few MB at most).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// The objects under `prefix` in `bucket`. Nothing is sent until the first request.
pub(super) fn open(bucket: &str, prefix: &str, s3: &S3Settings) -> Result<Arc<dyn ObjectStore>> {
    crate::fetch::install_crypto_provider();
    // object_store's default retries for up to three minutes: a wrong endpoint would hold a
    // request (and the client waiting on it) that long. Transient errors get a few quick tries.
    let retry = RetryConfig {
        backoff: BackoffConfig {
            init_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(2),
            base: 2.0,
        },
        max_retries: 3,
        retry_timeout: Duration::from_secs(20),
    };
    let options = ClientOptions::new()
        .with_timeout(REQUEST_TIMEOUT)
        .with_connect_timeout(CONNECT_TIMEOUT);
    // Client options first: `with_client_options` replaces them all, `with_allow_http` among
    // them.
    let mut builder = AmazonS3Builder::new()
        .with_client_options(options)
        .with_bucket_name(bucket)
        .with_region(&s3.region)
        .with_access_key_id(&s3.access_key_id)
        .with_secret_access_key(s3.secret_access_key.expose())
        .with_allow_http(s3.allow_http)
        .with_virtual_hosted_style_request(s3.virtual_hosted_style)
        .with_retry(retry);
    if let Some(endpoint) = &s3.endpoint {
        builder = builder.with_endpoint(endpoint);
    }
    // The builder's errors name settings, never their values' secrets.
    let store = builder
        .build()
        .map_err(|e| Error::Config(format!("cannot set up S3 bucket {bucket}: {e}")))?;
    Ok(if prefix.is_empty() {
        Arc::new(store)
    } else {
        Arc::new(PrefixStore::new(store, prefix))
    })
}
