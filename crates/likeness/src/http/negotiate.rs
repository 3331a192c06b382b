//! `Accept` → which of the image types a route offers it answers in (RFC 9110 §12.5.1).
//!
//! Each offered type gets the weight of the most specific range that matches it (`image/webp`
//! over `image/*` over `*/*`). The answer is the type of highest weight; among equals, one the
//! client named outright beats one it only took by a wildcard (browsers send
//! `image/avif,image/webp,…,image/*,*/*;q=0.8`: they name what they can show), then the
//! route's default beats the rest (a bare `*/*`, curl's, keeps the stored format), then the
//! order of the offer (smaller formats first). When nothing offered is acceptable the default
//! answers anyway, as RFC 9110 allows: an `<img>` with an odd header still gets its picture. A
//! header that is not a list of media ranges is a 400 (`http.bad_accept`), never a guess.

use axum::http::{HeaderMap, header};

use super::ApiError;
use crate::codes;

/// The types `/assets/` and the avatar routes can answer in, smallest first.
pub const IMAGE_OFFER: [&str; 3] = ["image/avif", "image/webp", "image/png"];

/// Longest `Accept` read; browsers send about 100 bytes.
const MAX_ACCEPT_BYTES: usize = 4096;

/// One media range with its weight (in thousandths, as `q` has at most three decimals).
#[derive(Debug, PartialEq, Eq)]
struct Range<'a> {
    kind: &'a str,
    subtype: &'a str,
    q: u16,
}

/// The request's `Accept` headers joined (several are one list), `None` without any.
pub fn accept(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let mut joined: Option<String> = None;
    for value in headers.get_all(header::ACCEPT) {
        let text = value.to_str().map_err(|_| {
            bad("Accept must be visible ASCII, e.g. `image/avif,image/webp,*/*`".into())
        })?;
        let all = joined.get_or_insert_with(String::new);
        if !all.is_empty() {
            all.push(',');
        }
        all.push_str(text);
    }
    Ok(joined)
}

/// The type to answer in, of `offer`, for `accept` (the request's header, if any).
pub fn choose(
    accept: Option<&str>,
    offer: &[&'static str],
    default: &'static str,
) -> Result<&'static str, ApiError> {
    let Some(accept) = accept.filter(|a| !a.trim().is_empty()) else {
        return Ok(default);
    };
    let ranges = parse(accept)?;
    let best = offer
        .iter()
        .enumerate()
        .filter_map(|(order, &kind)| {
            let (q, named) = weight(&ranges, kind);
            (q > 0).then_some(((q, named, kind == default, usize::MAX - order), kind))
        })
        .max_by_key(|(rank, _)| *rank);
    Ok(best.map_or(default, |(_, kind)| kind))
}

/// The weight of `kind` and whether a range names it outright.
fn weight(ranges: &[Range], kind: &str) -> (u16, bool) {
    let (main, sub) = kind.split_once('/').unwrap_or((kind, ""));
    let specificity = |r: &Range| match (r.kind, r.subtype) {
        (k, s) if k.eq_ignore_ascii_case(main) && s.eq_ignore_ascii_case(sub) => Some(2),
        (k, "*") if k.eq_ignore_ascii_case(main) => Some(1),
        ("*", "*") => Some(0),
        _ => None,
    };
    ranges
        .iter()
        .filter_map(|r| specificity(r).map(|s| (s, r.q)))
        .max_by_key(|(s, _)| *s)
        .map_or((0, false), |(s, q)| (q, s == 2))
}

fn parse(accept: &str) -> Result<Vec<Range<'_>>, ApiError> {
    if accept.len() > MAX_ACCEPT_BYTES {
        return Err(bad(format!(
            "Accept is {} bytes; at most {MAX_ACCEPT_BYTES} are read",
            accept.len()
        )));
    }
    // Empty elements are allowed by the list syntax (`a, , b`).
    accept
        .split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(range)
        .collect()
}

fn range(item: &str) -> Result<Range<'_>, ApiError> {
    let mut parts = item.split(';');
    let media = parts.next().unwrap_or_default().trim();
    let shown = || item.chars().take(40).collect::<String>();
    let (kind, subtype) = media
        .split_once('/')
        .filter(|(k, s)| token(k) && token(s) && !(*k == "*" && *s != "*"))
        .ok_or_else(|| {
            bad(format!(
                "Accept: {:?} is not a media range such as image/webp, image/* or */*",
                shown()
            ))
        })?;
    let mut q = 1000;
    for param in parts {
        let (name, value) = param.split_once('=').unwrap_or((param, ""));
        if name.trim().eq_ignore_ascii_case("q") {
            q = qvalue(value.trim()).ok_or_else(|| {
                bad(format!(
                    "Accept: {:?} has a q that is not a weight from 0 to 1 (at most 3 decimals)",
                    shown()
                ))
            })?;
        }
    }
    Ok(Range { kind, subtype, q })
}

/// `0`, `0.5`, `1.000`… in thousandths (RFC 9110 §12.4.2).
fn qvalue(text: &str) -> Option<u16> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    if fraction.len() > 3 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let thousandths = format!("{fraction:0<3}").parse::<u16>().ok()?;
    match whole {
        "0" => Some(thousandths),
        "1" if thousandths == 0 => Some(1000),
        _ => None,
    }
}

/// An RFC 9110 token (or `*`).
fn token(text: &str) -> bool {
    !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

fn bad(message: String) -> ApiError {
    ApiError::new(codes::HTTP_BAD_ACCEPT, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    const BROWSER: &str = "image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8";

    fn pick(accept: Option<&str>, default: &'static str) -> &'static str {
        choose(accept, &IMAGE_OFFER, default).unwrap()
    }

    #[test]
    fn named_types_win_and_wildcards_keep_the_default() {
        assert_eq!(pick(Some(BROWSER), "image/png"), "image/avif");
        assert_eq!(pick(Some("image/webp,*/*"), "image/png"), "image/webp");
        assert_eq!(pick(None, "image/png"), "image/png");
        assert_eq!(pick(Some("*/*"), "image/png"), "image/png");
        assert_eq!(pick(Some("image/*"), "image/webp"), "image/webp");
        assert_eq!(pick(Some("  "), "image/png"), "image/png");
        // A client that does not take the stored AVIF gets PNG.
        assert_eq!(pick(Some("image/png"), "image/avif"), "image/png");
        assert_eq!(
            pick(Some("image/avif;q=0, */*"), "image/avif"),
            "image/webp"
        );
        assert_eq!(
            pick(Some("image/avif;q=0, image/*"), "image/avif"),
            "image/webp"
        );
        // Weights before naming: q=0.9 for WebP loses to PNG at 1.
        assert_eq!(
            pick(Some("image/webp;q=0.9, image/png"), "image/png"),
            "image/png"
        );
        assert_eq!(pick(Some("IMAGE/WEBP"), "image/png"), "image/webp");
        // Nothing acceptable: the default all the same.
        assert_eq!(pick(Some("text/html"), "image/png"), "image/png");
        assert_eq!(pick(Some("image/webp;q=0"), "image/webp"), "image/webp");
    }

    #[test]
    fn bad_headers_are_refused() {
        for bad in [
            "image",
            "image/webp;q=2",
            "image/webp;q=0.1234",
            "image/webp;q=x",
            "*/webp",
            "image/we bp",
            "/",
        ] {
            let e = choose(Some(bad), &IMAGE_OFFER, "image/png").unwrap_err();
            assert_eq!(e.code, codes::HTTP_BAD_ACCEPT, "{bad}");
        }
        assert!(choose(Some(&"a/b,".repeat(2000)), &IMAGE_OFFER, "image/png").is_err());
        assert_eq!(qvalue("0.5"), Some(500));
        assert_eq!(qvalue("1.000"), Some(1000));
        assert_eq!(qvalue("1.001"), None);
        assert_eq!(qvalue("0."), Some(0));
    }
}
