//! `[webhooks]`: how deliveries are sent, and endpoints declared in the file.

use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WebhooksConfig {
    /// Attempts per delivery before it is given up (the first one included).
    pub max_attempts: u32,
    /// The wait before the second attempt; each later one waits six times longer, up to ten
    /// hours (5 s, 30 s, 3 min, 18 min, 2 h, 10 h… by default).
    pub retry_base_ms: u64,
    /// For one attempt: connect, send, answer.
    pub timeout_seconds: u64,
    /// This service's address as receivers reach it (`https://likeness.example`): payloads
    /// then carry absolute `asset_url`s. Without it, `asset_url` is the path (`/assets/…`), or
    /// the public URL when `[storage] public_base_url` is set.
    pub public_url: Option<String>,
    /// Endpoints kept in the file rather than created through the API.
    pub endpoints: Vec<EndpointConfig>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EndpointConfig {
    pub url: String,
    pub events: Vec<String>,
    #[serde(default)]
    pub description: String,
    /// `whsec_` and the base64 of 24 to 64 random bytes (e.g. `echo whsec_$(openssl rand
    /// -base64 32)`): the receiver verifies signatures with it.
    pub secret: String,
}

impl Default for WebhooksConfig {
    fn default() -> Self {
        WebhooksConfig {
            max_attempts: 8,
            retry_base_ms: 5_000,
            timeout_seconds: 15,
            public_url: None,
            endpoints: Vec::new(),
        }
    }
}

impl WebhooksConfig {
    pub(super) fn validate(&self) -> Result<(), String> {
        use crate::bounds::check;
        check("webhooks.max_attempts", self.max_attempts, 1..=50)?;
        check("webhooks.retry_base_ms", self.retry_base_ms, 10..=3_600_000)?;
        check("webhooks.timeout_seconds", self.timeout_seconds, 1..=300)?;
        if let Some(url) = &self.public_url
            && !crate::fetch::is_http_url(url)
        {
            return Err(format!(
                "webhooks.public_url: {url:?} is not an http(s) URL like https://likeness.example"
            ));
        }
        for (i, e) in self.endpoints.iter().enumerate() {
            let key = format!("webhooks.endpoints[{i}]");
            if !crate::fetch::is_http_url(&e.url) {
                return Err(format!("{key}.url: {:?} is not an http(s) URL", e.url));
            }
            crate::webhooks::check_events(&e.events).map_err(|m| format!("{key}.events: {m}"))?;
            crate::webhooks::secret_key(&e.secret).map_err(|m| format!("{key}.secret: {m}"))?;
        }
        Ok(())
    }
}
