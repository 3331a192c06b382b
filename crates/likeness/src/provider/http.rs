//! What every remote provider shares on the wire: one HTTP client with connect and total
//! timeouts, bodies read under a size cap, transport failures mapped to typed errors, retry
//! hints read from headers, and returned images checked like uploads (probe before decode).
//!
//! A provider file does exactly one request per `generate` call and maps the answer; pacing,
//! retries and the breaker are `guard.rs`'s job.

use std::time::Duration;

use bytes::Bytes;
use reqwest::header::HeaderMap;

use super::ProviderError;
use super::settings::ProviderSettings;

/// An HTTP client set up from a provider's settings.
#[derive(Debug, Clone)]
pub struct HttpClient {
    pub provider: &'static str,
    client: reqwest::Client,
    timeout: Duration,
    pub max_response_bytes: usize,
}

/// A complete answer, body read under the cap.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Reply {
    pub fn json(&self) -> Result<serde_json::Value, String> {
        serde_json::from_slice(&self.body).map_err(|e| {
            format!(
                "HTTP {} with a body that is not JSON ({e}): {}",
                self.status,
                preview(&self.body)
            )
        })
    }
}

impl HttpClient {
    pub fn new(provider: &'static str, settings: &ProviderSettings) -> HttpClient {
        crate::fetch::install_crypto_provider();
        let client = reqwest::Client::builder()
            .user_agent(concat!("likeness/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(Duration::from_secs(settings.connect_timeout_seconds))
            .build()
            .expect("reqwest client with a crypto provider installed");
        HttpClient {
            provider,
            client,
            timeout: Duration::from_secs(settings.timeout_seconds),
            max_response_bytes: settings.max_response_bytes,
        }
    }

    pub fn inner(&self) -> &reqwest::Client {
        &self.client
    }

    /// Sends `request` and reads the whole body, all within the total timeout.
    pub async fn send(&self, request: reqwest::RequestBuilder) -> Result<Reply, ProviderError> {
        match tokio::time::timeout(self.timeout, self.send_untimed(request)).await {
            Ok(r) => r,
            Err(_) => Err(ProviderError::Timeout {
                provider: self.provider.into(),
                seconds: self.timeout.as_secs(),
            }),
        }
    }

    async fn send_untimed(&self, request: reqwest::RequestBuilder) -> Result<Reply, ProviderError> {
        let mut response = request.send().await.map_err(|e| self.transport(e))?;
        let status = response.status().as_u16();
        if let Some(len) = response.content_length()
            && len > self.max_response_bytes as u64
        {
            return Err(self.too_large(len));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| self.transport(e))? {
            if body.len() + chunk.len() > self.max_response_bytes {
                return Err(self.too_large((body.len() + chunk.len()) as u64));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Reply {
            status,
            headers: response.headers().clone(),
            body: body.into(),
        })
    }

    fn too_large(&self, len: u64) -> ProviderError {
        ProviderError::BadResponse {
            provider: self.provider.into(),
            message: format!(
                "the answer is over {len} bytes, above the limit of {} \
                 (max_response_bytes in [providers.{}])",
                self.max_response_bytes, self.provider
            ),
        }
    }

    /// A transport failure: no answer, a dropped connection, a body cut short.
    pub fn transport(&self, e: reqwest::Error) -> ProviderError {
        let provider = self.provider.to_string();
        if e.is_timeout() {
            return ProviderError::Timeout {
                provider,
                seconds: self.timeout.as_secs(),
            };
        }
        let mut message = e.to_string();
        let mut source = std::error::Error::source(&e);
        while let Some(s) = source {
            message.push_str(": ");
            message.push_str(&s.to_string());
            source = s.source();
        }
        if e.is_body() || e.is_decode() {
            return ProviderError::BadResponse {
                provider,
                message: format!("the answer was cut short: {message}"),
            };
        }
        ProviderError::Unavailable { provider, message }
    }
}

/// The retry delay a reply's headers ask for: OpenAI's `retry-after-ms`, then the standard
/// `Retry-After` in seconds or as an HTTP date.
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(ms) = text("retry-after-ms").and_then(|v| v.trim().parse::<f64>().ok())
        && ms.is_finite()
        && ms >= 0.0
    {
        return Some(Duration::from_secs_f64(ms / 1000.0));
    }
    let v = text("retry-after")?.trim();
    if let Ok(secs) = v.parse::<f64>() {
        return (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs));
    }
    let when = chrono::DateTime::parse_from_rfc2822(v).ok()?;
    let wait = when.with_timezone(&chrono::Utc) - chrono::Utc::now();
    Some(wait.to_std().unwrap_or(Duration::ZERO))
}

/// A protobuf Duration in JSON (`"17s"`, `"53.016342224s"`), as in Gemini's `RetryInfo`.
pub fn proto_duration(text: &str) -> Option<Duration> {
    let secs: f64 = text.trim().strip_suffix('s')?.parse().ok()?;
    (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs))
}

/// A checked image from a provider's answer.
#[derive(Debug)]
pub struct CheckedImage {
    pub bytes: Vec<u8>,
    pub content_type: &'static str,
    pub width: u32,
    pub height: u32,
}

/// Decodes base64 image data from an answer and checks it like an upload: the format from
/// magic bytes, dimensions from the header before decoding, then a full decode and a
/// re-encode without metadata (JPEG stays JPEG; PNG and WebP become PNG).
pub fn image_from_base64(provider: &str, data: &str) -> Result<CheckedImage, ProviderError> {
    let bad = |message: String| ProviderError::BadResponse {
        provider: provider.into(),
        message,
    };
    let limits = output_limits();
    let bytes = likeness_face::decode_base64(data, limits.max_bytes)
        .map_err(|e| bad(format!("image data: {e}")))?;
    image_from_bytes(provider, bytes)
}

/// Checks raw image bytes from an answer (see [`image_from_base64`]).
pub fn image_from_bytes(provider: &str, bytes: Vec<u8>) -> Result<CheckedImage, ProviderError> {
    let bad = |message: String| ProviderError::BadResponse {
        provider: provider.into(),
        message,
    };
    // A full decode catches images cut short or corrupt past their header.
    let checked =
        likeness_face::intake(&bytes, &output_limits()).map_err(|e| bad(format!("image: {e}")))?;
    Ok(CheckedImage {
        content_type: checked.format.mime(),
        bytes: checked.bytes,
        width: checked.width,
        height: checked.height,
    })
}

/// Provider outputs may be larger than uploads (4K images) but are still bounded.
fn output_limits() -> likeness_face::Limits {
    likeness_face::Limits {
        max_bytes: 40 * 1024 * 1024,
        max_side: 8192,
        max_pixels: 8192 * 8192,
        min_side: 1,
        // Every 8-bit output the pixel limit allows (providers return 8-bit RGB(A)).
        max_decoded_bytes: 8192 * 8192 * 4,
    }
}

/// The start of a body, for error messages.
pub fn preview(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(300)]);
    let mut s: String = text
        .chars()
        .filter(|c| !c.is_control() || *c == ' ')
        .collect();
    if body.len() > 300 {
        s.push('…');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, v.parse().unwrap());
        }
        h
    }

    #[test]
    fn retry_hints_are_read_in_openais_order() {
        assert_eq!(
            retry_after(&headers(&[
                ("retry-after-ms", "1500"),
                ("retry-after", "9")
            ])),
            Some(Duration::from_millis(1500))
        );
        assert_eq!(
            retry_after(&headers(&[("retry-after", "9")])),
            Some(Duration::from_secs(9))
        );
        let later = (chrono::Utc::now() + chrono::Duration::seconds(30)).to_rfc2822();
        let d = retry_after(&headers(&[("retry-after", &later)])).unwrap();
        assert!(
            d > Duration::from_secs(27) && d <= Duration::from_secs(30),
            "{d:?}"
        );
        assert_eq!(retry_after(&headers(&[("retry-after", "soon")])), None);
        assert_eq!(retry_after(&headers(&[("retry-after", "-3")])), None);
        assert_eq!(retry_after(&HeaderMap::new()), None);
    }

    #[test]
    fn proto_durations_parse_whole_and_fractional_seconds() {
        assert_eq!(proto_duration("17s"), Some(Duration::from_secs(17)));
        assert_eq!(proto_duration("53.5s"), Some(Duration::from_millis(53_500)));
        assert_eq!(proto_duration("17"), None);
        assert_eq!(proto_duration("-1s"), None);
    }

    #[test]
    fn returned_images_are_checked_before_use() {
        let mut png = Vec::new();
        image::RgbImage::from_pixel(8, 6, image::Rgb([200, 80, 40]))
            .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
            .unwrap();
        let ok = image_from_bytes("fake", png.clone()).unwrap();
        assert_eq!((ok.width, ok.height, ok.content_type), (8, 6, "image/png"));
        let cut = image_from_bytes("fake", png[..png.len() / 2].to_vec()).unwrap_err();
        assert_eq!(cut.code(), "provider.bad_response");
        let garbage = image_from_base64("fake", "%%%not base64").unwrap_err();
        assert_eq!(garbage.code(), "provider.bad_response");
        let text = image_from_bytes("fake", b"I cannot draw that".to_vec()).unwrap_err();
        assert!(text.to_string().contains("fake"), "{text}");
    }
}
