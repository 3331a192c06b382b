//! Bearer-token authentication for `/api`. Tokens are compared in constant time and never
//! logged; handlers learn only which configured token was used (`Client`), for rate limits.

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

    /// Which token matched. Every token is compared, each in constant time, so the time taken
    /// does not say which one nearly matched.
    fn accepts(&self, presented: &str) -> Option<usize> {
        let mut found = None;
        for (i, t) in self.0.iter().enumerate() {
            if bool::from(t.as_bytes().ct_eq(presented.as_bytes())) {
                found = Some(i);
            }
        }
        found
    }
}

/// Who made a request: `token-N` (the N-th configured token, never the token itself) or
/// `anonymous` on a token-less loopback server.
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
    let presented = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|t| state.tokens.accepts(t.trim()));
    let message = match presented {
        Some(Some(which)) => {
            request
                .extensions_mut()
                .insert(Client(format!("token-{which}")));
            return next.run(request).await;
        }
        Some(None) => "the bearer token is not valid",
        None => "missing `Authorization: Bearer <token>` header",
    };
    let mut response =
        ApiError::new(StatusCode::UNAUTHORIZED, "auth.unauthorized", message).into_response();
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Bearer realm=\"likeness\""),
    );
    response
}
