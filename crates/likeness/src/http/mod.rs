//! The HTTP service (`likeness serve`): the JSON API under `/api` (bearer auth), image serving
//! under `/assets`, and health checks. Handlers are thin: they parse, call the same library
//! code the CLI uses, and map errors to one JSON shape (`error.rs`).

mod assets;
mod auth;
mod error;
mod health;
mod jobs;
mod metrics;
mod openai;
mod ratelimit;
mod subjects;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::trace::{DefaultMakeSpan, DefaultOnResponse, TraceLayer};
use tracing::Level;

use crate::app::App;
use crate::error::{Error, Result};

pub use error::ApiError;

/// What every handler can reach.
#[derive(Clone)]
pub struct State {
    pub app: Arc<App>,
    tokens: Arc<auth::Tokens>,
    generate_limit: Arc<ratelimit::RateLimit>,
    metrics: Arc<metrics::Metrics>,
}

/// Builds the router for `app`, accepting `tokens` on the API.
pub fn router(app: Arc<App>, tokens: Vec<String>) -> Router {
    let limit = app.config.server.max_body_bytes;
    let state = State {
        generate_limit: Arc::new(ratelimit::RateLimit::new(
            app.config.server.generate_per_minute,
        )),
        metrics: Arc::new(metrics::Metrics::default()),
        app,
        tokens: Arc::new(auth::Tokens::new(tokens)),
    };
    let api =
        subjects::routes()
            .merge(jobs::routes())
            .route_layer(axum::middleware::from_fn_with_state(
                state.clone(),
                auth::require_token,
            ));
    let v1 = openai::routes().route_layer(axum::middleware::from_fn_with_state(
        state.clone(),
        auth::require_token,
    ));
    Router::new()
        .nest("/api", api)
        .nest("/v1", v1)
        .merge(assets::routes())
        .merge(health::routes())
        .route("/metrics", axum::routing::get(metrics::render))
        .fallback(|| async { ApiError::not_found("no such route") })
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            metrics::track,
        ))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(DefaultMakeSpan::new().level(Level::INFO))
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
        // Bodies are limited while they are read, not after.
        .layer(DefaultBodyLimit::disable())
        .layer(RequestBodyLimitLayer::new(limit))
        .with_state(state)
}

/// Refuses to expose an unauthenticated API beyond this machine.
pub fn check_exposure(addr: &SocketAddr, tokens: &[String]) -> Result<()> {
    if tokens.is_empty() && !addr.ip().is_loopback() {
        return Err(Error::Config(format!(
            "refusing to listen on {addr} without API tokens: set server.api_tokens in the config \
             or LIKENESS_API_TOKENS, or listen on 127.0.0.1"
        )));
    }
    Ok(())
}

/// Serves until `shutdown` completes, then finishes in-flight requests.
pub async fn serve(
    app: Arc<App>,
    listener: tokio::net::TcpListener,
    tokens: Vec<String>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<()> {
    let addr = listener
        .local_addr()
        .map_err(|e| Error::io("cannot read the listening address", e))?;
    check_exposure(&addr, &tokens)?;
    axum::serve(listener, router(app, tokens))
        .with_graceful_shutdown(shutdown)
        .await
        .map_err(|e| Error::io("server failed", e))
}
