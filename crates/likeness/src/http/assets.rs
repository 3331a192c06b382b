//! `/assets/...`: images from the store. Content-addressed keys are cached forever
//! (`immutable`, strong ETag, 304s and byte ranges from tower-http's `ServeDir`); a stable name
//! `{subject_id}_{slug}_{style}.png` redirects to the current version with a short max-age, so a
//! regenerated image shows up within a minute.

use axum::Router;
use axum::extract::{Path, Query, Request, State};
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

/// Widths `?w=` may ask for: a fixed set, so nobody can make the server render unbounded sizes.
pub const VARIANT_WIDTHS: [u32; 8] = [32, 48, 64, 96, 128, 192, 256, 384];

#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct AssetQuery {
    w: Option<String>,
}

#[utoipa::path(get, path = "/assets/{path}", tag = "assets", params(("path" = String, Path, description = "a storage key, or a stable name `{id}_{slug}_{style}.png`"), AssetQuery),
    responses((status = 200, description = "the image (immutable keys cached forever, strong ETag, ranges)"), (status = 304), (status = 307, description = "stable name: to the current version"), (status = 404, body = super::openapi::ErrorBody)))]
pub(super) async fn asset(
    State(state): State<super::State>,
    Path(path): Path<String>,
    Query(query): Query<AssetQuery>,
    request: Request,
) -> Response {
    if let Some(w) = &query.w {
        return match variant(&state, &path, w).await {
            Ok(key) => {
                let uri_path = format!("/{key}");
                serve_key(&state, &key, &uri_path, request).await
            }
            Err(e) => e.into_response(),
        };
    }
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
    // The raw path below /assets, still percent-encoded: ServeDir decodes it once and refuses
    // `..`, so encoded traversal (`%2e%2e`) cannot escape the folder.
    let raw = request
        .uri()
        .path()
        .strip_prefix("/assets")
        .unwrap_or("/")
        .to_string();
    serve_key(&state, &path, &raw, request).await
}

/// Serves `uri_path` (below the asset folder) with caching headers (ETag, 304 and ranges from
/// `ServeDir`); `path` names it in messages and decides the cache policy.
async fn serve_key(state: &super::State, path: &str, uri_path: &str, request: Request) -> Response {
    let Some(root) = state.app.store.local_root() else {
        return ApiError::not_found("this store does not serve files directly").into_response();
    };
    let (mut parts, body) = request.into_parts();
    parts.uri = match uri_path.parse() {
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

/// The key of a resized variant of `path`, made and stored the first time it is asked for.
async fn variant(state: &super::State, path: &str, w: &str) -> Result<String, ApiError> {
    let allowed = || {
        VARIANT_WIDTHS
            .iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    };
    let width: u32 = w
        .parse()
        .ok()
        .filter(|w| VARIANT_WIDTHS.contains(w))
        .ok_or_else(|| {
            ApiError::bad_request(
                "http.bad_width",
                format!("w={w} is not one of {}", allowed()),
            )
        })?;
    if path
        .split('/')
        .any(|seg| seg.is_empty() || seg == "." || seg == "..")
    {
        return Err(ApiError::bad_request("http.bad_path", "invalid asset path"));
    }
    let Some(stem) = path.strip_suffix(".png").filter(|s| s.contains('/')) else {
        return Err(ApiError::bad_request(
            "http.bad_width",
            "resized variants exist for stored images (/assets/<subject>/<name>.png)",
        ));
    };
    let key = format!("{stem}.w{width}.png");
    let store = &state.app.store;
    if store.exists(&key).await? {
        return Ok(key);
    }
    if !store.exists(path).await? {
        return Err(ApiError::not_found(format!("no asset at {path}")));
    }
    let original = store.get(path).await?;
    let level = state.app.config.generate.png_optimization;
    let resized = tokio::task::spawn_blocking(move || -> Result<Vec<u8>, String> {
        let png = likeness_paint::resize_png(&original, width).map_err(|e| e.to_string())?;
        crate::pipeline::worker::optimise_png(png, level)
    })
    .await
    .map_err(|e| {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "image.resize_failed",
            e.to_string(),
        )
    })?
    .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "image.resize_failed", e))?;
    store.put(&key, resized.into()).await?;
    Ok(key)
}
