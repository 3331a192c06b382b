//! One error shape for every API answer: `{"error": {"code", "message", "details"}}`, with the
//! library's stable codes and a status that says whose fault it was.

use axum::Json;
use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::codes;
use crate::error::Error;

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: String,
    pub message: String,
    /// Boxed: keeps `Result<_, ApiError>` small (with serde_json's `preserve_order`, which
    /// dicebear-core needs, a `Value` is 80 bytes).
    pub details: Box<Value>,
    /// Seconds for a `Retry-After` header (rate limits).
    pub retry_after: Option<u64>,
}

/// The longest message an answer carries: messages quote what the client sent (an id, a
/// seed, a path), and a megabyte of it must not come back in the error.
const MAX_MESSAGE_CHARS: usize = 1000;

impl ApiError {
    /// An error with `code`'s status from the one table (`codes::http_status`).
    pub fn new(code: &str, message: impl Into<String>) -> ApiError {
        let status = StatusCode::from_u16(codes::http_status(code))
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        ApiError::with_status(status, code, message)
    }

    /// An error whose status was chosen below the handlers (a routing or body layer); only
    /// `json_errors` uses it, for statuses the table has no code for.
    fn with_status(status: StatusCode, code: &str, message: impl Into<String>) -> ApiError {
        let mut message = message.into();
        if let Some((cut, _)) = message.char_indices().nth(MAX_MESSAGE_CHARS) {
            message.truncate(cut);
            message.push_str("… (cut)");
        }
        ApiError {
            status,
            code: code.to_string(),
            message,
            details: Box::new(Value::Null),
            retry_after: None,
        }
    }

    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(codes::HTTP_NOT_FOUND, message)
    }

    pub fn with_details(mut self, details: Value) -> ApiError {
        self.details = Box::new(details);
        self
    }

    /// The same error with `prefix` before its message (which field it is about).
    pub fn prefixed(mut self, prefix: &str) -> ApiError {
        self.message = format!("{prefix}{}", self.message);
        self
    }

    pub fn with_retry_after(mut self, seconds: u64) -> ApiError {
        self.retry_after = Some(seconds);
        self
    }
}

impl From<Error> for ApiError {
    fn from(e: Error) -> ApiError {
        let code = e.code();
        if code == codes::FACE_MODELS_MISSING {
            // The message names folders on the server: for the log, not the client.
            tracing::error!(code, error = %e, "request failed");
            return ApiError::new(
                code,
                "the face models are not installed on this server; its operator runs \
                 `likeness models check` to see what to fetch",
            );
        }
        if codes::is_internal(code) {
            // The details (a file path in the data directory, a database message) are for the
            // operator's log, not for whoever sent the request.
            tracing::error!(code, error = %e, "request failed");
            return ApiError::new(
                code,
                format!("internal error ({code}); the server log has the details"),
            );
        }
        ApiError::new(code, e.to_string())
    }
}

/// A JSON body that could not be read or parsed, each cause with its own code: too large
/// (413), not JSON by its Content-Type (415), cut short or malformed (400).
pub fn json_rejection(e: axum::extract::rejection::JsonRejection) -> ApiError {
    match e.status() {
        StatusCode::PAYLOAD_TOO_LARGE => body_too_large(),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ApiError::new(
            codes::HTTP_UNSUPPORTED_MEDIA_TYPE,
            format!("{}; send Content-Type: application/json", e.body_text()),
        ),
        _ => ApiError::new("http.bad_json", e.body_text()),
    }
}

/// A non-empty body must say it is JSON (`application/json` or `…+json`). Without this check a
/// web page could POST a generation as `text/plain`, which browsers send cross-site without a
/// CORS preflight, to a token-less loopback server and spend its providers' budget.
pub fn require_json(headers: &axum::http::HeaderMap, body: &[u8]) -> Result<(), ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(());
    }
    let essence = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        });
    match essence.as_deref() {
        Some("application/json") => Ok(()),
        Some(t) if t.starts_with("application/") && t.ends_with("+json") => Ok(()),
        other => Err(ApiError::new(
            codes::HTTP_UNSUPPORTED_MEDIA_TYPE,
            format!(
                "the body is sent as {}; send it as Content-Type: application/json",
                other.unwrap_or("no Content-Type")
            ),
        )),
    }
}

/// The 413 every body-reading route answers past `server.max_body_bytes`.
pub fn body_too_large() -> ApiError {
    ApiError::new(
        codes::HTTP_BODY_TOO_LARGE,
        "the request body is larger than the server accepts (server.max_body_bytes); send a \
         smaller image, or a URL to it",
    )
}

/// Gives the errors that do not come from a handler (the body limit, axum's extractors and
/// method routing) the one JSON shape, keeping their status and headers (`Allow`…).
pub async fn json_errors(body_limit: usize, request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    // The admin UI's pages explain themselves in HTML.
    let is_html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"text/html"));
    if !(status.is_client_error() || status.is_server_error()) || is_json || is_html {
        return response;
    }
    let (code, message) = match status {
        StatusCode::PAYLOAD_TOO_LARGE => (
            "http.body_too_large",
            format!(
                "the request body is over {body_limit} bytes (server.max_body_bytes); send a \
                 smaller image, or a URL to it"
            ),
        ),
        StatusCode::METHOD_NOT_ALLOWED => (
            "http.method_not_allowed",
            "this route does not take that method; see /docs".to_string(),
        ),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => (
            "http.unsupported_media_type",
            "send the body with the Content-Type the route expects; see /docs".to_string(),
        ),
        // A body extractor that could not read the body (a broken chunked encoding, a
        // connection cut mid-body) answers 400 in plain text.
        StatusCode::BAD_REQUEST => (
            "http.bad_request",
            "the request could not be read: check its body and encoding".to_string(),
        ),
        other => (
            "http.error",
            other.canonical_reason().unwrap_or("error").to_string(),
        ),
    };
    let (mut parts, _) = response.into_parts();
    parts.headers.remove(header::CONTENT_LENGTH);
    let fresh = ApiError::with_status(status, code, message).into_response();
    for (name, value) in fresh.headers() {
        parts.headers.insert(name, value.clone());
    }
    Response::from_parts(parts, fresh.into_body())
}

impl From<sqlx::Error> for ApiError {
    fn from(e: sqlx::Error) -> ApiError {
        Error::from(e).into()
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body =
            json!({"error": {"code": self.code, "message": self.message, "details": self.details}});
        let mut response = (self.status, Json(body)).into_response();
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, seconds.into());
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_messages_are_cut() {
        let e = ApiError::new("x", format!("no subject {}", "é".repeat(5000)));
        assert_eq!(
            e.message.chars().count(),
            MAX_MESSAGE_CHARS + "… (cut)".chars().count()
        );
        assert!(e.message.ends_with("… (cut)"));
        assert_eq!(ApiError::new("x", "short").message, "short");
    }
}
