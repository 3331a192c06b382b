//! The one encoder: RGBA pixels, or a stored PNG/JPEG/WebP, into PNG (oxipng), WebP (lossless
//! or lossy, libwebp) or AVIF (ravif/rav1e). Deterministic: the same pixels and settings give
//! the same bytes (one thread each, no timing-dependent choices), so a derived variant can be
//! made again and compared, and a style's images stay content-addressed. No I/O.

use std::io::Cursor;

use image::{ExtendedColorType, ImageEncoder};
pub use likeness_styles::OutputFormat;

/// rav1e's speed (1 slowest … 10 fastest). 8 keeps a 512 px portrait within about 100 ms on
/// one core (see BENCHMARKS.md, Formats); slower speeds buy a few percent of bytes.
pub const AVIF_SPEED: u8 = 8;
/// Quality of the AVIF variants `/assets/` derives for clients that accept AVIF.
pub const DERIVED_AVIF_QUALITY: u8 = 70;
/// Quality of the lossy candidate of a derived WebP variant (the lossless one may be smaller).
pub const DERIVED_WEBP_QUALITY: u8 = 85;
/// libwebp's effort (0 fastest … 6 smallest): 4 is its default, 6 costs twice for ~2 %.
const WEBP_METHOD: i32 = 4;
/// The largest picture decoded for a derived variant (portraits are at most 4096 on a side).
const MAX_SOURCE_PIXELS: u64 = 4096 * 4096;

/// Pixels, 8-bit RGBA, row by row.
pub struct Rgba<'a> {
    pub pixels: &'a [u8],
    pub width: u32,
    pub height: u32,
}

/// `rgba` in `format`. PNGs are optimised losslessly at `png_level` (oxipng's preset).
pub fn encode(rgba: &Rgba, format: OutputFormat, png_level: u8) -> Result<Vec<u8>, String> {
    let expected = u64::from(rgba.width) * u64::from(rgba.height) * 4;
    if rgba.width == 0 || rgba.height == 0 || rgba.pixels.len() as u64 != expected {
        return Err(format!(
            "{} bytes are not {}x{} RGBA pixels",
            rgba.pixels.len(),
            rgba.width,
            rgba.height
        ));
    }
    match format {
        OutputFormat::Png => optimise_png(png(rgba)?, png_level),
        OutputFormat::Webp => webp(rgba, None),
        OutputFormat::WebpLossy { quality } => webp(rgba, Some(quality)),
        OutputFormat::Avif { quality } => avif(rgba, quality),
    }
}

/// A stored image (PNG, JPEG or WebP) decoded and encoded in `format`.
pub fn transcode(image: &[u8], format: OutputFormat, png_level: u8) -> Result<Vec<u8>, String> {
    let decoded = decode(image)?;
    let rgba = Rgba {
        pixels: decoded.as_raw(),
        width: decoded.width(),
        height: decoded.height(),
    };
    encode(&rgba, format, png_level)
}

/// The WebP variant of a stored image for a client that accepts WebP: lossless or lossy at
/// `DERIVED_WEBP_QUALITY`, whichever is smaller (flat pictures compress better losslessly, and
/// then lose nothing; painted ones are far smaller lossy).
pub fn derived_webp(image: &[u8]) -> Result<Vec<u8>, String> {
    let decoded = decode(image)?;
    let rgba = Rgba {
        pixels: decoded.as_raw(),
        width: decoded.width(),
        height: decoded.height(),
    };
    smallest_webp(&rgba)
}

/// Lossless or lossy at `DERIVED_WEBP_QUALITY`, whichever is smaller.
pub fn smallest_webp(rgba: &Rgba) -> Result<Vec<u8>, String> {
    let lossless = webp(rgba, None)?;
    let lossy = webp(rgba, Some(DERIVED_WEBP_QUALITY))?;
    Ok(if lossy.len() < lossless.len() {
        lossy
    } else {
        lossless
    })
}

/// The format a derived variant is made in, by content type (`None`: not one this server makes).
pub fn derived_format(content_type: &str) -> Option<OutputFormat> {
    match content_type {
        "image/png" => Some(OutputFormat::Png),
        "image/webp" => Some(OutputFormat::Webp),
        "image/avif" => Some(OutputFormat::Avif {
            quality: DERIVED_AVIF_QUALITY,
        }),
        _ => None,
    }
}

/// The type of an encoded image from its first bytes (never from a name).
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(&[0xff, 0xd8, 0xff]) {
        Some("image/jpeg")
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some("image/webp")
    } else if bytes.len() >= 12
        && &bytes[4..8] == b"ftyp"
        && matches!(&bytes[8..12], b"avif" | b"avis")
    {
        Some("image/avif")
    } else {
        None
    }
}

/// Lossless PNG optimisation (oxipng), metadata stripped.
pub fn optimise_png(png: Vec<u8>, level: u8) -> Result<Vec<u8>, String> {
    let mut options = oxipng::Options::from_preset(level);
    options.strip = oxipng::StripChunks::Safe;
    oxipng::optimize_from_memory(&png, &options)
        .map_err(|e| format!("PNG optimisation failed: {e}"))
}

/// Decodes a stored PNG, JPEG or WebP to RGBA, refusing pictures over 4096 × 4096 from the
/// header before decoding. AVIF is not decoded here (no decoder is linked): an AVIF original
/// keeps a PNG beside it for that (`pipeline/save.rs`).
pub fn decode(image: &[u8]) -> Result<image::RgbaImage, String> {
    let reader = image::ImageReader::new(Cursor::new(image))
        .with_guessed_format()
        .map_err(|e| e.to_string())?;
    let (w, h) = reader.into_dimensions().map_err(|e| e.to_string())?;
    if u64::from(w) * u64::from(h) > MAX_SOURCE_PIXELS {
        return Err(format!(
            "the stored image is {w}x{h}, larger than 4096x4096"
        ));
    }
    Ok(image::load_from_memory(image)
        .map_err(|e| e.to_string())?
        .into_rgba8())
}

fn png(rgba: &Rgba) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    image::codecs::png::PngEncoder::new(&mut out)
        .write_image(
            rgba.pixels,
            rgba.width,
            rgba.height,
            ExtendedColorType::Rgba8,
        )
        .map_err(|e| format!("PNG encoding failed: {e}"))?;
    Ok(out)
}

/// libwebp, lossless (`quality` None) or lossy. `exact` is off: fully transparent pixels'
/// colours are dropped, which nobody sees and which saves bytes.
fn webp(rgba: &Rgba, quality: Option<u8>) -> Result<Vec<u8>, String> {
    let mut config =
        webp::WebPConfig::new().map_err(|()| "libwebp refused its default settings".to_string())?;
    config.method = WEBP_METHOD;
    // One thread: the same bytes every time, and the caller already runs one encode per core.
    config.thread_level = 0;
    match quality {
        None => {
            config.lossless = 1;
            // For lossless, `quality` is effort; 75 is libwebp's default.
            config.quality = 75.0;
        }
        Some(q) => {
            config.lossless = 0;
            config.quality = f32::from(q);
            config.alpha_compression = 1;
        }
    }
    let encoder = webp::Encoder::from_rgba(rgba.pixels, rgba.width, rgba.height);
    let memory = encoder
        .encode_advanced(&config)
        .map_err(|e| format!("WebP encoding failed: {e:?}"))?;
    Ok(memory.to_vec())
}

fn avif(rgba: &Rgba, quality: u8) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    image::codecs::avif::AvifEncoder::new_with_speed_quality(&mut out, AVIF_SPEED, quality)
        .with_num_threads(Some(1))
        .write_image(
            rgba.pixels,
            rgba.width,
            rgba.height,
            ExtendedColorType::Rgba8,
        )
        .map_err(|e| format!("AVIF encoding failed: {e}"))?;
    Ok(out)
}

/// Whether `bytes` are a PNG of indexed colour (its IHDR's colour type is 3): the built-in
/// renderer writes flat pictures so.
pub fn is_indexed_png(bytes: &[u8]) -> bool {
    bytes.len() > 25 && bytes.starts_with(b"\x89PNG") && &bytes[12..16] == b"IHDR" && bytes[25] == 3
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A picture with a gradient, a flat part and a transparent corner.
    fn picture(side: u32) -> Vec<u8> {
        let mut pixels = Vec::with_capacity((side * side * 4) as usize);
        for y in 0..side {
            for x in 0..side {
                let a = if x < side / 8 && y < side / 8 { 0 } else { 255 };
                let flat = x > side / 2;
                let (r, g) = ((x * 255 / side) as u8, (y * 255 / side) as u8);
                pixels.extend_from_slice(&if flat {
                    [40, 90, 160, a]
                } else {
                    [r, g, 128, a]
                });
            }
        }
        pixels
    }

    #[test]
    fn every_format_is_deterministic_and_sniffed() {
        let pixels = picture(64);
        let rgba = Rgba {
            pixels: &pixels,
            width: 64,
            height: 64,
        };
        for (format, kind) in [
            (OutputFormat::Png, "image/png"),
            (OutputFormat::Webp, "image/webp"),
            (OutputFormat::WebpLossy { quality: 80 }, "image/webp"),
            (OutputFormat::Avif { quality: 70 }, "image/avif"),
        ] {
            let a = encode(&rgba, format, 0).unwrap();
            assert_eq!(a, encode(&rgba, format, 0).unwrap(), "{format}");
            assert_eq!(sniff(&a), Some(kind), "{format}");
            if kind != "image/avif" {
                let back = decode(&a).unwrap();
                assert_eq!(back.dimensions(), (64, 64), "{format}");
            }
        }
        // Lossless keeps every visible pixel (transparent ones may lose their colour).
        let lossless = decode(&encode(&rgba, OutputFormat::Webp, 0).unwrap()).unwrap();
        for (got, want) in lossless.as_raw().chunks(4).zip(pixels.chunks(4)) {
            assert!(want[3] == 0 || got == want, "{got:?} {want:?}");
        }
    }

    #[test]
    fn bad_input_is_an_error_not_a_panic() {
        let short = Rgba {
            pixels: &[0; 12],
            width: 2,
            height: 2,
        };
        assert!(encode(&short, OutputFormat::Avif { quality: 50 }, 0).is_err());
        assert!(transcode(b"not an image", OutputFormat::Webp, 0).is_err());
        assert_eq!(sniff(b"plain text"), None);
    }
}
