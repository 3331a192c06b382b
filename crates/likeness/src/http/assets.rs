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
//!
//! Content-addressed images (originals and their resized variants) are also negotiated from
//! `Accept` (`negotiate.rs`): a browser that names AVIF or WebP gets the same picture in that
//! format, made from the stored original the first time, stored beside it under the same stem
//! (`x.<hash>.png` → `x.<hash>.avif`, `x.<hash>.w64.webp`) and cached like it; a client that does
//! not name one gets the stored format. These answers carry `Vary: Accept`, and their ETag is
//! the content's, so one per format.

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::ApiError;
use super::negotiate::{self, IMAGE_OFFER};
use crate::codes;
use crate::encode::{self, OutputFormat};
use crate::resolve::{parse_stable_name, resolve};

const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// Root-level files (legacy names, the placeholder) may be replaced, so they revalidate.
const SHORT: &str = "public, max-age=60";

pub fn routes() -> Router<super::State> {
    Router::new().route("/assets/{*path}", get(asset).head(asset))
}

/// Widths `?w=` may ask for: a fixed set, so nobody can make the server render unbounded sizes.
pub const VARIANT_WIDTHS: [u32; 8] = [32, 48, 64, 96, 128, 192, 256, 384];

/// Variants (other formats, other widths) being made. Each is made once per process: requests
/// for the same key wait on one lock (striped by key, so unrelated keys rarely share one) and
/// find it stored. At most one is made per core at a time: encoding is CPU work and each holds
/// a decoded picture of up to 64 MiB, so a burst of requests for many originals cannot take
/// every blocking thread or the memory. (Across processes a variant may be made twice; the
/// store's writes are atomic and the encoder deterministic, so the bytes are the same.)
pub struct Derivations {
    stripes: Vec<tokio::sync::Mutex<()>>,
    encoding: tokio::sync::Semaphore,
}

impl Derivations {
    pub fn new() -> Derivations {
        let cores = std::thread::available_parallelism().map_or(2, usize::from);
        Derivations {
            stripes: (0..64).map(|_| tokio::sync::Mutex::new(())).collect(),
            encoding: tokio::sync::Semaphore::new(cores),
        }
    }

    /// Makes `key` with `make` (on a blocking thread) and stores it, unless it is stored already
    /// or another request stores it while this one waits.
    async fn make<F>(
        &self,
        state: &super::State,
        key: &str,
        code: &str,
        make: F,
    ) -> Result<(), ApiError>
    where
        F: FnOnce() -> Result<Vec<u8>, String> + Send + 'static,
    {
        use std::hash::{Hash, Hasher};
        let mut hasher = std::hash::DefaultHasher::new();
        key.hash(&mut hasher);
        let stripe = &self.stripes[(hasher.finish() % self.stripes.len() as u64) as usize];
        let _made_once = stripe.lock().await;
        let store = &state.app.store;
        if store.exists(key).await? {
            return Ok(());
        }
        let _core = self
            .encoding
            .acquire()
            .await
            .map_err(|_| ApiError::new(codes::HTTP_ERROR, "the server is shutting down"))?;
        let bytes = tokio::task::spawn_blocking(make)
            .await
            .map_err(|e| ApiError::new(code, e.to_string()))?
            .map_err(|e| ApiError::new(code, format!("cannot make {key}: {e}")))?;
        store.put(key, bytes.into()).await?;
        Ok(())
    }
}

impl Default for Derivations {
    fn default() -> Derivations {
        Derivations::new()
    }
}

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
        (status = 200, description = "the image: content-addressed keys cached forever (`immutable`), strong ETag, byte ranges; \
            for a content-addressed image, in the format `Accept` names (AVIF, WebP or PNG; else the stored one), with `Vary: Accept`",
            content(("image/png"), ("image/jpeg"), ("image/webp"), ("image/avif"), ("application/octet-stream"))),
        (status = 206, description = "the range asked for (`Range`)",
            content(("image/png"), ("image/jpeg"), ("image/webp"), ("image/avif"), ("application/octet-stream"))),
        (status = 304, description = "not modified (`If-None-Match`)"),
        (status = 307, description = "a stable name: to the current version (under `public_base_url` when set); also a root-level file with `public_base_url`",
            headers(("Location" = String, description = "where the image is"))),
        (status = 308, description = "with `public_base_url` set: a content-addressed key, to its public URL",
            headers(("Location" = String, description = "where the image is"))),
        (status = 400, description = "a key that cannot be one (`http.bad_path`), a width not offered (`http.bad_width`), or an `Accept` that is not a list of media ranges (`http.bad_accept`)", body = super::schema::ErrorBody),
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
            Ok(key) => negotiated(&state, &key, request).await,
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
    negotiated(&state, &path, request).await
}

/// Serves `key`; a content-addressed image in the format the client prefers, with `Vary`.
async fn negotiated(
    state: &super::State,
    key: &str,
    (method, headers): (&Method, &HeaderMap),
) -> Response {
    let Some((stem, stored)) = image_stem(key) else {
        return serve_key(state, key, (method, headers)).await;
    };
    let offer: Vec<&'static str> = IMAGE_OFFER
        .into_iter()
        .chain((stored == "image/jpeg").then_some(stored))
        .collect();
    let chosen = negotiate::accept(headers)
        .and_then(|accept| negotiate::choose(accept.as_deref(), &offer, stored));
    let mut response = match chosen {
        Ok(chosen) if chosen == stored => serve_key(state, key, (method, headers)).await,
        Ok(chosen) => match format_variant(state, key, stem, chosen).await {
            Ok(variant) => serve_key(state, &variant, (method, headers)).await,
            Err(e) => e.into_response(),
        },
        Err(e) => e.into_response(),
    };
    response
        .headers_mut()
        .insert(header::VARY, HeaderValue::from_static("Accept"));
    response
}

/// The image extensions of stored keys, with their types.
const IMAGE_EXTS: [(&str, &str); 4] = [
    ("png", "image/png"),
    ("webp", "image/webp"),
    ("avif", "image/avif"),
    ("jpg", "image/jpeg"),
];

fn ext_of(content_type: &str) -> &'static str {
    IMAGE_EXTS
        .iter()
        .find(|(_, t)| *t == content_type)
        .map_or("png", |(ext, _)| ext)
}

/// `x.<hash>[.w<W>]` and the type of a content-addressed image key (an original or a resized
/// variant); `None` for anything else (root-level files, stable names), which is not negotiated.
fn image_stem(key: &str) -> Option<(&str, &'static str)> {
    let (stem, ext) = key.rsplit_once('.')?;
    let (_, content_type) = IMAGE_EXTS.iter().find(|(e, _)| *e == ext)?;
    let original = match stem.rsplit_once(".w") {
        Some((base, w)) if !w.is_empty() && w.bytes().all(|b| b.is_ascii_digit()) => base,
        _ => stem,
    };
    (key.contains('/') && is_original(original)).then_some((stem, *content_type))
}

/// The key of `key`'s picture in `content_type` (`<stem>.<ext>`), made from it and stored the
/// first time it is asked for. An AVIF is read through the PNG stored beside it (the server
/// has no AVIF decoder; `pipeline/save.rs` writes both).
async fn format_variant(
    state: &super::State,
    key: &str,
    stem: &str,
    content_type: &'static str,
) -> Result<String, ApiError> {
    let store = &state.app.store;
    let variant = format!("{stem}.{}", ext_of(content_type));
    if !store.exists(key).await? {
        return Err(ApiError::not_found(format!("no asset at {key}")));
    }
    if store.exists(&variant).await? {
        return Ok(variant);
    }
    let source = match key.ends_with(".avif") {
        true => format!("{stem}.png"),
        false => key.to_string(),
    };
    let original = store.get(&source).await?;
    let level = state.app.config.generate.png_optimization;
    let make = move || match encode::derived_format(content_type) {
        Some(OutputFormat::Webp) => encode::derived_webp(&original),
        Some(format) => encode::transcode(&original, format, level),
        None => Err(format!("{content_type} is not made here")),
    };
    (state.derivations)
        .make(state, &variant, codes::IMAGE_ENCODE_FAILED, make)
        .await?;
    Ok(variant)
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
    let Some(stem) = image_stem(path)
        .map(|(stem, _)| stem)
        .filter(|s| is_original(s))
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
    // Resized from the PNG of the picture (made first for a WebP or JPEG original; an AVIF's
    // is stored beside it).
    let source = match path.ends_with(".png") {
        true => path.to_string(),
        false => format_variant(state, path, stem, "image/png").await?,
    };
    let original = store.get(&source).await?;
    let level = state.app.config.generate.png_optimization;
    let make = move || -> Result<Vec<u8>, String> {
        let png = likeness_paint::resize_png(&original, width).map_err(|e| e.to_string())?;
        crate::encode::optimise_png(png, level)
    };
    (state.derivations)
        .make(state, &key, codes::IMAGE_RESIZE_FAILED, make)
        .await?;
    Ok(key)
}
