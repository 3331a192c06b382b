//! `/api/webhooks`: endpoints told about finished jobs, completed runs and erased subjects
//! (`crate::webhooks`), and the record of every delivery attempt.

use axum::extract::rejection::JsonRejection;
use axum::extract::{Extension, Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use super::ApiError;
use super::auth::Client;
use crate::codes;
use crate::db::webhooks::WebhookRow;

/// Longest description kept.
const MAX_DESCRIPTION_CHARS: usize = 500;
/// Deliveries listed per endpoint, newest first.
const DELIVERIES_LISTED: i64 = 100;

pub fn routes() -> Router<super::State> {
    Router::new()
        .route("/webhooks", get(list).post(create))
        .route("/webhooks/{id}", get(show).delete(remove))
        .route("/webhooks/{id}/deliveries", get(deliveries))
}

/// A new endpoint.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct NewWebhook {
    /// Where events are POSTed: http(s), a public address unless `fetch.allow_networks` lets
    /// a private one through.
    #[schema(schema_with = webhook_url)]
    url: String,
    /// Any of `job.succeeded`, `job.failed`, `run.completed`, `subject.erased`.
    #[schema(min_items = 1, value_type = Vec<EventName>)]
    events: Vec<String>,
    /// Free text for people, no NUL.
    #[serde(default)]
    #[schema(max_length = 500, pattern = r"^[^\x00]*$")]
    description: String,
}

/// The URL's schema: a string of a format of its own (`webhook-url`), since no standard one
/// says "public http(s)"; the contract test supplies such URLs for it.
fn webhook_url() -> utoipa::openapi::Object {
    use utoipa::openapi::{ObjectBuilder, SchemaFormat, Type};
    ObjectBuilder::new()
        .schema_type(Type::String)
        .format(Some(SchemaFormat::Custom("webhook-url".into())))
        .max_length(Some(2048))
        .description(Some(
            "an http(s) URL on a public address (private ones only when `fetch.allow_networks` \
             lists their network), without credentials",
        ))
        .build()
}

/// The events an endpoint can ask for (`crate::webhooks::EVENTS`).
#[derive(utoipa::ToSchema)]
#[allow(dead_code)] // documentation only
enum EventName {
    #[schema(rename = "job.succeeded")]
    JobSucceeded,
    #[schema(rename = "job.failed")]
    JobFailed,
    #[schema(rename = "run.completed")]
    RunCompleted,
    #[schema(rename = "subject.erased")]
    SubjectErased,
}

/// Registers an endpoint and answers with its signing secret, shown this once.
#[utoipa::path(post, path = "/api/webhooks", tag = "webhooks", operation_id = "create_webhook", security(("bearer" = [])),
    request_body = NewWebhook,
    responses(
        (status = 201, description = "the endpoint, with `secret` (`whsec_…`) to verify signatures: shown only now"),
        (status = 400, description = "an unknown event, a URL that is not http(s) or points at a private address, a description too long", body = super::schema::ErrorBody),
        (status = 401, description = "no or a wrong token", body = super::schema::ErrorBody),
        (status = 403, description = "a viewer token", body = super::schema::ErrorBody),
        (status = 413, description = "the body is too large", body = super::schema::ErrorBody),
        (status = 415, description = "the body is not JSON", body = super::schema::ErrorBody)))]
pub(super) async fn create(
    State(state): State<super::State>,
    Extension(client): Extension<Client>,
    body: Result<Json<NewWebhook>, JsonRejection>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let Json(new) = body.map_err(super::error::json_rejection)?;
    let bad = |m: String| ApiError::new(codes::HTTP_BAD_REQUEST, m);
    crate::webhooks::check_events(&new.events).map_err(|m| bad(format!("events: {m}")))?;
    if new.description.chars().count() > MAX_DESCRIPTION_CHARS {
        return Err(bad(format!(
            "description: at most {MAX_DESCRIPTION_CHARS} characters"
        )));
    }
    if new.description.contains('\0') || new.url.contains('\0') {
        return Err(ApiError::new(
            codes::HTTP_BAD_TEXT,
            "url and description cannot hold NUL characters",
        ));
    }
    let url = state
        .poster
        .check(&new.url)
        .map_err(|e| ApiError::new(e.code(), format!("url: {e}")))?;
    let mut events = new.events.clone();
    events.sort();
    events.dedup();
    let hook = WebhookRow {
        id: format!("wh_{}", uuid::Uuid::now_v7().simple()),
        url: url.to_string(),
        events,
        description: new.description,
        secret: crate::webhooks::new_secret()?,
        origin: "api".into(),
        created_by: client.0,
        created_at: state.app.db.now(),
    };
    state.app.db.create_webhook(&hook).await?;
    let mut view = crate::webhooks::view(&hook);
    view["secret"] = hook.secret.into();
    Ok((StatusCode::CREATED, Json(view)))
}

#[utoipa::path(get, path = "/api/webhooks", tag = "webhooks", operation_id = "list_webhooks", security(("bearer" = [])),
    responses(
        (status = 200, description = "every endpoint, from the API and the config, without secrets"),
        (status = 401, description = "no or a wrong token", body = super::schema::ErrorBody)))]
pub(super) async fn list(State(state): State<super::State>) -> Result<Json<Value>, ApiError> {
    let hooks = state.app.db.webhooks().await?;
    let views: Vec<Value> = hooks.iter().map(crate::webhooks::view).collect();
    Ok(Json(json!({ "webhooks": views })))
}

async fn find(state: &super::State, id: &str) -> Result<WebhookRow, ApiError> {
    state.app.db.webhook(id).await?.ok_or_else(|| {
        ApiError::not_found(format!("no webhook {id:?}; GET /api/webhooks lists them"))
    })
}

#[utoipa::path(get, path = "/api/webhooks/{id}", tag = "webhooks", operation_id = "show_webhook", security(("bearer" = [])),
    params(("id" = String, Path, description = "the endpoint's id (`wh_…`)")),
    responses(
        (status = 200, description = "the endpoint, without its secret"),
        (status = 401, description = "no or a wrong token", body = super::schema::ErrorBody),
        (status = 404, description = "no such endpoint", body = super::schema::ErrorBody)))]
pub(super) async fn show(
    State(state): State<super::State>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(crate::webhooks::view(&find(&state, &id).await?)))
}

#[utoipa::path(delete, path = "/api/webhooks/{id}", tag = "webhooks", operation_id = "delete_webhook", security(("bearer" = [])),
    params(("id" = String, Path, description = "the endpoint's id (`wh_…`)")),
    responses(
        (status = 204, description = "removed, with its deliveries"),
        (status = 400, description = "an endpoint from the config: remove it there", body = super::schema::ErrorBody),
        (status = 401, description = "no or a wrong token", body = super::schema::ErrorBody),
        (status = 403, description = "a viewer token", body = super::schema::ErrorBody),
        (status = 404, description = "no such endpoint", body = super::schema::ErrorBody)))]
pub(super) async fn remove(
    State(state): State<super::State>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let hook = find(&state, &id).await?;
    if hook.origin == "config" {
        return Err(ApiError::new(
            codes::HTTP_BAD_REQUEST,
            "this endpoint is declared in the config ([[webhooks.endpoints]]): remove it there",
        ));
    }
    state.app.db.delete_webhook(&id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/webhooks/{id}/deliveries", tag = "webhooks", operation_id = "webhook_deliveries", security(("bearer" = [])),
    params(("id" = String, Path, description = "the endpoint's id (`wh_…`)")),
    responses(
        (status = 200, description = "the newest 100 deliveries, newest first, each with every attempt (time, status code or error, duration)"),
        (status = 401, description = "no or a wrong token", body = super::schema::ErrorBody),
        (status = 404, description = "no such endpoint", body = super::schema::ErrorBody)))]
pub(super) async fn deliveries(
    State(state): State<super::State>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let hook = find(&state, &id).await?;
    let rows = state
        .app
        .db
        .webhook_deliveries(&hook.id, DELIVERIES_LISTED)
        .await?;
    let views: Vec<Value> = rows.iter().map(crate::webhooks::delivery_view).collect();
    Ok(Json(json!({ "deliveries": views })))
}
