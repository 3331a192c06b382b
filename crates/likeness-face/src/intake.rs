//! Decode with limits: `probe` reads the header, `intake` decodes, orients and re-encodes,
//! `intake_peak_bytes` says from the header how much memory `intake` will hold.

use std::io::Cursor;

use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::error::LimitErrorKind;
use image::{DynamicImage, ImageDecoder, ImageError, ImageReader};

use crate::error::IntakeError;
use crate::format::{self, Format};

mod peak;
use peak::{Header, Layout};

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
    /// The most bytes of decoded pixels: width × height × channels × bytes per sample, as the
    /// decoder outputs them (before the 8-bit copy), checked from the header before decoding.
    /// Default 160 000 000 (160 MB): a 40 MP 8-bit RGBA image, so every 8-bit image within
    /// `max_pixels` fits. A 16-bit image takes twice the bytes of an 8-bit one: at the default
    /// 16-bit RGB fits up to 26.6 MP and 16-bit RGBA up to 20 MP.
    ///
    /// Larger 16-bit images are refused rather than converted a row at a time: `image` decodes
    /// only whole frames, so streaming would need a second PNG decoder path on the `png` crate
    /// (with its own interlacing, animation, EXIF and error handling) for a format cameras and
    /// phones do not produce, whose senders can re-save it as 8-bit. At the default limits a
    /// 16-bit image's decoded buffer and 8-bit copy together stay within 320 MB (16-bit
    /// grey+alpha at 40 MP), what a 40 MP 8-bit RGBA image holds while it is rotated.
    pub max_decoded_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_bytes: 10 * 1024 * 1024,
            max_side: 8192,
            max_pixels: 40_000_000,
            min_side: 0,
            max_decoded_bytes: 160_000_000,
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

    /// The limits handed to the decoder, a second line behind our own header checks.
    ///
    /// `max_alloc` as the decoders in Cargo.lock (image 0.25.10) honour it, through
    /// `ImageReader::into_decoder` and `DynamicImage::from_decoder`:
    /// - PNG: `image` passes it to png 0.18 as `png::Limits::bytes` when the decoder is made; png
    ///   charges its own buffers against it (ancillary chunk data, text chunks, the inflated
    ///   ICC profile) but not rows or the output. (`set_limits` later does not reach png.)
    /// - JPEG: not read. zune-jpeg 0.5 gets only the width and height limits; its buffers
    ///   (an MCU row, or every coefficient of a progressive image) follow from the dimensions.
    /// - WebP: not read. image-webp's own memory limit is never set by `image`; its buffers
    ///   follow from the dimensions, its chunk copies from chunk sizes we check against the
    ///   file's length.
    /// - The output buffer: allocated by `from_decoder` at `total_bytes()` without consulting
    ///   the limits (only `ImageReader::decode` reserves it), hence our own check against
    ///   `max_decoded_bytes`.
    ///
    /// So `max_alloc` stays at [`DECODER_INTERNAL_BYTES`]: the budget for png's own buffers.
    /// What every decoder holds besides its output is counted by [`intake_peak_bytes`].
    fn for_decoder(&self) -> image::Limits {
        let mut limits = image::Limits::default();
        limits.max_image_width = Some(self.max_side);
        limits.max_image_height = Some(self.max_side);
        limits.max_alloc = Some(DECODER_INTERNAL_BYTES);
        limits
    }
}

/// What the PNG decoder may allocate for itself besides the pixel buffer: a 10 MiB file's
/// chunks and a generous ICC profile fit; an iCCP chunk that inflates to gigabytes does not.
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

/// Checks size, format, dimensions and decoded size from the header alone. No pixel data is
/// decoded; the JPEG decoder copies the (size-checked) input and parses its markers, the PNG
/// decoder reads the chunks before the first IDAT.
pub fn probe(bytes: &[u8], limits: &Limits) -> Result<Probe, IntakeError> {
    open(bytes, limits).map(|(probe, _)| probe)
}

/// [`probe`], then decode within limits, apply EXIF orientation and re-encode: JPEG input as
/// JPEG (quality 92), PNG and WebP as PNG.
///
/// Memory: the decoded buffer is at most `max_decoded_bytes`; besides it intake holds the
/// decoder's own buffers, an 8-bit copy (unless the decoder already gave 8-bit RGB(A)), a
/// rotated copy when EXIF turns the picture a quarter, and the encoder's output.
/// [`intake_peak_bytes`] says how much from the header, before calling this.
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
    // `open` checked `total_bytes` against `max_decoded_bytes`: `from_decoder` allocates it
    // without consulting the limits.
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
    // The `Vec` doubled as it grew: up to half of it would be kept unused with the result.
    out.shrink_to_fit();
    Ok((format, out))
}

/// The most bytes [`intake`] will hold at once for this input, from the header alone, so a
/// caller can reserve them from a memory budget before decoding (and wait, or refuse, while
/// the budget is spent). Not counted: `bytes` itself, which the caller holds anyway.
///
/// Nothing is decoded or allocated: the header is read in place (only a header this reader
/// cannot make sense of goes to the decoder's header reader, as in [`probe`], and is then
/// assumed to need the most any file of its size could). What the header shows to be out of
/// [`Limits`] is refused with the same error as [`probe`] (size, format, dimensions, decoded
/// size); damage only a decoder notices is left to `intake`, which then refuses the file
/// having held less than the estimate.
///
/// The estimate is an upper bound: the largest of the decode phase (the decoded buffer, at most
/// `max_decoded_bytes`, plus what the decoder holds besides, such as a copy of a JPEG file, a
/// progressive JPEG's coefficients or a lossy WebP's YUV planes), the 8-bit conversion, a
/// rotated copy when the EXIF orientation turns the picture a quarter, and the encoder's
/// buffers and output for incompressible pixels. For 8-bit photos it is 1.5–3× what intake
/// really holds; flat images, whose output compresses to nothing, hold less still. The one
/// known exception, a hostile lossless WebP, is described in the crate documentation.
///
/// At the default limits the largest estimate is about 810 MB, for a 40 MP RGBA PNG or WebP
/// (the 160 MB image, and twice 160 MB for each of the two buffers the PNG encoder grows); a
/// 40 MP JPEG is about 360 MB (370 MB progressive), a 12 MP one about 110 MB.
pub fn intake_peak_bytes(bytes: &[u8], limits: &Limits) -> Result<u64, IntakeError> {
    let format = screen(bytes, limits)?;
    let header = match peak::read_header(format, bytes) {
        Some(header) => header,
        None => {
            // Our reader could not tell; the decoder either refuses the file or has the last
            // word on its size, and the rest is assumed to be the worst.
            let (probe, decoder) = open(bytes, limits)?;
            let layout = Layout::of(decoder.color_type());
            Header::worst_case(probe.width, probe.height, layout, bytes.len())
        }
    };
    check_dimensions(header.width, header.height, limits)?;
    check_decoded(format, header.width, header.height, header.layout, limits)?;
    Ok(peak::peak_bytes(format, &header))
}

/// The checks in order of cost, and a decoder that has read the header.
fn open<'a>(
    bytes: &'a [u8],
    limits: &Limits,
) -> Result<(Probe, impl ImageDecoder + 'a), IntakeError> {
    let format = screen(bytes, limits)?;
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format.image_format());
    reader.limits(limits.for_decoder());
    let decoder = reader
        .into_decoder()
        .map_err(|e| from_image_error(format, e))?;
    let (width, height) = decoder.dimensions();
    check_dimensions(width, height, limits)?;
    let layout = Layout::of(decoder.color_type());
    check_decoded(format, width, height, layout, limits)?;
    Ok((
        Probe {
            format,
            width,
            height,
        },
        decoder,
    ))
}

/// The checks before any decoder runs: size, magic bytes, and the dimensions when our own
/// header reader finds them (it cannot allocate, and it gives the real dimensions for the
/// message; the decoder's limits are the second line).
fn screen(bytes: &[u8], limits: &Limits) -> Result<Format, IntakeError> {
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
    match format::header_dimensions(format, bytes) {
        Ok(Some((w, h))) => check_dimensions(w, h, limits)?,
        Ok(None) => {}
        Err(detail) => return Err(IntakeError::Corrupt { format, detail }),
    }
    Ok(format)
}

/// The decoded buffer against `max_decoded_bytes`, before it is allocated.
fn check_decoded(
    format: Format,
    width: u32,
    height: u32,
    layout: Layout,
    limits: &Limits,
) -> Result<(), IntakeError> {
    let needed = layout.bytes(width, height);
    if needed > limits.max_decoded_bytes {
        return Err(IntakeError::TooManyDecodedBytes {
            format,
            width,
            height,
            bits: 8 * layout.sample_bytes,
            channels: layout.channels,
            needed,
            max: limits.max_decoded_bytes,
        });
    }
    Ok(())
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
