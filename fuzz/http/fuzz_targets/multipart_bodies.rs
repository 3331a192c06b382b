//! Multipart bodies on `POST /v1/images/edits`. The first byte picks how the rest is sent:
//!
//! - 0: raw, as the body of `multipart/form-data; boundary=XFUZZ` (the framing itself);
//! - 1: as the fields of a well-formed multipart body ([`form`]), so inputs get past the
//!   framing into the handler's field logic (`model`, `prompt`, `n`, `options`, `image`…);
//! - 2: the first line is the Content-Type header (boundaries, parameters, other types), the
//!   rest the body.
//!
//! See `src/lib.rs` for the invariants and the sandbox.

#![no_main]

use axum::http::HeaderValue;
use libfuzzer_sys::{Corpus, fuzz_target};
use likeness_fuzz_http::{HARNESS, OPENAI_EDITS, init};

/// Field separator in the structured variant: two bytes no UTF-8 text has, and rare in PNGs.
const SEPARATOR: &[u8] = b"\xff\xfe";
const BOUNDARY: &str = "likeness-fuzz-3f9a0c";
const FORM_TYPE: &str = "multipart/form-data; boundary=likeness-fuzz-3f9a0c";

/// The field names a descriptor byte's low four bits pick from: the handler's own, OpenAI's
/// ignored ones, an empty name, and `image` twice as often as the others.
const NAMES: [&str; 16] = [
    "model",
    "prompt",
    "n",
    "size",
    "response_format",
    "output_format",
    "options",
    "image",
    "image[]",
    "image",
    "image[]",
    "mask",
    "quality",
    "user",
    "",
    "prompt",
];

/// Fields separated by [`SEPARATOR`]; each one's first byte describes it (bits 0–3: the name,
/// bit 4: a `filename`, bit 5: `Content-Type: image/png`), the rest is its content.
fn form(input: &[u8]) -> Vec<u8> {
    let mut body = Vec::with_capacity(input.len() + 256);
    let mut rest = input;
    loop {
        let (field, next) = match find(rest, SEPARATOR) {
            Some(i) => (&rest[..i], Some(&rest[i + SEPARATOR.len()..])),
            None => (rest, None),
        };
        if let Some((&descriptor, content)) = field.split_first() {
            let name = NAMES[usize::from(descriptor & 15)];
            body.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
            body.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{name}\"").as_bytes(),
            );
            if descriptor & 16 != 0 {
                body.extend_from_slice(b"; filename=\"face.png\"");
            }
            body.extend_from_slice(b"\r\n");
            if descriptor & 32 != 0 {
                body.extend_from_slice(b"Content-Type: image/png\r\n");
            }
            body.extend_from_slice(b"\r\n");
            body.extend_from_slice(content);
            body.extend_from_slice(b"\r\n");
        }
        match next {
            Some(next) => rest = next,
            None => break,
        }
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fuzz_target!(init: init(), |data: &[u8]| -> Corpus {
    let Some((&pick, rest)) = data.split_first() else {
        return Corpus::Reject;
    };
    match pick % 3 {
        0 => HARNESS.exercise(
            OPENAI_EDITS,
            HeaderValue::from_static("multipart/form-data; boundary=XFUZZ"),
            rest.to_vec(),
        ),
        1 => HARNESS.exercise(
            OPENAI_EDITS,
            HeaderValue::from_static(FORM_TYPE),
            form(rest),
        ),
        _ => {
            let (line, body) = match rest.iter().position(|&b| b == b'\n') {
                Some(i) => (&rest[..i], &rest[i + 1..]),
                None => (rest, &[][..]),
            };
            // Only what an HTTP client could send as a header (the request would not build).
            let Ok(content_type) = HeaderValue::from_bytes(line) else {
                return Corpus::Reject;
            };
            HARNESS.exercise(OPENAI_EDITS, content_type, body.to_vec());
        }
    }
    Corpus::Keep
});
