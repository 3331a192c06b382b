//! `/assets/...`: images from the store, from either backend. Content-addressed keys are cached
//! forever (`immutable`, strong ETag, 304s and byte ranges; small objects from memory, large
//! ones streamed: see `files.rs`); a stable name
//! `{subject_id}_{slug}_{style}.png` redirects to the current version with a short max-age, so a
//! regenerated image shows up within a minute.
//!
//! With `[storage] public_base_url` the bytes are served from there (a CDN, a public bucket):
//! a content-addressed key answers 308 Permanent Redirect to `{public_base_url}/{key}`, cached
//! forever like the image itself (the key never names other bytes); a root-level file (legacy
//! name, placeholder) and a stable name answer 307 with the short max-age, as they may change.
//! Resized variants are made and stored here first, then redirected to the same way.

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

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
    /// A resized variant of a stored original (`<subject>/<name>.<hash>.png`), made and stored
    /// the first time it is asked for.
    #[param(value_type = Option<super::schema::VariantWidth>)]
    w: Option<String>,
}

#[utoipa::path(method(get, head), path = "/assets/{path}", tag = "assets", security(()),
    params(("path" = super::schema::AssetKey, Path, description = "a storage key, or a stable name `{id}_{slug}_{style}.png`"), AssetQuery),
    responses(
        (status = 200, description = "the image: content-addressed keys cached forever (`immutable`), strong ETag, byte ranges",
            content(("image/png"), ("image/jpeg"), ("image/webp"), ("application/octet-stream"))),
        (status = 206, description = "the range asked for (`Range`)",
            content(("image/png"), ("image/jpeg"), ("image/webp"), ("application/octet-stream"))),
        (status = 304, description = "not modified (`If-None-Match`)"),
        (status = 307, description = "a stable name: to the current version (under `public_base_url` when set); also a root-level file with `public_base_url`",
            headers(("Location" = String, description = "where the image is"))),
        (status = 308, description = "with `public_base_url` set: a content-addressed key, to its public URL",
            headers(("Location" = String, description = "where the image is"))),
        (status = 400, description = "a key that cannot be one (`http.bad_path`), or a width not offered (`http.bad_width`)", body = super::schema::ErrorBody),
        (status = 404, description = "nothing stored there (private keys included), or `w` for an image that is not a stored original (variants have no variants)", body = super::schema::ErrorBody),
        (status = 416, description = "a range outside the image")))]
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
    if let Err(e) = check_key(&path) {
        return e.into_response();
    }
    if !path.contains('/') && parse_stable_name(&state.app, &path).is_some() {
        return match resolve(&state.app, &path, None).await {
            Ok(r) => redirect(StatusCode::TEMPORARY_REDIRECT, &r.url, SHORT),
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
    if let Some(url) = state.app.store.public_url(key) {
        return if immutable {
            redirect(StatusCode::PERMANENT_REDIRECT, &url, IMMUTABLE)
        } else {
            redirect(StatusCode::TEMPORARY_REDIRECT, &url, SHORT)
        };
    }
    let cache_control = if immutable { IMMUTABLE } else { SHORT };
    let store = &state.app.store;
    match (state.files)
        .serve(store, key, immutable, (method, headers), cache_control)
        .await
    {
        Ok(Some(response)) => response,
        Ok(None) => ApiError::not_found(format!("no asset at {key}")).into_response(),
        Err(e) => e.into_response(),
    }
}

fn redirect(status: StatusCode, location: &str, cache_control: &'static str) -> Response {
    let Ok(location) = HeaderValue::from_str(location) else {
        return ApiError::new("http.bad_path", "this key cannot be a URL").into_response();
    };
    let mut response = (status, [(header::LOCATION, location)]).into_response();
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(cache_control),
    );
    response
}

/// Longest key served: a subject id (≤ 128) and a stable name with a hash fit many times over.
const MAX_KEY_BYTES: usize = 1024;
/// Longest file or folder name a file system takes.
const MAX_SEGMENT_BYTES: usize = 255;

/// Refuses keys that could name anything outside the asset folder. The path arrives decoded
/// once (so `%2e%2e` is `..` here); the store refuses these too, but as a server error.
fn check_key(key: &str) -> Result<(), ApiError> {
    let bad = key.split('/').any(|seg| {
        seg.is_empty()
            || seg == "."
            || seg == ".."
            || seg.chars().any(|c| c == '\\' || c.is_control())
    });
    // No stored key is this long, and the file system would refuse it with an error that
    // names the data directory.
    if key.len() > MAX_KEY_BYTES || key.split('/').any(|seg| seg.len() > MAX_SEGMENT_BYTES) {
        return Err(ApiError::not_found(
            "no asset at that path: names are at most 255 bytes a segment",
        ));
    }
    // Private keys (reference photos) live in another backend, which `/assets` never reads;
    // refused here too, so they are not even looked up.
    if crate::store::is_private(key) {
        return Err(ApiError::not_found(format!("no asset at {key}")));
    }
    if bad {
        return Err(ApiError::new(
            "http.bad_path",
            "invalid asset path: use the key from the API, e.g. /assets/<subject>/<name>.png",
        ));
    }
    Ok(())
}

/// Whether a key's stem (without `.png`) names an original: it ends in the content hash
/// `store::asset_key` writes (16 hex digits), which a variant's `.w<W>` never is.
fn is_original(stem: &str) -> bool {
    stem.rsplit_once('.')
        .is_some_and(|(_, hash)| hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit()))
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
            ApiError::new(
                "http.bad_width",
                format!(
                    "w={} is not one of {}",
                    w.chars().take(16).collect::<String>(),
                    allowed()
                ),
            )
        })?;
    check_key(path)?;
    let store = &state.app.store;
    if !store.exists(path).await? {
        return Err(ApiError::not_found(format!("no asset at {path}")));
    }
    // Variants only of originals (`<subject>/<stable name>.<hash>.png`): a variant of a
    // variant would let chained requests fill the disk. Each original has at most
    // `VARIANT_WIDTHS.len()` of them. Other images have none: not found, not a bad request
    // (the width is fine; the placeholder the avatar route redirects to is the common case).
    let Some(stem) = path
        .strip_suffix(".png")
        .filter(|s| s.contains('/') && is_original(s))
    else {
        return Err(ApiError::not_found(
            "no resized variant of this image: variants exist for stored originals \
             (/assets/<subject>/<name>.<hash>.png), not for variants or other names",
        ));
    };
    let key = format!("{stem}.w{width}.png");
    if store.exists(&key).await? {
        return Ok(key);
    }
    let original = store.get(path).await?;
    let level = state.app.config.generate.png_optimization;
    let resized = tokio::task::spawn_blocking(move || -> Result<Vec<u8>, String> {
        let png = likeness_paint::resize_png(&original, width).map_err(|e| e.to_string())?;
        crate::pipeline::save::optimise_png(png, level)
    })
    .await
    .map_err(|e| ApiError::new("image.resize_failed", e.to_string()))?
    .map_err(|e| ApiError::new("image.resize_failed", e))?;
    store.put(&key, resized.into()).await?;
    Ok(key)
}
