//! Posting to a user-supplied URL (webhook endpoints) under the same guard as fetching: http(s)
//! only, no credentials in the URL, no proxies, non-public addresses refused in the resolver
//! (and for IP literals before sending), and no redirects at all — a webhook answered with a
//! redirect has failed, as Standard Webhooks senders treat it.

use std::sync::Arc;
use std::time::Duration;

use reqwest::{Url, header, redirect};

use super::{FetchError, FetchPolicy, GuardedResolver, USER_AGENT, error_chain, parse_url};

/// Sends POSTs under a [`FetchPolicy`]. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Poster {
    client: reqwest::Client,
    policy: Arc<FetchPolicy>,
}

/// What an endpoint answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answered {
    pub status: u16,
}

impl Poster {
    /// A poster whose every request must finish within `timeout`.
    pub fn new(policy: FetchPolicy, timeout: Duration) -> Result<Poster, FetchError> {
        super::install_crypto_provider();
        let policy = Arc::new(policy);
        let client = reqwest::Client::builder()
            .user_agent(USER_AGENT)
            .no_proxy()
            .dns_resolver(Arc::new(GuardedResolver {
                policy: Arc::clone(&policy),
            }))
            .redirect(redirect::Policy::none())
            .referer(false)
            .connect_timeout(policy.connect_timeout.min(timeout))
            .timeout(timeout)
            .build()
            .map_err(|e| FetchError::Client(error_chain(&e)))?;
        Ok(Poster { client, policy })
    }

    /// The static checks alone (scheme, credentials, length, IP literals), for refusing a URL
    /// when it is registered rather than at its first delivery.
    pub fn check(&self, url: &str) -> Result<Url, FetchError> {
        parse_url(url, &self.policy)
    }

    /// POSTs `body` as JSON with `headers`; any answer is `Ok` (the caller judges the status),
    /// a refused address, a timeout or a broken connection is `Err`.
    pub async fn post_json(
        &self,
        url: &str,
        headers: &[(&'static str, String)],
        body: String,
    ) -> Result<Answered, FetchError> {
        let url = parse_url(url, &self.policy)?;
        let host = url.host_str().unwrap_or_default().to_owned();
        let mut request = self
            .client
            .post(url)
            .header(header::CONTENT_TYPE, "application/json")
            .body(body);
        for (name, value) in headers {
            request = request.header(*name, value);
        }
        let response = request.send().await.map_err(|e| classify(&e, &host))?;
        // The body is not read: only the status counts, and a receiver's page is not kept.
        Ok(Answered {
            status: response.status().as_u16(),
        })
    }
}

fn classify(err: &reqwest::Error, host: &str) -> FetchError {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = source {
        if let Some(ours) = e.downcast_ref::<FetchError>() {
            return ours.clone();
        }
        source = e.source();
    }
    FetchError::Connect {
        host: host.to_owned(),
        reason: if err.is_timeout() {
            "no answer in time".to_owned()
        } else {
            error_chain(err)
        },
    }
}
