//! The formats of the DiceBear-compatible URLs, and the rasters' encoders.

use likeness_paint::Painter;

use super::drawing;
use crate::codes;
use crate::http::ApiError;

const JPEG_QUALITY: u8 = 90;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Format {
    Svg,
    Json,
    Png,
    Jpeg,
    Webp,
}

impl Format {
    pub(super) fn parse(text: &str) -> Result<Format, ApiError> {
        Ok(match text {
            "svg" => Format::Svg,
            "json" => Format::Json,
            "png" => Format::Png,
            "jpg" | "jpeg" => Format::Jpeg,
            "webp" => Format::Webp,
            other => {
                let message = format!(
                    "no format {:?} here: svg, png, jpg, webp or json (avif is not drawn)",
                    other.chars().take(16).collect::<String>()
                );
                return Err(ApiError::new(codes::DICEBEAR_BAD_FORMAT, message));
            }
        })
    }

    pub(super) fn ext(self) -> &'static str {
        match self {
            Format::Svg => "svg",
            Format::Json => "json",
            Format::Png => "png",
            Format::Jpeg => "jpg",
            Format::Webp => "webp",
        }
    }

    pub(super) fn content_type(self) -> &'static str {
        match self {
            Format::Svg => "image/svg+xml",
            Format::Json => "application/json",
            Format::Png => "image/png",
            Format::Jpeg => "image/jpeg",
            Format::Webp => "image/webp",
        }
    }

    pub(super) fn is_raster(self) -> bool {
        matches!(self, Format::Png | Format::Jpeg | Format::Webp)
    }
}

/// `svg` drawn at `side` pixels as PNG (optimised like stored images), JPEG (on white) or
/// lossless WebP (libwebp, through the service's one encoder, `encode.rs`).
pub(super) fn encode(
    painter: &Painter,
    svg: &str,
    side: u32,
    format: Format,
    png_level: u8,
) -> Result<Vec<u8>, ApiError> {
    let paint = |e| ApiError::from(crate::error::Error::Paint(e));
    let failed = |e: String| drawing(&format!("encoding failed: {e}"));
    if format == Format::Png {
        let png = painter.rasterise_png(svg, side).map_err(paint)?;
        return crate::encode::optimise_png(png, png_level).map_err(failed);
    }
    let rgba = painter.rasterise_rgba(svg, side).map_err(paint)?;
    if format == Format::Webp {
        let pixels = crate::encode::Rgba {
            pixels: &rgba,
            width: side,
            height: side,
        };
        return crate::encode::encode(&pixels, crate::encode::OutputFormat::Webp, png_level)
            .map_err(failed);
    }
    // JPEG: on white, as a page shows a transparent picture.
    let rgb: Vec<u8> = rgba
        .chunks_exact(4)
        .flat_map(|p| {
            let a = u16::from(p[3]);
            let over = |c: u8| ((u16::from(c) * a + 255 * (255 - a) + 127) / 255) as u8;
            [over(p[0]), over(p[1]), over(p[2])]
        })
        .collect();
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, JPEG_QUALITY)
        .encode(&rgb, side, side, image::ExtendedColorType::Rgb8)
        .map_err(|e| failed(e.to_string()))?;
    Ok(out)
}
