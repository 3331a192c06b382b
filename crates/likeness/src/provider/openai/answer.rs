//! OpenAI's answers: the image from a 200, typed errors from everything else.
//!
//! Errors are `{"error":{"message","type","param","code"}}`. What needs a person (a key, a
//! verified organisation, credit) is `Auth`, so a batch stops at once instead of retrying;
//! moderation is `ContentFiltered`; 429 `rate_limit_exceeded` is `RateLimited` with the
//! `retry-after-ms`/`retry-after` hint; 408, 409 and 5xx are `Unavailable`, as the SDK
//! retries them. `x-should-retry: false` on a 5xx is still `Unavailable` (one server's word on
//! one request should not stop a batch) but the message says so.

use serde_json::{Map, Value};

use super::super::ProviderError;
use super::super::http::{self, CheckedImage, Reply};

const PROVIDER: &str = "openai";
pub const KEY_HINT: &str = "OPENAI_API_KEY or api_key in [providers.openai]";
const BILLING_HINT: &str = "billing: add credit or raise the limit at https://platform.openai.com/settings/organization/billing";
const VERIFY_HINT: &str = "organization verification at \
     https://platform.openai.com/settings/organization/general (Verify Organization)";

/// A usable answer.
#[derive(Debug)]
pub struct Answer {
    pub image: CheckedImage,
    pub revised_prompt: Option<String>,
    pub details: Map<String, Value>,
    /// The quality and size OpenAI says it drew, when it says (what is billed).
    pub quality: Option<String>,
    pub size: Option<String>,
}

fn bad(message: impl Into<String>) -> ProviderError {
    ProviderError::BadResponse {
        provider: PROVIDER.into(),
        message: message.into(),
    }
}

fn header<'a>(reply: &'a Reply, name: &str) -> Option<&'a str> {
    reply.headers.get(name).and_then(|v| v.to_str().ok())
}

/// The image of a 2xx answer.
pub fn image(reply: &Reply) -> Result<Answer, ProviderError> {
    let v = reply.json().map_err(bad)?;
    let first = v
        .get("data")
        .and_then(Value::as_array)
        .and_then(|a| a.first());
    let Some(b64) = first
        .and_then(|d| d.get("b64_json"))
        .and_then(Value::as_str)
    else {
        let why = if first
            .and_then(|d| d.get("url"))
            .is_some_and(|u| !u.is_null())
        {
            " (a URL instead of b64_json: the model is not a gpt-image model)"
        } else {
            ""
        };
        return Err(bad(format!(
            "no image in the answer{why}: {}",
            http::preview(&reply.body)
        )));
    };
    let image = http::image_from_base64(PROVIDER, b64)?;
    let mut details = Map::new();
    for key in ["usage", "size", "quality", "output_format", "background"] {
        if let Some(x) = v.get(key).filter(|x| !x.is_null()) {
            details.insert(key.into(), x.clone());
        }
    }
    if let Some(id) = header(reply, "x-request-id") {
        details.insert("request_id".into(), id.into());
    }
    if let Some(ms) = header(reply, "openai-processing-ms").and_then(|m| m.parse::<u64>().ok()) {
        details.insert("processing_ms".into(), ms.into());
    }
    let text = |key: &str| v.get(key).and_then(Value::as_str).map(str::to_string);
    Ok(Answer {
        image,
        revised_prompt: first
            .and_then(|d| d.get("revised_prompt"))
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_string),
        details,
        quality: text("quality"),
        size: text("size"),
    })
}

/// The typed error of a non-2xx answer.
pub fn error(reply: &Reply) -> ProviderError {
    let status = reply.status;
    let provider = PROVIDER.to_string();
    let request_id = header(reply, "x-request-id")
        .map(|id| format!(" (request {id})"))
        .unwrap_or_default();
    let no_retry = header(reply, "x-should-retry").is_some_and(|v| v.eq_ignore_ascii_case("false"));
    let unavailable = |message: String| ProviderError::Unavailable {
        provider: provider.clone(),
        message: if no_retry {
            format!("{message} (OpenAI sent x-should-retry: false)")
        } else {
            message
        },
    };
    let auth = |message: String, hint: &str| ProviderError::Auth {
        provider: provider.clone(),
        status,
        message,
        hint: hint.into(),
    };
    let body = reply.json().ok();
    let Some(e) = body
        .as_ref()
        .and_then(|b| b.get("error"))
        .filter(|e| e.is_object())
    else {
        // A proxy's page or an empty body: judged by the status alone.
        let message = format!("HTTP {status}: {}{request_id}", http::preview(&reply.body));
        return match status {
            408 | 409 | 500.. => unavailable(message),
            429 => ProviderError::RateLimited {
                provider,
                retry_after: http::retry_after(&reply.headers),
                message,
            },
            401 | 403 => auth(message, KEY_HINT),
            _ => ProviderError::BadRequest {
                provider,
                status,
                message,
            },
        };
    };
    let field = |k: &str| e.get(k).and_then(Value::as_str).unwrap_or_default();
    let code = field("code");
    let message = format!("{}{request_id}", field("message"));
    match (status, code) {
        (_, "moderation_blocked" | "content_policy_violation") => {
            // Codex logs show `moderation_details` inside the error; accept it beside it too.
            let details = e
                .get("moderation_details")
                .or_else(|| body.as_ref().and_then(|b| b.get("moderation_details")));
            let stage = details
                .and_then(|d| d.get("moderation_stage"))
                .and_then(Value::as_str);
            let categories: Vec<&str> = details
                .and_then(|d| d.get("categories"))
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let mut reason = code.to_string();
            if let Some(stage) = stage {
                reason.push_str(&format!(", {stage} moderation"));
            }
            if !categories.is_empty() {
                reason.push_str(&format!(": {}", categories.join(", ")));
            }
            ProviderError::ContentFiltered {
                provider,
                reason,
                message,
                // The same prompt meets the same moderation.
                retryable: false,
            }
        }
        // No credit: retrying cannot help until someone pays.
        (_, "insufficient_quota" | "billing_hard_limit_reached") => auth(message, BILLING_HINT),
        (401, _) | (_, "invalid_api_key") => auth(message, KEY_HINT),
        _ if message.contains("must be verified") => auth(message, VERIFY_HINT),
        (403, _) => auth(message, KEY_HINT),
        (429, _) => ProviderError::RateLimited {
            provider,
            retry_after: http::retry_after(&reply.headers),
            message,
        },
        (408 | 409 | 500.., _) => unavailable(format!("HTTP {status}: {message}")),
        _ => {
            let mut message = message;
            let param = field("param");
            if !param.is_empty() {
                message.push_str(&format!(" [param {param}]"));
            }
            if !code.is_empty() {
                message.push_str(&format!(" [code {code}]"));
            }
            ProviderError::BadRequest {
                provider,
                status,
                message,
            }
        }
    }
}
