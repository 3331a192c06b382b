//! Reading what `generateContent` answers: the final image among the parts, the facts worth
//! recording, the HTTP-200 refusals, and the google.rpc error statuses (research notes §1.3–1.5).

use std::time::Duration;

use reqwest::header::HeaderMap;
use serde_json::{Map, Value};

use crate::provider::ProviderError;
use crate::provider::http::{Reply, preview, proto_duration, retry_after};

const PROVIDER: &str = "gemini";
const KEY_HINT: &str = "GEMINI_API_KEY or api_key in [providers.gemini]";

/// A 2xx body as JSON, or the error its status means.
pub fn json_or_error(reply: &Reply, model: &str) -> Result<Value, ProviderError> {
    if (200..300).contains(&reply.status) {
        return reply.json().map_err(|message| ProviderError::BadResponse {
            provider: PROVIDER.into(),
            message,
        });
    }
    Err(http_error(reply.status, &reply.headers, &reply.body, model))
}

/// The parts of the first candidate that are not the model's thoughts (Gemini 3 models send
/// thought text and interim thought images before the answer).
fn answer_parts(v: &Value) -> impl Iterator<Item = &Value> {
    v.pointer("/candidates/0/content/parts")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|p| p.get("thought").and_then(Value::as_bool) != Some(true))
}

/// The base64 data of the final image: the first non-thought part with an `image/*` inline
/// blob, wherever it sits among the text parts.
pub fn image_data(v: &Value) -> Option<&str> {
    answer_parts(v).find_map(|p| {
        let blob = p.get("inlineData").or_else(|| p.get("inline_data"))?;
        let mime = blob
            .get("mimeType")
            .or_else(|| blob.get("mime_type"))
            .and_then(Value::as_str)?;
        if !mime.starts_with("image/") {
            return None;
        }
        blob.get("data").and_then(Value::as_str)
    })
}

/// The model's words (thoughts left out), in order.
pub fn texts(v: &Value) -> Vec<String> {
    answer_parts(v)
        .filter_map(|p| p.get("text").and_then(Value::as_str))
        .map(str::to_string)
        .collect()
}

/// Facts for the audit record.
pub fn details(v: &Value) -> Map<String, Value> {
    let mut d = Map::new();
    if let Some(r) = v.pointer("/candidates/0/finishReason") {
        d.insert("finishReason".into(), r.clone());
    }
    for key in ["modelVersion", "responseId", "usageMetadata"] {
        if let Some(x) = v.get(key) {
            d.insert(key.into(), x.clone());
        }
    }
    let text = texts(v);
    if !text.is_empty() {
        d.insert("text".into(), Value::from(text.join("\n")));
    }
    d
}

/// Finish reasons that say the model simply drew nothing this time: another try often works.
fn retryable_finish(reason: &str) -> bool {
    matches!(reason, "NO_IMAGE" | "STOP")
}

/// Why an HTTP-200 answer has nothing to use (no image for `generate`, no text for
/// `describe`): a blocked prompt, a blocked or missing output, or a malformed answer.
pub fn refusal(v: &Value) -> ProviderError {
    let text = texts(v).join(" ").trim().to_string();
    let words = |field: Option<&Value>, fallback: String| {
        field
            .and_then(Value::as_str)
            .map(str::to_string)
            .filter(|s| !s.trim().is_empty())
            .or_else(|| (!text.is_empty()).then(|| text.clone()))
            .unwrap_or(fallback)
    };
    let candidates = v.get("candidates").and_then(Value::as_array);
    if let Some(reason) = v
        .pointer("/promptFeedback/blockReason")
        .and_then(Value::as_str)
        && candidates.is_none_or(|c| c.is_empty())
    {
        return ProviderError::ContentFiltered {
            provider: PROVIDER.into(),
            reason: reason.to_string(),
            message: words(
                v.pointer("/promptFeedback/blockReasonMessage"),
                "the prompt was blocked; change the style's prompt or the reference photos".into(),
            ),
            retryable: false,
        };
    }
    let Some(candidate) = candidates.and_then(|c| c.first()) else {
        return ProviderError::BadResponse {
            provider: PROVIDER.into(),
            message: format!(
                "HTTP 200 with neither candidates nor a block reason: {}",
                preview(v.to_string().as_bytes())
            ),
        };
    };
    // The reason sits on the candidate, not inside its content.
    let reason = candidate
        .get("finishReason")
        .and_then(Value::as_str)
        .unwrap_or("FINISH_REASON_UNSPECIFIED")
        .to_string();
    let retryable = retryable_finish(&reason);
    let message = words(
        candidate.get("finishMessage"),
        format!("the model finished with {reason} and returned nothing usable"),
    );
    ProviderError::ContentFiltered {
        provider: PROVIDER.into(),
        reason,
        message,
        retryable,
    }
}

/// A non-2xx answer as a typed error. Bodies are google.rpc Status JSON
/// (`{"error":{"code","message","status","details":[...]}}`); proxies may send anything else.
pub fn http_error(status: u16, headers: &HeaderMap, body: &[u8], model: &str) -> ProviderError {
    let parsed: Option<Value> = serde_json::from_slice(body).ok();
    let error = parsed.as_ref().and_then(|v| v.get("error"));
    let message = error
        .and_then(|e| e.get("message"))
        .and_then(Value::as_str)
        .map(str::to_string)
        .unwrap_or_else(|| format!("HTTP {status}: {}", preview(body)));
    let rpc_status = error
        .and_then(|e| e.get("status"))
        .and_then(Value::as_str)
        .unwrap_or_default();
    let details: &[Value] = error
        .and_then(|e| e.get("details"))
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let detail = |kind: &str| {
        details.iter().find(|d| {
            d.get("@type")
                .and_then(Value::as_str)
                .is_some_and(|t| t.ends_with(kind))
        })
    };
    let provider = PROVIDER.to_string();
    if status == 429 {
        let retry_after = detail("google.rpc.RetryInfo")
            .and_then(|d| d.get("retryDelay"))
            .and_then(Value::as_str)
            .and_then(proto_duration)
            .or_else(|| retry_in_message(&message))
            .or_else(|| retry_after(headers));
        return ProviderError::RateLimited {
            provider,
            retry_after,
            message,
        };
    }
    let bad_key = detail("google.rpc.ErrorInfo")
        .and_then(|d| d.get("reason"))
        .and_then(Value::as_str)
        == Some("API_KEY_INVALID")
        || ["API key not valid", "API key expired", "API Key not found"]
            .iter()
            .any(|m| message.contains(m));
    if status == 401 || status == 403 || (status == 400 && bad_key) {
        return ProviderError::Auth {
            provider,
            status,
            message,
            hint: KEY_HINT.into(),
        };
    }
    if matches!(status, 408 | 500 | 502 | 503 | 504) || status >= 500 {
        return ProviderError::Unavailable {
            provider,
            message: format!("HTTP {status}: {message}"),
        };
    }
    let message = if rpc_status == "FAILED_PRECONDITION" && message.contains("location") {
        format!(
            "{message} Gemini refuses requests from this region: route them through a proxy \
             in a supported region by setting base_url in [providers.gemini] (or GEMINI_BASE_URL)"
        )
    } else if status == 404 {
        format!(
            "{message} (model {model:?}: set `model` in [providers.gemini] or the style's provider chain to an available model)"
        )
    } else {
        message
    };
    ProviderError::BadRequest {
        provider,
        status,
        message,
    }
}

/// The fractional delay Gemini writes into its 429 message ("Please retry in 53.016342224s.").
fn retry_in_message(message: &str) -> Option<Duration> {
    let rest = &message[message.find("Please retry in ")? + "Please retry in ".len()..];
    let end = rest.find('s')?;
    let secs: f64 = rest[..end].trim().parse().ok()?;
    (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn err(status: u16, body: Value) -> ProviderError {
        http_error(
            status,
            &HeaderMap::new(),
            body.to_string().as_bytes(),
            "gemini-x",
        )
    }

    #[test]
    fn the_final_image_skips_thoughts_and_text() {
        let v = json!({"candidates": [{"content": {"parts": [
            {"text": "thinking", "thought": true},
            {"inlineData": {"mimeType": "image/png", "data": "THOUGHT"}, "thought": true},
            {"text": "Here it is."},
            {"inlineData": {"mimeType": "text/plain", "data": "NOTIMG"}},
            {"inlineData": {"mimeType": "image/png", "data": "FINAL"}, "thoughtSignature": "x"},
        ]}, "finishReason": "STOP"}], "modelVersion": "m", "responseId": "r"});
        assert_eq!(image_data(&v), Some("FINAL"));
        assert_eq!(texts(&v), vec!["Here it is."]);
        let d = details(&v);
        assert_eq!(d["finishReason"], "STOP");
        assert_eq!(d["text"], "Here it is.");
        assert_eq!(d["responseId"], "r");
    }

    #[test]
    fn refusals_read_the_candidate_and_the_prompt_feedback() {
        let blocked = refusal(&json!({"promptFeedback": {"blockReason": "PROHIBITED_CONTENT"}}));
        assert!(
            matches!(blocked, ProviderError::ContentFiltered { ref reason, retryable: false, .. } if reason == "PROHIBITED_CONTENT")
        );
        let v = json!({"candidates": [{"content": {"role": "model"},
            "finishReason": "IMAGE_SAFETY", "finishMessage": "no"}]});
        assert!(
            matches!(refusal(&v), ProviderError::ContentFiltered { ref reason, retryable: false, ref message, .. } if reason == "IMAGE_SAFETY" && message == "no")
        );
        let v = json!({"candidates": [{"content": {"parts": [{"text": "I can't"}]},
            "finishReason": "NO_IMAGE"}]});
        assert!(
            matches!(refusal(&v), ProviderError::ContentFiltered { retryable: true, ref message, .. } if message == "I can't")
        );
        assert_eq!(refusal(&json!({})).code(), "provider.bad_response");
    }

    #[test]
    fn rate_limits_take_retry_info_then_the_message() {
        let with_info = err(
            429,
            json!({"error": {"code": 429, "message": "Please retry in 53.016342224s.",
            "details": [{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "56s"}]}}),
        );
        assert_eq!(with_info.retry_after(), Some(Duration::from_secs(56)));
        let text_only = err(
            429,
            json!({"error": {"code": 429, "message": "quota\nPlease retry in 2.5s."}}),
        );
        assert_eq!(text_only.retry_after(), Some(Duration::from_millis(2500)));
        assert_eq!(retry_in_message("Please retry in soon"), None);
        // A proxy's 429 without a Status body: the Retry-After header.
        let mut headers = HeaderMap::new();
        headers.insert("retry-after", "7".parse().unwrap());
        let proxied = http_error(429, &headers, b"Too Many Requests", "m");
        assert_eq!(proxied.code(), "provider.rate_limited");
        assert_eq!(proxied.retry_after(), Some(Duration::from_secs(7)));
    }

    #[test]
    fn statuses_map_to_their_kinds() {
        let bad_key = err(
            400,
            json!({"error": {"code": 400, "message": "API key not valid. Please pass a valid API key.", "status": "INVALID_ARGUMENT"}}),
        );
        assert_eq!(bad_key.code(), "provider.auth");
        let expired = err(
            400,
            json!({"error": {"message": "API key expired. Please renew the API key."}}),
        );
        assert_eq!(expired.code(), "provider.auth");
        let other_400 = err(
            400,
            json!({"error": {"message": "Request contains an invalid argument."}}),
        );
        assert_eq!(other_400.code(), "provider.bad_request");
        assert_eq!(
            err(403, json!({"error": {"message": "denied"}})).code(),
            "provider.auth"
        );
        let loc = err(
            400,
            json!({"error": {"message": "User location is not supported for the API use.", "status": "FAILED_PRECONDITION"}}),
        );
        assert_eq!(loc.code(), "provider.bad_request");
        assert!(loc.to_string().contains("base_url"), "{loc}");
        let nf = err(
            404,
            json!({"error": {"message": "models/gemini-x is not found"}}),
        );
        assert!(nf.to_string().contains("gemini-x"), "{nf}");
        for s in [408, 500, 502, 503, 504] {
            assert_eq!(err(s, json!({})).code(), "provider.unavailable", "{s}");
        }
        let html = http_error(502, &HeaderMap::new(), b"<html>bad gateway</html>", "m");
        assert!(html.to_string().contains("bad gateway"), "{html}");
        let html = http_error(400, &HeaderMap::new(), b"<html>nope</html>", "m");
        assert_eq!(html.code(), "provider.bad_request");
    }
}
