//! Stored images as HTTP responses: strong ETags, 304s, single byte ranges, and an in-memory
//! cache for immutable keys.
//!
//! Why not tower-http's `ServeDir`: it opens, stats and reads the file through tokio's
//! blocking pool on every request, which cost about five times nginx's CPU per request on
//! `/assets` (bench/serve.sh). Immutable keys never change, so their bytes and ETag are loaded
//! once through the `Store` and each hit is a clone of a reference-counted buffer. A local
//! folder and S3 go through the same code and give the same ETag (a hash of the content, not
//! the backend's own). The cache is bounded by bytes (S3-FIFO, quick_cache); mutable
//! root-level files (legacy names, the placeholder) are read every time.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;

use super::ApiError;
use crate::store::Store;

/// An image ready to answer with.
#[derive(Debug)]
pub struct Object {
    bytes: Bytes,
    etag: HeaderValue,
    content_type: HeaderValue,
}

impl Object {
    pub fn new(bytes: Bytes) -> Object {
        let hash = crate::hash::hex_sha256(&bytes);
        let etag = HeaderValue::from_str(&format!("\"{}\"", &hash[..32]))
            .expect("hex is a valid header value");
        let content_type = HeaderValue::from_static(sniff_type(&bytes));
        Object {
            bytes,
            etag,
            content_type,
        }
    }
}

/// The type from the bytes, never from the name.
fn sniff_type(bytes: &[u8]) -> &'static str {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        "image/png"
    } else if bytes.starts_with(&[0xff, 0xd8, 0xff]) {
        "image/jpeg"
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        "image/webp"
    } else {
        "application/octet-stream"
    }
}

#[derive(Clone, Copy)]
struct ByteWeight;

impl quick_cache::Weighter<String, Arc<Object>> for ByteWeight {
    fn weight(&self, key: &String, object: &Arc<Object>) -> u64 {
        (key.len() + object.bytes.len()) as u64
    }
}

/// Immutable objects by key, bounded by their total size.
pub struct FileCache {
    cache: Option<quick_cache::sync::Cache<String, Arc<Object>, ByteWeight>>,
}

impl FileCache {
    /// A cache of at most `capacity_bytes` (0: no cache, every request reads the store).
    pub fn new(capacity_bytes: u64) -> FileCache {
        // quick_cache sizes its tables by an item count estimate; avatars are ~10–60 KB.
        let estimated_items = (capacity_bytes / 16_384).clamp(16, 1 << 20) as usize;
        let cache = (capacity_bytes > 0).then(|| {
            quick_cache::sync::Cache::with_weighter(estimated_items, capacity_bytes, ByteWeight)
        });
        FileCache { cache }
    }

    /// The object at `key`, from memory when `immutable` and seen before; `None` if the store
    /// has nothing there.
    pub async fn load(
        &self,
        store: &Store,
        key: &str,
        immutable: bool,
    ) -> Result<Option<Arc<Object>>, ApiError> {
        let cache = self.cache.as_ref().filter(|_| immutable);
        if let Some(hit) = cache.and_then(|c| c.get(key)) {
            return Ok(Some(hit));
        }
        let Some(bytes) = store.get_opt(key).await? else {
            return Ok(None);
        };
        let object = Arc::new(Object::new(bytes));
        if let Some(cache) = cache {
            cache.insert(key.to_string(), object.clone());
        }
        Ok(Some(object))
    }
}

/// `object` as the answer to a GET or HEAD with `request` headers: 304 when the client's ETag
/// matches, 206 for one satisfiable byte range, 416 for an unsatisfiable one, else 200.
pub fn respond(
    object: &Object,
    method: &Method,
    request: &HeaderMap,
    cache_control: &'static str,
) -> Response {
    let mut headers = HeaderMap::with_capacity(6);
    headers.insert(header::ETAG, object.etag.clone());
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(cache_control),
    );
    headers.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    if let Some(inm) = request.get(header::IF_NONE_MATCH)
        && etag_matches(inm.as_bytes(), object.etag.as_bytes())
    {
        return (StatusCode::NOT_MODIFIED, headers).into_response();
    }
    headers.insert(header::CONTENT_TYPE, object.content_type.clone());
    let len = object.bytes.len() as u64;
    let range = request
        .get(header::RANGE)
        .filter(|_| if_range_holds(request, &object.etag))
        .and_then(|r| r.to_str().ok())
        .map(|r| parse_range(r, len));
    let (status, body) = match range {
        Some(Range::Satisfiable(start, end)) => {
            let content_range = format!("bytes {start}-{end}/{len}");
            headers.insert(
                header::CONTENT_RANGE,
                HeaderValue::from_str(&content_range).expect("digits are a valid header value"),
            );
            let part = object.bytes.slice(start as usize..=end as usize);
            (StatusCode::PARTIAL_CONTENT, part)
        }
        Some(Range::Unsatisfiable) => {
            headers.insert(
                header::CONTENT_RANGE,
                HeaderValue::from_str(&format!("bytes */{len}"))
                    .expect("digits are a valid header value"),
            );
            return (StatusCode::RANGE_NOT_SATISFIABLE, headers).into_response();
        }
        // No range, a malformed one or several: the whole object (RFC 9110 allows ignoring).
        Some(Range::Ignored) | None => (StatusCode::OK, object.bytes.clone()),
    };
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(body.len()));
    let body = if method == Method::HEAD {
        Body::empty()
    } else {
        Body::from(body)
    };
    (status, headers, body).into_response()
}

/// `If-None-Match` uses the weak comparison: `W/"x"` matches `"x"`; `*` matches anything.
fn etag_matches(header: &[u8], etag: &[u8]) -> bool {
    let Ok(header) = std::str::from_utf8(header) else {
        return false;
    };
    header
        .split(',')
        .map(str::trim)
        .any(|candidate| candidate == "*" || candidate.trim_start_matches("W/").as_bytes() == etag)
}

/// A range applies unless `If-Range` names another version (strong comparison; dates are not
/// ours to compare, so they fail safe to the whole object).
fn if_range_holds(request: &HeaderMap, etag: &HeaderValue) -> bool {
    match request.get(header::IF_RANGE) {
        None => true,
        Some(v) => v.as_bytes() == etag.as_bytes(),
    }
}

#[derive(Debug, PartialEq)]
enum Range {
    /// First and last byte, inclusive.
    Satisfiable(u64, u64),
    Unsatisfiable,
    Ignored,
}

/// One `bytes=` range of RFC 9110 (`a-b`, `a-`, `-n`) against a body of `len` bytes.
fn parse_range(header: &str, len: u64) -> Range {
    let Some(spec) = header.trim().strip_prefix("bytes=") else {
        return Range::Ignored;
    };
    if spec.contains(',') {
        return Range::Ignored;
    }
    let Some((first, last)) = spec.trim().split_once('-') else {
        return Range::Ignored;
    };
    let number = |s: &str| -> Option<u64> {
        (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse().ok())
            .flatten()
    };
    match (first.is_empty(), number(first), number(last)) {
        // Suffix: the last n bytes.
        (true, _, Some(n)) if n > 0 && len > 0 => {
            Range::Satisfiable(len.saturating_sub(n), len - 1)
        }
        (true, _, Some(_)) => Range::Unsatisfiable,
        (false, Some(start), _) if start >= len => Range::Unsatisfiable,
        (false, Some(start), None) if last.is_empty() => Range::Satisfiable(start, len - 1),
        (false, Some(start), Some(end)) if end >= start => {
            Range::Satisfiable(start, end.min(len - 1))
        }
        _ => Range::Ignored,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_follow_rfc_9110() {
        assert_eq!(parse_range("bytes=0-7", 100), Range::Satisfiable(0, 7));
        assert_eq!(parse_range("bytes=90-", 100), Range::Satisfiable(90, 99));
        assert_eq!(parse_range("bytes=-10", 100), Range::Satisfiable(90, 99));
        assert_eq!(parse_range("bytes=-500", 100), Range::Satisfiable(0, 99));
        assert_eq!(parse_range("bytes=50-500", 100), Range::Satisfiable(50, 99));
        assert_eq!(parse_range("bytes=100-", 100), Range::Unsatisfiable);
        assert_eq!(parse_range("bytes=-0", 100), Range::Unsatisfiable);
        assert_eq!(parse_range("bytes=7-3", 100), Range::Ignored);
        assert_eq!(parse_range("bytes=0-1,5-6", 100), Range::Ignored);
        assert_eq!(parse_range("items=0-1", 100), Range::Ignored);
        assert_eq!(parse_range("bytes=+1-2", 100), Range::Ignored);
        assert_eq!(parse_range("bytes=x-", 100), Range::Ignored);
    }

    #[test]
    fn if_none_match_is_a_weak_comparison_over_a_list() {
        let etag = b"\"abc\"";
        assert!(etag_matches(b"\"abc\"", etag));
        assert!(etag_matches(b"W/\"abc\"", etag));
        assert!(etag_matches(b"\"x\", \"abc\"", etag));
        assert!(etag_matches(b"*", etag));
        assert!(!etag_matches(b"\"abcd\"", etag));
        assert!(!etag_matches(b"", etag));
    }

    #[test]
    fn answers_carry_validators_and_honour_them() {
        let object = Object::new(Bytes::from_static(b"\x89PNG\r\n\x1a\n0123456789"));
        let mut request = HeaderMap::new();
        let full = respond(&object, &Method::GET, &request, "x");
        assert_eq!(full.status(), StatusCode::OK);
        assert_eq!(full.headers()[header::CONTENT_TYPE], "image/png");
        assert_eq!(full.headers()[header::CONTENT_LENGTH], "18");
        let etag = full.headers()[header::ETAG].clone();

        request.insert(header::RANGE, HeaderValue::from_static("bytes=8-9"));
        let part = respond(&object, &Method::GET, &request, "x");
        assert_eq!(part.status(), StatusCode::PARTIAL_CONTENT);
        assert_eq!(part.headers()[header::CONTENT_RANGE], "bytes 8-9/18");

        // A stale If-Range turns the range into the whole, current object.
        request.insert(header::IF_RANGE, HeaderValue::from_static("\"old\""));
        let stale = respond(&object, &Method::GET, &request, "x");
        assert_eq!(stale.status(), StatusCode::OK);

        request.insert(header::IF_NONE_MATCH, etag);
        let cached = respond(&object, &Method::GET, &request, "x");
        assert_eq!(cached.status(), StatusCode::NOT_MODIFIED);
        assert!(cached.headers().get(header::CONTENT_TYPE).is_none());
    }
}
