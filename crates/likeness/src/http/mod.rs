//! The HTTP service (`likeness serve`): the JSON API under `/api` (bearer auth), image serving
//! under `/assets`, and health checks. Handlers are thin: they parse, call the same library
//! code the CLI uses, and map errors to one JSON shape (`error.rs`).

mod assets;
mod auth;
mod avatar;
mod dicebear;
mod erase;
mod error;
mod files;
mod generation;
mod health;
mod jobs;
mod listener;
mod metrics;
mod negotiate;
mod openai;
mod openapi;
mod portraits;
mod ratelimit;
mod schema;
mod subjects;
mod ui;
mod webhooks;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderMap, HeaderValue, Method, header};
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::limit::RequestBodyLimitLayer;

use crate::app::App;
use crate::error::{Error, Result};

pub use error::ApiError;
pub use listener::ConnectionLimits;

/// Who may call what: the API tokens (checked by `Config::api_tokens`) and the optional
/// `/metrics` token. With neither, the server only listens on loopback (`check_exposure`).
#[derive(Debug, Clone, Default)]
pub struct Access {
    pub api_tokens: Vec<crate::access::ApiToken>,
    pub metrics_token: Option<String>,
}

/// What every handler can reach: one `Arc`, because the router clones its state for every
/// request at every middleware layer (a struct of a dozen `Arc`s cost `/assets` ~6 % of its
/// CPU in clones and drops).
#[derive(Clone)]
pub struct State(Arc<Shared>);

impl std::ops::Deref for State {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// The state itself, behind [`State`].
pub struct Shared {
    pub app: Arc<App>,
    tokens: Arc<auth::Tokens>,
    metrics_token: Option<Arc<str>>,
    generate_limit: Arc<ratelimit::RateLimit>,
    metrics: Arc<metrics::Metrics>,
    files: Arc<files::FileCache>,
    fetcher: crate::fetch::Fetcher,
    sessions: Arc<ui::Sessions>,
    avatars: Arc<avatar::AvatarCache>,
    /// Other-format and resized variants `/assets/` is making (`assets::Derivations`).
    derivations: Arc<assets::Derivations>,
    /// Checks webhook URLs when they are registered, under the fetch policy.
    poster: crate::fetch::Poster,
}

/// CORS for the configured origins only; none configured, no CORS headers at all.
fn cors(origins: &[String]) -> Result<Option<CorsLayer>> {
    if origins.is_empty() {
        return Ok(None);
    }
    let list = origins
        .iter()
        .map(|o| {
            HeaderValue::from_str(o.trim_end_matches('/'))
                .map_err(|_| Error::Config(format!("server.cors_origins: {o:?} is not an origin")))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Some(
        CorsLayer::new()
            .allow_origin(AllowOrigin::list(list))
            .allow_methods([Method::GET, Method::HEAD, Method::POST])
            .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE])
            .expose_headers([header::LOCATION, header::RETRY_AFTER])
            .max_age(std::time::Duration::from_secs(600)),
    ))
}

/// Builds the router for `app`, accepting `access`'s tokens on the API and `/metrics`.
pub fn router(app: Arc<App>, access: Access) -> Result<Router> {
    let cors = cors(&app.config.server.cors_origins)?;
    let limit = app.config.server.max_body_bytes;
    let fetcher = crate::fetch::Fetcher::new(app.config.fetch_policy()?)
        .map_err(|e| Error::Config(format!("cannot build the URL fetcher: {e}")))?;
    let poster = crate::fetch::Poster::new(
        app.config.fetch_policy()?,
        std::time::Duration::from_secs(app.config.webhooks.timeout_seconds),
    )
    .map_err(|e| Error::Config(format!("cannot build the webhook client: {e}")))?;
    let state = State(Arc::new(Shared {
        fetcher,
        poster,
        generate_limit: Arc::new(ratelimit::RateLimit::for_db(
            app.config.server.generate_per_minute,
            &app.db,
        )),
        metrics: Arc::new(metrics::Metrics::default()),
        files: Arc::new(files::FileCache::new(app.config.server.asset_cache_bytes)),
        // Answers are small (a few KB at the sizes pages ask for); a quarter of the asset
        // cache's budget holds tens of thousands.
        avatars: Arc::new(avatar::AvatarCache::new(
            app.config.server.asset_cache_bytes / 4,
        )),
        derivations: Arc::new(assets::Derivations::new()),
        app,
        sessions: Arc::new(ui::Sessions::new(&access.api_tokens)),
        tokens: Arc::new(auth::Tokens::new(access.api_tokens)),
        metrics_token: access.metrics_token.map(Arc::from),
    }));
    let api = subjects::routes()
        .merge(jobs::routes())
        .merge(portraits::routes())
        .merge(webhooks::routes())
        .merge(erase::routes())
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::require_token,
        ));
    let v1 = openai::routes().route_layer(axum::middleware::from_fn_with_state(
        state.clone(),
        auth::require_token,
    ));
    let router = Router::new()
        .nest("/api", api)
        .nest("/v1", v1)
        .merge(assets::routes())
        .merge(avatar::routes())
        .merge(dicebear::routes())
        .merge(ui::routes(state.clone()))
        .merge(health::routes())
        .route(
            "/metrics",
            axum::routing::get(metrics::render).route_layer(axum::middleware::from_fn_with_state(
                state.clone(),
                auth::require_metrics_token,
            )),
        )
        // Built from the app: the document lists the styles and providers this server has.
        .merge(
            utoipa_swagger_ui::SwaggerUi::new("/docs")
                .external_url_unchecked("/openapi.json", openapi::document(&state.app)),
        )
        .fallback(|| async { ApiError::not_found("no such route") })
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            metrics::track,
        ))
        // Bodies are limited while they are read, not after.
        .layer(DefaultBodyLimit::disable())
        .layer(RequestBodyLimitLayer::new(limit))
        // Outside the body limit, so its 413 gets the JSON shape too.
        .layer(axum::middleware::from_fn(move |request, next| {
            error::json_errors(limit, request, next)
        }))
        .layer(tower::util::option_layer(cors))
        .with_state(state);
    Ok(router)
}

/// An asset as the API shows it: the history entry with its URL (`/assets/...` or under
/// `public_base_url`) and key, never a path on the server's disk.
pub(crate) fn asset_json(
    row: crate::db::assets::AssetRow,
    store: &crate::store::Store,
) -> serde_json::Value {
    let entry = crate::views::HistoryEntry::new(row, store);
    let mut v = serde_json::to_value(entry).unwrap_or(serde_json::Value::Null);
    if let Some(obj) = v.as_object_mut() {
        obj.remove("path");
    }
    redact_paths(&mut v, store);
    v
}

/// Replaces the data directory in every string of `v` with `<data-dir>`: recorded error
/// messages (a reference file that could not be read, a write that failed) name files on the
/// server, and a client has no business knowing where they are.
pub(crate) fn redact_paths(v: &mut serde_json::Value, store: &crate::store::Store) {
    match v {
        serde_json::Value::String(s) => *s = redact_text(s, store),
        serde_json::Value::Array(items) => items.iter_mut().for_each(|i| redact_paths(i, store)),
        serde_json::Value::Object(map) => map.values_mut().for_each(|i| redact_paths(i, store)),
        _ => {}
    }
}

/// `text` with the data directory replaced by `<data-dir>` (see [`redact_paths`]).
pub(crate) fn redact_text(text: &str, store: &crate::store::Store) -> String {
    // The data directory holds the database and local files whatever the store is; a local
    // store outside it is named too.
    let mut text = text.to_string();
    let data_dir = std::path::absolute(store.data_dir()).ok();
    let roots = [
        store.local_root().and_then(std::path::Path::parent),
        data_dir.as_deref(),
    ];
    for root in roots.into_iter().flatten() {
        let root = root.to_string_lossy();
        if root.len() > 1 {
            text = text.replace(&*root, "<data-dir>");
        }
    }
    text
}

/// Refuses to expose an unauthenticated API beyond this machine.
pub fn check_exposure(addr: &SocketAddr, access: &Access) -> Result<()> {
    if access.api_tokens.is_empty() && !addr.ip().is_loopback() {
        return Err(Error::Config(format!(
            "refusing to listen on {addr} without API tokens: set server.api_tokens in the config \
             or LIKENESS_API_TOKENS, or listen on 127.0.0.1"
        )));
    }
    Ok(())
}

/// Serves until `shutdown` completes, then finishes in-flight requests (bounded).
pub async fn serve(
    app: Arc<App>,
    listener: tokio::net::TcpListener,
    access: Access,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<()> {
    let addr = listener
        .local_addr()
        .map_err(|e| Error::io("cannot read the listening address", e))?;
    check_exposure(&addr, &access)?;
    let limits = ConnectionLimits {
        max_connections: listener::connection_bound(app.config.server.max_connections),
        header_timeout: std::time::Duration::from_secs(app.config.server.header_timeout_seconds),
    };
    let router = router(app, access)?;
    listener::serve_connections(listener, router, limits, shutdown).await;
    Ok(())
}

/// The scheme and host the client used, for absolute image URLs (a proxy's
/// `X-Forwarded-Proto` is honoured).
pub(crate) fn public_base(headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    let scheme = headers
        .get("x-forwarded-proto")
        .and_then(|h| h.to_str().ok())
        .filter(|p| *p == "https")
        .unwrap_or("http");
    format!("{scheme}://{host}")
}
