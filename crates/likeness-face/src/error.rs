//! The intake error: stable codes, HTTP statuses, and messages that say what to fix.

use crate::format::Format;

/// Why an uploaded image was refused.
///
/// [`code`](Self::code) is the stable machine string (`image.*`), published in the API and
/// never renamed; [`http_status`](Self::http_status) is the status the HTTP layer should send.
/// The `Display` text is for people: it names the problem and what to send instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IntakeError {
    /// No bytes at all (`image.empty`).
    #[error("the image is empty (0 bytes) — send the image file's contents")]
    Empty,

    /// More bytes than `Limits::max_bytes`, checked before anything is parsed
    /// (`image.too_large`). For base64 input `size` is the decoded size the text implies.
    #[error("{}", size_message(*.size, *.max))]
    TooLarge { size: u64, max: u64 },

    /// Not JPEG, PNG or WebP by its magic bytes (`image.unsupported_format`). `what` names what
    /// it looks like ("a GIF image", "an HTML page", ...).
    #[error("expected a JPEG, PNG or WebP image but got {what} — send JPEG, PNG or WebP")]
    UnsupportedFormat { what: String },

    /// A JPEG/PNG/WebP using a feature the decoder lacks, e.g. arithmetic-coded or 12-bit JPEG
    /// (`image.unsupported_format`).
    #[error(
        "this {format} uses a feature that is not supported ({detail}) — re-save it as a \
         standard JPEG, PNG or WebP"
    )]
    UnsupportedFeature { format: Format, detail: String },

    /// A side longer than `Limits::max_side`, read from the header (`image.too_big_dimensions`).
    #[error("{}", dimensions_message(*.width, *.height, *.max_side, *.max_pixels))]
    TooBigDimensions {
        width: u32,
        height: u32,
        max_side: u32,
        max_pixels: u64,
    },

    /// More pixels than `Limits::max_pixels`, read from the header (`image.too_many_pixels`).
    #[error("{}", dimensions_message(*.width, *.height, *.max_side, *.max_pixels))]
    TooManyPixels {
        width: u32,
        height: u32,
        max_side: u32,
        max_pixels: u64,
    },

    /// The decoder itself hit a memory or dimension limit (`image.too_many_pixels`). Only
    /// reachable when the decoder's view of the header differs from ours.
    #[error(
        "decoding this {format} would need more memory than allowed ({detail}) — send a \
         smaller image"
    )]
    DecodeLimit { format: Format, detail: String },

    /// The decoded pixels would take more than `Limits::max_decoded_bytes`
    /// (`image.too_many_pixels`, like the other "too big to decode" refusals): in practice a
    /// large 16-bit image, whose samples take twice the bytes of 8-bit ones. Checked from the
    /// header, before anything is decoded.
    #[error(
        "{}",
        decoded_message(*.width, *.height, *.bits, *.channels, *.needed, *.max)
    )]
    TooManyDecodedBytes {
        format: Format,
        width: u32,
        height: u32,
        /// Bits per sample (8 or 16) and channels (1 grey, 2 grey+alpha, 3 RGB, 4 RGBA), as
        /// the decoder outputs them.
        bits: u8,
        channels: u8,
        /// Bytes of the decoded buffer, and the limit.
        needed: u64,
        max: u64,
    },

    /// The shorter side is below `Limits::min_side` (`image.too_small`).
    #[error(
        "image is {width}×{height} pixels; the shorter side must be at least {min_side} px — \
         send a larger photo"
    )]
    TooSmall {
        width: u32,
        height: u32,
        min_side: u32,
    },

    /// Truncated or undecodable (`image.corrupt`).
    #[error(
        "the {format} file is damaged or incomplete ({detail}) — export it again and resend it"
    )]
    Corrupt { format: Format, detail: String },

    /// Base64 text that does not decode (`image.bad_base64`).
    #[error(
        "the image data is not valid base64 ({detail}); expected the file's bytes in standard \
         base64, optionally as a data:image/...;base64, URL"
    )]
    BadBase64 { detail: String },

    /// Re-encoding the decoded pixels failed (`image.encode_failed`): our fault, not the
    /// sender's.
    #[error("could not re-encode the image ({detail})")]
    EncodeFailed { detail: String },
}

impl IntakeError {
    /// The stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Empty => "image.empty",
            Self::TooLarge { .. } => "image.too_large",
            Self::UnsupportedFormat { .. } | Self::UnsupportedFeature { .. } => {
                "image.unsupported_format"
            }
            Self::TooBigDimensions { .. } => "image.too_big_dimensions",
            Self::TooManyPixels { .. }
            | Self::DecodeLimit { .. }
            | Self::TooManyDecodedBytes { .. } => "image.too_many_pixels",
            Self::TooSmall { .. } => "image.too_small",
            Self::Corrupt { .. } => "image.corrupt",
            Self::BadBase64 { .. } => "image.bad_base64",
            Self::EncodeFailed { .. } => "image.encode_failed",
        }
    }

    /// The HTTP status for this error: 413 for too many bytes, 415 for a format we do not take,
    /// 422 for a well-formed image that is too small to use (the request was understood and the
    /// file is fine; the content is not acceptable), 500 if re-encoding failed, 400 otherwise.
    pub fn http_status(&self) -> u16 {
        match self {
            Self::TooLarge { .. } => 413,
            Self::UnsupportedFormat { .. } | Self::UnsupportedFeature { .. } => 415,
            Self::TooSmall { .. } => 422,
            Self::EncodeFailed { .. } => 500,
            Self::Empty
            | Self::TooBigDimensions { .. }
            | Self::TooManyPixels { .. }
            | Self::DecodeLimit { .. }
            | Self::TooManyDecodedBytes { .. }
            | Self::Corrupt { .. }
            | Self::BadBase64 { .. } => 400,
        }
    }
}

fn dimensions_message(width: u32, height: u32, max_side: u32, max_pixels: u64) -> String {
    let pixels = u64::from(width) * u64::from(height);
    format!(
        "image is {width}×{height} pixels ({}); the limit is {max_side} px per side and {} — \
         send a smaller image",
        megapixels(pixels),
        megapixels(max_pixels)
    )
}

/// Decimal units here (160 MB = 40 MP × 4 bytes), and the way out for 16-bit images.
fn decoded_message(
    width: u32,
    height: u32,
    bits: u8,
    channels: u8,
    needed: u64,
    max: u64,
) -> String {
    let samples = match channels {
        1 => "grey",
        2 => "grey+alpha",
        3 => "RGB",
        _ => "RGBA",
    };
    let (mut a, mut b) = (decimal_bytes(needed), decimal_bytes(max));
    if a == b {
        (a, b) = (format!("{needed} bytes"), format!("{max} bytes"));
    }
    let instead = if bits > 8 {
        "send an 8-bit JPEG or PNG, or a smaller image"
    } else {
        "send a smaller image"
    };
    format!(
        "image is {width}×{height} pixels of {bits}-bit {samples}, which needs {a} to decode; \
         the limit is {b} — {instead}"
    )
}

/// Decimal units, as `human_bytes` does binary ones: "240 MB", "1.5 GB", "60 kB".
fn decimal_bytes(n: u64) -> String {
    let f = n as f64;
    let (value, unit) = if n < 1000 {
        return format!("{n} bytes");
    } else if f < 1e6 {
        (f / 1e3, "kB")
    } else if f < 1e9 {
        (f / 1e6, "MB")
    } else {
        (f / 1e9, "GB")
    };
    if value >= 10.0 {
        format!("{value:.0} {unit}")
    } else {
        trim_zero(format!("{value:.1}")) + " " + unit
    }
}

/// "900 MP", "40 MP", "2.1 MP", "0.01 MP".
fn megapixels(pixels: u64) -> String {
    let mp = pixels as f64 / 1e6;
    if mp >= 10.0 {
        format!("{mp:.0} MP")
    } else if mp >= 0.1 {
        trim_zero(format!("{mp:.1}")) + " MP"
    } else {
        trim_zero(format!("{mp:.2}")) + " MP"
    }
}

/// When rounding would make the sizes look equal ("10 MiB; the limit is 10 MiB") both are
/// given in exact bytes.
fn size_message(size: u64, max: u64) -> String {
    let (mut a, mut b) = (human_bytes(size), human_bytes(max));
    if a == b {
        (a, b) = (format!("{size} bytes"), format!("{max} bytes"));
    }
    format!("image is {a}; the limit is {b} — send a smaller file")
}

/// Binary units, one decimal, a trailing ".0" dropped: "12.4 MiB", "10 MiB", "512 bytes".
fn human_bytes(n: u64) -> String {
    const KIB: f64 = 1024.0;
    let f = n as f64;
    if n < 1024 {
        format!("{n} bytes")
    } else if f < KIB * KIB {
        trim_zero(format!("{:.1}", f / KIB)) + " KiB"
    } else if f < KIB * KIB * KIB {
        trim_zero(format!("{:.1}", f / (KIB * KIB))) + " MiB"
    } else {
        trim_zero(format!("{:.1}", f / (KIB * KIB * KIB))) + " GiB"
    }
}

fn trim_zero(s: String) -> String {
    match s.strip_suffix(".0") {
        Some(t) => t.to_owned(),
        None => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn size_messages_are_readable_and_never_look_equal() {
        let e = IntakeError::TooLarge {
            size: 13_002_342,
            max: 10 * 1024 * 1024,
        };
        assert_eq!(
            e.to_string(),
            "image is 12.4 MiB; the limit is 10 MiB — send a smaller file"
        );
        let e = IntakeError::TooLarge {
            size: 10 * 1024 * 1024 + 1,
            max: 10 * 1024 * 1024,
        };
        assert_eq!(
            e.to_string(),
            "image is 10485761 bytes; the limit is 10485760 bytes — send a smaller file"
        );
        assert_eq!(human_bytes(512), "512 bytes");
        assert_eq!(human_bytes(1536), "1.5 KiB");
    }

    #[test]
    fn dimension_messages_name_both_limits() {
        let e = IntakeError::TooManyPixels {
            width: 30000,
            height: 30000,
            max_side: 8192,
            max_pixels: 40_000_000,
        };
        assert_eq!(
            e.to_string(),
            "image is 30000×30000 pixels (900 MP); the limit is 8192 px per side and 40 MP — \
             send a smaller image"
        );
        assert_eq!(megapixels(2_100_000), "2.1 MP");
        assert_eq!(megapixels(10_000), "0.01 MP");
    }

    #[test]
    fn decoded_size_messages_say_what_to_send() {
        let e = IntakeError::TooManyDecodedBytes {
            format: Format::Png,
            width: 8000,
            height: 5000,
            bits: 16,
            channels: 3,
            needed: 240_000_000,
            max: 160_000_000,
        };
        assert_eq!(
            e.to_string(),
            "image is 8000×5000 pixels of 16-bit RGB, which needs 240 MB to decode; the limit is \
             160 MB — send an 8-bit JPEG or PNG, or a smaller image"
        );
        let e = IntakeError::TooManyDecodedBytes {
            format: Format::Png,
            width: 100,
            height: 100,
            bits: 8,
            channels: 4,
            needed: 40_000,
            max: 39_999,
        };
        assert_eq!(
            e.to_string(),
            "image is 100×100 pixels of 8-bit RGBA, which needs 40000 bytes to decode; the limit \
             is 39999 bytes — send a smaller image"
        );
        assert_eq!(decimal_bytes(999), "999 bytes");
        assert_eq!(decimal_bytes(60_000), "60 kB");
        assert_eq!(decimal_bytes(2_500_000), "2.5 MB");
        assert_eq!(decimal_bytes(1_500_000_000), "1.5 GB");
    }

    #[test]
    fn codes_and_statuses_are_stable() {
        let fmt = Format::Png;
        let s = String::new;
        let cases: Vec<(IntakeError, &str, u16)> = vec![
            (IntakeError::Empty, "image.empty", 400),
            (
                IntakeError::TooLarge { size: 2, max: 1 },
                "image.too_large",
                413,
            ),
            (
                IntakeError::UnsupportedFormat { what: s() },
                "image.unsupported_format",
                415,
            ),
            (
                IntakeError::UnsupportedFeature {
                    format: fmt,
                    detail: s(),
                },
                "image.unsupported_format",
                415,
            ),
            (
                IntakeError::TooBigDimensions {
                    width: 1,
                    height: 1,
                    max_side: 0,
                    max_pixels: 0,
                },
                "image.too_big_dimensions",
                400,
            ),
            (
                IntakeError::TooManyPixels {
                    width: 1,
                    height: 1,
                    max_side: 0,
                    max_pixels: 0,
                },
                "image.too_many_pixels",
                400,
            ),
            (
                IntakeError::DecodeLimit {
                    format: fmt,
                    detail: s(),
                },
                "image.too_many_pixels",
                400,
            ),
            (
                IntakeError::TooManyDecodedBytes {
                    format: fmt,
                    width: 1,
                    height: 1,
                    bits: 16,
                    channels: 3,
                    needed: 6,
                    max: 5,
                },
                "image.too_many_pixels",
                400,
            ),
            (
                IntakeError::TooSmall {
                    width: 1,
                    height: 1,
                    min_side: 2,
                },
                "image.too_small",
                422,
            ),
            (
                IntakeError::Corrupt {
                    format: fmt,
                    detail: s(),
                },
                "image.corrupt",
                400,
            ),
            (
                IntakeError::BadBase64 { detail: s() },
                "image.bad_base64",
                400,
            ),
            (
                IntakeError::EncodeFailed { detail: s() },
                "image.encode_failed",
                500,
            ),
        ];
        for (e, code, status) in cases {
            assert_eq!((e.code(), e.http_status()), (code, status), "{e:?}");
        }
    }
}
