//! `DELETE /api/subjects/{id}`: erase a person (`crate::erase`), by the subject's id.

use axum::Json;
use axum::extract::{Extension, Path, State};
use serde_json::Value;

use super::ApiError;
use super::auth::Client;

/// Erases the subject and everything that names them; a tombstone without the id stays.
#[utoipa::path(delete, path = "/api/subjects/{id}", tag = "subjects", operation_id = "erase_subject", security(("bearer" = [])),
    params(("id" = super::schema::SubjectRef, Path, description = "the subject's id (not a slug)")),
    responses(
        (status = 200, description = "erased: `{subject_id, existed, assets_removed, jobs_removed, objects_removed}`; its URLs now answer as for an unknown subject"),
        (status = 400, description = "not a subject id", body = super::schema::ErrorBody),
        (status = 401, description = "no or a wrong token", body = super::schema::ErrorBody),
        (status = 403, description = "a viewer token", body = super::schema::ErrorBody),
        (status = 404, description = "no such subject (nor anything left of one)", body = super::schema::ErrorBody),
        (status = 409, description = "a worker is drawing one of the subject's images (`subject.busy`): erase again when it is done", body = super::schema::ErrorBody)))]
pub(super) async fn erase_subject(
    State(state): State<super::State>,
    Extension(client): Extension<Client>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let done = crate::erase::erase(&state.app, &id, &client.0).await?;
    for key in &done.removed_keys {
        state.files.forget(key);
    }
    Ok(Json(serde_json::to_value(done).unwrap_or(Value::Null)))
}

/// Every erasure: when, by whom, how much it removed; never whom.
#[utoipa::path(get, path = "/api/erasures", tag = "subjects", operation_id = "list_erasures", security(("bearer" = [])),
    responses(
        (status = 200, description = "`{erasures: [{id, status, actor, started_at, finished_at, assets_removed, jobs_removed, objects_removed}]}`, newest first"),
        (status = 401, description = "no or a wrong token", body = super::schema::ErrorBody)))]
pub(super) async fn erasures(State(state): State<super::State>) -> Result<Json<Value>, ApiError> {
    let list = state.app.db.erasures().await?;
    Ok(Json(serde_json::json!({ "erasures": list })))
}

pub fn routes() -> axum::Router<super::State> {
    axum::Router::new().route("/erasures", axum::routing::get(erasures))
}
