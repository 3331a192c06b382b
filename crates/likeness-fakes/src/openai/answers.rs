//! The fake's answers: success bodies with `usage`, the documented error shapes, and the
//! headers every OpenAI answer carries.

use std::sync::atomic::Ordering;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::response::Response;
use base64::Engine;
use serde_json::{Value, json};

use super::{Inner, Params, Reply, parse_size};
use crate::script;

pub(super) fn render(inner: &Inner, reply: Reply, p: &Params, model: &str, size: &str) -> Response {
    let b64 = |bytes: &[u8]| base64::engine::general_purpose::STANDARD.encode(bytes);
    match reply {
        Reply::Image => success(
            inner,
            p,
            size,
            json!([{ "b64_json": b64(&image_for(size)) }]),
        ),
        Reply::BadBase64 => success(inner, p, size, json!([{ "b64_json": "%%%not base64" }])),
        Reply::NotAnImage => success(
            inner,
            p,
            size,
            json!([{ "b64_json": b64(b"I cannot draw that, but here is a poem instead.") }]),
        ),
        Reply::NoData => success(inner, p, size, json!([])),
        Reply::Oversize(bytes) => {
            let mut data = b64(&image_for(size));
            // Padding after the image data: still one valid JSON answer, just too big.
            data.push_str(&"A".repeat(bytes.saturating_sub(data.len()) / 4 * 4 + 4));
            success(inner, p, size, json!([{ "b64_json": data }]))
        }
        Reply::Truncated => {
            let full = body_for(p, size, json!([{ "b64_json": b64(&image_for(size)) }]));
            let text = full.to_string().into_bytes();
            cut_short(text[..text.len() / 2].to_vec())
        }
        Reply::ModerationBlocked { stage } => {
            let id = request_id(inner);
            let body = json!({"error": {
                "message": format!(
                    "Your request was rejected by the safety system. If you believe this is an \
                     error, contact us at help.openai.com and include the request ID {id}. \
                     safety_violations=[sexual]."
                ),
                "type": "image_generation_user_error",
                "param": null,
                "code": "moderation_blocked",
                "moderation_details": {"moderation_stage": stage, "categories": ["sexual"]},
            }});
            respond(inner, 400, &[], &body)
        }
        Reply::ContentPolicy => error(
            inner,
            400,
            "Your request was rejected as a result of our safety system. Your prompt may \
             contain text that is not allowed by our safety system.",
            "invalid_request_error",
            None,
            Some("content_policy_violation"),
        ),
        Reply::RateLimited {
            retry_after_ms,
            retry_after,
        } => rate_limited(inner, 5, retry_after_ms, retry_after),
        Reply::InsufficientQuota => error(
            inner,
            429,
            "You exceeded your current quota, please check your plan and billing details. For \
             more information on this error, read the docs: \
             https://platform.openai.com/docs/guides/error-codes/api-errors.",
            "insufficient_quota",
            None,
            Some("insufficient_quota"),
        ),
        Reply::BillingLimit => error(
            inner,
            400,
            "Billing hard limit has been reached",
            "invalid_request_error",
            None,
            Some("billing_hard_limit_reached"),
        ),
        Reply::OrgNotVerified => error(
            inner,
            403,
            &format!(
                "Your organization must be verified to use the model `{model}`. Please go to: \
                 https://platform.openai.com/settings/organization/general and click on Verify \
                 Organization. If you just verified, it can take up to 15 minutes for access \
                 to propagate."
            ),
            "invalid_request_error",
            None,
            None,
        ),
        Reply::BadKey => bad_key(inner, "sk-fake-revoked-key"),
        Reply::Server => error(
            inner,
            500,
            "The server had an error while processing your request. Sorry about that!",
            "server_error",
            None,
            None,
        ),
        Reply::Unavailable => error(
            inner,
            503,
            "The engine is currently overloaded, please try again later.",
            "server_error",
            None,
            None,
        ),
        Reply::Raw { status, body } => script::raw(
            status,
            &[
                ("content-type", "application/json"),
                ("x-request-id", &request_id(inner)),
            ],
            body,
        ),
        Reply::Slow(_, then) => render(inner, *then, p, model, size),
    }
}

/// A 200 whose body stops after `prefix`. Unlike `script::cut_short`, the drop waits a
/// moment: hyper would otherwise see the error before flushing anything, and the client would
/// get no answer at all instead of an answer cut short.
fn cut_short(prefix: Vec<u8>) -> Response {
    let head = futures::stream::iter([Ok::<Bytes, std::io::Error>(Bytes::from(prefix))]);
    let drop = futures::stream::once(async {
        tokio::time::sleep(Duration::from_millis(50)).await;
        Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "fake: connection dropped mid-body",
        ))
    });
    script::raw(
        200,
        &[("content-type", "application/json")],
        Body::from_stream(futures::StreamExt::chain(head, drop)),
    )
}

/// A PNG with the aspect of `size`, 64 px on its long edge.
fn image_for(size: &str) -> Vec<u8> {
    let (w, h) = parse_size(size).unwrap_or((1024, 1024));
    let long = w.max(h).max(1);
    crate::png((w * 64 / long).max(1), (h * 64 / long).max(1))
}

fn body_for(p: &Params, size: &str, data: Value) -> Value {
    let quality = match p.quality.as_deref() {
        None | Some("auto") => "medium",
        Some(q) => q,
    };
    let output_tokens = match quality {
        "low" => 272,
        "high" => 4160,
        _ => 1056,
    };
    let text_tokens = p.prompt.as_deref().map_or(0, |s| s.len() / 4) as u64;
    let image_tokens = if p.edit { 323 * p.images as u64 } else { 0 };
    json!({
        "created": std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs()),
        "data": data,
        "background": "opaque",
        "output_format": p.output_format.as_deref().unwrap_or("png"),
        "quality": quality,
        "size": if size == "auto" { "1024x1024" } else { size },
        "usage": {
            "input_tokens": text_tokens + image_tokens,
            "input_tokens_details": {"text_tokens": text_tokens, "image_tokens": image_tokens},
            "output_tokens": output_tokens,
            "total_tokens": text_tokens + image_tokens + output_tokens,
            "output_tokens_details": {"text_tokens": 0, "image_tokens": output_tokens},
        },
    })
}

fn success(inner: &Inner, p: &Params, size: &str, data: Value) -> Response {
    respond(inner, 200, &[], &body_for(p, size, data))
}

pub(super) fn bad_key(inner: &Inner, key: &str) -> Response {
    let chars: Vec<char> = key.chars().collect();
    let head: String = chars.iter().take(3).collect();
    let tail: String = chars[chars.len().saturating_sub(4)..].iter().collect();
    error(
        inner,
        401,
        &format!(
            "Incorrect API key provided: {head}...{tail}. You can find your API key at \
             https://platform.openai.com/account/api-keys."
        ),
        "invalid_request_error",
        None,
        Some("invalid_api_key"),
    )
}

pub(super) fn rate_limited(
    inner: &Inner,
    limit: u64,
    retry_after_ms: Option<u64>,
    retry_after: Option<String>,
) -> Response {
    let body = json!({"error": {
        "message": format!(
            "Rate limit exceeded for images per minute in organization org-fake. Limit: \
             {limit}/1min. Current: {}/1min. Please visit \
             https://platform.openai.com/docs/guides/rate-limits to learn more.",
            limit + 1
        ),
        "type": "requests",
        "param": null,
        "code": "rate_limit_exceeded",
    }});
    let ms = retry_after_ms.map(|v| v.to_string());
    let mut headers = Vec::new();
    if let Some(ms) = &ms {
        headers.push(("retry-after-ms", ms.as_str()));
    }
    if let Some(s) = &retry_after {
        headers.push(("retry-after", s.as_str()));
    }
    respond(inner, 429, &headers, &body)
}

pub(super) fn error(
    inner: &Inner,
    status: u16,
    message: &str,
    kind: &str,
    param: Option<&str>,
    code: Option<&str>,
) -> Response {
    let body = json!({"error": {"message": message, "type": kind, "param": param, "code": code}});
    respond(inner, status, &[], &body)
}

/// A JSON answer with the headers every OpenAI answer carries.
fn respond(inner: &Inner, status: u16, extra: &[(&str, &str)], body: &Value) -> Response {
    let id = request_id(inner);
    let mut headers = vec![
        ("content-type", "application/json"),
        ("x-request-id", id.as_str()),
        ("openai-processing-ms", "12"),
        ("openai-version", "2020-10-01"),
        ("openai-organization", "org-fake"),
    ];
    headers.extend_from_slice(extra);
    script::raw(status, &headers, body.to_string())
}

fn request_id(inner: &Inner) -> String {
    format!("req_{:032x}", inner.ids.fetch_add(1, Ordering::Relaxed))
}
