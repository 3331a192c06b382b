//! Decode with limits: `probe` reads the header, `intake` decodes, orients and re-encodes.

use std::io::Cursor;

use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::error::LimitErrorKind;
use image::{DynamicImage, ImageDecoder, ImageError, ImageReader};

use crate::error::IntakeError;
use crate::format::{self, Format};

/// What an upload may be. The defaults suit any image; reference photos use
/// [`Limits::reference`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// The most bytes accepted, checked before anything is parsed. Default 10 MiB.
    pub max_bytes: usize,
    /// The longest side in pixels. Default 8192.
    pub max_side: u32,
    /// The most pixels (width × height). Default 40 000 000 (40 MP).
    pub max_pixels: u64,
    /// The shortest side in pixels. Default 0; 512 for reference photos.
    pub min_side: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_bytes: 10 * 1024 * 1024,
            max_side: 8192,
            max_pixels: 40_000_000,
            min_side: 0,
        }
    }
}

impl Limits {
    /// The limits for a reference photo of a face: the defaults, with a 512 px shortest side
    /// (smaller faces give identity embeddings too noisy to compare).
    pub fn reference() -> Self {
        Self {
            min_side: 512,
            ..Self::default()
        }
    }

    /// The most bytes of decoded pixels: the output buffer at its widest (16-bit RGBA, 8 bytes
    /// a pixel). Checked by us, since `DynamicImage::from_decoder` does not.
    fn pixel_budget(&self) -> u64 {
        self.max_pixels.saturating_mul(8)
    }

    fn for_decoder(&self) -> image::Limits {
        let mut limits = image::Limits::default();
        limits.max_image_width = Some(self.max_side);
        limits.max_image_height = Some(self.max_side);
        // With the `from_decoder` path only the PNG decoder reads this, for its own buffers
        // (chunk data, the inflated ICC profile, one row), never for the pixels themselves.
        limits.max_alloc = Some(DECODER_INTERNAL_BYTES);
        limits
    }
}

/// What a decoder may allocate besides the pixel buffer: a 10 MiB file's chunks and a generous
/// ICC profile fit; an iCCP chunk that inflates to gigabytes does not.
const DECODER_INTERNAL_BYTES: u64 = 64 << 20;

/// What the header says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Probe {
    pub format: Format,
    /// As stored, before EXIF orientation (a portrait phone photo is often stored landscape).
    pub width: u32,
    pub height: u32,
}

/// An accepted image: decoded, upright, and re-encoded without metadata.
#[derive(Debug, Clone)]
pub struct Intake {
    /// The format of [`bytes`](Self::bytes): JPEG for JPEG input, PNG otherwise.
    pub format: Format,
    /// After EXIF orientation.
    pub width: u32,
    pub height: u32,
    /// The re-encoded file: no EXIF, XMP, ICC profile or text chunks.
    pub bytes: Vec<u8>,
    /// The decoded pixels, upright: always `ImageRgb8`, or `ImageRgba8` when a PNG or WebP has
    /// an alpha channel (JPEG output is always RGB).
    pub image: DynamicImage,
}

/// The JPEG quality of re-encoded JPEGs: high enough that a second generation loses nothing
/// a face detector or a person would notice.
const JPEG_QUALITY: u8 = 92;

/// Checks size, format and dimensions from the header alone. No pixel data is decoded; the
/// JPEG decoder copies the (size-checked) input and parses its markers, the PNG decoder reads
/// the chunks before the first IDAT.
pub fn probe(bytes: &[u8], limits: &Limits) -> Result<Probe, IntakeError> {
    open(bytes, limits).map(|(probe, _)| probe)
}

/// [`probe`], then decode within limits, apply EXIF orientation and re-encode: JPEG input as
/// JPEG (quality 92), PNG and WebP as PNG. Peak memory is bounded by `max_pixels`: the
/// decoded buffer (at most 8 bytes a pixel, 3 for JPEG) plus an 8-bit copy and, when rotated,
/// one more.
pub fn intake(bytes: &[u8], limits: &Limits) -> Result<Intake, IntakeError> {
    let (probe, mut decoder) = open(bytes, limits)?;
    let format = probe.format;
    if format == Format::Jpeg && jpeg_is_truncated(bytes) {
        // The JPEG decoder pads missing scan data with grey instead of failing.
        return Err(IntakeError::Corrupt {
            format,
            detail: "the file ends before its end-of-image marker: the upload was cut off".into(),
        });
    }
    let orientation = decoder
        .orientation()
        .map_err(|e| from_image_error(format, e))?;
    // `DynamicImage::from_decoder` allocates `total_bytes` without consulting the limits
    // (only `ImageReader::decode` does), so check here.
    let needed = decoder.total_bytes();
    if needed > limits.pixel_budget() {
        return Err(IntakeError::DecodeLimit {
            format,
            detail: format!("{needed} bytes of pixels"),
        });
    }
    let decoded = DynamicImage::from_decoder(decoder).map_err(|e| from_image_error(format, e))?;

    // 8-bit RGB(A) is what the encoders and the face detector want; 16-bit precision and a
    // grey-only channel layout are not worth a second code path.
    let mut image = if format != Format::Jpeg && decoded.color().has_alpha() {
        DynamicImage::ImageRgba8(decoded.into_rgba8())
    } else {
        DynamicImage::ImageRgb8(decoded.into_rgb8())
    };
    image.apply_orientation(orientation);

    let (format, bytes) = encode(&image, format)?;
    Ok(Intake {
        format,
        width: image.width(),
        height: image.height(),
        bytes,
        image,
    })
}

/// Encodes pixels as intake stores them: JPEG as JPEG (quality 92), anything else as PNG.
/// Encoding from raw pixels is what strips metadata: nothing from the input is copied over.
pub fn encode(image: &DynamicImage, like: Format) -> Result<(Format, Vec<u8>), IntakeError> {
    let mut out = Vec::new();
    let (format, output) = match like {
        Format::Jpeg => (
            Format::Jpeg,
            image.write_with_encoder(JpegEncoder::new_with_quality(&mut out, JPEG_QUALITY)),
        ),
        Format::Png | Format::Webp => (
            Format::Png,
            image.write_with_encoder(PngEncoder::new(&mut out)),
        ),
    };
    output.map_err(|e| IntakeError::EncodeFailed {
        detail: e.to_string(),
    })?;
    Ok((format, out))
}

/// The checks in order of cost, and a decoder that has read the header.
fn open<'a>(
    bytes: &'a [u8],
    limits: &Limits,
) -> Result<(Probe, impl ImageDecoder + 'a), IntakeError> {
    if bytes.is_empty() {
        return Err(IntakeError::Empty);
    }
    if bytes.len() > limits.max_bytes {
        return Err(IntakeError::TooLarge {
            size: bytes.len() as u64,
            max: limits.max_bytes as u64,
        });
    }
    let Some(format) = format::sniff(bytes) else {
        return Err(match format::truncated_signature(bytes) {
            Some(format) => IntakeError::Corrupt {
                format,
                detail: format!("the file ends after {} bytes: it was cut off", bytes.len()),
            },
            None => IntakeError::UnsupportedFormat {
                what: format::describe(bytes),
            },
        });
    };
    // Our own header read first: it cannot allocate, and it gives the real dimensions for the
    // message. The decoder's limits below are the second line.
    match format::header_dimensions(format, bytes) {
        Ok(Some((w, h))) => check_dimensions(w, h, limits)?,
        Ok(None) => {}
        Err(detail) => return Err(IntakeError::Corrupt { format, detail }),
    }
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format.image_format());
    reader.limits(limits.for_decoder());
    let decoder = reader
        .into_decoder()
        .map_err(|e| from_image_error(format, e))?;
    let (width, height) = decoder.dimensions();
    check_dimensions(width, height, limits)?;
    Ok((
        Probe {
            format,
            width,
            height,
        },
        decoder,
    ))
}

fn check_dimensions(width: u32, height: u32, limits: &Limits) -> Result<(), IntakeError> {
    let pixels = u64::from(width) * u64::from(height);
    let (max_side, max_pixels) = (limits.max_side, limits.max_pixels);
    if width.max(height) > max_side {
        return Err(IntakeError::TooBigDimensions {
            width,
            height,
            max_side,
            max_pixels,
        });
    }
    if pixels > max_pixels {
        return Err(IntakeError::TooManyPixels {
            width,
            height,
            max_side,
            max_pixels,
        });
    }
    if width.min(height) < limits.min_side {
        return Err(IntakeError::TooSmall {
            width,
            height,
            min_side: limits.min_side,
        });
    }
    Ok(())
}

fn from_image_error(format: Format, e: ImageError) -> IntakeError {
    match e {
        ImageError::Limits(l) => match l.kind() {
            LimitErrorKind::DimensionError | LimitErrorKind::InsufficientMemory => {
                IntakeError::DecodeLimit {
                    format,
                    detail: l.to_string(),
                }
            }
            _ => IntakeError::Corrupt {
                format,
                detail: l.to_string(),
            },
        },
        ImageError::Unsupported(u) => IntakeError::UnsupportedFeature {
            format,
            detail: u.to_string(),
        },
        ImageError::IoError(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
            IntakeError::Corrupt {
                format,
                detail: "the file ends early: it was cut off".into(),
            }
        }
        other => IntakeError::Corrupt {
            format,
            detail: other.to_string(),
        },
    }
}

/// True when no end-of-image marker (FF D9) follows the start of the first scan. Inside
/// entropy-coded data a 0xFF byte is always followed by 0x00 or a restart marker, so FF D9
/// there can only be the real end; a file cut short lacks it.
fn jpeg_is_truncated(bytes: &[u8]) -> bool {
    match format::jpeg_scan_start(bytes) {
        Some(at) => !bytes
            .get(at..)
            .unwrap_or_default()
            .windows(2)
            .any(|w| w == [0xFF, 0xD9]),
        None => true,
    }
}

#[cfg(test)]
mod tests;
