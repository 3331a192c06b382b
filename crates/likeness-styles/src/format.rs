//! The picture format a style's images are stored in (`format`, with an optional `quality`).

use std::fmt;

use serde::Serialize;

/// Names `format` takes, for error messages.
pub const FORMAT_NAMES: &[&str] = &["png", "webp", "webp-lossy", "avif"];

/// Quality of `webp-lossy` when the style does not say: flat colours stay clean, gradients
/// (watercolor's washes) show no banding at 256 px.
pub const DEFAULT_WEBP_QUALITY: u8 = 80;
/// Quality of `avif` when the style does not say (ravif's scale: 1–100).
pub const DEFAULT_AVIF_QUALITY: u8 = 70;

/// How a style's images are encoded before they are stored.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "name", rename_all = "kebab-case")]
pub enum OutputFormat {
    /// Lossless, optimised by oxipng (the default, and every built-in style's).
    #[default]
    Png,
    /// Lossless WebP.
    Webp,
    /// Lossy WebP at `quality` (1–100).
    WebpLossy { quality: u8 },
    /// AVIF at `quality` (1–100).
    Avif { quality: u8 },
}

impl OutputFormat {
    /// Reads `format` and `quality` as a style file gives them. `quality` is only for the
    /// lossy formats: on a lossless one it would silently mean nothing.
    pub fn parse(format: &str, quality: Option<i64>) -> Result<OutputFormat, String> {
        let quality = match quality {
            None => None,
            Some(q) if (1..=100).contains(&q) => Some(q as u8),
            Some(q) => return Err(format!("quality must be 1 to 100, got {q}")),
        };
        let lossless = |f: OutputFormat| match quality {
            Some(_) => Err(format!(
                "quality is for the lossy formats (webp-lossy, avif); format `{format}` is lossless"
            )),
            None => Ok(f),
        };
        match format {
            "png" => lossless(OutputFormat::Png),
            "webp" => lossless(OutputFormat::Webp),
            "webp-lossy" => Ok(OutputFormat::WebpLossy {
                quality: quality.unwrap_or(DEFAULT_WEBP_QUALITY),
            }),
            "avif" => Ok(OutputFormat::Avif {
                quality: quality.unwrap_or(DEFAULT_AVIF_QUALITY),
            }),
            other => Err(format!(
                "format `{other}` is not one of {}",
                FORMAT_NAMES.join(", ")
            )),
        }
    }

    /// The name in a style file.
    pub fn name(self) -> &'static str {
        match self {
            OutputFormat::Png => "png",
            OutputFormat::Webp => "webp",
            OutputFormat::WebpLossy { .. } => "webp-lossy",
            OutputFormat::Avif { .. } => "avif",
        }
    }

    /// The file extension of a stored image.
    pub fn ext(self) -> &'static str {
        match self {
            OutputFormat::Png => "png",
            OutputFormat::Webp | OutputFormat::WebpLossy { .. } => "webp",
            OutputFormat::Avif { .. } => "avif",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            OutputFormat::Png => "image/png",
            OutputFormat::Webp | OutputFormat::WebpLossy { .. } => "image/webp",
            OutputFormat::Avif { .. } => "image/avif",
        }
    }
}

impl fmt::Display for OutputFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OutputFormat::WebpLossy { quality } | OutputFormat::Avif { quality } => {
                write!(f, "{} (quality {quality})", self.name())
            }
            _ => f.write_str(self.name()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_and_qualities() {
        assert_eq!(OutputFormat::parse("png", None), Ok(OutputFormat::Png));
        assert_eq!(OutputFormat::parse("webp", None), Ok(OutputFormat::Webp));
        assert_eq!(
            OutputFormat::parse("webp-lossy", None),
            Ok(OutputFormat::WebpLossy { quality: 80 })
        );
        assert_eq!(
            OutputFormat::parse("avif", Some(55)),
            Ok(OutputFormat::Avif { quality: 55 })
        );
        assert!(OutputFormat::parse("avif", Some(0)).is_err());
        assert!(OutputFormat::parse("avif", Some(101)).is_err());
        let lossless = OutputFormat::parse("png", Some(80)).unwrap_err();
        assert!(lossless.contains("lossless"), "{lossless}");
        let unknown = OutputFormat::parse("jpeg", None).unwrap_err();
        assert!(unknown.contains("webp-lossy"), "{unknown}");
        assert_eq!(OutputFormat::Avif { quality: 70 }.ext(), "avif");
        assert_eq!(OutputFormat::WebpLossy { quality: 70 }.ext(), "webp");
    }
}
