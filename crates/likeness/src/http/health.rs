//! `/healthz` (the process answers) and `/readyz` (database and store reachable).

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

use super::ApiError;

pub fn routes() -> Router<super::State> {
    Router::new()
        .route("/healthz", get(healthy))
        .route("/readyz", get(ready))
}

#[utoipa::path(get, path = "/healthz", tag = "operations", security(()),
    responses((status = 200, description = "the process answers: `{\"status\": \"ok\"}`", body = Object)))]
pub(super) async fn healthy() -> Json<Value> {
    Json(json!({"status": "ok"}))
}

#[utoipa::path(get, path = "/readyz", tag = "operations", security(()),
    responses((status = 200, description = "database and store reachable: `{status, database, store}`", body = Object),
        (status = 500, description = "the database or the store does not answer (`db.*`, `store.failure`)", body = super::schema::ErrorBody)))]
pub(super) async fn ready(State(state): State<super::State>) -> Result<Json<Value>, ApiError> {
    state.app.db.ping().await?;
    state.app.store.check().await?;
    Ok(Json(
        json!({"status": "ready", "database": "ok", "store": "ok"}),
    ))
}
