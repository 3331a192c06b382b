//! `/api/subjects`: create or update subjects (the JSONL import's subject shape), list, show,
//! history.

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::routing::get;
use axum::{Json, Router};
use likeness_subjects::{Source, Subject, subject_from_json};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::ApiError;
use crate::db::subjects::{self, Upsert};
use crate::views::{HistoryEntry, SubjectView};

/// Subjects per POST, so one request cannot hold the write lock for long.
const MAX_SUBJECTS_PER_REQUEST: usize = 1000;

pub fn routes() -> Router<super::State> {
    Router::new()
        .route("/subjects", get(list).post(create))
        .route("/subjects/{id}", get(show))
        .route("/subjects/{id}/history", get(history))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    cohort: Option<String>,
    source: Option<String>,
    /// Case-insensitive text in the id or display name.
    q: Option<String>,
    /// Continue after this id (the previous page's `next_after`).
    after: Option<String>,
    limit: Option<usize>,
}

async fn list(
    State(state): State<super::State>,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let Query(q) = query.map_err(|e| ApiError::bad_request("http.bad_query", e.body_text()))?;
    let limit = q.limit.unwrap_or(50).clamp(1, 500);
    let source: Option<Source> = match &q.source {
        Some(s) => Some(s.parse().map_err(|_| {
            ApiError::bad_request(
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
async fn create(
    State(state): State<super::State>,
    body: Result<Json<Value>, JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    let Json(body) = body.map_err(|e| ApiError::new(e.status(), "http.bad_json", e.body_text()))?;
    let items: Vec<&Map<String, Value>> = match &body {
        Value::Object(m) if m.contains_key("subjects") => match &m["subjects"] {
            Value::Array(list) => list
                .iter()
                .map(|v| v.as_object().ok_or(()))
                .collect::<Result<_, ()>>()
                .map_err(|_| {
                    ApiError::bad_request(
                        "subject.invalid",
                        "every entry of `subjects` must be an object",
                    )
                })?,
            _ => {
                return Err(ApiError::bad_request(
                    "subject.invalid",
                    "`subjects` must be an array",
                ));
            }
        },
        Value::Object(m) => vec![m],
        _ => {
            return Err(ApiError::bad_request(
                "subject.invalid",
                "expected a subject object or {\"subjects\": [...]}",
            ));
        }
    };
    if items.is_empty() || items.len() > MAX_SUBJECTS_PER_REQUEST {
        return Err(ApiError::bad_request(
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
        return Err(ApiError::bad_request(
            "subject.invalid",
            "some subjects are invalid; nothing was written",
        )
        .with_details(Value::Array(problems)));
    }
    let app = &state.app;
    let mut tx = app.db.begin_write().await?;
    let (mut imported, mut updated, mut unchanged) = (0, 0, 0);
    let mut conflicts = Vec::new();
    for s in &parsed {
        match subjects::upsert(&mut tx, s).await? {
            Upsert::Imported => imported += 1,
            Upsert::Updated => updated += 1,
            Upsert::Unchanged => unchanged += 1,
            Upsert::Conflict { existing_source } => conflicts.push(json!({
                "id": s.id.to_string(),
                "reason": format!("id already belongs to a subject imported from {existing_source}"),
            })),
        }
    }
    if !conflicts.is_empty() {
        tx.rollback().await?;
        return Err(ApiError::new(
            axum::http::StatusCode::CONFLICT,
            "subject.conflict",
            "some ids belong to subjects from another source; nothing was written",
        )
        .with_details(Value::Array(conflicts)));
    }
    tx.commit().await?;
    let ids: Vec<String> = parsed.iter().map(|s| s.id.to_string()).collect();
    Ok(Json(
        json!({"imported": imported, "updated": updated, "unchanged": unchanged, "ids": ids}),
    ))
}

async fn show(
    State(state): State<super::State>,
    Path(id): Path<String>,
) -> Result<Json<SubjectView>, ApiError> {
    let subject = state.app.db.find_subject(&id).await?;
    Ok(Json(SubjectView::new(&subject, state.app.today)))
}

/// Every attempt for a subject; images as `/assets/...` URLs rather than server paths.
async fn history(
    State(state): State<super::State>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let subject = state.app.db.find_subject(&id).await?;
    let rows = state.app.db.history(subject.id.as_ref()).await?;
    let entries: Vec<Value> = rows
        .into_iter()
        .map(|a| {
            let entry = HistoryEntry::new(a, &state.app.store);
            let url = entry.storage_key.as_ref().map(|k| format!("/assets/{k}"));
            let mut v = serde_json::to_value(entry).unwrap_or(Value::Null);
            if let Some(obj) = v.as_object_mut() {
                obj.remove("path");
                obj.insert("url".into(), json!(url));
            }
            v
        })
        .collect();
    Ok(Json(
        json!({"subject_id": subject.id.to_string(), "assets": entries}),
    ))
}
