//! Stored images as HTTP responses (strong ETags, 304s, single byte ranges): small objects
//! from an in-memory cache, large ones streamed from the store.
//!
//! Why not tower-http's `ServeDir`: it opens, stats and reads the file through tokio's
//! blocking pool on every request, which cost about five times nginx's CPU per request on
//! `/assets` (bench/serve.sh), and it knows nothing of S3.
//!
//! The rule: an object of at most [`WHOLE_MAX_BYTES`] (avatars are 10–60 KB) is read whole,
//! and kept when its key is immutable in a cache bounded by bytes (S3-FIFO, quick_cache), so a
//! hit is a clone of a reference-counted buffer and costs no store request. A larger object is
//! streamed from the store on every request, a range as a ranged read, so a request holds a few
//! chunks of it in flight (about 1.5 MiB measured, bench/assets_s3.sh), whatever its size or
//! the cache setting. Mutable root-level files (legacy
//! names, the placeholder) are never cached.
//!
//! The ETag is the same whichever path and backend answers: the first 32 hex digits of the
//! content's SHA-256, never the backend's own ETag (an S3 MD5 or a file's inode and time,
//! which differ between a folder and a bucket holding the same bytes). A streamed answer needs
//! it, and the type sniffed from the first bytes, before its first byte, so the first request
//! for a large object reads it once to hash it, then streams it; for an immutable key the size,
//! ETag and type are remembered in a small table (kept with the byte cache off too), so later
//! requests read the object once, and a 304, a 416 or a HEAD reads nothing. Keys are
//! immutable, but to be sure the bytes sent are the bytes hashed, the streamed read asks the
//! store for the backend version that was hashed (`If-Match`): a replaced object is hashed
//! again instead of being sent under a stale ETag.
//!
//! A store failure mid-stream cannot change a status already sent: the body stops short (the
//! client sees a closed connection before Content-Length), the failure is logged, nothing panics.
//! The S3 client's 60 s request timeout (`store/s3.rs`) covers the body too, so a client too
//! slow to take a large object within it gets such a short body.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::{Bytes, BytesMut};
use futures::TryStreamExt;
use sha2::{Digest, Sha256};

use super::ApiError;
use crate::store::{Read, Reading, Store};

/// Objects up to this size are read whole (and cached when immutable); larger ones stream.
/// Avatars and their variants are far below it; 1 MiB per request in flight bounds memory.
pub const WHOLE_MAX_BYTES: u64 = 1 << 20;
/// How many large immutable objects' size, ETag and type are remembered (~200 bytes each).
const STREAMED_ENTRIES: usize = 16_384;
/// Enough of the first bytes to tell PNG, JPEG and WebP apart.
const SNIFF_BYTES: usize = 12;

/// What an answer says about an object before its bytes.
#[derive(Debug, Clone)]
struct Head {
    size: u64,
    etag: HeaderValue,
    content_type: HeaderValue,
}

impl Head {
    fn new(size: u64, sha256_hex: &str, first_bytes: &[u8]) -> Head {
        let etag = HeaderValue::from_str(&format!("\"{}\"", &sha256_hex[..32]))
            .expect("hex is a valid header value");
        Head {
            size,
            etag,
            content_type: HeaderValue::from_static(sniff_type(first_bytes)),
        }
    }
}

/// An image held whole, ready to answer with.
#[derive(Debug)]
pub struct Object {
    bytes: Bytes,
    head: Head,
}

impl Object {
    pub fn new(bytes: Bytes) -> Object {
        let head = Head::new(bytes.len() as u64, &crate::hash::hex_sha256(&bytes), &bytes);
        Object { bytes, head }
    }

    /// Its size in bytes (what a cache weighs it by).
    pub fn byte_len(&self) -> usize {
        self.bytes.len()
    }
}

/// A large object, answered from the store chunk by chunk.
#[derive(Debug)]
struct Streamed {
    head: Head,
    /// The backend's version tag of the bytes hashed, asked for again when streaming them.
    version: Option<String>,
}

enum Found {
    Whole(Arc<Object>),
    Streamed(Arc<Streamed>),
}

/// The type from the bytes, never from the name.
fn sniff_type(bytes: &[u8]) -> &'static str {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        "image/png"
    } else if bytes.starts_with(&[0xff, 0xd8, 0xff]) {
        "image/jpeg"
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        "image/webp"
    } else if bytes.len() >= 12 && &bytes[4..8] == b"ftyp" && &bytes[8..12] == b"avif" {
        "image/avif"
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

/// Immutable objects by key: small ones whole, bounded by their total size; large ones by
/// what their answers need before the bytes.
pub struct FileCache {
    cache: Option<quick_cache::sync::Cache<String, Arc<Object>, ByteWeight>>,
    streamed: quick_cache::sync::Cache<String, Arc<Streamed>>,
}

impl FileCache {
    /// A cache of at most `capacity_bytes` (0: no cache, every request reads the store).
    pub fn new(capacity_bytes: u64) -> FileCache {
        // quick_cache sizes its tables by an item count estimate; avatars are ~10–60 KB.
        let estimated_items = (capacity_bytes / 16_384).clamp(16, 1 << 20) as usize;
        let cache = (capacity_bytes > 0).then(|| {
            quick_cache::sync::Cache::with_weighter(estimated_items, capacity_bytes, ByteWeight)
        });
        FileCache {
            cache,
            streamed: quick_cache::sync::Cache::new(STREAMED_ENTRIES),
        }
    }

    /// Drops what is kept of `key` (an erased subject's images must not be served from here).
    pub fn forget(&self, key: &str) {
        if let Some(cache) = &self.cache {
            cache.remove(key);
        }
        self.streamed.remove(key);
    }

    /// The answer for the object at `key` to a GET or HEAD with `request` headers (see
    /// [`respond`]), with `cache_control`; `None` if the store has nothing there.
    pub async fn serve(
        &self,
        store: &Store,
        key: &str,
        immutable: bool,
        (method, request): (&Method, &HeaderMap),
        cache_control: &'static str,
    ) -> Result<Option<Response>, ApiError> {
        // A streamed object replaced or removed since it was hashed is looked at afresh; twice
        // in a row means it is being rewritten now.
        for _ in 0..2 {
            let answer = match self.load(store, key, immutable).await? {
                None => return Ok(None),
                Some(Found::Whole(object)) => {
                    Some(respond(&object, method, request, cache_control))
                }
                Some(Found::Streamed(object)) => {
                    stream(store, key, &object, method, request, cache_control).await?
                }
            };
            match answer {
                Some(response) => return Ok(Some(response)),
                None => self.streamed.remove(key),
            };
        }
        Err(crate::error::Error::Store(format!("{key} changed while it was read")).into())
    }

    /// The object at `key`, from memory when `immutable` and seen before; `None` if the store
    /// has nothing there.
    async fn load(
        &self,
        store: &Store,
        key: &str,
        immutable: bool,
    ) -> Result<Option<Found>, ApiError> {
        let cache = self.cache.as_ref().filter(|_| immutable);
        if let Some(hit) = cache.and_then(|c| c.get(key)) {
            return Ok(Some(Found::Whole(hit)));
        }
        if immutable && let Some(known) = self.streamed.get(key) {
            return Ok(Some(Found::Streamed(known)));
        }
        let reading = match store.read(key, None, None).await? {
            Read::Found(reading) => reading,
            Read::Missing | Read::Changed => return Ok(None),
        };
        if reading.size <= WHOLE_MAX_BYTES {
            let object = Arc::new(Object::new(read_whole(reading).await?));
            if let Some(cache) = cache {
                cache.insert(key.to_string(), object.clone());
            }
            return Ok(Some(Found::Whole(object)));
        }
        let streamed = Arc::new(hash(reading).await?);
        if immutable {
            self.streamed.insert(key.to_string(), streamed.clone());
        }
        Ok(Some(Found::Streamed(streamed)))
    }
}

/// A small object's bytes, refusing to hold more than [`WHOLE_MAX_BYTES`] whatever the
/// backend sends.
async fn read_whole(reading: Reading) -> Result<Bytes, ApiError> {
    let mut whole = BytesMut::with_capacity(reading.size as usize);
    let mut bytes = reading.bytes;
    while let Some(chunk) = bytes.try_next().await? {
        if (whole.len() + chunk.len()) as u64 > WHOLE_MAX_BYTES {
            return Err(
                crate::error::Error::Store("an object grew while it was read".into()).into(),
            );
        }
        whole.extend_from_slice(&chunk);
    }
    Ok(whole.freeze())
}

/// A large object's size, ETag and type, read through once (one chunk in memory at a time).
async fn hash(reading: Reading) -> Result<Streamed, ApiError> {
    let mut sha = Sha256::new();
    let mut first = Vec::with_capacity(SNIFF_BYTES);
    let mut size = 0u64;
    let mut bytes = reading.bytes;
    while let Some(chunk) = bytes.try_next().await? {
        let wanted = SNIFF_BYTES.saturating_sub(first.len()).min(chunk.len());
        first.extend_from_slice(&chunk[..wanted]);
        sha.update(&chunk);
        size += chunk.len() as u64;
    }
    if size != reading.size {
        let message = format!("read {size} bytes of an object of {}", reading.size);
        return Err(crate::error::Error::Store(message).into());
    }
    Ok(Streamed {
        head: Head::new(size, &crate::hash::hex(&sha.finalize()), &first),
        version: reading.version,
    })
}

/// What to answer before any byte of the body: either a whole answer without one (304, 416),
/// or the status and headers and the inclusive byte range to send (`None`: all of it).
enum Plan {
    Done(Response),
    Send(StatusCode, HeaderMap, Option<(u64, u64)>),
}

/// 304 when the client's ETag matches, 206 for one satisfiable byte range, 416 for an
/// unsatisfiable one, else 200; the same headers whether the bytes are held or streamed.
fn plan(head: &Head, request: &HeaderMap, cache_control: &'static str) -> Plan {
    let mut headers = HeaderMap::with_capacity(6);
    headers.insert(header::ETAG, head.etag.clone());
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(cache_control),
    );
    headers.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    if let Some(inm) = request.get(header::IF_NONE_MATCH)
        && etag_matches(inm.as_bytes(), head.etag.as_bytes())
    {
        return Plan::Done((StatusCode::NOT_MODIFIED, headers).into_response());
    }
    headers.insert(header::CONTENT_TYPE, head.content_type.clone());
    let len = head.size;
    let range = request
        .get(header::RANGE)
        .filter(|_| if_range_holds(request, &head.etag))
        .and_then(|r| r.to_str().ok())
        .map(|r| parse_range(r, len));
    let digits = |s: String| HeaderValue::from_str(&s).expect("digits are a valid header value");
    match range {
        Some(Range::Satisfiable(start, end)) => {
            headers.insert(
                header::CONTENT_RANGE,
                digits(format!("bytes {start}-{end}/{len}")),
            );
            headers.insert(header::CONTENT_LENGTH, HeaderValue::from(end - start + 1));
            Plan::Send(StatusCode::PARTIAL_CONTENT, headers, Some((start, end)))
        }
        Some(Range::Unsatisfiable) => {
            headers.insert(header::CONTENT_RANGE, digits(format!("bytes */{len}")));
            Plan::Done((StatusCode::RANGE_NOT_SATISFIABLE, headers).into_response())
        }
        // No range, a malformed one or several: the whole object (RFC 9110 allows ignoring).
        Some(Range::Ignored) | None => {
            headers.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
            Plan::Send(StatusCode::OK, headers, None)
        }
    }
}

/// `object` as the answer to a GET or HEAD with `request` headers (see [`plan`]).
pub fn respond(
    object: &Object,
    method: &Method,
    request: &HeaderMap,
    cache_control: &'static str,
) -> Response {
    let (status, headers, part) = match plan(&object.head, request, cache_control) {
        Plan::Done(response) => return response,
        Plan::Send(status, headers, part) => (status, headers, part),
    };
    let body = match part {
        _ if method == Method::HEAD => Body::empty(),
        Some((start, end)) => Body::from(object.bytes.slice(start as usize..=end as usize)),
        None => Body::from(object.bytes.clone()),
    };
    (status, headers, body).into_response()
}

/// A large object's answer, its body streamed from the store; `None` when the store no longer
/// holds the version that was hashed (the caller looks again).
async fn stream(
    store: &Store,
    key: &str,
    object: &Streamed,
    method: &Method,
    request: &HeaderMap,
    cache_control: &'static str,
) -> Result<Option<Response>, ApiError> {
    let (status, headers, part) = match plan(&object.head, request, cache_control) {
        Plan::Done(response) => return Ok(Some(response)),
        Plan::Send(status, headers, part) => (status, headers, part),
    };
    if method == Method::HEAD {
        return Ok(Some((status, headers).into_response()));
    }
    let range = part.map(|(start, end)| start..end + 1);
    let reading = match store.read(key, range, object.version.clone()).await? {
        Read::Found(reading) if reading.size == object.head.size => reading,
        Read::Found(_) | Read::Missing | Read::Changed => return Ok(None),
    };
    Ok(Some(
        (status, headers, streamed_body(key, reading)).into_response(),
    ))
}

/// The bytes as they come; a failure ends the body early (hyper then closes the connection, so
/// the client cannot take a short body for the whole one) and is logged.
fn streamed_body(key: &str, reading: Reading) -> Body {
    let key = key.to_string();
    Body::from_stream(reading.bytes.map_err(move |e| {
        tracing::warn!(key = %key, error = %e, "an asset failed while it was streamed");
        std::io::Error::other(e.to_string())
    }))
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
    use futures::StreamExt;

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

    /// A PNG-looking object of `len` bytes that no two offsets repeat in a short period.
    fn large(len: usize, seed: u8) -> Bytes {
        let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
        bytes.extend(
            (0..len - 8).map(|i| (i as u32).wrapping_mul(2_654_435_761).to_le_bytes()[3] ^ seed),
        );
        Bytes::from(bytes)
    }

    async fn get(
        cache: &FileCache,
        store: &Store,
        key: &str,
        method: Method,
        request: &[(header::HeaderName, &str)],
    ) -> (StatusCode, HeaderMap, Bytes) {
        let mut headers = HeaderMap::new();
        for (name, value) in request {
            headers.insert(name, HeaderValue::from_str(value).unwrap());
        }
        let response = cache
            .serve(store, key, true, (&method, &headers), "x")
            .await
            .unwrap()
            .expect("found");
        let (parts, body) = response.into_parts();
        (
            parts.status,
            parts.headers,
            axum::body::to_bytes(body, usize::MAX).await.unwrap(),
        )
    }

    #[tokio::test]
    async fn large_objects_stream_with_the_validators_of_held_ones() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_default(dir.path()).unwrap();
        let big = large(3 * WHOLE_MAX_BYTES as usize + 5, 0);
        store.put("p/big.png", big.clone()).await.unwrap();
        let held = Object::new(big.clone());
        for cache in [FileCache::new(64 << 20), FileCache::new(0)] {
            let (status, headers, body) = get(&cache, &store, "p/big.png", Method::GET, &[]).await;
            assert_eq!(status, StatusCode::OK);
            assert_eq!(
                headers[header::ETAG],
                held.head.etag,
                "the ETag of the content"
            );
            assert_eq!(headers[header::CONTENT_TYPE], "image/png");
            assert_eq!(
                headers[header::CONTENT_LENGTH],
                big.len().to_string().as_str()
            );
            assert!(body == big, "the whole object, byte for byte");

            let range = [(header::RANGE, "bytes=1000-2999999")];
            let (status, headers, body) =
                get(&cache, &store, "p/big.png", Method::GET, &range).await;
            assert_eq!(status, StatusCode::PARTIAL_CONTENT);
            let expected = format!("bytes 1000-2999999/{}", big.len());
            assert_eq!(headers[header::CONTENT_RANGE], expected.as_str());
            assert!(body == big.slice(1000..3_000_000));

            let etag = held.head.etag.to_str().unwrap();
            let checks = [
                (
                    vec![(header::IF_NONE_MATCH, etag)],
                    StatusCode::NOT_MODIFIED,
                    0,
                ),
                (
                    vec![(header::RANGE, "bytes=99999999-")],
                    StatusCode::RANGE_NOT_SATISFIABLE,
                    0,
                ),
                (
                    vec![(header::RANGE, "bytes=-10"), (header::IF_RANGE, "\"old\"")],
                    StatusCode::OK,
                    big.len(),
                ),
            ];
            for (request, status, len) in checks {
                let got = get(&cache, &store, "p/big.png", Method::GET, &request).await;
                assert_eq!((got.0, got.2.len()), (status, len), "{request:?}");
            }
            let (status, headers, body) = get(&cache, &store, "p/big.png", Method::HEAD, &[]).await;
            assert_eq!(status, StatusCode::OK);
            assert_eq!(
                headers[header::CONTENT_LENGTH],
                big.len().to_string().as_str()
            );
            assert!(body.is_empty());
        }
    }

    #[tokio::test]
    async fn a_replaced_large_object_is_hashed_again_not_sent_under_its_old_etag() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_default(dir.path()).unwrap();
        let cache = FileCache::new(0);
        let first = large(WHOLE_MAX_BYTES as usize + 1, 0);
        store.put("p/big.png", first.clone()).await.unwrap();
        let (_, headers, body) = get(&cache, &store, "p/big.png", Method::GET, &[]).await;
        assert!(body == first);
        let second = large(WHOLE_MAX_BYTES as usize + 1, 0x5a);
        store.put("p/big.png", second.clone()).await.unwrap();
        let (_, again, body) = get(&cache, &store, "p/big.png", Method::GET, &[]).await;
        assert!(body == second);
        assert_eq!(again[header::ETAG], Object::new(second).head.etag);
        assert_ne!(again[header::ETAG], headers[header::ETAG]);
        store.delete("p/big.png").await.unwrap();
        let none = HeaderMap::new();
        let gone = cache
            .serve(&store, "p/big.png", true, (&Method::GET, &none), "x")
            .await;
        assert!(gone.unwrap().is_none(), "a removed object is not found");
    }

    #[tokio::test]
    async fn a_store_failure_mid_stream_ends_the_body_without_a_panic() {
        let chunks: Vec<crate::error::Result<Bytes>> = vec![
            Ok(Bytes::from_static(b"first chunk")),
            Err(crate::error::Error::Store("connection reset".into())),
        ];
        let reading = Reading {
            size: 1 << 30,
            version: None,
            bytes: futures::stream::iter(chunks).boxed(),
        };
        let body = streamed_body("p/big.png", reading);
        assert!(axum::body::to_bytes(body, usize::MAX).await.is_err());
    }
}
