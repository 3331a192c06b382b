//! A fake Gemini Developer API: `POST /v1beta/models/{model}:generateContent` with the real
//! request checks and every answer shape of ../shared/research/provider-apis.md §1: images
//! with text in either order, thought parts, HTTP-200 refusals, google.rpc errors (429 with
//! QuotaFailure, Help and RetryInfo), and broken answers (cut short, bad base64, not an image,
//! oversize). Requests may use camelCase or snake_case keys; answers are always camelCase.

mod validate;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, Method, Uri};
use axum::response::Response;
use axum::routing::post;
use base64::Engine;
use serde_json::{Value, json};

use crate::script::{Shared, json as json_reply, raw, slow};
use crate::{Log, Quota, Recorded, Script, Server};

pub use validate::Accepted;

/// One scripted answer.
#[derive(Debug, Clone)]
pub enum Reply {
    /// The image, then a sentence of text (the default reply).
    Image,
    /// A sentence of text, then the image (parts order varies on the real API).
    ImageTextFirst,
    /// Only the image part (responseModalities ["IMAGE"]).
    ImageOnly,
    /// Gemini 3 thinking: a thought text part and a 16 × 16 thought image (both
    /// `thought: true`), then the final image, parts carrying `thoughtSignature`.
    WithThoughts,
    /// `promptFeedback.blockReason` and no `candidates` key.
    PromptBlocked(String),
    /// A candidate with this finishReason, a finishMessage and content without parts.
    FinishBlocked(String),
    /// A candidate with only text and this finishReason (`NO_IMAGE`, `STOP`).
    TextOnly { finish_reason: String },
    /// A text answer with finishReason STOP (vision calls).
    Text(String),
    /// HTTP 429 RESOURCE_EXHAUSTED with QuotaFailure, Help and RetryInfo{retryDelay}.
    RateLimited { retry_delay: String },
    /// HTTP 400 API_KEY_INVALID with ErrorInfo and LocalizedMessage.
    BadKey,
    /// HTTP 403 PERMISSION_DENIED.
    PermissionDenied,
    /// HTTP 404 naming the model of the URL.
    ModelNotFound,
    /// HTTP 500 INTERNAL.
    Internal,
    /// HTTP 503 UNAVAILABLE.
    Overloaded,
    /// HTTP 400 FAILED_PRECONDITION, the region block.
    LocationUnsupported,
    /// Waits, then answers with the inner reply.
    Slow(Duration, Box<Reply>),
    /// An image answer whose connection drops halfway through the body.
    Truncated,
    /// An image part whose data is not base64.
    BadBase64,
    /// An image part holding valid base64 of bytes that are no image.
    NotAnImage,
    /// An image part with this many bytes of base64 payload.
    Oversize(usize),
    /// Exactly this status and (JSON) body.
    Raw { status: u16, body: String },
}

/// The running fake. Dropping it stops the server.
pub struct GeminiFake {
    pub server: Server,
    shared: Shared<Reply>,
}

/// Long edge of the final images the fake draws (small, for speed).
pub const IMAGE_EDGE: u32 = 64;
/// Side of the interim thought image of [`Reply::WithThoughts`].
pub const THOUGHT_EDGE: u32 = 16;
/// What [`Reply::Image`] says, and what image replies say to a text-only request.
pub const IMAGE_TEXT: &str = "Here is the portrait you asked for.";
pub const DESCRIPTION: &str = "A person with short dark hair, rectangular glasses and no facial hair, apparently in their forties.";

static IDS: AtomicU64 = AtomicU64::new(1);

impl GeminiFake {
    /// Starts on an ephemeral port of 127.0.0.1, answering `Reply::Image` by default.
    pub async fn start() -> GeminiFake {
        GeminiFake::start_on("127.0.0.1:0")
            .await
            .expect("binding the fake Gemini server")
    }

    pub async fn start_on(addr: &str) -> std::io::Result<GeminiFake> {
        let shared: Shared<Reply> =
            Arc::new((Script::new(Reply::Image), Log::default(), Mutex::new(None)));
        let router = axum::Router::new()
            .route("/v1beta/models/{model_and_method}", post(generate))
            // Up to 14 inline references of several MB each (the real limit is ~20 MB).
            .layer(DefaultBodyLimit::max(64 * 1024 * 1024))
            .with_state(shared.clone());
        Ok(GeminiFake {
            server: Server::start_on(addr, router).await?,
            shared,
        })
    }

    /// The base URL a client is configured with (`http://127.0.0.1:PORT`).
    pub fn base_url(&self) -> String {
        self.server.url.clone()
    }

    pub fn push(&self, reply: Reply) {
        self.shared.0.push(reply);
    }

    pub fn set_default(&self, reply: Reply) {
        self.shared.0.set_default(reply);
    }

    /// Every request received, in order (refused ones included).
    pub fn requests(&self) -> Vec<Recorded> {
        self.shared.1.all()
    }

    /// Requests beyond the quota get `Reply::RateLimited` with its retry delay.
    pub fn set_quota(&self, quota: Option<Arc<Quota>>) {
        *self.shared.2.lock().unwrap_or_else(|p| p.into_inner()) = quota;
    }
}

/// A google.rpc Status error body.
pub fn status_error(code: u16, status: &str, message: &str, details: Vec<Value>) -> Response {
    let mut error = json!({"code": code, "message": message, "status": status});
    if !details.is_empty() {
        error["details"] = Value::Array(details);
    }
    json_reply(code, &json!({ "error": error }))
}

/// The exact 429 body; `retry_info: false` leaves RetryInfo out, so only the message text
/// carries the (fractional) delay.
pub fn rate_limited_body(model: &str, retry_delay: &str, retry_info: bool) -> Value {
    let whole = retry_delay.trim_end_matches('s');
    // The message carries a fractional delay just above the RetryInfo's whole seconds.
    let fractional = if whole.contains('.') {
        whole.to_string()
    } else {
        format!("{whole}.016342224")
    };
    let mut details = vec![
        json!({"@type": "type.googleapis.com/google.rpc.QuotaFailure", "violations": [{
            "quotaMetric": "generativelanguage.googleapis.com/generate_content_paid_tier_requests",
            "quotaId": "GenerateRequestsPerMinutePerProjectPerModel",
            "quotaDimensions": {"location": "global", "model": model},
            "quotaValue": "10",
        }]}),
        json!({"@type": "type.googleapis.com/google.rpc.Help", "links": [{
            "description": "Learn more about Gemini API quotas",
            "url": "https://ai.google.dev/gemini-api/docs/rate-limits",
        }]}),
    ];
    if retry_info {
        details.push(
            json!({"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": retry_delay}),
        );
    }
    json!({"error": {
        "code": 429,
        "status": "RESOURCE_EXHAUSTED",
        "message": format!(
            "You exceeded your current quota, please check your plan and billing details. For more \
             information on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits. \
             To monitor your current usage, head to: https://ai.dev/rate-limit. \n* Quota exceeded \
             for metric: generativelanguage.googleapis.com/generate_content_paid_tier_requests, \
             limit: 10, model: {model}\nPlease retry in {fractional}s."
        ),
        "details": details,
    }})
}

async fn generate(
    State(shared): State<Shared<Reply>>,
    Path(model_and_method): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    shared.1.push(Recorded::new(&method, &uri, &headers, &body));
    let (model, call) = model_and_method
        .split_once(':')
        .unwrap_or((model_and_method.as_str(), ""));
    if call != "generateContent" {
        return status_error(
            404,
            "NOT_FOUND",
            &format!("Method not found: {call:?} (this fake serves generateContent)"),
            vec![],
        );
    }
    let header_key = headers
        .get("x-goog-api-key")
        .and_then(|v| v.to_str().ok())
        .filter(|k| !k.is_empty());
    let query_key = uri
        .query()
        .unwrap_or_default()
        .split('&')
        .find_map(|kv| kv.strip_prefix("key=").filter(|k| !k.is_empty()));
    if header_key.is_none() && query_key.is_none() {
        return status_error(
            403,
            "PERMISSION_DENIED",
            "Method doesn't allow unregistered callers (callers without established identity). \
             Please use API Key or other form of API consumer identity to call this API.",
            vec![],
        );
    }
    let quota = shared.2.lock().unwrap_or_else(|p| p.into_inner()).clone();
    if let Some(q) = quota
        && let Err(wait) = q.take()
    {
        let delay = format!("{}s", wait.as_secs());
        return json_reply(429, &rate_limited_body(model, &delay, true));
    }
    let request: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => {
            return status_error(
                400,
                "INVALID_ARGUMENT",
                &format!("Invalid JSON payload received. {e}"),
                vec![],
            );
        }
    };
    let accepted = match validate::check(model, &request) {
        Ok(a) => a,
        Err(response) => return *response,
    };
    let mut reply = shared.0.next();
    while let Reply::Slow(delay, inner) = reply {
        slow(delay).await;
        reply = *inner;
    }
    answer(reply, model, &accepted)
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// A real PNG of the requested aspect ratio, long edge [`IMAGE_EDGE`].
fn final_png(aspect_ratio: &str) -> Vec<u8> {
    let (w, h) = aspect_ratio
        .split_once(':')
        .and_then(|(w, h)| Some((w.parse::<u32>().ok()?, h.parse::<u32>().ok()?)))
        .filter(|(w, h)| *w > 0 && *h > 0)
        .unwrap_or((1, 1));
    let (width, height) = if w >= h {
        (IMAGE_EDGE, (IMAGE_EDGE * h / w).max(1))
    } else {
        ((IMAGE_EDGE * w / h).max(1), IMAGE_EDGE)
    };
    crate::png(width, height)
}

fn image_part(mime: &str, data: String) -> Value {
    json!({"inlineData": {"mimeType": mime, "data": data}})
}

/// A 200 answer with one candidate.
fn candidate_answer(model: &str, accepted: &Accepted, candidate: Value) -> Value {
    let prompt_tokens = 9 + 258 * accepted.references as u64;
    json!({
        "candidates": [candidate],
        "usageMetadata": {
            "promptTokenCount": prompt_tokens,
            "candidatesTokenCount": 1290,
            "totalTokenCount": prompt_tokens + 1290,
            "promptTokensDetails": [{"modality": "TEXT", "tokenCount": 9}],
            "candidatesTokensDetails": [{"modality": "IMAGE", "tokenCount": 1290}],
        },
        "modelVersion": model,
        "responseId": format!("fake-{}", IDS.fetch_add(1, Ordering::Relaxed)),
    })
}

fn parts_answer(model: &str, accepted: &Accepted, parts: Vec<Value>, finish: &str) -> Value {
    candidate_answer(
        model,
        accepted,
        json!({"content": {"role": "model", "parts": parts}, "finishReason": finish, "index": 0}),
    )
}

fn answer(reply: Reply, model: &str, accepted: &Accepted) -> Response {
    let ok = |v: Value| json_reply(200, &v);
    let image = || image_part("image/png", b64(&final_png(&accepted.aspect_ratio)));
    let is_image_reply = matches!(
        reply,
        Reply::Image | Reply::ImageTextFirst | Reply::ImageOnly | Reply::WithThoughts
    );
    if is_image_reply && !accepted.wants_image {
        // A text-only call (a vision question) gets words, whatever image was scripted.
        return answer(Reply::Text(DESCRIPTION.into()), model, accepted);
    }
    match reply {
        Reply::Image => {
            let parts = vec![image(), json!({"text": IMAGE_TEXT})];
            ok(parts_answer(model, accepted, parts, "STOP"))
        }
        Reply::ImageTextFirst => {
            let parts = vec![json!({"text": IMAGE_TEXT}), image()];
            ok(parts_answer(model, accepted, parts, "STOP"))
        }
        Reply::ImageOnly => ok(parts_answer(model, accepted, vec![image()], "STOP")),
        Reply::WithThoughts => {
            let mut thought_image =
                image_part("image/png", b64(&crate::png(THOUGHT_EDGE, THOUGHT_EDGE)));
            thought_image["thought"] = json!(true);
            let mut last = image();
            last["thoughtSignature"] = json!(b64(b"fake thought signature"));
            let parts = vec![
                json!({"text": "**Composing the portrait**\n\nPlanning light and framing.", "thought": true}),
                thought_image,
                last,
            ];
            let mut v = parts_answer(model, accepted, parts, "STOP");
            v["usageMetadata"]["thoughtsTokenCount"] = json!(240);
            ok(v)
        }
        Reply::PromptBlocked(reason) => ok(json!({
            "promptFeedback": {
                "blockReason": reason,
                "blockReasonMessage": format!("The prompt was blocked: {reason}."),
                "safetyRatings": [{"category": "HARM_CATEGORY_SEXUALLY_EXPLICIT", "probability": "NEGLIGIBLE"}],
            },
            "usageMetadata": {"promptTokenCount": 9, "totalTokenCount": 9},
            "modelVersion": model,
            "responseId": format!("fake-{}", IDS.fetch_add(1, Ordering::Relaxed)),
        })),
        Reply::FinishBlocked(reason) => {
            let mut v = candidate_answer(
                model,
                accepted,
                json!({
                    "content": {"role": "model"},
                    "finishReason": reason,
                    "finishMessage": "The model output could not be generated. This output contains sensitive words that violate Google's Responsible AI practices. Try rephrasing the prompt. Support code: 42876398.",
                    "index": 0,
                }),
            );
            v["usageMetadata"]["candidatesTokenCount"] = json!(0);
            ok(v)
        }
        Reply::TextOnly { finish_reason } => ok(parts_answer(
            model,
            accepted,
            vec![
                json!({"text": "I can't create that image. Would you like me to try a different composition?"}),
            ],
            &finish_reason,
        )),
        Reply::Text(text) => ok(parts_answer(
            model,
            accepted,
            vec![json!({"text": text})],
            "STOP",
        )),
        Reply::RateLimited { retry_delay } => {
            json_reply(429, &rate_limited_body(model, &retry_delay, true))
        }
        Reply::BadKey => {
            let message = "API key not valid. Please pass a valid API key.";
            status_error(
                400,
                "INVALID_ARGUMENT",
                message,
                vec![
                    json!({"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "API_KEY_INVALID",
                        "domain": "googleapis.com", "metadata": {"service": "generativelanguage.googleapis.com"}}),
                    json!({"@type": "type.googleapis.com/google.rpc.LocalizedMessage", "locale": "en-US", "message": message}),
                ],
            )
        }
        Reply::PermissionDenied => status_error(
            403,
            "PERMISSION_DENIED",
            "The caller does not have permission",
            vec![],
        ),
        Reply::ModelNotFound => status_error(
            404,
            "NOT_FOUND",
            &format!(
                "models/{model} is not found for API version v1beta, or is not supported for \
                 generateContent. Call ListModels to see the list of available models and their \
                 supported methods."
            ),
            vec![],
        ),
        Reply::Internal => status_error(
            500,
            "INTERNAL",
            "An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting",
            vec![],
        ),
        Reply::Overloaded => status_error(
            503,
            "UNAVAILABLE",
            "The model is overloaded. Please try again later.",
            vec![],
        ),
        Reply::LocationUnsupported => status_error(
            400,
            "FAILED_PRECONDITION",
            "User location is not supported for the API use.",
            vec![],
        ),
        Reply::Slow(_, inner) => answer(*inner, model, accepted),
        Reply::Truncated => {
            let full = parts_answer(model, accepted, vec![image()], "STOP").to_string();
            cut_short(full.as_bytes()[..full.len() / 2].to_vec())
        }
        Reply::BadBase64 => ok(parts_answer(
            model,
            accepted,
            vec![image_part("image/png", "@@ this is *not* base64 @@".into())],
            "STOP",
        )),
        Reply::NotAnImage => ok(parts_answer(
            model,
            accepted,
            vec![image_part(
                "image/png",
                b64(b"I am plain text pretending to be a PNG image."),
            )],
            "STOP",
        )),
        Reply::Oversize(bytes) => ok(parts_answer(
            model,
            accepted,
            vec![image_part("image/png", "A".repeat(bytes.div_ceil(4) * 4))],
            "STOP",
        )),
        Reply::Raw { status, body } => raw(
            status,
            &[("content-type", "application/json; charset=UTF-8")],
            body,
        ),
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
    raw(
        200,
        &[("content-type", "application/json; charset=UTF-8")],
        axum::body::Body::from_stream(futures::StreamExt::chain(head, drop)),
    )
}
