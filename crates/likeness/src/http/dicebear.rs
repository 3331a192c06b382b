//! DiceBear-compatible URLs: `GET /11.x/{style}/{format}?seed=Felix&…` and the options-in-path
//! form `/11.x/{style}/{format}/seed%3DFelix%26size%3D64` (the one that survives inside
//! Gravatar's `d=`), as DiceBear's own server answers them, without a token (like `/assets`).
//!
//! - **Version:** only `11.x`: dicebear-core 11.0.0-rc.2 and dicebear-styles 11.0.0-rc.3 (whose
//!   JS twins are pinned in `clients/dicebear/`). Any other major answers 404 naming the one
//!   served, never another version's URL with this version's avatar.
//! - **Styles:** every DiceBear style likeness ships (the CC0 ones), and likeness's own looks: a
//!   style of the catalog drawn by the built-in renderer alone (`watercolor`, `cartoon`, …),
//!   the seed as the sitter's seed and name. A DiceBear name wins (`initials` is DiceBear's, as
//!   the URL promises); every look is also `likeness-{name}` (`likeness-initials`).
//! - **Options:** read as DiceBear's server reads them (`likeness_paint::dicebear_query`) and
//!   handed to dicebear-core as DiceBear JS gets them, so the SVG is DiceBear's byte for byte;
//!   what it does not know is a 400 with the reason, not a silent default.
//! - **Formats:** `svg`, `json` (`{"svg", "options"}`, as DiceBear 10+), and `png`, `jpg`,
//!   `webp` drawn by likeness's rasteriser with its bundled fonts: `size` defaults to 128 and is
//!   capped at `[dicebear] max_size` (256), as DiceBear's server does. JPEG has no alpha: the
//!   transparent parts are white.
//! - **Caching:** an answer is drawn once per canonical request (style, format, options after
//!   parsing, this build), kept in memory by bytes (`[dicebear] cache_bytes`), rasters also in
//!   the store under the private `_cache/dicebear/{sha256}.{ext}` (never served by `/assets`;
//!   `likeness sweep` removes them like any unreferenced object, which is fine for a cache).
//!   Strong ETag (the content's hash), 304, `Cache-Control: public, max-age=31536000` (DiceBear
//!   sends that max-age; not `immutable`, as a new build may draw a raster differently).
//! - **Bounds:** the query's length, its parameters and list items (`dicebear_query`), raster
//!   sides; draws run on the blocking pool, at most one per core at a time.

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

use axum::Router;
use axum::extract::{Extension, Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use bytes::Bytes;
use likeness_paint::{DicebearError, Painter, Sitter, Size};
use serde_json::{Map, Value, json};

mod format;

use format::{Format, encode};

use super::ApiError;
use super::files::{Object, respond};
use crate::codes;

/// The one DiceBear major drawn here.
const SERVED: &str = "11.x";
const CACHE_CONTROL: &str = "public, max-age=31536000";
/// A raster's side without `size`, as on DiceBear's server.
const DEFAULT_SIDE: u32 = 128;
/// The prefix that always reaches likeness's own look of that name.
const LOOK_PREFIX: &str = "likeness-";
/// The renderer draws from 16 pixels up; a look's SVG is at least that.
const MIN_DRAWN_SIDE: u32 = 16;

pub fn routes() -> Router<super::State> {
    Router::new()
        .route(
            "/{version}/{style}/{format}",
            get(avatar).fallback(other_method),
        )
        .route(
            "/{version}/{style}/{format}/{options}",
            get(avatar_in_path).fallback(other_method),
        )
        .route_layer(Extension(Arc::new(Shared::default())))
}

/// Another method: a 405 on a DiceBear URL, else the 404 any unknown route gets (these
/// routes match every path of three or four segments).
async fn other_method(uri: axum::http::Uri) -> Response {
    let first = uri.path().split('/').nth(1).unwrap_or("");
    if !first.ends_with(".x") {
        return ApiError::not_found("no such route").into_response();
    }
    let message = "the DiceBear URLs take GET (and HEAD)";
    let mut response = ApiError::new(codes::HTTP_METHOD_NOT_ALLOWED, message).into_response();
    (response.headers_mut()).insert(header::ALLOW, HeaderValue::from_static("GET,HEAD"));
    response
}

/// An answer drawn, with its size for the cache's weight.
struct Held {
    object: Object,
    len: usize,
}

#[derive(Clone, Copy)]
struct ByteWeight;

impl quick_cache::Weighter<String, Arc<Held>> for ByteWeight {
    fn weight(&self, key: &String, held: &Arc<Held>) -> u64 {
        (key.len() + held.len) as u64
    }
}

type Cache = quick_cache::sync::Cache<String, Arc<Held>, ByteWeight>;

/// What the routes share: answers drawn, the painter and the permits to draw.
pub(super) struct Shared {
    cache: OnceLock<Option<Cache>>,
    painter: OnceLock<Painter>,
    draws: tokio::sync::Semaphore,
}

impl Default for Shared {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Shared {
            cache: OnceLock::new(),
            painter: OnceLock::new(),
            draws: tokio::sync::Semaphore::new(cores),
        }
    }
}

impl Shared {
    /// Sized from the config on first use (the router is built before a request shows it).
    fn cache(&self, bytes: u64) -> Option<&Cache> {
        self.cache
            .get_or_init(|| {
                let items = (bytes / 8192).clamp(16, 1 << 20) as usize;
                (bytes > 0).then(|| Cache::with_weighter(items, bytes, ByteWeight))
            })
            .as_ref()
    }
}

/// What a style name draws.
enum Look<'a> {
    /// A DiceBear style, by its name.
    Dicebear(&'static str),
    /// A look of the catalog drawn by the built-in renderer.
    Own(&'a likeness_styles::Style),
}

/// A style of the catalog that these URLs may draw: the built-in renderer alone (no cloud
/// provider is ever called from an open URL), and not a DiceBear recipe (those are reached
/// under DiceBear's own names).
fn drawable(style: &likeness_styles::Style) -> bool {
    let kind = style
        .renderer
        .as_ref()
        .and_then(|r| r.get("kind"))
        .and_then(|k| k.as_str());
    !style.providers.is_empty()
        && style.providers.iter().all(|p| p.provider == "builtin")
        && kind.is_some_and(|k| k != "dicebear")
}

fn find_look<'a>(app: &'a crate::app::App, name: &str) -> Result<Look<'a>, ApiError> {
    if let Some(style) = likeness_paint::dicebear_style(name) {
        return Ok(Look::Dicebear(style.name));
    }
    let own = |n: &str| app.catalog.get(n).ok().filter(|s| drawable(s));
    let found = own(name).or_else(|| name.strip_prefix(LOOK_PREFIX).and_then(own));
    if let Some(style) = found {
        return Ok(Look::Own(style));
    }
    let mut styles: Vec<String> = likeness_paint::dicebear_styles()
        .iter()
        .map(|s| s.name.to_string())
        .collect();
    styles.extend(
        app.catalog
            .list()
            .filter(|s| drawable(s))
            .map(|s| format!("{LOOK_PREFIX}{}", s.name)),
    );
    let shown: String = name.chars().take(64).collect();
    Err(ApiError::new(
        codes::DICEBEAR_UNKNOWN_STYLE,
        format!("no style {shown:?} here; the details list the styles served"),
    )
    .with_details(json!({ "styles": styles })))
}

/// A failure of the renderer, not of the request: a 500 whose details go to the log.
fn drawing(message: &str) -> ApiError {
    let e = likeness_paint::PaintError::Raster(message.to_string());
    crate::error::Error::Paint(e).into()
}

/// The option errors of `likeness_paint` as the API's.
fn option_error(e: DicebearError) -> ApiError {
    match e {
        DicebearError::Query {
            code,
            option,
            message,
            allowed,
        } => ApiError::new(code, message)
            .with_details(json!({ "option": option, "allowed": allowed })),
        DicebearError::Refused(_) => ApiError::new(codes::DICEBEAR_BAD_OPTION, e.to_string()),
        DicebearError::Paint(p) => crate::error::Error::Paint(p).into(),
        other => ApiError::new(codes::DICEBEAR_BAD_OPTION, other.to_string()),
    }
}

/// One request, parsed and checked: what to draw, and the key it is cached under.
struct Wanted {
    /// The DiceBear style drawn, if it is one.
    dicebear: Option<&'static str>,
    /// Else the look's name and its file's fingerprint (a changed file draws anew).
    look: Option<(String, String)>,
    format: Format,
    options: Map<String, Value>,
    /// The side drawn: a raster's pixels, or a look's SVG size.
    side: u32,
    /// A look's recipe with the options laid over it.
    recipe: Option<likeness_paint::Recipe>,
}

/// `size` when given: a whole number from 1 to 4096 (DiceBear's range), else a 400.
fn size_of(options: &Map<String, Value>) -> Result<Option<u32>, ApiError> {
    let Some(size) = options.get("size") else {
        return Ok(None);
    };
    match size.as_u64().filter(|s| (1..=4096).contains(s)) {
        Some(s) => Ok(Some(s as u32)),
        None => Err(ApiError::new(
            codes::DICEBEAR_BAD_OPTION,
            format!("size must be a whole number from 1 to 4096, not {size}"),
        )
        .with_details(json!({ "option": "size" }))),
    }
}

fn parse(
    app: &crate::app::App,
    [version, style, format]: [&str; 3],
    query: &str,
) -> Result<Wanted, ApiError> {
    if !version.ends_with(".x") {
        return Err(ApiError::not_found("no such route"));
    }
    if version != SERVED {
        let shown: String = version.chars().take(16).collect();
        let message = format!(
            "this server draws DiceBear 11 only: /{SERVED}/…; /{shown}/ would be another \
             version's avatar, which it cannot promise"
        );
        return Err(ApiError::new(codes::DICEBEAR_VERSION_NOT_SERVED, message)
            .with_details(json!({ "served": [SERVED] })));
    }
    let format = Format::parse(format)?;
    let look = find_look(app, style)?;
    let descriptor = match &look {
        Look::Dicebear(name) => likeness_paint::dicebear_descriptor(name)
            .map_err(|e| ApiError::from(crate::error::Error::Paint(e)))?,
        Look::Own(_) => likeness_paint::look_descriptor(),
    };
    let mut options = likeness_paint::dicebear_query(descriptor, query).map_err(option_error)?;
    let size = size_of(&options)?;
    let max = app.config.dicebear.max_size;
    let side = match (&look, format.is_raster()) {
        (_, true) => size.unwrap_or(DEFAULT_SIDE.min(max)).min(max),
        (Look::Own(_), false) => size.unwrap_or(DEFAULT_SIDE).max(MIN_DRAWN_SIDE),
        (Look::Dicebear(_), false) => size.unwrap_or(0),
    };
    if format.is_raster() || matches!(look, Look::Own(_)) {
        options.insert("size".into(), json!(side));
    }
    let (dicebear, own, recipe) = match look {
        Look::Dicebear(name) => (Some(name), None, None),
        Look::Own(style) => {
            let keys = likeness_paint::frame_keys(&options).map_err(option_error)?;
            let recipe = crate::provider::builtin::Builtin::recipe(style, &keys)
                .map_err(|e| ApiError::new(codes::DICEBEAR_BAD_OPTION, e.to_string()))?;
            let own = (style.name.clone(), style.fingerprint.clone());
            (None, Some(own), Some(recipe))
        }
    };
    // Sorted again: the key must not depend on where `size` was inserted.
    let options = options
        .into_iter()
        .collect::<BTreeMap<_, _>>()
        .into_iter()
        .collect();
    Ok(Wanted {
        dicebear,
        look: own,
        format,
        options,
        side,
        recipe,
    })
}

impl Wanted {
    /// The SHA-256 of what decides the bytes: style (and a look's file), format, options and
    /// likeness's version (a new renderer may draw differently; a stored copy must not outlive
    /// it).
    fn key(&self) -> String {
        let style = match (&self.dicebear, &self.look) {
            (Some(name), _) => json!({ "dicebear": name }),
            (None, look) => json!({ "look": look }),
        };
        let canonical = json!({
            "build": env!("CARGO_PKG_VERSION"),
            "style": style,
            "format": self.format.ext(),
            "options": self.options,
        });
        crate::hash::hex_sha256(canonical.to_string().as_bytes())
    }

    /// Draws the answer (on a blocking thread: SVG parsing, rasterising and encoding).
    fn draw(&self, painter: &Painter, png_level: u8) -> Result<Vec<u8>, ApiError> {
        let svg = match (self.dicebear, self.format) {
            (Some(name), Format::Svg) => {
                return likeness_paint::dicebear_svg(name, &self.options)
                    .map(String::into_bytes)
                    .map_err(option_error);
            }
            (Some(name), Format::Json) => {
                let json =
                    likeness_paint::dicebear_json(name, &self.options).map_err(option_error)?;
                return Ok(json.to_string().into_bytes());
            }
            (Some(name), _) => {
                likeness_paint::dicebear_raster_svg(name, &self.options).map_err(option_error)?
            }
            (None, _) => self.look_svg(painter)?,
        };
        match self.format {
            Format::Svg => Ok(svg.into_bytes()),
            Format::Json => Ok(json!({ "svg": svg, "options": self.options })
                .to_string()
                .into_bytes()),
            raster => encode(painter, &svg, self.side, raster, png_level),
        }
    }

    /// A look's SVG: the seed is the sitter, drawn at the side (at least 16 pixels).
    fn look_svg(&self, painter: &Painter) -> Result<String, ApiError> {
        let seed = self
            .options
            .get("seed")
            .and_then(Value::as_str)
            .unwrap_or("");
        let sitter = Sitter {
            name: seed,
            ..Sitter::new(seed)
        };
        let recipe = self
            .recipe
            .as_ref()
            .ok_or_else(|| drawing("a look without a recipe"))?;
        let size = Size::square(self.side.max(MIN_DRAWN_SIDE));
        painter
            .render_svg(recipe, &sitter, size)
            .map_err(|e| crate::error::Error::Paint(e).into())
    }
}

/// The route's path, for the OpenAPI document: enums of what is served, so a request the
/// schema allows is one the server draws (likeness's looks are served too, unlisted).
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code)] // documentation only; the handler reads the path as strings
pub(super) struct AvatarPath {
    /// A DiceBear style; likeness's own looks are served too (`watercolor`, `likeness-initials`).
    #[param(value_type = StyleName, inline)]
    style: String,
    /// What to answer with.
    #[param(value_type = FormatName, inline)]
    format: String,
}

/// The options this document can promise for every style; the rest (`flip`, `rotate`,
/// `scale`, `borderRadius`, `backgroundColor`, `translateX`, `translateY`, and each style's
/// own: `eyesVariant=happy:3,wink`, `hatProbability=50`) are DiceBear's, as its HTTP API takes
/// them, and are checked by the server against the style (an unknown one is a 400).
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub(super) struct AvatarQuery {
    /// DiceBear's seed: the same seed, the same avatar.
    #[param(max_length = 1024)]
    seed: Option<String>,
    /// Pixels: the SVG's size, or a raster's side (default 128, at most `max_size` of the
    /// `[dicebear]` config: a larger one draws that).
    #[param(minimum = 1, maximum = 4096)]
    size: Option<u32>,
}

/// A string schema of `values`: the served names, from the code that serves them.
macro_rules! names_schema {
    ($name:ident, $values:expr) => {
        pub(super) struct $name;

        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .enum_values(Some($values))
                    .into()
            }
        }

        impl utoipa::ToSchema for $name {}
    };
}

names_schema!(
    StyleName,
    likeness_paint::dicebear_styles().iter().map(|s| s.name)
);
names_schema!(FormatName, ["svg", "png", "jpg", "jpeg", "webp", "json"]);

// Documented under the one major served, `/11.x/…`: a `/{version}/…` template would also
// describe `/assets/{folder}/{file}` (any other major answers 404 naming the one served).
#[utoipa::path(get, path = "/11.x/{style}/{format}", tag = "dicebear", operation_id = "dicebear_avatar", security(()),
    params(AvatarPath, AvatarQuery),
    description = "DiceBear's HTTP API: the avatar for DiceBear's query options. The same \
        options may come in the path instead, as one URL-encoded query string: \
        `/11.x/{style}/{format}/seed%3DFelix%26size%3D64` (the form that fits in Gravatar's \
        `d=`; a `?` query beside it is ignored, as on DiceBear's server).",
    responses(
        (status = 200, description = "the avatar: an SVG byte-identical to DiceBear JS 11 for the same options, a PNG, JPEG or WebP of `size` pixels, or `{svg, options}`; strong ETag, `Cache-Control: public, max-age=31536000`",
            content(("image/svg+xml"), ("image/png"), ("image/jpeg"), ("image/webp"), (Object = "application/json"))),
        (status = 206, description = "the range asked for (`Range`)",
            content(("image/svg+xml"), ("image/png"), ("image/jpeg"), ("image/webp"), ("application/json"))),
        (status = 304, description = "not modified (`If-None-Match`)"),
        (status = 400, description = "a format not drawn (`dicebear.bad_format`), an option the style does not have (`dicebear.unknown_option`), a bad value (`dicebear.bad_option`), or a query over the bounds (`dicebear.bad_query`)", body = super::schema::ErrorBody),
        (status = 404, description = "a DiceBear major other than 11 (`dicebear.version_not_served`), or no such style (`dicebear.unknown_style`, the details list those served)", body = super::schema::ErrorBody),
        (status = 416, description = "a range outside the answer"),
    ))]
pub(super) async fn avatar(
    State(state): State<super::State>,
    Extension(shared): Extension<Arc<Shared>>,
    Path((version, style, format)): Path<(String, String, String)>,
    RawQuery(query): RawQuery,
    method: Method,
    headers: HeaderMap,
) -> Response {
    let at = [version.as_str(), style.as_str(), format.as_str()];
    let query = query.unwrap_or_default();
    answer(&state, &shared, at, &query, (&method, &headers)).await
}

/// The options-in-path form (documented with the query form: its one segment is any text, which
/// no schema can split into valid and invalid).
pub(super) async fn avatar_in_path(
    State(state): State<super::State>,
    Extension(shared): Extension<Arc<Shared>>,
    Path((version, style, format, options)): Path<(String, String, String, String)>,
    method: Method,
    headers: HeaderMap,
) -> Response {
    let at = [version.as_str(), style.as_str(), format.as_str()];
    answer(&state, &shared, at, &options, (&method, &headers)).await
}

async fn answer(
    state: &super::State,
    shared: &Shared,
    at: [&str; 3],
    query: &str,
    request: (&Method, &HeaderMap),
) -> Response {
    match cached_or_drawn(state, shared, at, query).await {
        Ok((held, format)) => reply(&held.object, format, request),
        Err(e) => e.into_response(),
    }
}

/// The answer from memory, else from the store (rasters), else drawn and kept in both.
async fn cached_or_drawn(
    state: &super::State,
    shared: &Shared,
    at: [&str; 3],
    query: &str,
) -> Result<(Arc<Held>, Format), ApiError> {
    let app = &state.app;
    let wanted = parse(app, at, query)?;
    let format = wanted.format;
    let key = wanted.key();
    let cache = shared.cache(app.config.dicebear.cache_bytes);
    if let Some(hit) = cache.and_then(|c| c.get(&key)) {
        return Ok((hit, format));
    }
    let stored_key = (format.is_raster() && app.config.dicebear.store_rasters)
        .then(|| format!("_cache/dicebear/{key}.{}", format.ext()));
    let stored = match &stored_key {
        Some(k) => app.store.get_opt(k).await?,
        None => None,
    };
    let bytes = match stored {
        Some(bytes) => bytes,
        None => {
            let bytes = draw(app, shared, wanted).await?;
            if let Some(k) = &stored_key
                && let Err(e) = app.store.put(k, bytes.clone()).await
            {
                // Drawn all the same: a store failure costs a redraw later, not this answer.
                tracing::warn!(key = %k, error = %e, "a DiceBear raster could not be stored");
            }
            bytes
        }
    };
    let held = Arc::new(Held {
        len: bytes.len(),
        object: Object::new(bytes),
    });
    if let Some(cache) = cache {
        cache.insert(key, held.clone());
    }
    Ok((held, format))
}

/// Draws on the blocking pool, one draw per core at a time.
async fn draw(app: &crate::app::App, shared: &Shared, wanted: Wanted) -> Result<Bytes, ApiError> {
    let _permit = shared
        .draws
        .acquire()
        .await
        .map_err(|_| drawing("the draw permits are closed"))?;
    let painter = shared.painter.get_or_init(Painter::new).clone();
    let level = app.config.generate.png_optimization;
    let drawn = tokio::task::spawn_blocking(move || wanted.draw(&painter, level))
        .await
        .map_err(|e| drawing(&format!("the draw task failed: {e}")))??;
    Ok(Bytes::from(drawn))
}

/// The object with `files.rs`'s validators (ETag, 304, ranges) and this format's headers.
fn reply(object: &Object, format: Format, (method, headers): (&Method, &HeaderMap)) -> Response {
    let mut response = respond(object, method, headers, CACHE_CONTROL);
    let h = response.headers_mut();
    if h.contains_key(header::CONTENT_TYPE) {
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(format.content_type()),
        );
    }
    let disposition = format!("inline; filename=\"avatar.{}\"", format.ext());
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert("x-robots-tag", HeaderValue::from_static("noindex"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if format == Format::Svg {
        // Opened on its own, the SVG may run nothing and load nothing.
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'"),
        );
    }
    response
}
