//! `POST /api/generate`: the doctor pipeline's request. One portrait in a style or scenario,
//! optionally from a reference photo (base64, a `data:` URL, or an http(s) URL fetched with the
//! SSRF guard), answered when it is done with where the image is and how it was made.
//!
//! The reference passes likeness-face's intake (format, size, dimensions, orientation,
//! metadata) before it is stored or sent anywhere. Without `subject_id` the request gets an
//! ad-hoc subject (`ref-<hash of the photo>`, cohort `api-generate`), so the same photo keeps
//! one history; the image is a job and an asset like every other.

use std::time::Duration;

use axum::extract::{Extension, State};
use axum::http::HeaderMap;
use axum::routing::post;
use axum::{Json, Router};
use base64::Engine;
use likeness_styles::StyleKind;
use serde::Deserialize;
use serde_json::{Value, json};

use super::auth::Client;
use super::{ApiError, generation};
use crate::hash::hex_sha256;
use crate::job_options::JobOptions;
use crate::limits::{MAX_STEPS, PROMPT_CHARS as MAX_PROMPT_CHARS, SEED_CHARS};
use crate::references;

/// How long the request is held before answering 504 (the job keeps running).
const WAIT: Duration = Duration::from_secs(120);

pub fn routes() -> Router<super::State> {
    Router::new().route("/generate", post(generate))
}

/// Described by `schema::portrait_request` (`PortraitRequest` in the document).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct PortraitRequest {
    /// A JPEG, PNG or WebP photo: base64, a `data:` URL, or an http(s) URL.
    reference_image: Option<String>,
    /// A likeness style; `scenario` is the same for scenario styles (consultant, speaker…).
    style: Option<String>,
    scenario: Option<String>,
    custom_prompt: Option<String>,
    /// An existing subject to file the image under (id or slug); otherwise an ad-hoc one.
    subject_id: Option<String>,
    /// `provider` or `provider:model`, instead of the style's chain.
    provider: Option<String>,
    #[serde(default)]
    settings: Settings,
    /// Options for the built-in renderer, as for `POST /api/avatars/generate/{id}` (`flip`,
    /// `background`, `palette`, …), for styles it draws.
    options: Option<serde_json::Map<String, Value>>,
    /// Also answer with the image itself, base64-encoded.
    #[serde(default)]
    return_base64: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Settings {
    #[serde(default, deserialize_with = "generation::whole_number")]
    width: Option<u32>,
    #[serde(default, deserialize_with = "generation::whole_number")]
    height: Option<u32>,
    #[serde(default, deserialize_with = "generation::whole_number")]
    steps: Option<u32>,
    /// Read as f64 and checked before narrowing: as f32, 1.0000000001 would pass as 1.
    identity_weight: Option<f64>,
    /// A number or a string.
    seed: Option<Value>,
}

#[utoipa::path(post, path = "/api/generate", operation_id = "generate_portrait", tag = "generation", security(("bearer" = [])),
    request_body(content = ref("#/components/schemas/PortraitRequest")),
    responses((status = 200, description = "`{status, output_path, output_key, output_url, output_base64?, metadata: {style, style_name, resolution, generation_time_ms, prompt_used, provider, model, seed, identity_score (0–1 against the reference, 0.5 = dlib's same-person line), identity, quality, gate, timestamp, …}}`", body = Object),
        (status = 400, description = "a body the route does not take: malformed JSON, an unknown field, a setting out of range, neither `reference_image` nor `subject_id`, a reference that is not an image, text it cannot store", body = super::schema::ErrorBody),
        (status = 404, description = "no such subject (`subject.not_found`)", body = super::schema::ErrorBody),
        (status = 409, description = "a slug several subjects share (`subject.ambiguous`)", body = super::schema::ErrorBody),
        (status = 422, description = "the reference photo does not show exactly one clear face (`face.none_found`, `face.several`, `face.too_small`, `face.blurred`), or the image failed the style's gates", body = super::schema::ErrorBody),
        (status = 429, description = "the client's generation rate limit is spent, or the provider's",
            headers(("Retry-After" = u64, description = "seconds to wait")), body = super::schema::ErrorBody),
        (status = 502, description = "the provider answered badly, or a reference URL could not be fetched", body = super::schema::ErrorBody),
        (status = 503, description = "no usable provider for the style, or the face models are not installed", body = super::schema::ErrorBody),
        (status = 504, description = "not ready within 120 s (`generation.timeout`); the job keeps running", body = super::schema::ErrorBody)))]
pub(super) async fn generate(
    State(state): State<super::State>,
    Extension(client): Extension<Client>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Json<Value>, ApiError> {
    super::error::require_json(&headers, &body)?;
    generation::take_rate(&state, &client).await?;
    let req: PortraitRequest = serde_json::from_slice(&body)
        .map_err(|e| ApiError::new("http.bad_json", format!("request body: {e}")))?;
    let app = &state.app;
    let style = pick_style(&state, &req)?;
    let mut options = job_options(&req)?;
    options.renderer = generation::renderer_options(app, &style.0, req.options.clone())?;

    let reference = match req.reference_image.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(given) => Some(reference(&state, given).await?),
    };
    let subject_id = match (&req.subject_id, &reference) {
        (Some(id), Some(r)) => {
            let id = super::subjects::find_subject(app, id).await?.id.to_string();
            references::remember_colors(app, &id, r).await?;
            id
        }
        (Some(id), None) => super::subjects::find_subject(app, id).await?.id.to_string(),
        (None, Some(r)) => {
            let id = format!("ref-{}", &hex_sha256(r.key.as_bytes())[..16]);
            let id = generation::adhoc_subject(app, &id, None, "api-generate").await?;
            references::remember_colors(app, &id, r).await?;
            id
        }
        (None, None) => {
            return Err(ApiError::new(
                "http.missing_field",
                "send `reference_image` (base64, data: URL or http(s) URL) or the `subject_id` \
                 of an imported subject",
            ));
        }
    };
    let mut queued = generation::enqueue(
        app,
        generation::Order {
            subject_id: subject_id.clone(),
            run_key: format!("api-generate:{}", style.0),
            style: style.0.clone(),
            provider: req.provider.clone(),
            notes: "POST /api/generate",
            jobs: vec![JobOptions {
                references: reference.iter().map(|r| r.key.clone()).collect(),
                ..options
            }],
        },
    )
    .await?;
    let job = queued.wait(app, WAIT).await?.remove(0);
    if job.status == "failed" {
        return Err(generation::job_error(app, &job));
    }
    if !generation::is_final(&job.status) {
        return Err(ApiError::new(
            "generation.timeout",
            format!(
                "the portrait was not ready within {} s; job {} keeps running: GET /api/jobs/{}",
                WAIT.as_secs(),
                job.id,
                job.id
            ),
        ));
    }
    let asset_id = job.asset_id.clone().unwrap_or_default();
    let asset = app
        .db
        .asset(&asset_id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("asset {asset_id} vanished")))?;
    let key = asset.storage_key.clone().unwrap_or_default();
    let detail = |section: &str, field: &str| -> Value {
        let value = asset.details.as_ref().and_then(|d| d.get(section));
        let value = if field.is_empty() {
            value
        } else {
            value.and_then(|v| v.get(field))
        };
        value.cloned().unwrap_or(Value::Null)
    };
    let mut answer = json!({
        "status": "success",
        // A file only when the store is a local folder; otherwise the key and the URL.
        "output_path": app.store.path(&key).map(|p| p.display().to_string()),
        "output_key": key,
        "output_url": app
            .store
            .public_url(&key)
            .unwrap_or_else(|| format!("{}/assets/{key}", super::public_base(&headers))),
        "metadata": {
            "style": asset.style,
            "style_name": style.1,
            "scenario": req.scenario,
            "resolution": format!("{}x{}", asset.width.unwrap_or(0), asset.height.unwrap_or(0)),
            "generation_time_ms": asset.total_ms,
            "prompt_used": asset.prompt,
            "provider": asset.provider,
            "model": asset.model,
            "seed": asset.seed,
            // Against the reference photo; null without one (see likeness_face::identity).
            "identity_score": detail("identity", "score"),
            "identity": detail("identity", ""),
            "quality": detail("quality", ""),
            "gate": detail("gate", ""),
            "timestamp": asset.created_at.text(),
            "subject_id": subject_id,
            "job_id": job.id,
            "asset_id": asset.asset_id,
            "reference": reference.map(|r| json!({
                "key": r.key, "format": r.format.name(), "width": r.width, "height": r.height,
            })),
        },
    });
    if req.return_base64 {
        let bytes = app.store.get(&key).await?;
        answer["output_base64"] = base64::engine::general_purpose::STANDARD
            .encode(bytes)
            .into();
    }
    Ok(Json(answer))
}

/// The style's name and title: `style`, or `scenario` (which must be a scenario style), or
/// the configured default.
fn pick_style(state: &super::State, req: &PortraitRequest) -> Result<(String, String), ApiError> {
    let catalog = &state.app.catalog;
    let name = match (&req.style, &req.scenario) {
        (Some(a), Some(b)) if a != b => {
            return Err(ApiError::new(
                "http.conflicting_fields",
                format!("`style` {a:?} and `scenario` {b:?} disagree; send one"),
            ));
        }
        (Some(s), _) => s.clone(),
        (None, Some(s)) => {
            let style = catalog.get(s).map_err(crate::Error::from)?;
            if style.kind != StyleKind::Scenario {
                let scenarios: Vec<&str> = catalog
                    .list()
                    .filter(|s| s.kind == StyleKind::Scenario)
                    .map(|s| s.name.as_str())
                    .collect();
                return Err(ApiError::new(
                    "style.not_a_scenario",
                    format!(
                        "{s:?} is a style, not a scenario; scenarios: {} (or send it as `style`)",
                        scenarios.join(", ")
                    ),
                ));
            }
            s.clone()
        }
        (None, None) => state.app.config.default_style.clone(),
    };
    let style = catalog.get(&name).map_err(crate::Error::from)?;
    Ok((style.name.clone(), style.title.clone()))
}

/// The request's settings as job options, each checked against its range.
fn job_options(req: &PortraitRequest) -> Result<JobOptions, ApiError> {
    let s = &req.settings;
    let bad = |field: &str, message: String| {
        ApiError::new("http.bad_setting", format!("settings.{field}: {message}"))
    };
    let (min, max) = (likeness_paint::Size::MIN, likeness_paint::Size::MAX);
    for (field, value) in [("width", s.width), ("height", s.height)] {
        if let Some(v) = value.filter(|v| !(min..=max).contains(v)) {
            return Err(bad(field, format!("{v} is outside {min} to {max} pixels")));
        }
    }
    if let Some(steps) = s.steps.filter(|s| !(1..=MAX_STEPS).contains(s)) {
        return Err(bad("steps", format!("{steps} is outside 1 to {MAX_STEPS}")));
    }
    if let Some(w) = s.identity_weight.filter(|w| !(0.0..=1.0).contains(w)) {
        return Err(bad("identity_weight", format!("{w} is outside 0 to 1")));
    }
    let seed = match &s.seed {
        None | Some(Value::Null) => None,
        Some(Value::Number(n)) => Some(n.to_string()),
        // Any text: a seed is a key, and white space is as good a key as any.
        Some(Value::String(t)) if !t.is_empty() && t.chars().count() <= SEED_CHARS => {
            Some(t.clone())
        }
        Some(Value::String(t)) => {
            return Err(bad(
                "seed",
                format!(
                    "a seed is a number or a string of 1 to {SEED_CHARS} characters, got {} \
                     characters",
                    t.chars().count()
                ),
            ));
        }
        Some(_) => {
            return Err(bad(
                "seed",
                format!("a seed is a number or a string of 1 to {SEED_CHARS} characters"),
            ));
        }
    };
    // Counted as sent, as on every other endpoint (trimming must not decide the limit).
    if let Some(p) = req
        .custom_prompt
        .as_deref()
        .filter(|p| p.chars().count() > MAX_PROMPT_CHARS)
    {
        return Err(ApiError::new(
            "http.bad_prompt",
            format!(
                "custom_prompt has {} characters; the limit is {MAX_PROMPT_CHARS}",
                p.chars().count()
            ),
        ));
    }
    let custom_prompt = req.custom_prompt.as_deref().map(str::trim);
    Ok(JobOptions {
        seed,
        custom_prompt: custom_prompt.filter(|p| !p.is_empty()).map(String::from),
        width: s.width,
        height: s.height,
        steps: s.steps,
        identity_weight: s.identity_weight.map(|w| w as f32),
        ..JobOptions::default()
    })
}

/// The reference photo from base64 or a URL, checked and stored.
async fn reference(state: &super::State, given: &str) -> Result<references::Stored, ApiError> {
    let max_bytes = state.app.faces.limits().max_bytes;
    let bytes = if crate::fetch::is_http_url(given) {
        let fetched = state
            .fetcher
            .get(given)
            .await
            .map_err(|e| ApiError::new(e.code(), format!("reference_image: {e}")))?;
        fetched.bytes.to_vec()
    } else {
        likeness_face::decode_base64(given, max_bytes)
            .map_err(|e| ApiError::from(crate::Error::from(e)).prefixed("reference_image: "))?
    };
    references::store(&state.app, bytes)
        .await
        .map_err(|e| ApiError::from(e).prefixed("reference_image: "))
}
