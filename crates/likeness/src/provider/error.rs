//! What can go wrong inside a provider, typed so that the queue, the fallback chain, the
//! breaker and the API can each decide what to do (DESIGN.md's provider error table). Codes are
//! stable strings; a code, once published, is never renamed.

use std::time::Duration;

use crate::codes;

#[derive(Debug, Clone, thiserror::Error)]
pub enum ProviderError {
    #[error("provider {provider} cannot draw style {style:?}; it can draw: {}", can_draw.join(", "))]
    UnsupportedStyle {
        provider: String,
        style: String,
        can_draw: Vec<String>,
    },
    #[error("unknown provider {name:?}; available: {}", available.join(", "))]
    UnknownProvider {
        name: String,
        available: Vec<String>,
    },
    #[error("style {style:?} has an invalid renderer recipe: {message}")]
    BadRecipe { style: String, message: String },
    #[error("attribute {name} = {value:?} is not usable: expected {expected}")]
    BadAttribute {
        name: String,
        value: String,
        expected: String,
    },
    #[error("rendering failed: {0}")]
    Render(String),
    /// The provider refused the prompt or its own image (OpenAI `moderation_blocked`, Gemini's
    /// HTTP-200 blocks). `reason` is the provider's word for it (`IMAGE_SAFETY`, ...).
    /// `retryable` is set for refusals that often pass on a second try (Gemini's `NO_IMAGE`
    /// and text-only answers).
    #[error("{provider} refused to make this image ({reason}): {message}")]
    ContentFiltered {
        provider: String,
        reason: String,
        message: String,
        retryable: bool,
    },
    /// HTTP 429 or a quota error; `retry_after` is the provider's hint when it gave one.
    #[error("{provider} is rate limiting{}: {message}", retry_after.map(|d| format!(" (retry in {:.1} s)", d.as_secs_f64())).unwrap_or_default())]
    RateLimited {
        provider: String,
        retry_after: Option<Duration>,
        message: String,
    },
    /// 5xx, a refused connection, a dropped connection.
    #[error("{provider} is unavailable: {message}")]
    Unavailable { provider: String, message: String },
    #[error("{provider} did not answer within {seconds} s")]
    Timeout { provider: String, seconds: u64 },
    /// A 4xx that is neither auth nor a rate limit: our bug or a setting the provider rejects.
    #[error("{provider} rejected the request (HTTP {status}): {message}")]
    BadRequest {
        provider: String,
        status: u16,
        message: String,
    },
    /// The key is wrong, expired or lacks permission (or the account cannot use the model).
    #[error("{provider} refused the credentials (HTTP {status}): {message} (check {hint})")]
    Auth {
        provider: String,
        status: u16,
        message: String,
        hint: String,
    },
    #[error("{provider} has no API key: set {env} or `api_key` in [providers.{provider}]")]
    NoKey { provider: String, env: String },
    /// A provider on the operator's own machines that nobody has pointed likeness at.
    #[error(
        "{provider} is not set up: set {env} or `base_url` in [providers.{provider}] to its address"
    )]
    NotConfigured { provider: String, env: String },
    /// This subject's request cannot be made: no reference photo for an identity-preserving
    /// workflow, or one the provider cannot use. Other subjects go on.
    #[error("{provider} cannot make this subject's image: {message}")]
    NeedsReference { provider: String, message: String },
    /// The provider took the request and failed while making the image (a ComfyUI node
    /// raised an exception). Recorded on the subject; the batch goes on.
    #[error("{provider} failed while making the image: {message}")]
    Failed { provider: String, message: String },
    /// An answer we cannot use: truncated, not JSON, bad base64, not an image, too large.
    #[error("{provider} sent an unusable answer: {message}")]
    BadResponse { provider: String, message: String },
    #[error(
        "{provider} is switched off after {failures} failures in a row (last: {last}); \
         it is tried again in {} s",
        retry_in.as_secs()
    )]
    BreakerOpen {
        provider: String,
        failures: u32,
        last: String,
        retry_in: Duration,
    },
    #[error(
        "style {style:?} does not allow sending reference photos to {provider}, a cloud \
         provider; set `send_references = true` in the style to allow it"
    )]
    ReferencesNotAllowed { provider: String, style: String },
    /// No provider of a style's chain can be used here (no key, not set up): refused before
    /// anything is planned. `last` is the last link's reason.
    #[error(
        "style {style:?} cannot be made here: no provider of its chain is usable: {}",
        reasons.join("; ")
    )]
    StyleUnusable {
        style: String,
        reasons: Vec<String>,
        last: Box<ProviderError>,
    },
    /// Every link of a style's provider chain failed; `last` is the last link's error (also
    /// the last of `failures`).
    #[error("no provider of the chain could make the image: {}", failures.join("; "))]
    ChainFailed {
        failures: Vec<String>,
        last: Box<ProviderError>,
    },
}

impl ProviderError {
    pub fn code(&self) -> &'static str {
        match self {
            ProviderError::UnsupportedStyle { .. } => codes::PROVIDER_UNSUPPORTED_STYLE,
            ProviderError::UnknownProvider { .. } => codes::PROVIDER_UNKNOWN,
            ProviderError::BadRecipe { .. } => codes::PROVIDER_BAD_RECIPE,
            ProviderError::BadAttribute { .. } => codes::PROVIDER_BAD_ATTRIBUTE,
            ProviderError::Render(_) => codes::PROVIDER_RENDER_FAILED,
            ProviderError::ContentFiltered { .. } => codes::PROVIDER_CONTENT_FILTERED,
            ProviderError::RateLimited { .. } => codes::PROVIDER_RATE_LIMITED,
            ProviderError::Unavailable { .. } => codes::PROVIDER_UNAVAILABLE,
            ProviderError::Timeout { .. } => codes::PROVIDER_TIMEOUT,
            ProviderError::BadRequest { .. } => codes::PROVIDER_BAD_REQUEST,
            ProviderError::Auth { .. } => codes::PROVIDER_AUTH,
            ProviderError::NoKey { .. } => codes::PROVIDER_NO_KEY,
            ProviderError::NotConfigured { .. } => codes::PROVIDER_NOT_CONFIGURED,
            ProviderError::BadResponse { .. } => codes::PROVIDER_BAD_RESPONSE,
            ProviderError::NeedsReference { .. } => codes::PROVIDER_NEEDS_REFERENCE,
            ProviderError::Failed { .. } => codes::PROVIDER_GENERATION_FAILED,
            ProviderError::BreakerOpen { .. } => codes::PROVIDER_BREAKER_OPEN,
            ProviderError::ReferencesNotAllowed { .. } => codes::PROVIDER_REFERENCES_NOT_ALLOWED,
            ProviderError::ChainFailed { last, .. } | ProviderError::StyleUnusable { last, .. } => {
                last.code()
            }
        }
    }

    /// Whether trying the same request again later could succeed.
    pub fn is_retryable(&self) -> bool {
        match self {
            ProviderError::RateLimited { .. }
            | ProviderError::Unavailable { .. }
            | ProviderError::Timeout { .. }
            | ProviderError::BadResponse { .. }
            | ProviderError::BreakerOpen { .. } => true,
            ProviderError::ContentFiltered { retryable, .. } => *retryable,
            ProviderError::ChainFailed { last, .. } => last.is_retryable(),
            _ => false,
        }
    }

    /// The provider's own retry hint (Retry-After, retry-after-ms, Gemini's RetryInfo).
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            ProviderError::RateLimited { retry_after, .. } => *retry_after,
            ProviderError::BreakerOpen { retry_in, .. } => Some(*retry_in),
            ProviderError::ChainFailed { last, .. } => last.retry_after(),
            _ => None,
        }
    }

    /// The provider is down for everyone: the breaker counts it, and a batch whose chain ends
    /// in it stops with its jobs still queued.
    pub fn is_outage(&self) -> bool {
        match self {
            ProviderError::Unavailable { .. }
            | ProviderError::Timeout { .. }
            | ProviderError::BreakerOpen { .. } => true,
            ProviderError::ChainFailed { last, .. } => last.is_outage(),
            _ => false,
        }
    }

    /// Nothing will work until a person changes something (a key, a setting, our code): a
    /// batch stops at once with this message.
    pub fn needs_operator(&self) -> bool {
        match self {
            ProviderError::Auth { .. } | ProviderError::BadRequest { .. } => true,
            ProviderError::ChainFailed { last, .. } => last.needs_operator(),
            _ => false,
        }
    }

    /// The HTTP status the API answers with when a request fails with this error.
    pub fn http_status(&self) -> u16 {
        codes::http_status(self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chain_failure_takes_its_last_links_nature() {
        let e = ProviderError::ChainFailed {
            failures: vec!["gemini: no key".into()],
            last: Box::new(ProviderError::Unavailable {
                provider: "openai".into(),
                message: "HTTP 503".into(),
            }),
        };
        assert_eq!(e.code(), "provider.unavailable");
        assert!(e.is_retryable() && e.is_outage() && !e.needs_operator());
        assert_eq!(e.http_status(), 503);
        assert!(e.to_string().contains("gemini: no key"), "{e}");
    }

    #[test]
    fn rate_limits_carry_their_hint() {
        let e = ProviderError::RateLimited {
            provider: "gemini".into(),
            retry_after: Some(Duration::from_millis(17_500)),
            message: "quota".into(),
        };
        assert_eq!(e.retry_after(), Some(Duration::from_millis(17_500)));
        assert!(e.to_string().contains("retry in 17.5 s"), "{e}");
    }
}
