//! `/assets/...`: images from the store. Content-addressed keys are cached forever
//! (`immutable`, strong ETag, 304s and byte ranges from tower-http's `ServeDir`); a stable name
//! `{subject_id}_{slug}_{style}.png` redirects to the current version with a short max-age, so a
//! regenerated image shows up within a minute.

use axum::Router;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tower::ServiceExt;
use tower_http::services::ServeDir;

use super::ApiError;
use crate::resolve::{parse_stable_name, resolve};

const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// Root-level files (legacy names, the placeholder) may be replaced, so they revalidate.
const SHORT: &str = "public, max-age=60";

pub fn routes() -> Router<super::State> {
    Router::new().route("/assets/{*path}", get(asset).head(asset))
}

async fn asset(
    State(state): State<super::State>,
    Path(path): Path<String>,
    request: Request,
) -> Response {
    if !path.contains('/')
        && let Some((id, style)) = parse_stable_name(&state.app, &path)
    {
        return match resolve(&state.app, id, Some(&style)).await {
            Ok(r) => {
                let location = format!("/assets/{}", r.key);
                let mut response = (
                    StatusCode::TEMPORARY_REDIRECT,
                    [(header::LOCATION, location)],
                )
                    .into_response();
                response
                    .headers_mut()
                    .insert(header::CACHE_CONTROL, HeaderValue::from_static(SHORT));
                response
            }
            Err(e) => ApiError::from(e).into_response(),
        };
    }
    let Some(root) = state.app.store.local_root() else {
        return ApiError::not_found("this store does not serve files directly").into_response();
    };
    // Hand ServeDir the raw path below /assets, still percent-encoded: it decodes once and
    // refuses `..`, so encoded traversal (`%2e%2e`) cannot escape the folder.
    let (mut parts, body) = request.into_parts();
    let below = parts
        .uri
        .path()
        .strip_prefix("/assets")
        .unwrap_or("/")
        .to_string();
    parts.uri = match below.parse() {
        Ok(uri) => uri,
        Err(_) => {
            return ApiError::bad_request("http.bad_path", "invalid asset path").into_response();
        }
    };
    let served = ServeDir::new(root)
        .oneshot(Request::from_parts(parts, body))
        .await;
    let mut response = match served {
        Ok(r) => r.into_response(),
        Err(never) => match never {},
    };
    let status = response.status();
    if status == StatusCode::NOT_FOUND {
        return ApiError::not_found(format!("no asset at {path}")).into_response();
    }
    if status.is_success() || status == StatusCode::NOT_MODIFIED {
        let cache = if path.contains('/') { IMMUTABLE } else { SHORT };
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    }
    response
}
