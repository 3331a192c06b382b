//! Base64 image fields: plain base64 or a `data:` URL, size-checked before decoding.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD_PAD_INDIFFERENT, URL_SAFE_PAD_INDIFFERENT};

use crate::error::IntakeError;

/// Decodes an image sent as base64 text: standard base64 with or without padding, whitespace
/// and line breaks anywhere, or a `data:<type>;base64,<data>` URL (the declared type is
/// ignored: the format is sniffed from the bytes later). The URL-safe alphabet (`-`, `_`) is
/// accepted too, since some clients send it.
///
/// The decoded size is computed from the text length first, so oversized input is refused
/// with `image.too_large` before anything is allocated for it.
pub fn decode_base64(s: &str, max_bytes: usize) -> Result<Vec<u8>, IntakeError> {
    let data = strip_data_url(s.trim())?;
    let is_space = |b: &u8| b.is_ascii_whitespace();
    let symbols = data.bytes().filter(|b| !is_space(b)).count();
    if symbols == 0 {
        return Err(IntakeError::Empty);
    }
    let padding = data
        .bytes()
        .rev()
        .filter(|b| !is_space(b))
        .take_while(|&b| b == b'=')
        .count();
    // Every 4 symbols carry 3 bytes; a final partial group of n symbols carries n - 1.
    let digits = symbols.saturating_sub(padding.min(2));
    let decoded = digits / 4 * 3 + (digits % 4).saturating_sub(1);
    if decoded > max_bytes {
        return Err(IntakeError::TooLarge {
            size: decoded as u64,
            max: max_bytes as u64,
        });
    }
    if let Some(bad) = data
        .chars()
        .find(|c| !is_base64_char(*c) && !c.is_ascii_whitespace())
    {
        return Err(IntakeError::BadBase64 {
            detail: format!("{bad:?} is not a base64 character"),
        });
    }
    let compact: Vec<u8> = data.bytes().filter(|b| !is_space(b)).collect();
    let url_safe = compact.iter().any(|&b| b == b'-' || b == b'_');
    if url_safe && compact.iter().any(|&b| b == b'+' || b == b'/') {
        return Err(IntakeError::BadBase64 {
            detail: "it mixes the standard (+ /) and URL-safe (- _) alphabets".into(),
        });
    }
    let engine = if url_safe {
        &URL_SAFE_PAD_INDIFFERENT
    } else {
        &STANDARD_PAD_INDIFFERENT
    };
    engine.decode(&compact).map_err(|e| IntakeError::BadBase64 {
        detail: match e {
            base64::DecodeError::InvalidLength(_)
            | base64::DecodeError::InvalidLastSymbol { .. } => {
                "it ends mid-character: it was cut off or has extra characters".into()
            }
            base64::DecodeError::InvalidPadding | base64::DecodeError::InvalidByte(_, b'=') => {
                "its '=' padding is misplaced".into()
            }
            other => other.to_string(),
        },
    })
}

fn is_base64_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '-' | '_' | '=')
}

/// The data part of a `data:` URL, or the input itself.
fn strip_data_url(s: &str) -> Result<&str, IntakeError> {
    if !s.get(..5).is_some_and(|p| p.eq_ignore_ascii_case("data:")) {
        return Ok(s);
    }
    let Some((header, data)) = s[5..].split_once(',') else {
        return Err(IntakeError::BadBase64 {
            detail: "the data: URL has no ',' before the data".into(),
        });
    };
    let is_base64 = header
        .rsplit(';')
        .next()
        .is_some_and(|p| p.trim().eq_ignore_ascii_case("base64"));
    if !is_base64 {
        return Err(IntakeError::BadBase64 {
            detail: format!("the data: URL is not base64-encoded (data:{header},...)"),
        });
    }
    Ok(data)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HELLO: &[u8] = b"\x89PNG hello";

    #[test]
    fn plain_padded_unpadded_and_wrapped() {
        let text = "iVBORyBoZWxsbw==";
        assert_eq!(decode_base64(text, 100).unwrap(), HELLO);
        assert_eq!(decode_base64("iVBORyBoZWxsbw", 100).unwrap(), HELLO);
        assert_eq!(
            decode_base64(" iVBO\r\nRyBo\nZWxs\tbw==\n", 100).unwrap(),
            HELLO
        );
    }

    #[test]
    fn data_urls() {
        let url = "data:image/png;base64,iVBORyBoZWxsbw==";
        assert_eq!(decode_base64(url, 100).unwrap(), HELLO);
        assert_eq!(
            decode_base64("DATA:image/jpeg;charset=x;BASE64,iVBORyBoZWxsbw", 100).unwrap(),
            HELLO
        );
        let e = decode_base64("data:image/png,%89PNG", 100).unwrap_err();
        assert_eq!(e.code(), "image.bad_base64");
        assert!(e.to_string().contains("not base64-encoded"), "{e}");
        let e = decode_base64("data:image/png;base64", 100).unwrap_err();
        assert_eq!(e.code(), "image.bad_base64");
        assert_eq!(
            decode_base64("data:image/png;base64,", 100)
                .unwrap_err()
                .code(),
            "image.empty"
        );
    }

    #[test]
    fn url_safe_alphabet() {
        // 0xFB 0xFF -> standard "+/8", URL-safe "-_8".
        assert_eq!(decode_base64("-_8", 10).unwrap(), [0xFB, 0xFF]);
        assert_eq!(decode_base64("+/8=", 10).unwrap(), [0xFB, 0xFF]);
        assert_eq!(
            decode_base64("+_8=", 10).unwrap_err().code(),
            "image.bad_base64"
        );
    }

    #[test]
    fn garbage_says_what_was_expected() {
        let e = decode_base64("not base64!!", 100).unwrap_err();
        assert_eq!((e.code(), e.http_status()), ("image.bad_base64", 400));
        let msg = e.to_string();
        assert!(msg.contains("'!' is not a base64 character"), "{msg}");
        assert!(
            msg.contains("expected the file's bytes in standard base64"),
            "{msg}"
        );
        assert_eq!(
            decode_base64("iVBORyBoZWxsb", 100).unwrap_err().code(),
            "image.bad_base64"
        );
        assert_eq!(
            decode_base64("iVBO=RyBo", 100).unwrap_err().code(),
            "image.bad_base64"
        );
        assert_eq!(
            decode_base64("   \n", 100).unwrap_err().code(),
            "image.empty"
        );
    }

    #[test]
    fn too_long_is_refused_before_decoding() {
        // 10 bytes encode to 16 symbols (2 of them padding): exactly 10 is fine, 9 is not.
        assert_eq!(decode_base64("iVBORyBoZWxsbw==", 10).unwrap().len(), 10);
        let e = decode_base64("iVBORyBoZWxsbw==", 9).unwrap_err();
        assert_eq!((e.code(), e.http_status()), ("image.too_large", 413));
        // Invalid characters do not matter once the length alone is too much.
        let huge = "!".repeat(4000);
        assert_eq!(
            decode_base64(&huge, 1000).unwrap_err().code(),
            "image.too_large"
        );
    }
}
