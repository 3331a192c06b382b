//! `/assets/...`: images from the store. Content-addressed keys are cached forever
//! (`immutable`, strong ETag, 304s and byte ranges; see `files.rs`); a stable name
//! `{subject_id}_{slug}_{style}.png` redirects to the current version with a short max-age, so a
//! regenerated image shows up within a minute.

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::{ApiError, files};
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
    method: Method,
    headers: HeaderMap,
) -> Response {
    let request = (&method, &headers);
    if let Some(w) = &query.w {
        return match variant(&state, &path, w).await {
            Ok(key) => serve_key(&state, &key, request).await,
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
    serve_key(&state, &path, request).await
}

/// Serves the stored object at `key` with its caching headers. Keys with a folder are
/// immutable (content hash in the name); root-level files may be replaced, so they revalidate.
async fn serve_key(
    state: &super::State,
    key: &str,
    (method, headers): (&Method, &HeaderMap),
) -> Response {
    if let Err(e) = check_key(key) {
        return e.into_response();
    }
    let immutable = key.contains('/');
    match state.files.load(&state.app.store, key, immutable).await {
        Ok(Some(object)) => files::respond(
            &object,
            method,
            headers,
            if immutable { IMMUTABLE } else { SHORT },
        ),
        Ok(None) => ApiError::not_found(format!("no asset at {key}")).into_response(),
        Err(e) => e.into_response(),
    }
}

/// Refuses keys that could name anything outside the asset folder. The path arrives decoded
/// once (so `%2e%2e` is `..` here); the store refuses these too, but as a server error.
fn check_key(key: &str) -> Result<(), ApiError> {
    let bad = key.split('/').any(|seg| {
        seg.is_empty()
            || seg == "."
            || seg == ".."
            || seg.chars().any(|c| c == '\\' || c.is_control())
    });
    // Private folders (reference photos) start with `_`, which no subject id can.
    if key.starts_with('_') {
        return Err(ApiError::not_found(format!("no asset at {key}")));
    }
    if bad {
        return Err(ApiError::bad_request(
            "http.bad_path",
            "invalid asset path: use the key from the API, e.g. /assets/<subject>/<name>.png",
        ));
    }
    Ok(())
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
    check_key(path)?;
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
        crate::pipeline::save::optimise_png(png, level)
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
