//! OpenAI-compatible image generation, so an app written against the OpenAI SDK can point its
//! base URL at likeness: `POST /v1/images/generations` takes OpenAI's request (model, prompt,
//! n, size, response_format) and answers in OpenAI's shape, errors included.
//!
//! Mapping: `model` is a likeness style (or `provider:model` for the default style); the prompt
//! becomes an ad-hoc subject (`openai-<hash>`, cohort `openai`) whose name is the prompt, and
//! is appended to the style's prompt; each of the `n` images is its own seeded job, recorded
//! like every other generation.

use std::time::Duration;

use axum::extract::{Extension, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use base64::Engine;
use serde::Deserialize;
use serde_json::{Value, json};

use super::ApiError;
use super::auth::Client;
use crate::app::App;
use crate::db::queue::JobOptions;
use crate::db::subjects::{self, hex_sha256};
use crate::pipeline::plan::Selection;
use crate::pipeline::run::{self, GenerateOptions};

const MAX_PROMPT_CHARS: usize = 4000;
const MAX_IMAGES: u32 = 10;
const WAIT: Duration = Duration::from_secs(120);

pub fn routes() -> Router<super::State> {
    Router::new().route("/images/generations", post(generations))
}

/// OpenAI's request. Knobs likeness has no use for (quality, style, user, background,
/// moderation, output_compression) are accepted and ignored, as OpenAI's clients send them.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub(super) struct ImagesRequest {
    model: Option<String>,
    prompt: Option<String>,
    n: Option<u32>,
    size: Option<String>,
    response_format: Option<String>,
    output_format: Option<String>,
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
    OpenAiError(ApiError::bad_request("openai.invalid_request", message))
}

#[utoipa::path(post, path = "/v1/images/generations", tag = "openai", security(("bearer" = [])), request_body = ImagesRequest,
    responses((status = 200, description = "OpenAI's `{created, data: [{url | b64_json, revised_prompt}]}`", body = Object),
        (status = 400, description = "OpenAI's error shape"), (status = 401), (status = 429)))]
pub(super) async fn generations(
    State(state): State<super::State>,
    Extension(client): Extension<Client>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Json<Value>, OpenAiError> {
    if let Err(wait) = state.generate_limit.check(&client.0) {
        let seconds = wait.as_secs() + 1;
        return Err(OpenAiError(
            ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "http.rate_limited",
                format!("rate limited; retry in {seconds} s"),
            )
            .with_retry_after(seconds),
        ));
    }
    let req: ImagesRequest =
        serde_json::from_slice(&body).map_err(|e| invalid(format!("request body: {e}")))?;
    let app = &state.app;
    let prompt = req
        .prompt
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .ok_or_else(|| invalid("`prompt` is required"))?;
    if prompt.chars().count() > MAX_PROMPT_CHARS {
        return Err(invalid(format!(
            "`prompt` is longer than {MAX_PROMPT_CHARS} characters"
        )));
    }
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
    let size = size_to_preset(req.size.as_deref())?;

    let subject_id = format!("openai-{}", &hex_sha256(prompt.as_bytes())[..16]);
    let name: String = prompt
        .chars()
        .take(likeness_subjects::MAX_NAME_CHARS)
        .collect();
    let subject = json!({"id": subject_id, "name": name, "cohorts": ["openai"]});
    let subject = likeness_subjects::subject_from_json(
        subject.as_object().expect("object"),
        likeness_subjects::Source::Api,
    )
    .map_err(|e| invalid(format!("prompt: {e}")))?;
    let mut tx = app.db.begin_write().await?;
    subjects::upsert(&mut tx, &subject).await?;
    tx.commit().await.map_err(crate::Error::from)?;

    let mut events = app.events.subscribe();
    let mut jobs = Vec::new();
    for i in 0..n {
        let options = GenerateOptions {
            styles: vec![style.clone()],
            selection: Selection {
                subjects: vec![subject_id.clone()],
                force: true,
                ..Selection::default()
            },
            size: size.clone(),
            provider: provider.clone(),
            run_key: Some(format!("openai:{style}")),
            notes: Some("OpenAI-compatible request".into()),
            resume: false,
            job_options: Some(JobOptions {
                seed: Some(format!("{subject_id}:{style}:{i}")),
                custom_prompt: Some(prompt.to_string()),
            }),
        };
        let prepared = run::prepare(app, &options).await?;
        jobs.extend(app.db.job_ids(&prepared.run.id).await?);
    }
    app.work_available.notify_waiters();
    app.work_available.notify_one();

    let deadline = tokio::time::Instant::now() + WAIT;
    let mut done = Vec::with_capacity(jobs.len());
    for id in &jobs {
        loop {
            let job = app
                .db
                .job(id)
                .await?
                .ok_or_else(|| invalid("job vanished"))?;
            match job.status.as_str() {
                "succeeded" => {
                    done.push(job);
                    break;
                }
                "failed" => {
                    let message = job
                        .error_message
                        .unwrap_or_else(|| "generation failed".into());
                    let code = job.error_code.unwrap_or_else(|| "generation.failed".into());
                    return Err(OpenAiError(ApiError::new(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        &code,
                        message,
                    )));
                }
                _ if tokio::time::Instant::now() >= deadline => {
                    return Err(OpenAiError(ApiError::new(
                        StatusCode::GATEWAY_TIMEOUT,
                        "openai.timeout",
                        format!(
                            "the images were not ready within {} s; jobs keep running: {}",
                            WAIT.as_secs(),
                            jobs.join(", ")
                        ),
                    )));
                }
                _ => {
                    let _ = tokio::time::timeout(Duration::from_millis(250), async {
                        while let Ok(e) = events.recv().await {
                            if &e.job_id == id && e.status != "running" && e.status != "retrying" {
                                break;
                            }
                        }
                    })
                    .await;
                }
            }
        }
    }
    let base = public_base(&headers);
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
            item["url"] = json!(format!("{base}/assets/{key}"));
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

/// OpenAI sizes (`1024x1024`, `auto`) to the style's presets, by the long edge.
fn size_to_preset(size: Option<&str>) -> Result<Option<String>, OpenAiError> {
    let Some(size) = size.filter(|s| *s != "auto") else {
        return Ok(None);
    };
    let parsed = size
        .split_once('x')
        .and_then(|(w, h)| Some((w.parse::<u32>().ok()?, h.parse::<u32>().ok()?)));
    let Some((w, h)) = parsed.filter(|(w, h)| *w > 0 && *h > 0) else {
        return Err(invalid(format!(
            "`size` {size:?} is not WIDTHxHEIGHT or auto"
        )));
    };
    let long = w.max(h);
    Ok(Some(
        match long {
            0..=512 => "512",
            513..=1024 => "1K",
            _ => "2K",
        }
        .to_string(),
    ))
}

/// The scheme and host the client used, for absolute image URLs (a proxy's
/// `X-Forwarded-Proto` is honoured).
fn public_base(headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    let scheme = headers
        .get("x-forwarded-proto")
        .and_then(|h| h.to_str().ok())
        .filter(|p| *p == "https")
        .unwrap_or("http");
    format!("{scheme}://{host}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_map_to_presets_by_the_long_edge() {
        assert_eq!(size_to_preset(None).ok().flatten(), None);
        assert_eq!(size_to_preset(Some("auto")).ok().flatten(), None);
        assert_eq!(
            size_to_preset(Some("256x256")).ok().flatten().as_deref(),
            Some("512")
        );
        assert_eq!(
            size_to_preset(Some("1024x1536")).ok().flatten().as_deref(),
            Some("2K")
        );
        assert_eq!(
            size_to_preset(Some("1024x1024")).ok().flatten().as_deref(),
            Some("1K")
        );
        assert!(size_to_preset(Some("big")).is_err());
        assert!(size_to_preset(Some("0x10")).is_err());
    }
}
