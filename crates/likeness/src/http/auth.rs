//! Bearer-token authentication for `/api`. Tokens are compared in constant time and never
//! logged; handlers learn only which configured token was used (`Client`: its name and role),
//! for rate limits and the audit trail. A `viewer` token reads and changes nothing: its
//! requests other than GET and HEAD are refused here, whatever the route.

use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use subtle::ConstantTimeEq;

use super::ApiError;
use crate::access::{ApiToken, Role};

pub struct Tokens(Vec<ApiToken>);

impl Tokens {
    /// Tokens as `Config::api_tokens` checked them (none empty, none short, none twice).
    pub fn new(tokens: Vec<ApiToken>) -> Tokens {
        Tokens(tokens)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Which token matched. Every token is compared, each in constant time, so the time taken
    /// does not say which one nearly matched.
    fn accepts(&self, presented: &str) -> Option<usize> {
        let mut found = None;
        for (i, t) in self.0.iter().enumerate() {
            if bool::from(t.secret.as_bytes().ct_eq(presented.as_bytes())) {
                found = Some(i);
            }
        }
        found
    }
}

/// Who made a request: the token's name (`token-N` unless named, never the token itself) or
/// `anonymous` on a token-less loopback server, which is an admin.
#[derive(Debug, Clone)]
pub struct Client(pub String);

/// With no tokens configured (loopback only, see `check_exposure`) every request passes.
pub async fn require_token(
    State(state): State<super::State>,
    mut request: Request,
    next: Next,
) -> Response {
    if state.tokens.0.is_empty() {
        request.extensions_mut().insert(Client("anonymous".into()));
        return next.run(request).await;
    }
    match bearer(&request).map(|t| state.tokens.accepts(t)) {
        Some(Some(which)) => {
            let token = &state.tokens.0[which];
            if token.role == Role::Viewer && !reads(request.method()) {
                return ApiError::new(
                    crate::codes::AUTH_FORBIDDEN,
                    format!(
                        "token {} is a viewer: it can read but not change anything; use an \
                         admin token for {} {}",
                        token.name,
                        request.method(),
                        request.uri().path()
                    ),
                )
                .into_response();
            }
            request.extensions_mut().insert(Client(token.name.clone()));
            next.run(request).await
        }
        Some(None) => unauthorized("the bearer token is not valid"),
        None => unauthorized("missing `Authorization: Bearer <token>` header"),
    }
}

/// Whether a request only reads.
fn reads(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// `/metrics`: the metrics token or any API token; open only when neither is configured (a
/// loopback server, see `check_exposure`).
pub async fn require_metrics_token(
    State(state): State<super::State>,
    request: Request,
    next: Next,
) -> Response {
    let metrics = state.metrics_token.as_deref();
    if state.tokens.is_empty() && metrics.is_none() {
        return next.run(request).await;
    }
    let Some(presented) = bearer(&request) else {
        return unauthorized(
            "missing `Authorization: Bearer <token>` header (server.metrics_token or an API token)",
        );
    };
    let metrics_ok = metrics.is_some_and(|m| bool::from(m.as_bytes().ct_eq(presented.as_bytes())));
    if metrics_ok || state.tokens.accepts(presented).is_some() {
        return next.run(request).await;
    }
    unauthorized("the bearer token is not valid for /metrics")
}

/// The token of an `Authorization: Bearer …` header. The scheme is case-insensitive (RFC 9110
/// §11.1): `bearer` and `BEARER` work.
fn bearer(request: &Request) -> Option<&str> {
    let value = request
        .headers()
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .trim_start();
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

fn unauthorized(message: &str) -> Response {
    let mut response = ApiError::new("auth.unauthorized", message).into_response();
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Bearer realm=\"likeness\""),
    );
    response
}
