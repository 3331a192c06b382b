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
pub(super) const MAX_SUBJECTS_PER_REQUEST: usize = 1000;

/// `GET /api/subjects?limit=`: at most this many per page.
const MAX_PAGE: usize = 500;

pub fn routes() -> Router<super::State> {
    Router::new()
        .route("/subjects", get(list).post(create))
        .route(
            "/subjects/{id}",
            get(show).delete(super::erase::erase_subject),
        )
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
    /// The style to resolve in (default: the configured default style).
    #[param(value_type = Option<super::schema::CatalogStyle>)]
    style: Option<String>,
}

/// Whether `text` can be a subject id or slug (or a stable name, whose parts are both): only
/// such text is looked up, so the database never sees what it cannot take (PostgreSQL
/// refuses NUL in a query parameter).
pub(super) fn could_be_subject(text: &str) -> bool {
    !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// A subject by id or slug; text that cannot be either is not found without a query.
pub(super) async fn find_subject(app: &crate::App, id_or_slug: &str) -> Result<Subject, ApiError> {
    if !could_be_subject(id_or_slug) {
        return Err(crate::Error::SubjectNotFound(id_or_slug.to_string()).into());
    }
    Ok(app.db.find_subject(id_or_slug).await?)
}

/// Redirects to the image that stands for the subject: the current one, a legacy file, the
/// default style's, or the placeholder (`X-Likeness-Rule` says which). Unknown subjects get
/// the placeholder, so a page can always show something.
#[utoipa::path(get, path = "/api/subjects/{id}/avatar", tag = "subjects", security(("bearer" = [])),
    params(("id" = super::schema::SubjectRef, Path, description = "subject id or slug, or a stable name `{id}_{slug}_{style}.png`"), AvatarQuery),
    responses(
        (status = 307, description = "to the image that stands for the subject (an unknown id gets the placeholder)",
            headers(("Location" = String, description = "the image's URL"), ("X-Likeness-Rule" = String, description = "which rule chose it: current, legacy, default_style or placeholder"))),
        (status = 400, description = "not a subject id, or a query the route does not take (`http.bad_query`)", body = super::schema::ErrorBody),
        (status = 404, description = "a stable name whose slug is not the subject's", body = super::schema::ErrorBody),
        (status = 409, description = "a slug several subjects share (`subject.ambiguous`): use the id", body = super::schema::ErrorBody)))]
pub(super) async fn avatar(
    State(state): State<super::State>,
    Path(id): Path<String>,
    query: Result<Query<AvatarQuery>, QueryRejection>,
) -> Result<axum::response::Response, ApiError> {
    use axum::http::{HeaderValue, StatusCode, header};
    use axum::response::IntoResponse;
    let Query(q) = query.map_err(|e| ApiError::new("http.bad_query", e.body_text()))?;
    if !could_be_subject(&id) {
        return Err(ApiError::new(
            crate::codes::USAGE_INVALID,
            format!(
                "{id:?} is not a subject id: use 1 to 128 characters of A-Z, a-z, 0-9, '.', '_' \
                 and '-'"
            ),
        ));
    }
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
    /// Only subjects in this cohort (compared after the import's clean-up of cohort names).
    cohort: Option<String>,
    /// Only subjects read from this source.
    #[param(inline, value_type = Option<SourceName>)]
    source: Option<String>,
    /// Case-insensitive text in the id or display name.
    q: Option<String>,
    /// Continue after this id (the previous page's `next_after`).
    #[param(value_type = Option<super::schema::SubjectRef>)]
    after: Option<String>,
    /// Subjects per page (default 50).
    #[param(minimum = 1, maximum = 500)]
    limit: Option<usize>,
}

/// Where a subject was read from.
#[derive(utoipa::ToSchema)]
#[schema(rename_all = "lowercase")]
#[allow(dead_code)] // documentation only: `Source` parses the value
enum SourceName {
    Fhir,
    Csv,
    Jsonl,
    Api,
}

#[utoipa::path(get, path = "/api/subjects", tag = "subjects", security(("bearer" = [])), params(ListQuery),
    responses((status = 200, description = "`{subjects: [...], next_after}`: a page in id order; `next_after` is null on the last", body = Object),
        (status = 400, description = "a query the route does not take (`http.bad_query`)", body = super::schema::ErrorBody)))]
pub(super) async fn list(
    State(state): State<super::State>,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let Query(q) = query.map_err(|e| ApiError::new("http.bad_query", e.body_text()))?;
    let bad_query = |m: String| ApiError::new(crate::codes::HTTP_BAD_QUERY, m);
    let limit = q.limit.unwrap_or(50);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(bad_query(format!(
            "limit {limit} is outside 1 to {MAX_PAGE}"
        )));
    }
    let source: Option<Source> = match q.source.as_deref() {
        Some(s @ ("fhir" | "csv" | "jsonl" | "api")) => s.parse().ok(),
        Some(s) => {
            return Err(bad_query(format!(
                "source {s:?} is not one of fhir, csv, jsonl, api"
            )));
        }
        None => None,
    };
    if let Some(after) = q.after.as_deref().filter(|a| !could_be_subject(a)) {
        return Err(bad_query(format!(
            "after {after:?} is not a subject id: send the previous page's next_after"
        )));
    }
    // As the import cleans cohort names, so `?cohort=` finds what the import stored (and the
    // database is never asked about control characters).
    let cohort = q.cohort.as_deref().map(likeness_subjects::names::sanitize);
    let needle = q.q.as_deref().map(str::to_lowercase);
    let app = &state.app;
    let mut found = Vec::new();
    let mut after = q.after.clone();
    let mut exhausted = false;
    while found.len() < limit {
        let page = app
            .db
            .subjects_page(after.as_deref(), cohort.as_deref(), MAX_PAGE as i64)
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
        if page.len() < MAX_PAGE && after.as_deref() == Some(last_id.as_str()) {
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
    request_body(content = ref("#/components/schemas/SubjectsRequest"), description = "one subject, or `{\"subjects\": [...]}`"),
    responses((status = 200, description = "`{imported, updated, unchanged, ids, queued}` (and `not_queued` past the generation rate limit)", body = Object),
        (status = 400, description = "an invalid subject (`subject.invalid`, reasons in `details`), malformed JSON (`http.bad_json`) or query (`http.bad_query`)", body = super::schema::ErrorBody),
        (status = 409, description = "an id already belongs to a subject from another source (`subject.conflict`)", body = super::schema::ErrorBody)))]
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
        match api_shape(obj)
            .and_then(|()| subject_from_json(obj, Source::Api).map_err(|e| e.to_string()))
        {
            Ok(s) => parsed.push(s),
            Err(reason) => problems.push(json!({"index": index, "reason": reason})),
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

/// The API's subject shape, checked before the import rules read the object: an `id`, the
/// documented fields with their documented types (the import would read `"id": 5` as `"5"`),
/// other keys plain values. What `/openapi.json` says, so a client learns it from a 400 rather
/// than from a subject stored differently from what it sent.
fn api_shape(obj: &Map<String, Value>) -> Result<(), String> {
    let is_scalar = |v: &Value| !(v.is_array() || v.is_object());
    for (key, value) in obj {
        let ok = match key.as_str() {
            "id" => value.is_string(),
            "name" | "gender" | "birth_date" | "deceased_date" => {
                value.is_string() || value.is_null()
            }
            "deceased" => value.is_boolean() || value.is_null(),
            "cohorts" => match value {
                Value::Array(items) => items.iter().all(Value::is_string),
                other => other.is_null(),
            },
            "attributes" => match value {
                Value::Object(map) => map.values().all(is_scalar),
                other => other.is_null(),
            },
            _ => is_scalar(value),
        };
        if !ok {
            let expected = match key.as_str() {
                "id" => "a string",
                "name" | "gender" | "birth_date" | "deceased_date" => "a string or null",
                "deceased" => "true, false or null",
                "cohorts" => "an array of strings or null",
                "attributes" => "an object of strings, numbers or booleans, or null",
                _ => "a string, number, boolean or null",
            };
            return Err(format!("{key}: expected {expected}"));
        }
    }
    if !obj.contains_key("id") {
        return Err("no id: every subject sent to the API has an `id`".into());
    }
    let max = likeness_subjects::MAX_NAME_CHARS;
    match obj
        .get("name")
        .and_then(Value::as_str)
        .map(|n| n.chars().count())
    {
        // Counted as sent: cleaning may shorten a name, and the limit must not depend on it.
        Some(n) if n > max => Err(format!("name is {n} characters; the limit is {max}")),
        _ => Ok(()),
    }
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
    params(("id" = super::schema::SubjectRef, Path, description = "subject id or slug")),
    responses((status = 200, description = "the normalised subject", body = Object),
        (status = 404, description = "no such subject (`subject.not_found`)", body = super::schema::ErrorBody),
        (status = 409, description = "a slug several subjects share (`subject.ambiguous`): use the id", body = super::schema::ErrorBody)))]
pub(super) async fn show(
    State(state): State<super::State>,
    Path(id): Path<String>,
) -> Result<Json<SubjectView>, ApiError> {
    let subject = find_subject(&state.app, &id).await?;
    Ok(Json(SubjectView::new(&subject, state.app.today)))
}

/// Every attempt for a subject; images as `/assets/...` URLs rather than server paths.
#[utoipa::path(get, path = "/api/subjects/{id}/history", tag = "subjects", security(("bearer" = [])),
    params(("id" = super::schema::SubjectRef, Path, description = "subject id or slug")),
    responses((status = 200, description = "`{subject_id, assets: [...]}`, every attempt", body = Object),
        (status = 404, description = "no such subject (`subject.not_found`)", body = super::schema::ErrorBody),
        (status = 409, description = "a slug several subjects share (`subject.ambiguous`): use the id", body = super::schema::ErrorBody)))]
pub(super) async fn history(
    State(state): State<super::State>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let subject = find_subject(&state.app, &id).await?;
    let rows = state.app.db.history(subject.id.as_ref()).await?;
    let entries: Vec<Value> = rows
        .into_iter()
        .map(|a| super::asset_json(a, &state.app.store))
        .collect();
    Ok(Json(
        json!({"subject_id": subject.id.to_string(), "assets": entries}),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(v: Value) -> Result<(), String> {
        api_shape(v.as_object().expect("an object"))
    }

    #[test]
    fn the_api_takes_the_documented_shape() {
        assert_eq!(
            shape(
                json!({"id": "a", "name": null, "deceased": true, "cohorts": ["x"],
                "attributes": {"k": 1, "j": null}, "first_name": "Ada", "jersey": 23})
            ),
            Ok(())
        );
        for (bad, field) in [
            (json!({"id": 5}), "id"),
            (json!({"id": "a", "name": 7}), "name"),
            (json!({"id": "a", "deceased": "yes"}), "deceased"),
            (json!({"id": "a", "cohorts": [1]}), "cohorts"),
            (json!({"id": "a", "attributes": {"k": []}}), "attributes"),
            (json!({"id": "a", "team": {"x": 1}}), "team"),
        ] {
            let e = shape(bad).unwrap_err();
            assert!(e.starts_with(&format!("{field}: expected")), "{e}");
        }
        assert!(
            shape(json!({"name": "Ada"}))
                .unwrap_err()
                .starts_with("no id")
        );
        let long = "é".repeat(likeness_subjects::MAX_NAME_CHARS + 1);
        assert!(shape(json!({"id": "a", "name": long})).is_err());
    }

    #[test]
    fn only_plausible_ids_are_looked_up() {
        for id in [
            "ada",
            "ada-lovelace",
            "76003",
            "a_b.c",
            "x_ada-l_initials.png",
        ] {
            assert!(could_be_subject(id), "{id}");
        }
        for id in ["", "a\0b", "a b", "a/b", "é"] {
            assert!(!could_be_subject(id), "{id:?}");
        }
    }
}
