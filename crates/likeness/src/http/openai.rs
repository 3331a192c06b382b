//! OpenAI-compatible image endpoints, so an app written against the OpenAI SDK can point its
//! base URL at likeness: `POST /v1/images/generations` (JSON) and `POST /v1/images/edits`
//! (multipart, `image` or `image[]`) take OpenAI's request (model, prompt, n, size,
//! response_format) and answer in OpenAI's shape, errors included.
//!
//! Mapping: `model` is a likeness style (or `provider:model` for the default style); the prompt
//! becomes an ad-hoc subject (`openai-<hash>`, cohort `openai`) whose name is the prompt, and
//! is appended to the style's prompt; `size` is the exact pixel size; each of the `n` images is
//! its own seeded job, recorded like every other generation. Edit images pass likeness-face's
//! intake and become the jobs' reference images.

use std::time::Duration;

use axum::extract::{Extension, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use base64::Engine;
use serde::Deserialize;
use serde_json::{Value, json};

use axum::extract::Multipart;
use axum::extract::multipart::{MultipartError, MultipartRejection};

use super::auth::Client;
use super::{ApiError, generation};
use crate::app::App;
use crate::hash::hex_sha256;
use crate::job_options::JobOptions;
use crate::limits::PROMPT_CHARS as MAX_PROMPT_CHARS;
use crate::references;

pub(super) const MAX_IMAGES: u32 = 10;
/// Edit images per request (OpenAI's own limit for gpt-image models).
const MAX_EDIT_IMAGES: usize = 16;
const WAIT: Duration = Duration::from_secs(120);

pub fn routes() -> Router<super::State> {
    Router::new()
        .route("/images/generations", post(generations))
        .route("/images/edits", post(edits))
}

/// OpenAI's request. Knobs likeness has no use for (quality, style, user, background,
/// moderation, output_compression, input_fidelity) are accepted and ignored, as OpenAI's
/// clients send them. Described by `schema::images_request` (`ImagesRequest`).
#[derive(Debug, Default, Deserialize)]
pub(super) struct ImagesRequest {
    model: Option<String>,
    prompt: Option<String>,
    #[serde(default, deserialize_with = "generation::whole_number")]
    n: Option<u32>,
    size: Option<String>,
    response_format: Option<String>,
    output_format: Option<String>,
    /// A likeness extension (OpenAI clients send it with `extra_body`; in edits, a form field
    /// holding JSON): options for the built-in renderer (`flip`, `background`, `palette`, …).
    options: Option<serde_json::Map<String, Value>>,
}

/// Errors in OpenAI's shape: `{"error": {"message", "type", "param", "code"}}`.
pub(super) struct OpenAiError(ApiError);

impl From<ApiError> for OpenAiError {
    fn from(e: ApiError) -> Self {
        OpenAiError(e)
    }
}

impl From<crate::Error> for OpenAiError {
    fn from(e: crate::Error) -> Self {
        OpenAiError(e.into())
    }
}

impl IntoResponse for OpenAiError {
    fn into_response(self) -> Response {
        let e = self.0;
        let kind = match e.status {
            StatusCode::UNAUTHORIZED => "authentication_error",
            StatusCode::TOO_MANY_REQUESTS => "rate_limit_error",
            s if s.is_client_error() => "invalid_request_error",
            _ => "server_error",
        };
        let body =
            json!({"error": {"message": e.message, "type": kind, "param": null, "code": e.code}});
        let mut response = (e.status, Json(body)).into_response();
        if let Some(seconds) = e.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, seconds.into());
        }
        response
    }
}

fn invalid(message: impl Into<String>) -> OpenAiError {
    OpenAiError(ApiError::new("openai.invalid_request", message))
}

#[utoipa::path(post, path = "/v1/images/generations", tag = "openai", security(("bearer" = [])),
    request_body(content = ref("#/components/schemas/ImagesRequest")),
    responses((status = 200, description = "OpenAI's `{created, data: [{url | b64_json, revised_prompt}], output_format}`", body = Object),
        (status = 400, description = "a request likeness cannot serve (OpenAI's `invalid_request_error`)", body = ref("#/components/schemas/OpenAiErrorBody")),
        (status = 415, description = "the body is not sent as JSON", body = ref("#/components/schemas/OpenAiErrorBody")),
        (status = 422, description = "the image failed the style's gates", body = ref("#/components/schemas/OpenAiErrorBody")),
        (status = 429, description = "the client's generation rate limit is spent, or the provider's",
            headers(("Retry-After" = u64, description = "seconds to wait")), body = ref("#/components/schemas/OpenAiErrorBody")),
        (status = 502, description = "the provider answered badly", body = ref("#/components/schemas/OpenAiErrorBody")),
        (status = 503, description = "no usable provider for the style", body = ref("#/components/schemas/OpenAiErrorBody")),
        (status = 504, description = "the images were not ready within 120 s; the jobs keep running", body = ref("#/components/schemas/OpenAiErrorBody"))))]
pub(super) async fn generations(
    State(state): State<super::State>,
    Extension(client): Extension<Client>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Json<Value>, OpenAiError> {
    super::error::require_json(&headers, &body)?;
    generation::take_rate(&state, &client).await?;
    let req: ImagesRequest =
        serde_json::from_slice(&body).map_err(|e| invalid(format!("request body: {e}")))?;
    images(&state, &headers, req, Vec::new()).await
}

#[utoipa::path(post, path = "/v1/images/edits", tag = "openai", security(("bearer" = [])),
    request_body(content = ref("#/components/schemas/ImagesEditForm"), content_type = "multipart/form-data"),
    responses((status = 200, description = "OpenAI's `{created, data: [{url | b64_json, revised_prompt}], output_format}`", body = Object),
        (status = 400, description = "a request likeness cannot serve (OpenAI's `invalid_request_error`): no image, a file that is not an image, a `mask`, a malformed form", body = ref("#/components/schemas/OpenAiErrorBody")),
        (status = 415, description = "the body is not multipart/form-data, or an image is not JPEG, PNG or WebP", body = ref("#/components/schemas/OpenAiErrorBody")),
        (status = 422, description = "an image does not show exactly one clear face, or the result failed the style's gates", body = ref("#/components/schemas/OpenAiErrorBody")),
        (status = 429, description = "the client's generation rate limit is spent, or the provider's",
            headers(("Retry-After" = u64, description = "seconds to wait")), body = ref("#/components/schemas/OpenAiErrorBody")),
        (status = 502, description = "the provider answered badly", body = ref("#/components/schemas/OpenAiErrorBody")),
        (status = 503, description = "no usable provider for the style, or the face models are not installed", body = ref("#/components/schemas/OpenAiErrorBody")),
        (status = 504, description = "the images were not ready within 120 s; the jobs keep running", body = ref("#/components/schemas/OpenAiErrorBody"))))]
pub(super) async fn edits(
    State(state): State<super::State>,
    Extension(client): Extension<Client>,
    headers: HeaderMap,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Json<Value>, OpenAiError> {
    generation::take_rate(&state, &client).await?;
    let mut multipart = multipart.map_err(|e| {
        OpenAiError(ApiError::new(
            crate::codes::HTTP_UNSUPPORTED_MEDIA_TYPE,
            format!(
                "{}: send multipart/form-data, as OpenAI's clients do",
                e.body_text()
            ),
        ))
    })?;
    let mut req = ImagesRequest::default();
    let mut uploads = Vec::new();
    while let Some(field) = multipart.next_field().await.map_err(multipart_error)? {
        let name = field.name().unwrap_or_default().to_string();
        match name.as_str() {
            "image" | "image[]" => {
                if uploads.len() == MAX_EDIT_IMAGES {
                    return Err(invalid(format!(
                        "at most {MAX_EDIT_IMAGES} images per request"
                    )));
                }
                uploads.push(field.bytes().await.map_err(multipart_error)?);
            }
            "mask" => {
                return Err(invalid(
                    "`mask` is not supported: likeness redraws the whole image from the prompt \
                     and the reference images",
                ));
            }
            _ => {
                let text = field.text().await.map_err(multipart_error)?;
                let parse_n = |t: &str| {
                    generation::whole(t)
                        .ok_or_else(|| invalid(format!("`n` {t:?} is not a whole number")))
                };
                match name.as_str() {
                    "model" => req.model = Some(text),
                    "prompt" => req.prompt = Some(text),
                    "n" => req.n = Some(parse_n(&text)?),
                    "size" => req.size = Some(text),
                    "response_format" => req.response_format = Some(text),
                    "output_format" => req.output_format = Some(text),
                    "options" => {
                        req.options =
                            Some(serde_json::from_str(&text).map_err(|e| {
                                invalid(format!("`options` is not a JSON object: {e}"))
                            })?)
                    }
                    // Sent by the SDKs, meaningless here (quality, background, user…).
                    _ => {}
                }
            }
        }
    }
    if uploads.is_empty() {
        return Err(invalid(
            "`image` is required: one or more JPEG, PNG or WebP files (as `image` or `image[]`)",
        ));
    }
    // Check every upload before anything is queued; one bad file refuses the request.
    let mut references = Vec::with_capacity(uploads.len());
    for (i, bytes) in uploads.into_iter().enumerate() {
        let stored = references::store(&state.app, bytes.to_vec())
            .await
            .map_err(|e| OpenAiError(ApiError::from(e).prefixed(&format!("image {}: ", i + 1))))?;
        references.push(stored.key);
    }
    images(&state, &headers, req, references).await
}

/// Multipart failures: the body limit while reading (413), anything else the client's
/// malformed body (400) — a broken chunked encoding included, which axum reports as 500.
fn multipart_error(e: MultipartError) -> OpenAiError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        return OpenAiError(super::error::body_too_large());
    }
    OpenAiError(ApiError::new(
        "openai.invalid_request",
        format!("malformed multipart body: {}", e.body_text()),
    ))
}

/// The shared part of generations and edits: validate, queue one job per image, wait, answer.
async fn images(
    state: &super::State,
    headers: &HeaderMap,
    req: ImagesRequest,
    references: Vec<String>,
) -> Result<Json<Value>, OpenAiError> {
    let app = &state.app;
    // The limit counts the prompt as sent, as everywhere else; it is used trimmed.
    if let Some(sent) = req.prompt.as_deref() {
        if sent.chars().count() > MAX_PROMPT_CHARS {
            return Err(invalid(format!(
                "`prompt` is longer than {MAX_PROMPT_CHARS} characters"
            )));
        }
        // Before the prompt names an ad-hoc subject: nothing is stored for a refused request.
        generation::storable_text("prompt", sent)?;
    }
    if let Some(model) = &req.model {
        generation::storable_text("model", model)?;
    }
    let prompt = req
        .prompt
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .ok_or_else(|| invalid("`prompt` is required"))?;
    let n = req.n.unwrap_or(1);
    if !(1..=MAX_IMAGES).contains(&n) {
        return Err(invalid(format!("`n` must be 1 to {MAX_IMAGES}")));
    }
    let b64 = match req.response_format.as_deref() {
        None | Some("url") => false,
        Some("b64_json") => true,
        Some(other) => {
            return Err(invalid(format!(
                "`response_format` {other:?} is not url or b64_json"
            )));
        }
    };
    if let Some(f) = req.output_format.as_deref().filter(|f| *f != "png") {
        return Err(invalid(format!(
            "`output_format` {f:?} is not supported; likeness answers png"
        )));
    }
    let (style, provider) = model_to_style(app, req.model.as_deref())?;
    let size = parse_size(req.size.as_deref())?;
    let renderer = generation::renderer_options(app, &style, req.options.clone())?;

    let identity = format!("{prompt}\n{}", references.join("\n"));
    let subject_id = format!("openai-{}", &hex_sha256(identity.as_bytes())[..16]);
    let subject_id = generation::adhoc_subject(app, &subject_id, Some(prompt), "openai").await?;
    let jobs = (0..n)
        .map(|i| JobOptions {
            seed: Some(format!("{subject_id}:{style}:{i}")),
            custom_prompt: Some(prompt.to_string()),
            width: size.map(|s| s.0),
            height: size.map(|s| s.1),
            references: references.clone(),
            renderer: renderer.clone(),
            ..JobOptions::default()
        })
        .collect();
    let mut queued = generation::enqueue(
        app,
        generation::Order {
            subject_id,
            run_key: format!("openai:{style}"),
            style,
            provider,
            notes: "OpenAI-compatible request",
            jobs,
        },
    )
    .await?;
    let done = queued.wait(app, WAIT).await?;
    if let Some(failed) = done.iter().find(|j| j.status == "failed") {
        return Err(OpenAiError(generation::job_error(&state.app, failed)));
    }
    if done.iter().any(|j| !generation::is_final(&j.status)) {
        return Err(OpenAiError(ApiError::new(
            "openai.timeout",
            format!(
                "the images were not ready within {} s; jobs keep running: {}",
                WAIT.as_secs(),
                queued.jobs.join(", ")
            ),
        )));
    }
    let base = super::public_base(headers);
    let mut data = Vec::with_capacity(done.len());
    for job in done {
        let asset_id = job
            .asset_id
            .ok_or_else(|| invalid("succeeded job without an asset"))?;
        let asset = app
            .db
            .asset(&asset_id)
            .await?
            .ok_or_else(|| invalid("asset vanished"))?;
        let key = asset
            .storage_key
            .clone()
            .ok_or_else(|| invalid("asset without an image"))?;
        let mut item = json!({"revised_prompt": asset.prompt});
        if b64 {
            let bytes = app.store.get(&key).await?;
            item["b64_json"] = json!(base64::engine::general_purpose::STANDARD.encode(bytes));
        } else {
            let url = app
                .store
                .public_url(&key)
                .unwrap_or_else(|| format!("{base}/assets/{key}"));
            item["url"] = json!(url);
        }
        data.push(item);
    }
    let created = chrono::Utc::now().timestamp();
    Ok(Json(
        json!({"created": created, "data": data, "output_format": "png"}),
    ))
}

/// `model`: a likeness style, or `provider:model` for the default style, or nothing.
fn model_to_style(app: &App, model: Option<&str>) -> Result<(String, Option<String>), OpenAiError> {
    match model {
        None => Ok((app.config.default_style.clone(), None)),
        Some(m) if m.contains(':') => Ok((app.config.default_style.clone(), Some(m.to_string()))),
        Some(m) => match app.catalog.get(m) {
            Ok(s) => Ok((s.name.clone(), None)),
            Err(_) => Err(invalid(format!(
                "unknown model {m:?}: use a likeness style ({}) or provider:model",
                app.catalog
                    .list()
                    .map(|s| s.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))),
        },
    }
}

/// OpenAI's `size` (`1024x1536`, `auto`) as exact pixels; `auto` or none: the style's size.
fn parse_size(size: Option<&str>) -> Result<Option<(u32, u32)>, OpenAiError> {
    let Some(size) = size.filter(|s| *s != "auto") else {
        return Ok(None);
    };
    let (min, max) = (likeness_paint::Size::MIN, likeness_paint::Size::MAX);
    size.split_once('x')
        .and_then(|(w, h)| Some((w.parse::<u32>().ok()?, h.parse::<u32>().ok()?)))
        .filter(|(w, h)| (min..=max).contains(w) && (min..=max).contains(h))
        .map(Some)
        .ok_or_else(|| {
            invalid(format!(
                "`size` {size:?} is not WIDTHxHEIGHT (each {min} to {max}) or auto"
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_are_exact_pixels_within_the_renderer_range() {
        let parse = |s| parse_size(Some(s)).ok().flatten();
        assert_eq!(parse_size(None).ok().flatten(), None);
        assert_eq!(parse("auto"), None);
        assert_eq!(parse("256x256"), Some((256, 256)));
        assert_eq!(parse("1024x1536"), Some((1024, 1536)));
        for bad in ["big", "0x10", "10x", "5000x5000", "1024x1024x3", "-1x5"] {
            assert!(parse_size(Some(bad)).is_err(), "{bad}");
        }
    }
}
