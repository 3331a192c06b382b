//! `/api/subjects`: create or update subjects (the JSONL import's subject shape), list, show,
//! history.

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Extension, Path, Query, State};
use axum::routing::get;
use axum::{Json, Router};
use likeness_subjects::{Source, Subject, subject_from_json};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::ApiError;
use super::auth::Client;
use crate::db::subjects::{OnConflict, Upsert};
use crate::pipeline::plan::Selection;
use crate::pipeline::run::{self, GenerateOptions};
use crate::resolve::resolve;
use crate::views::SubjectView;

/// Subjects per POST, so one request cannot hold the write lock for long.
const MAX_SUBJECTS_PER_REQUEST: usize = 1000;

pub fn routes() -> Router<super::State> {
    Router::new()
        .route("/subjects", get(list).post(create))
        .route("/subjects/{id}", get(show))
        .route("/subjects/{id}/history", get(history))
        .route("/subjects/{id}/avatar", get(avatar))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(super) struct CreateQuery {
    /// Queue the default style for new subjects that have no image yet (default true).
    generate: Option<bool>,
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(super) struct AvatarQuery {
    style: Option<String>,
}

/// Redirects to the image that stands for the subject: the current one, a legacy file, the
/// default style's, or the placeholder (`X-Likeness-Rule` says which). Unknown subjects get
/// the placeholder, so a page can always show something.
#[utoipa::path(get, path = "/api/subjects/{id}/avatar", tag = "subjects", security(("bearer" = [])),
    params(("id" = String, Path, description = "subject id or slug"), AvatarQuery),
    responses((status = 307, description = "redirect to the image that stands for the subject; X-Likeness-Rule says which rule chose it")))]
pub(super) async fn avatar(
    State(state): State<super::State>,
    Path(id): Path<String>,
    query: Result<Query<AvatarQuery>, QueryRejection>,
) -> Result<axum::response::Response, ApiError> {
    use axum::http::{HeaderValue, StatusCode, header};
    use axum::response::IntoResponse;
    let Query(q) = query.map_err(|e| ApiError::new("http.bad_query", e.body_text()))?;
    let r = resolve(&state.app, &id, q.style.as_deref()).await?;
    let rule = serde_json::to_value(r.rule)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    let mut response = (
        StatusCode::TEMPORARY_REDIRECT,
        [(header::LOCATION, r.url.clone())],
    )
        .into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=60"),
    );
    if let Ok(v) = HeaderValue::from_str(&rule) {
        headers.insert("x-likeness-rule", v);
    }
    Ok(response)
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(super) struct ListQuery {
    cohort: Option<String>,
    source: Option<String>,
    /// Case-insensitive text in the id or display name.
    q: Option<String>,
    /// Continue after this id (the previous page's `next_after`).
    after: Option<String>,
    limit: Option<usize>,
}

#[utoipa::path(get, path = "/api/subjects", tag = "subjects", security(("bearer" = [])), params(ListQuery),
    responses((status = 200, description = "`{subjects: [...], next_after}`", body = Object), (status = 400, body = super::schema::ErrorBody)))]
pub(super) async fn list(
    State(state): State<super::State>,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let Query(q) = query.map_err(|e| ApiError::new("http.bad_query", e.body_text()))?;
    let limit = q.limit.unwrap_or(50).clamp(1, 500);
    let source: Option<Source> = match &q.source {
        Some(s) => Some(s.parse().map_err(|_| {
            ApiError::new(
                "http.bad_query",
                format!("source {s:?} is not one of fhir, csv, jsonl, api"),
            )
        })?),
        None => None,
    };
    let needle = q.q.as_deref().map(str::to_lowercase);
    let app = &state.app;
    let mut found = Vec::new();
    let mut after = q.after.clone();
    let mut exhausted = false;
    while found.len() < limit {
        let page = app
            .db
            .subjects_page(after.as_deref(), q.cohort.as_deref(), 500)
            .await?;
        let Some(last) = page.last() else {
            exhausted = true;
            break;
        };
        let last_id = last.id.to_string();
        for s in &page {
            after = Some(s.id.to_string());
            if matches(s, source, needle.as_deref()) {
                found.push(SubjectView::new(s, app.today));
                if found.len() == limit {
                    break;
                }
            }
        }
        if page.len() < 500 && after.as_deref() == Some(last_id.as_str()) {
            exhausted = true;
        }
    }
    let next_after = if exhausted { None } else { after };
    Ok(Json(json!({"subjects": found, "next_after": next_after})))
}

fn matches(s: &Subject, source: Option<Source>, needle: Option<&str>) -> bool {
    source.is_none_or(|src| s.source == src)
        && needle.is_none_or(|n| {
            s.id.as_ref().to_lowercase().contains(n) || s.display_name().to_lowercase().contains(n)
        })
}

/// Creates or updates one subject, or `{"subjects": [...]}`. All or nothing: any invalid
/// subject rejects the request with the reasons in `details`.
#[utoipa::path(post, path = "/api/subjects", tag = "subjects", security(("bearer" = [])), params(CreateQuery),
    request_body(content = super::schema::SubjectInput, description = "one subject, or `{\"subjects\": [...]}`"),
    responses((status = 200, description = "`{imported, updated, unchanged, ids, queued}`", body = Object),
        (status = 400, body = super::schema::ErrorBody), (status = 409, body = super::schema::ErrorBody), (status = 413, description = "body too large")))]
pub(super) async fn create(
    State(state): State<super::State>,
    Extension(client): Extension<Client>,
    query: Result<Query<CreateQuery>, QueryRejection>,
    body: Result<Json<Value>, JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    let Query(query) = query.map_err(|e| ApiError::new("http.bad_query", e.body_text()))?;
    let Json(body) = body.map_err(super::error::json_rejection)?;
    let items: Vec<&Map<String, Value>> = match &body {
        Value::Object(m) if m.contains_key("subjects") => match &m["subjects"] {
            Value::Array(list) => list
                .iter()
                .map(|v| v.as_object().ok_or(()))
                .collect::<Result<_, ()>>()
                .map_err(|_| {
                    ApiError::new(
                        "subject.invalid",
                        "every entry of `subjects` must be an object",
                    )
                })?,
            _ => {
                return Err(ApiError::new(
                    "subject.invalid",
                    "`subjects` must be an array",
                ));
            }
        },
        Value::Object(m) => vec![m],
        _ => {
            return Err(ApiError::new(
                "subject.invalid",
                "expected a subject object or {\"subjects\": [...]}",
            ));
        }
    };
    if items.is_empty() || items.len() > MAX_SUBJECTS_PER_REQUEST {
        return Err(ApiError::new(
            "subject.invalid",
            format!(
                "send 1 to {MAX_SUBJECTS_PER_REQUEST} subjects per request, got {}",
                items.len()
            ),
        ));
    }
    let mut parsed = Vec::with_capacity(items.len());
    let mut problems = Vec::new();
    for (index, obj) in items.iter().enumerate() {
        match subject_from_json(obj, Source::Api) {
            Ok(s) => parsed.push(s),
            Err(e) => problems.push(json!({"index": index, "reason": e.to_string()})),
        }
    }
    if !problems.is_empty() {
        return Err(ApiError::new(
            "subject.invalid",
            "some subjects are invalid; nothing was written",
        )
        .with_details(Value::Array(problems)));
    }
    let app = &state.app;
    let outcomes = app.db.upsert_subjects(&parsed, OnConflict::Abort).await?;
    let (mut imported, mut updated, mut unchanged) = (0, 0, 0);
    let mut conflicts = Vec::new();
    let mut new_ids = Vec::new();
    for (s, outcome) in parsed.iter().zip(outcomes) {
        match outcome {
            Upsert::Imported => {
                imported += 1;
                new_ids.push(s.id.to_string());
            }
            Upsert::Updated => updated += 1,
            Upsert::Unchanged => unchanged += 1,
            Upsert::Conflict { existing_source } => conflicts.push(json!({
                "id": s.id.to_string(),
                "reason": format!("id already belongs to a subject imported from {existing_source}"),
            })),
        }
    }
    if !conflicts.is_empty() {
        return Err(ApiError::new(
            "subject.conflict",
            "some ids belong to subjects from another source; nothing was written",
        )
        .with_details(Value::Array(conflicts)));
    }
    let ids: Vec<String> = parsed.iter().map(|s| s.id.to_string()).collect();
    let mut answer = json!({"imported": imported, "updated": updated, "unchanged": unchanged, "ids": ids, "queued": null});
    if !query.generate.unwrap_or(true) || new_ids.is_empty() {
        return Ok(Json(answer));
    }
    // The persona pipeline's behaviour: a new subject gets its portrait in the background,
    // within the client's generation budget. The rest stay without one until asked for
    // (`likeness generate` makes missing images; so does the avatars route).
    let allowed = state
        .generate_limit
        .take_up_to(&client.0, new_ids.len())
        .await;
    let deferred = new_ids.split_off(allowed);
    if !deferred.is_empty() {
        answer["not_queued"] = json!({
            "ids": deferred,
            "reason": "the generation rate limit (server.generate_per_minute) is spent; \
                       `likeness generate` or POST /api/avatars/generate/{id} makes these \
                       portraits later",
        });
    }
    if !new_ids.is_empty() {
        match queue_default_style(app, new_ids).await {
            Ok(queued) => answer["queued"] = queued,
            Err(e) => {
                tracing::warn!(error = %e, "could not queue portraits for new subjects");
                answer["queue_error"] = json!({"code": e.code(), "message": e.to_string()});
            }
        }
    }
    Ok(Json(answer))
}

/// Queues the default style for the given new subjects (missing images only).
async fn queue_default_style(app: &crate::App, ids: Vec<String>) -> crate::Result<Value> {
    let style = app.config.default_style.clone();
    let options = GenerateOptions {
        styles: vec![style.clone()],
        selection: Selection {
            subjects: ids,
            ..Selection::default()
        },
        size: None,
        provider: None,
        run_key: Some(format!("api:new-subjects:{style}")),
        notes: Some("new subjects created over HTTP".into()),
        resume: false,
        job_options: None,
    };
    let prepared = run::prepare(app, &options).await?;
    app.work_available.notify_waiters();
    app.work_available.notify_one();
    Ok(json!({"run_id": prepared.run.id, "style": style, "jobs": prepared.run.planned}))
}

#[utoipa::path(get, path = "/api/subjects/{id}", tag = "subjects", security(("bearer" = [])),
    params(("id" = String, Path, description = "subject id or slug")),
    responses((status = 200, description = "the normalised subject", body = Object), (status = 404, body = super::schema::ErrorBody)))]
pub(super) async fn show(
    State(state): State<super::State>,
    Path(id): Path<String>,
) -> Result<Json<SubjectView>, ApiError> {
    let subject = state.app.db.find_subject(&id).await?;
    Ok(Json(SubjectView::new(&subject, state.app.today)))
}

/// Every attempt for a subject; images as `/assets/...` URLs rather than server paths.
#[utoipa::path(get, path = "/api/subjects/{id}/history", tag = "subjects", security(("bearer" = [])),
    params(("id" = String, Path, description = "subject id or slug")),
    responses((status = 200, description = "`{subject_id, assets: [...]}`, every attempt", body = Object), (status = 404, body = super::schema::ErrorBody)))]
pub(super) async fn history(
    State(state): State<super::State>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let subject = state.app.db.find_subject(&id).await?;
    let rows = state.app.db.history(subject.id.as_ref()).await?;
    let entries: Vec<Value> = rows
        .into_iter()
        .map(|a| super::asset_json(a, &state.app.store))
        .collect();
    Ok(Json(
        json!({"subject_id": subject.id.to_string(), "assets": entries}),
    ))
}
