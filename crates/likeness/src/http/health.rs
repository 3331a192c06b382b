//! `/healthz` (the process answers) and `/readyz` (database and store reachable).

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

use super::ApiError;

pub fn routes() -> Router<super::State> {
    Router::new()
        .route("/healthz", get(|| async { Json(json!({"status": "ok"})) }))
        .route("/readyz", get(ready))
}

async fn ready(State(state): State<super::State>) -> Result<Json<Value>, ApiError> {
    sqlx::query("SELECT 1").execute(state.app.db.pool()).await?;
    state.app.store.exists("_readyz").await?;
    Ok(Json(
        json!({"status": "ready", "database": "ok", "store": "ok"}),
    ))
}
