//! Generation over HTTP: `POST /api/avatars/generate/{subject_id}` (always a new version),
//! `GET /api/jobs/{id}`, `GET /api/runs`, `GET /api/runs/{id}`.

use std::time::Duration;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Extension, Path, Query, State};
use axum::http::StatusCode;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::routing::{get, post};
use axum::{Json, Router};
use futures::Stream;
use serde::Deserialize;
use serde_json::{Value, json};

use super::auth::Client;
use super::{ApiError, generation};
use crate::app::App;
use crate::job_options::JobOptions;
use crate::views::{JobView, RunView};

/// Longest a `?wait=true` request is held; past it the answer is 202 with the job.
const MAX_WAIT_SECONDS: u64 = 120;

pub fn routes() -> Router<super::State> {
    Router::new()
        .route("/avatars/generate/{subject_id}", post(generate))
        .route("/jobs/{id}", get(job))
        .route("/jobs/{id}/events", get(job_events))
        .route("/runs", get(runs))
        .route("/runs/{id}", get(run_one))
}

/// Described by `schema::generate_body` (`GenerateBody` in the document).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct GenerateBody {
    style: Option<String>,
    /// `provider` or `provider:model`, instead of the style's chain.
    provider: Option<String>,
    custom_prompt: Option<String>,
    seed: Option<String>,
    /// Options for the built-in renderer, laid over the style's `[renderer]` table: `flip`,
    /// `rotate`, `scale`, `translate_x`, `translate_y`, `radius`, `shape`, `background`,
    /// `background_fill`, and the kind's own keys (`palette`, `variant`, …).
    options: Option<serde_json::Map<String, Value>>,
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(super) struct GenerateQuery {
    /// Answer when the job has finished (200), or after `timeout` seconds with the job as it
    /// is then (202).
    #[serde(default)]
    wait: bool,
    /// Seconds to wait with `wait=true` (default 60).
    #[param(minimum = 0, maximum = 120)]
    timeout: Option<u64>,
}

#[utoipa::path(post, path = "/api/avatars/generate/{subject_id}", operation_id = "generate_avatar", tag = "generation", security(("bearer" = [])),
    params(("subject_id" = super::schema::SubjectRef, Path, description = "subject id or slug"), GenerateQuery),
    request_body(content = ref("#/components/schemas/GenerateBody"), description = "optional (an empty body takes the configured default style)"),
    responses((status = 200, description = "`wait=true`: the finished job (succeeded or failed) with its asset", body = Object),
        (status = 202, description = "the queued job (or, with `wait=true`, the job still running at the timeout)", body = Object),
        (status = 400, description = "a body or query the route does not take: malformed JSON, an unknown field, options the style's renderer refuses, text it cannot store", body = super::schema::ErrorBody),
        (status = 404, description = "no such subject (`subject.not_found`)", body = super::schema::ErrorBody),
        (status = 409, description = "a slug several subjects share (`subject.ambiguous`)", body = super::schema::ErrorBody),
        (status = 429, description = "the client's generation rate limit (`server.generate_per_minute`) is spent",
            headers(("Retry-After" = u64, description = "seconds until a generation is allowed again")), body = super::schema::ErrorBody),
        (status = 503, description = "no provider of the style's chain can be used now", body = super::schema::ErrorBody)))]
pub(super) async fn generate(
    State(state): State<super::State>,
    Extension(client): Extension<Client>,
    Path(subject_id): Path<String>,
    query: Result<Query<GenerateQuery>, QueryRejection>,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    super::error::require_json(&headers, &body)?;
    generation::take_rate(&state, &client).await?;
    let Query(query) = query.map_err(|e| ApiError::new("http.bad_query", e.body_text()))?;
    if let Some(t) = query.timeout.filter(|t| *t > MAX_WAIT_SECONDS) {
        return Err(ApiError::new(
            crate::codes::HTTP_BAD_QUERY,
            format!("timeout {t} is over {MAX_WAIT_SECONDS} seconds"),
        ));
    }
    // The body is optional: empty means "the defaults".
    let body: GenerateBody = if body.iter().all(u8::is_ascii_whitespace) {
        GenerateBody::default()
    } else {
        serde_json::from_slice(&body)
            .map_err(|e| ApiError::new("http.bad_json", format!("request body: {e}")))?
    };
    let app = &state.app;
    let subject = super::subjects::find_subject(app, &subject_id).await?;
    let style = body
        .style
        .clone()
        .unwrap_or_else(|| app.config.default_style.clone());
    let renderer = generation::renderer_options(app, &style, body.options)?;
    let mut queued = generation::enqueue(
        app,
        generation::Order {
            subject_id: subject.id.to_string(),
            run_key: format!("api:{style}"),
            style,
            provider: body.provider,
            notes: "requested over HTTP",
            jobs: vec![JobOptions {
                seed: body.seed,
                custom_prompt: body.custom_prompt,
                renderer,
                ..JobOptions::default()
            }],
        },
    )
    .await?;
    let limit = if query.wait {
        Duration::from_secs(query.timeout.unwrap_or(60))
    } else {
        Duration::ZERO
    };
    let job = queued.wait(app, limit).await?.remove(0);
    let status = if query.wait && generation::is_final(&job.status) {
        StatusCode::OK
    } else {
        StatusCode::ACCEPTED
    };
    Ok((status, Json(job_view(app, &job.id).await?)))
}

/// Job and run ids are UUIDs: anything else is not found without a query (PostgreSQL refuses
/// NUL in a query parameter).
fn is_uuid(id: &str) -> bool {
    uuid::Uuid::try_parse(id).is_ok()
}

/// A job with its asset (image URL, prompt, timing) once there is one.
async fn job_view(app: &App, id: &str) -> Result<Value, ApiError> {
    let found = if is_uuid(id) {
        app.db.job(id).await?
    } else {
        None
    };
    let job = found.ok_or_else(|| ApiError::not_found(format!("no job {id}")))?;
    let asset = match &job.asset_id {
        Some(a) => app
            .db
            .asset(a)
            .await?
            .map(|row| super::asset_json(row, &app.store)),
        None => None,
    };
    let mut v = serde_json::to_value(JobView::from(job)).unwrap_or(Value::Null);
    super::redact_paths(&mut v, &app.store);
    if let Some(obj) = v.as_object_mut() {
        obj.insert("asset".into(), asset.unwrap_or(Value::Null));
    }
    Ok(v)
}

#[utoipa::path(get, path = "/api/jobs/{id}", tag = "generation", security(("bearer" = [])), params(("id" = super::schema::Uuid, Path, description = "the job's id")),
    responses((status = 200, description = "the job, with its asset once there is one", body = Object),
        (status = 404, description = "no such job", body = super::schema::ErrorBody)))]
pub(super) async fn job(
    State(state): State<super::State>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(job_view(&state.app, &id).await?))
}

/// Server-Sent Events for one job: its current state at once, then every change (`queued`,
/// `running`, `retrying`, `succeeded` or `failed`, each carrying the job as JSON with its asset
/// once there is one); the stream ends after the final state.
#[utoipa::path(get, path = "/api/jobs/{id}/events", tag = "generation", security(("bearer" = [])), params(("id" = super::schema::Uuid, Path, description = "the job's id")),
    responses((status = 200, description = "Server-Sent Events: the state now, then each change (`queued`, `running`, `retrying`, `succeeded`, `failed`, each with the job as JSON) until succeeded or failed; `progress` events (`{job_id, value, max}`) carry the sampler steps of long generations (ComfyUI) worked by this server's own workers",
            content_type = "text/event-stream", body = ref("#/components/schemas/JobEvent")),
        (status = 404, description = "no such job", body = super::schema::ErrorBody)))]
pub(super) async fn job_events(
    State(state): State<super::State>,
    Path(id): Path<String>,
) -> Result<Sse<impl Stream<Item = Result<Event, axum::Error>>>, ApiError> {
    let app = state.app.clone();
    // Subscribe before the first read so no change falls between the two.
    let events = app.events.subscribe();
    let first = job_view(&app, &id).await?;
    struct Follow {
        app: std::sync::Arc<App>,
        events: tokio::sync::broadcast::Receiver<crate::events::JobEvent>,
        id: String,
        pending: Option<Value>,
        last: String,
        done: bool,
    }
    let start = Follow {
        app,
        events,
        id,
        pending: Some(first),
        last: String::new(),
        done: false,
    };
    let stream = futures::stream::unfold(start, |mut f| async move {
        if f.done {
            return None;
        }
        let view = match f.pending.take() {
            Some(v) => v,
            None => loop {
                // Woken by this process's workers; the poll covers other processes.
                let woke = tokio::time::timeout(Duration::from_millis(500), async {
                    loop {
                        match f.events.recv().await {
                            Ok(e) if e.job_id == f.id => break Some(e),
                            Ok(_) => continue,
                            Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => break None,
                            Err(tokio::sync::broadcast::error::RecvError::Closed) => {
                                std::future::pending::<()>().await
                            }
                        }
                    }
                })
                .await;
                // Progress of a long generation (ComfyUI's sampler steps) goes out as it comes,
                // straight from the worker: it is not in the database.
                if let Ok(Some(e)) = woke
                    && let Some([value, max]) = e.progress
                {
                    let data = json!({"job_id": e.job_id, "value": value, "max": max});
                    return Some((Event::default().event("progress").json_data(data), f));
                }
                match job_view(&f.app, &f.id).await {
                    Ok(v) if v["status"] != f.last.as_str() => break v,
                    Ok(_) => continue,
                    Err(_) => return None,
                }
            },
        };
        let status = view["status"].as_str().unwrap_or("unknown").to_string();
        f.done = matches!(status.as_str(), "succeeded" | "failed" | "skipped");
        f.last = status.clone();
        Some((Event::default().event(status).json_data(view), f))
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}

async fn run_view(app: &App, run: crate::db::runs::Run) -> Result<Value, ApiError> {
    let counts = app.db.run_counts(&run.id).await?;
    let actual = app.db.run_actual_cost(&run.id).await?;
    Ok(serde_json::to_value(RunView::new(run, counts, actual)).unwrap_or(Value::Null))
}

#[utoipa::path(get, path = "/api/runs", tag = "generation", security(("bearer" = [])),
    responses((status = 200, description = "`{runs: [...]}`, the newest 200, with counts and cost", body = Object)))]
pub(super) async fn runs(State(state): State<super::State>) -> Result<Json<Value>, ApiError> {
    let mut out = Vec::new();
    for run in state.app.db.runs().await?.into_iter().take(200) {
        out.push(run_view(&state.app, run).await?);
    }
    Ok(Json(json!({"runs": out})))
}

#[utoipa::path(get, path = "/api/runs/{id}", tag = "generation", security(("bearer" = [])), params(("id" = super::schema::Uuid, Path, description = "the run's id")),
    responses((status = 200, description = "the run with counts and cost", body = Object),
        (status = 404, description = "no such run", body = super::schema::ErrorBody)))]
pub(super) async fn run_one(
    State(state): State<super::State>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let found = if is_uuid(&id) {
        state.app.db.run(&id).await?
    } else {
        None
    };
    let run = found.ok_or_else(|| ApiError::not_found(format!("no run {id}")))?;
    Ok(Json(run_view(&state.app, run).await?))
}
