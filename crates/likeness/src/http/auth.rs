//! Bearer-token authentication for `/api`. Tokens are compared in constant time and never
//! logged.

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use subtle::ConstantTimeEq;

use super::ApiError;

pub struct Tokens(Vec<String>);

impl Tokens {
    pub fn new(tokens: Vec<String>) -> Tokens {
        Tokens(tokens.into_iter().filter(|t| !t.is_empty()).collect())
    }

    fn accepts(&self, presented: &str) -> bool {
        // Check every token so the time taken does not say which one nearly matched.
        self.0.iter().fold(false, |ok, t| {
            ok | bool::from(t.as_bytes().ct_eq(presented.as_bytes()))
        })
    }
}

/// With no tokens configured (loopback only, see `check_exposure`) every request passes.
pub async fn require_token(
    State(state): State<super::State>,
    request: Request,
    next: Next,
) -> Response {
    if state.tokens.0.is_empty() {
        return next.run(request).await;
    }
    let presented = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    match presented {
        Some(token) if state.tokens.accepts(token.trim()) => next.run(request).await,
        found => {
            let message = if found.is_some() {
                "the bearer token is not valid"
            } else {
                "missing `Authorization: Bearer <token>` header"
            };
            let mut response =
                ApiError::new(StatusCode::UNAUTHORIZED, "auth.unauthorized", message)
                    .into_response();
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"likeness\""),
            );
            response
        }
    }
}
