//! Gravatar- and Libravatar-compatible avatars: `/avatar/{md5|sha256}[.png|.jpg]` and, for
//! forums whose URL templates carry a user name (Discourse, Rocket.Chat),
//! `/avatar/u/{username}[/{size}]`. Same parameters as Gravatar (`s`, `d`, `f`, `r`), public
//! like `/assets`: the hash already stands for the person, and apps embed these URLs in pages.
//!
//! A known subject gets its portrait in `[avatar] style` (by the resolve rules: current,
//! legacy file, default style), cut square and scaled; anyone else gets the `d=` default drawn
//! from the hash. Answers are kept in memory by what they were made from (the image's key, or
//! the default and the hash), so a new current portrait is a new entry at once and shows up
//! within the advertised `max-age`.
//!
//! The format is the path's extension (`.png`, `.jpg`, `.webp`, `.avif`) when it has one; without,
//! it is negotiated from `Accept` (`negotiate.rs`: AVIF or WebP for a client that names them,
//! else PNG) and the answer says `Vary: Accept`. A portrait stored as AVIF is read through the
//! PNG stored beside it.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use bytes::Bytes;
use likeness_paint::{Painter, Rgb};

use super::ApiError;
use super::files::{Object, respond};
use super::negotiate::{self, IMAGE_OFFER};
use crate::avatar::{Drawn, Fallback, Format, draw, fit};
use crate::codes;
use crate::resolve::{Rule, resolve};
use crate::subject_keys::{hash_key, username_key};

/// Gravatar's default size.
const DEFAULT_SIZE: u32 = 80;

pub fn routes() -> Router<super::State> {
    Router::new()
        .route("/avatar/{file}", get(by_hash))
        .route("/avatar/u/{username}", get(by_username))
        .route("/avatar/u/{username}/{size}", get(by_username_sized))
}

/// Rendered answers, bounded by their bytes, and the painter defaults are drawn with.
pub struct AvatarCache {
    answers: quick_cache::sync::Cache<String, Arc<Object>, Weight>,
    painter: Painter,
    /// Drawing and scaling are CPU work: at most one per core at a time.
    drawing: tokio::sync::Semaphore,
}

#[derive(Clone, Copy)]
struct Weight;

impl quick_cache::Weighter<String, Arc<Object>> for Weight {
    fn weight(&self, key: &String, object: &Arc<Object>) -> u64 {
        (key.len() + object.byte_len()) as u64
    }
}

impl AvatarCache {
    pub fn new(capacity_bytes: u64) -> AvatarCache {
        let cores = std::thread::available_parallelism().map_or(2, usize::from);
        AvatarCache {
            answers: quick_cache::sync::Cache::with_weighter(
                (capacity_bytes / 8192).clamp(16, 1 << 20) as usize,
                capacity_bytes.max(1),
                Weight,
            ),
            painter: Painter::new(),
            drawing: tokio::sync::Semaphore::new(cores),
        }
    }
}

/// What a request asks, from its path and Gravatar's query parameters.
#[derive(Debug)]
struct Ask {
    /// The `subject_keys` key (`md5:…`, `username:…`) and the seed of a drawn default.
    key: String,
    seed: String,
    size: u32,
    format: Format,
    fallback: Fallback,
    force_default: bool,
    /// `name=`/`initials=`, or the user name, for `d=initials`.
    name: String,
    color: Option<Rgb>,
}

/// Gravatar's parameters, for the OpenAPI document (the handlers read the raw query, since
/// Gravatar gives most of them two names).
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // documentation only
pub(super) struct GravatarQuery {
    /// Pixels, square (default 80); larger than `[avatar] max_size` (2048) draws that, 0 draws 1.
    #[param(minimum = 0, maximum = 4294967295_i64)]
    s: Option<u32>,
    /// The same as `s`.
    #[param(minimum = 0, maximum = 4294967295_i64)]
    size: Option<u32>,
    /// What a hash without a portrait gets (default `[avatar] default`). A URL (on a host in
    /// `[avatar] redirect_hosts`) is answered with a 302 to it.
    #[param(inline, value_type = Option<DefaultKeyword>)]
    d: Option<String>,
    /// The same as `d`.
    #[param(inline, value_type = Option<DefaultKeyword>)]
    default: Option<String>,
    /// `y`: the default even for a known hash.
    #[param(inline, value_type = Option<ForceDefault>)]
    f: Option<String>,
    /// Accepted and ignored: every portrait here is `g`.
    r: Option<String>,
    /// Letters for `d=initials`.
    #[param(max_length = 200)]
    name: Option<String>,
    /// Six hex digits: the background of `d=initials`, `mp` and `color`.
    #[param(pattern = r"^#?[0-9a-fA-F]{6}$")]
    color: Option<String>,
}

/// Gravatar's `d` keywords.
#[derive(utoipa::ToSchema)]
#[schema(rename_all = "lowercase")]
#[allow(dead_code)]
enum DefaultKeyword {
    #[schema(rename = "404")]
    NotFound,
    Mp,
    Mm,
    Identicon,
    Monsterid,
    Wavatar,
    Retro,
    Robohash,
    Blank,
    Initials,
    Color,
}

/// `f`'s values: Gravatar sends `y`; the other spellings are the obvious ones.
#[derive(utoipa::ToSchema)]
#[schema(rename_all = "lowercase")]
#[allow(dead_code)]
enum ForceDefault {
    Y,
    Yes,
    True,
    #[schema(rename = "1")]
    One,
    N,
    No,
    False,
    #[schema(rename = "0")]
    Zero,
}

#[utoipa::path(get, path = "/avatar/{file}", tag = "avatars", operation_id = "avatar_by_hash", security(()),
    params(("file" = String, Path, pattern = r"^([0-9a-fA-F]{32}|[0-9a-fA-F]{64})(\.(png|jpg|jpeg|webp|avif))?$",
        description = "the MD5 (32 hex digits) or SHA-256 (64) of the trimmed, lower-cased e-mail address, optionally with `.png`, `.jpg`, `.webp` or `.avif` (without one, `Accept` chooses)"),
        GravatarQuery),
    responses(
        (status = 200, description = "the subject's portrait, or the default drawn from the hash; `Cache-Control: public, max-age` from `[avatar] max_age_seconds`, strong ETag",
            content(("image/png"), ("image/jpeg"), ("image/webp"), ("image/avif"))),
        (status = 302, description = "`d=URL` on an allowed host, for a hash without a portrait", headers(("Location" = String, description = "the `d` URL"))),
        (status = 304, description = "not modified (`If-None-Match`)"),
        (status = 400, description = "not a hash (`http.bad_path`), a size that is not a number (`http.bad_query`), a `d` likeness does not take (`avatar.bad_default`), a bad `Accept` (`http.bad_accept`)", body = super::schema::ErrorBody),
        (status = 404, description = "`d=404` and no portrait (`avatar.not_found`)", body = super::schema::ErrorBody)))]
pub(super) async fn by_hash(
    State(state): State<super::State>,
    Path(file): Path<String>,
    RawQuery(query): RawQuery,
    method: Method,
    headers: HeaderMap,
) -> Response {
    let (hash, format) = split_format(&file);
    let Some(key) = hash_key(hash) else {
        return ApiError::new(
            codes::HTTP_BAD_PATH,
            "an avatar URL is /avatar/HASH where HASH is the MD5 (32 hex digits) or SHA-256 \
             (64 hex digits) of the trimmed, lower-cased e-mail address, optionally followed by \
             .png or .jpg",
        )
        .into_response();
    };
    let seed = key.split_once(':').map_or("", |(_, h)| h).to_string();
    answer(&state, key, seed, format, query, None, (&method, &headers)).await
}

#[utoipa::path(get, path = "/avatar/u/{username}", tag = "avatars", operation_id = "avatar_by_username", security(()),
    params(("username" = String, Path, pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$", max_length = 128,
        description = "the subject's `username` attribute (compared lower-cased), optionally with `.png`, `.jpg`, `.webp` or `.avif`; no control characters"),
        GravatarQuery),
    responses(
        (status = 200, description = "the subject's portrait, or the default drawn from the name (`d=initials` draws its letters)",
            content(("image/png"), ("image/jpeg"), ("image/webp"), ("image/avif"))),
        (status = 302, description = "`d=URL` on an allowed host, for a name without a portrait", headers(("Location" = String, description = "the `d` URL"))),
        (status = 304, description = "not modified (`If-None-Match`)"),
        (status = 400, description = "a name longer than 128 characters or blank (`http.bad_path`), a bad parameter", body = super::schema::ErrorBody),
        (status = 404, description = "`d=404` and no portrait (`avatar.not_found`)", body = super::schema::ErrorBody)))]
pub(super) async fn by_username(
    State(state): State<super::State>,
    Path(username): Path<String>,
    RawQuery(query): RawQuery,
    method: Method,
    headers: HeaderMap,
) -> Response {
    let (name, format) = split_format(&username);
    named(&state, name, format, query, None, (&method, &headers)).await
}

#[utoipa::path(get, path = "/avatar/u/{username}/{size}", tag = "avatars", operation_id = "avatar_by_username_sized", security(()),
    params(("username" = String, Path, pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$", max_length = 128, description = "the subject's `username` attribute; no control characters"),
        ("size" = String, Path, pattern = r"^[0-9]{1,9}(\.(png|jpg|jpeg|webp|avif))?$", description = "pixels, optionally with `.png`, `.jpg`, `.webp` or `.avif` (Discourse's `{size}.png`)"),
        GravatarQuery),
    responses(
        (status = 200, description = "as `/avatar/u/{username}` at this size", content(("image/png"), ("image/jpeg"), ("image/webp"), ("image/avif"))),
        (status = 302, description = "`d=URL` on an allowed host", headers(("Location" = String, description = "the `d` URL"))),
        (status = 304, description = "not modified (`If-None-Match`)"),
        (status = 400, description = "a size that is not a number, a bad parameter", body = super::schema::ErrorBody),
        (status = 404, description = "`d=404` and no portrait (`avatar.not_found`)", body = super::schema::ErrorBody)))]
pub(super) async fn by_username_sized(
    State(state): State<super::State>,
    Path((username, size)): Path<(String, String)>,
    RawQuery(query): RawQuery,
    method: Method,
    headers: HeaderMap,
) -> Response {
    let (size, format) = split_format(&size);
    let Ok(size) = size.parse::<u32>() else {
        return ApiError::new(
            codes::HTTP_BAD_PATH,
            format!("/avatar/u/NAME/SIZE: SIZE must be a number of pixels, got {size:?}"),
        )
        .into_response();
    };
    named(
        &state,
        &username,
        format,
        query,
        Some(size),
        (&method, &headers),
    )
    .await
}

async fn named(
    state: &super::State,
    name: &str,
    format: Option<Format>,
    query: Option<String>,
    size: Option<u32>,
    request: (&Method, &HeaderMap),
) -> Response {
    let Some(key) = username_key(name) else {
        return ApiError::new(
            codes::HTTP_BAD_PATH,
            format!(
                "a user name is 1–{} characters, not all blank, without control characters",
                crate::subject_keys::MAX_USERNAME_CHARS
            ),
        )
        .into_response();
    };
    answer(
        state,
        key,
        name.trim().to_string(),
        format,
        query,
        size,
        request,
    )
    .await
}

/// `abc.jpg` → (`abc`, JPEG); no or another extension → no format (`Accept` chooses).
fn split_format(file: &str) -> (&str, Option<Format>) {
    for (ext, format) in [
        (".png", Format::Png),
        (".jpg", Format::Jpeg),
        (".jpeg", Format::Jpeg),
        (".webp", Format::Webp),
        (".avif", Format::Avif),
    ] {
        if let Some(stem) = file.strip_suffix(ext) {
            return (stem, Some(format));
        }
    }
    (file, None)
}

async fn answer(
    state: &super::State,
    key: String,
    seed: String,
    format: Option<Format>,
    query: Option<String>,
    path_size: Option<u32>,
    request: (&Method, &HeaderMap),
) -> Response {
    if let Some(format) = format {
        return answer_in(state, key, seed, format, query, path_size, request).await;
    }
    let chosen = negotiate::accept(request.1)
        .and_then(|accept| negotiate::choose(accept.as_deref(), &IMAGE_OFFER, "image/png"));
    let mut response = match chosen {
        Ok(chosen) => {
            let format = Format::of_content_type(chosen);
            answer_in(state, key, seed, format, query, path_size, request).await
        }
        Err(e) => e.into_response(),
    };
    response
        .headers_mut()
        .insert(header::VARY, HeaderValue::from_static("Accept"));
    response
}

/// The answer in `format`.
async fn answer_in(
    state: &super::State,
    key: String,
    seed: String,
    format: Format,
    query: Option<String>,
    path_size: Option<u32>,
    request: (&Method, &HeaderMap),
) -> Response {
    let ask = match read_query(state, key, seed, format, query.as_deref(), path_size) {
        Ok(ask) => ask,
        Err(e) => return e.into_response(),
    };
    match find_or_draw(state, &ask).await {
        Ok(Found::Image(object)) => {
            let mut response = respond(&object, request.0, request.1, "no-cache");
            let max_age = state.app.config.avatar.max_age_seconds;
            if let Ok(value) = HeaderValue::from_str(&format!("public, max-age={max_age}")) {
                response.headers_mut().insert(header::CACHE_CONTROL, value);
            }
            response
        }
        Ok(Found::Redirect(url)) => match HeaderValue::from_str(&url) {
            Ok(location) => (StatusCode::FOUND, [(header::LOCATION, location)]).into_response(),
            Err(_) => ApiError::new(codes::HTTP_BAD_QUERY, "d=URL is not a valid header value")
                .into_response(),
        },
        Ok(Found::Nothing) => {
            ApiError::new(codes::AVATAR_NOT_FOUND, "no avatar for this hash (d=404)")
                .into_response()
        }
        Err(e) => e.into_response(),
    }
}

fn read_query(
    state: &super::State,
    key: String,
    seed: String,
    format: Format,
    query: Option<&str>,
    path_size: Option<u32>,
) -> Result<Ask, ApiError> {
    let config = &state.app.config.avatar;
    let bad = |m: String| ApiError::new(codes::HTTP_BAD_QUERY, m);
    let mut size = path_size;
    let mut default = None;
    let mut force_default = false;
    let mut name = None;
    let mut color = None;
    for (k, v) in form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
        match &*k {
            "s" | "size" => {
                let n = v.trim().parse::<u32>().map_err(|_| {
                    bad(format!(
                        "{k}={v:?}: the size is a whole number of pixels, 1 to {}",
                        config.max_size
                    ))
                })?;
                size = Some(n);
            }
            "d" | "default" => default = Some(v.into_owned()),
            "f" | "forcedefault" => {
                force_default = match &*v {
                    "y" | "yes" | "true" | "1" => true,
                    "n" | "no" | "false" | "0" => false,
                    _ => return Err(bad(format!("{k}={v:?}: use y to force the default, or n"))),
                }
            }
            "name" | "initials" if v.chars().count() > 200 => {
                return Err(bad(format!("{k}: at most 200 characters")));
            }
            "name" | "initials" => name = Some(v.into_owned()),
            "color" | "background" => {
                let hex = v.trim().trim_start_matches('#');
                let parsed = format!("#{hex}")
                    .parse::<Rgb>()
                    .ok()
                    .filter(|_| hex.len() == 6);
                color = Some(parsed.ok_or_else(|| {
                    bad(format!(
                        "{k}={v:?}: a colour is six hex digits, e.g. 3a7bd5"
                    ))
                })?);
            }
            // `r` (every portrait here is rated g), cache-busters and anything else: ignored,
            // as Gravatar ignores what it does not know.
            _ => {}
        }
    }
    let fallback = Fallback::parse(
        default.as_deref().unwrap_or(&config.default),
        &config.redirect_hosts,
    )
    .map_err(|m| ApiError::new(codes::AVATAR_BAD_DEFAULT, m))?;
    let name = name.unwrap_or_else(|| match key.starts_with("username:") {
        true => seed.clone(),
        false => String::new(),
    });
    Ok(Ask {
        key,
        seed,
        // Gravatar: 1 to 2048, larger asks get the largest; 0 is taken as 1.
        size: size.unwrap_or(DEFAULT_SIZE).clamp(1, config.max_size),
        format,
        fallback,
        force_default,
        name,
        color,
    })
}

enum Found {
    Image(Arc<Object>),
    Redirect(String),
    Nothing,
}

async fn find_or_draw(state: &super::State, ask: &Ask) -> Result<Found, ApiError> {
    if !ask.force_default
        && let Some(image_key) = portrait_key(state, &ask.key).await?
    {
        let cache_key = format!("image:{image_key}:{}:{:?}", ask.size, ask.format);
        let (size, format) = (ask.size, ask.format);
        let store = state.app.store.clone();
        // No AVIF decoder here: an AVIF portrait is read through the PNG stored beside it.
        let image_key = match image_key.strip_suffix(".avif") {
            Some(stem) => format!("{stem}.png"),
            None => image_key,
        };
        let object = cached(state, cache_key, move || async move {
            let bytes = store.get(&image_key).await?;
            Ok(move || fit(&bytes, size, format))
        })
        .await?;
        return Ok(Found::Image(object));
    }
    match &ask.fallback {
        Fallback::NotFound => return Ok(Found::Nothing),
        Fallback::Redirect(url) => return Ok(Found::Redirect(url.clone())),
        _ => {}
    }
    let cache_key = format!(
        "drawn:{:?}:{}:{}:{:?}:{}:{:?}",
        ask.fallback, ask.seed, ask.name, ask.color, ask.size, ask.format
    );
    let cache = state.avatars.clone();
    let (fallback, seed, name, color) = (
        ask.fallback.clone(),
        ask.seed.clone(),
        ask.name.clone(),
        ask.color,
    );
    let (size, format) = (ask.size, ask.format);
    let object = cached(state, cache_key, move || async move {
        Ok(move || {
            let who = Drawn {
                seed: &seed,
                name: &name,
                color,
            };
            draw(&cache.painter, &fallback, &who, size, format)
        })
    })
    .await?;
    Ok(Found::Image(object))
}

/// The stored image that stands for the subject `key` belongs to, if any (a placeholder does
/// not count: then the `d=` default answers, as on Gravatar).
async fn portrait_key(state: &super::State, key: &str) -> Result<Option<String>, ApiError> {
    let app = &state.app;
    let Some(subject_id) = app.db.subject_by_key(key).await? else {
        return Ok(None);
    };
    let style = match app.config.avatar.style.as_str() {
        "" => None,
        style => Some(style),
    };
    let resolved = resolve(app, &subject_id, style).await?;
    Ok((resolved.rule != Rule::Placeholder).then_some(resolved.key))
}

/// The answer under `cache_key`, made by `load` (async: reads) then its result (blocking:
/// draws or scales) on a blocking thread, one per core at a time.
async fn cached<L, Fut, M>(
    state: &super::State,
    cache_key: String,
    load: L,
) -> Result<Arc<Object>, ApiError>
where
    L: FnOnce() -> Fut,
    Fut: std::future::Future<Output = crate::error::Result<M>>,
    M: FnOnce() -> Result<Vec<u8>, String> + Send + 'static,
{
    let cache = &state.avatars;
    if let Some(hit) = cache.answers.get(&cache_key) {
        return Ok(hit);
    }
    let make = load().await?;
    let _permit = cache
        .drawing
        .acquire()
        .await
        .map_err(|_| ApiError::new(codes::HTTP_ERROR, "the server is shutting down"))?;
    let bytes = tokio::task::spawn_blocking(make)
        .await
        .map_err(|e| ApiError::new(codes::HTTP_ERROR, format!("drawing the avatar failed: {e}")))?
        .map_err(|e| {
            ApiError::new(
                codes::IMAGE_RESIZE_FAILED,
                format!("cannot make the avatar: {e}"),
            )
        })?;
    let object = Arc::new(Object::new(Bytes::from(bytes)));
    cache.answers.insert(cache_key, object.clone());
    Ok(object)
}
