//! Gravatar-style avatars: what `d=` asks for when likeness has no portrait, drawn from the
//! hash (same hash, same picture) by the built-in renderer, and portraits cut to the square
//! size a Gravatar URL asks for. The HTTP side (parameters, caching, headers) is
//! `http/avatar.rs`; this module does no I/O.

use std::io::Cursor;

use image::{DynamicImage, ImageFormat, Rgba, RgbaImage, imageops::FilterType};
use likeness_paint::{DicebearRecipe, InitialsRecipe, Painter, Recipe, Rgb, Sitter, Size};

/// Every `d=` keyword, as Gravatar documents them (`mm` is `mp`'s old name).
pub const KEYWORDS: [&str; 11] = [
    "404",
    "mp",
    "mm",
    "identicon",
    "monsterid",
    "wavatar",
    "retro",
    "robohash",
    "blank",
    "initials",
    "color",
];

/// What stands in for a missing portrait.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fallback {
    /// `404`: no image, a 404.
    NotFound,
    /// `mp`: a neutral silhouette on grey.
    Mystery,
    /// `identicon`, `monsterid`, `wavatar`, `retro`, `robohash`: the DiceBear style named.
    Dicebear(&'static str),
    /// `blank`: a transparent square.
    Blank,
    /// `initials`: letters from `name=`/`initials=` (a silhouette without them).
    Initials,
    /// `color`: one flat colour from the hash.
    Color,
    /// A URL whose host the configuration allows: answered with a redirect.
    Redirect(String),
}

impl Fallback {
    /// Reads a `d=` value; a URL must be http(s) to one of `redirect_hosts`.
    pub fn parse(raw: &str, redirect_hosts: &[String]) -> Result<Fallback, String> {
        let fallback = match raw {
            "404" => Fallback::NotFound,
            "mp" | "mm" => Fallback::Mystery,
            // Gravatar's generated kinds, each mapped to the CC0 DiceBear style closest in spirit.
            "identicon" => Fallback::Dicebear("identicon"),
            "monsterid" => Fallback::Dicebear("critters"),
            "wavatar" => Fallback::Dicebear("moods"),
            "retro" => Fallback::Dicebear("pixel-art"),
            "robohash" => Fallback::Dicebear("pixelbot"),
            "blank" => Fallback::Blank,
            "initials" => Fallback::Initials,
            "color" => Fallback::Color,
            url if url.starts_with("http://") || url.starts_with("https://") => {
                return redirect(url, redirect_hosts);
            }
            other => {
                return Err(format!(
                    "d={other:?} is not a default likeness knows: use one of {} or an http(s) URL \
                     on a host listed in [avatar] redirect_hosts",
                    KEYWORDS.join(", ")
                ));
            }
        };
        Ok(fallback)
    }
}

fn redirect(raw: &str, redirect_hosts: &[String]) -> Result<Fallback, String> {
    let url = reqwest::Url::parse(raw).map_err(|e| format!("d={raw:?} is not a URL: {e}"))?;
    let host = url.host_str().unwrap_or_default();
    if !url.username().is_empty() || url.password().is_some() {
        return Err("d=URL must not carry a user name or password".into());
    }
    if !redirect_hosts.iter().any(|h| h.eq_ignore_ascii_case(host)) {
        let allowed = if redirect_hosts.is_empty() {
            "none are configured".to_string()
        } else {
            format!("allowed: {}", redirect_hosts.join(", "))
        };
        return Err(format!(
            "d=URL points at {host:?}, which is not in [avatar] redirect_hosts ({allowed}); \
             likeness redirects only to listed hosts, so it is never an open redirect"
        ));
    }
    Ok(Fallback::Redirect(url.to_string()))
}

/// The picture format of an answer (`/avatar/{hash}.jpg` asks for JPEG; without an extension
/// `Accept` chooses among PNG, WebP and AVIF).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    Png,
    Jpeg,
    Webp,
    Avif,
}

impl Format {
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Png => "image/png",
            Format::Jpeg => "image/jpeg",
            Format::Webp => "image/webp",
            Format::Avif => "image/avif",
        }
    }

    /// The format of a content type `content_type` gives back (PNG for any other).
    pub fn of_content_type(content_type: &str) -> Format {
        [Format::Jpeg, Format::Webp, Format::Avif]
            .into_iter()
            .find(|f| f.content_type() == content_type)
            .unwrap_or(Format::Png)
    }
}

/// Who a drawn default is for.
#[derive(Debug, Clone, Default)]
pub struct Drawn<'a> {
    /// The hash or user name: it seeds every choice.
    pub seed: &'a str,
    /// Letters for `initials` (`name=` or `initials=`, or the user name).
    pub name: &'a str,
    /// A background colour asked for (`color=`, Discourse's `{color}`).
    pub color: Option<Rgb>,
}

/// Draws `fallback` (not `NotFound` or `Redirect`) at `size` × `size`.
pub fn draw(
    painter: &Painter,
    fallback: &Fallback,
    who: &Drawn,
    size: u32,
    format: Format,
) -> Result<Vec<u8>, String> {
    let solid = |color: Rgba<u8>| {
        encode(
            DynamicImage::from(RgbaImage::from_pixel(size, size, color)),
            format,
        )
    };
    let recipe = match fallback {
        Fallback::NotFound | Fallback::Redirect(_) => {
            return Err("a 404 or a redirect is not drawn".into());
        }
        Fallback::Blank => return solid(Rgba([0, 0, 0, 0])),
        Fallback::Color => {
            let Rgb(r, g, b) = who.color.unwrap_or_else(|| color_of(who.seed));
            return solid(Rgba([r, g, b, 255]));
        }
        Fallback::Mystery => {
            let mut recipe = InitialsRecipe::default();
            recipe.frame.background = vec![who.color.unwrap_or(Rgb(0xc9, 0xcf, 0xd6))];
            Recipe::Initials(recipe)
        }
        Fallback::Initials => {
            let mut recipe = InitialsRecipe::default();
            recipe.frame.background = who.color.into_iter().collect();
            Recipe::Initials(recipe)
        }
        Fallback::Dicebear(style) => Recipe::Dicebear(DicebearRecipe {
            style: (*style).to_string(),
            ..DicebearRecipe::default()
        }),
    };
    let mut sitter = Sitter::new(who.seed);
    if *fallback == Fallback::Initials {
        sitter.name = who.name;
    }
    // The renderer's smallest picture is 16 pixels; smaller answers are scaled down from it.
    let drawn = size.max(Size::MIN);
    let png = painter
        .render_png(&recipe, &sitter, Size::square(drawn))
        .map_err(|e| e.to_string())?;
    if drawn == size && format == Format::Png {
        return Ok(png);
    }
    fit(&png, size, format)
}

/// A colour from the hash, bright enough to be a colour and not a grey.
fn color_of(seed: &str) -> Rgb {
    let digest = crate::hash::hex_sha256(seed.as_bytes());
    let hue = u32::from_str_radix(&digest[..4], 16).unwrap_or(0) % 360;
    hsl(f64::from(hue), 0.55, 0.55)
}

fn hsl(h: f64, s: f64, l: f64) -> Rgb {
    let c = (1.0 - (2.0 * l - 1.0).abs()) * s;
    let x = c * (1.0 - ((h / 60.0) % 2.0 - 1.0).abs());
    let (r, g, b) = match (h / 60.0) as u32 {
        0 => (c, x, 0.0),
        1 => (x, c, 0.0),
        2 => (0.0, c, x),
        3 => (0.0, x, c),
        4 => (x, 0.0, c),
        _ => (c, 0.0, x),
    };
    let m = l - c / 2.0;
    let byte = |v: f64| ((v + m) * 255.0).round().clamp(0.0, 255.0) as u8;
    Rgb(byte(r), byte(g), byte(b))
}

/// `image` (PNG, JPEG or WebP; at most 4096 × 4096) cut to its centred square and scaled to
/// `size` × `size`.
pub fn fit(image: &[u8], size: u32, format: Format) -> Result<Vec<u8>, String> {
    let decoded = DynamicImage::from(crate::encode::decode(image)?);
    let (w, h) = (decoded.width(), decoded.height());
    let side = w.min(h);
    let square = decoded.crop_imm((w - side) / 2, (h - side) / 2, side, side);
    let scaled = if side == size {
        square
    } else {
        square.resize_exact(size, size, FilterType::CatmullRom)
    };
    encode(scaled, format)
}

fn encode(image: DynamicImage, format: Format) -> Result<Vec<u8>, String> {
    let mut out = Cursor::new(Vec::new());
    match format {
        Format::Png => image.write_to(&mut out, ImageFormat::Png),
        // JPEG has no alpha: transparent parts become white, as browsers show them on a page.
        Format::Jpeg => flatten(&image.to_rgba8()).write_to(&mut out, ImageFormat::Jpeg),
        Format::Webp | Format::Avif => return encode_modern(&image.to_rgba8(), format),
    }
    .map_err(|e| e.to_string())?;
    Ok(out.into_inner())
}

/// WebP (lossless or lossy, the smaller) or AVIF, as `/assets/` derives them.
fn encode_modern(image: &RgbaImage, format: Format) -> Result<Vec<u8>, String> {
    let pixels = crate::encode::Rgba {
        pixels: image.as_raw(),
        width: image.width(),
        height: image.height(),
    };
    if format == Format::Webp {
        return crate::encode::smallest_webp(&pixels);
    }
    let avif = crate::encode::OutputFormat::Avif {
        quality: crate::encode::DERIVED_AVIF_QUALITY,
    };
    crate::encode::encode(&pixels, avif, 0)
}

fn flatten(rgba: &RgbaImage) -> DynamicImage {
    let rgb = image::RgbImage::from_fn(rgba.width(), rgba.height(), |x, y| {
        let Rgba([r, g, b, a]) = *rgba.get_pixel(x, y);
        let over = |c: u8| ((u16::from(c) * u16::from(a) + 255 * (255 - u16::from(a))) / 255) as u8;
        image::Rgb([over(r), over(g), over(b)])
    });
    DynamicImage::from(rgb)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(bytes: &[u8]) -> DynamicImage {
        image::load_from_memory(bytes).unwrap()
    }

    #[test]
    fn keywords_and_urls() {
        let hosts = vec!["secure.gravatar.com".to_string()];
        assert_eq!(Fallback::parse("mm", &[]), Ok(Fallback::Mystery));
        assert_eq!(
            Fallback::parse("retro", &[]),
            Ok(Fallback::Dicebear("pixel-art"))
        );
        for keyword in KEYWORDS {
            assert!(Fallback::parse(keyword, &[]).is_ok(), "{keyword}");
        }
        let to = "https://secure.gravatar.com/avatar/x?d=mp";
        assert_eq!(
            Fallback::parse(to, &hosts),
            Ok(Fallback::Redirect(to.into()))
        );
        let refused = Fallback::parse("https://evil.example/x", &hosts).unwrap_err();
        assert!(
            refused.contains("evil.example") && refused.contains("redirect_hosts"),
            "{refused}"
        );
        assert!(Fallback::parse("https://u:p@secure.gravatar.com/", &hosts).is_err());
        assert!(Fallback::parse("javascript:alert(1)", &hosts).is_err());
        assert!(
            Fallback::parse("wat", &hosts)
                .unwrap_err()
                .contains("identicon")
        );
    }

    #[test]
    fn every_default_draws_the_size_asked_the_same_way_twice() {
        let painter = Painter::new();
        let who = Drawn {
            seed: "0bc83cb571cd1c50ba6f3e8a78ef1346",
            name: "Ada Lovelace",
            color: None,
        };
        for keyword in KEYWORDS.iter().filter(|k| **k != "404") {
            let fallback = Fallback::parse(keyword, &[]).unwrap();
            for size in [1, 15, 80] {
                let a = draw(&painter, &fallback, &who, size, Format::Png).unwrap();
                let image = decode(&a);
                assert_eq!(
                    (image.width(), image.height()),
                    (size, size),
                    "{keyword} {size}"
                );
                assert_eq!(
                    a,
                    draw(&painter, &fallback, &who, size, Format::Png).unwrap()
                );
            }
        }
        let other = Drawn {
            seed: "ffffffffffffffffffffffffffffffff",
            ..who.clone()
        };
        let identicon = Fallback::Dicebear("identicon");
        assert_ne!(
            draw(&painter, &identicon, &who, 64, Format::Png).unwrap(),
            draw(&painter, &identicon, &other, 64, Format::Png).unwrap(),
            "another hash, another picture"
        );
        for format in [Format::Webp, Format::Avif] {
            let a = draw(&painter, &identicon, &who, 48, format).unwrap();
            assert_eq!(a, draw(&painter, &identicon, &who, 48, format).unwrap());
            assert_eq!(crate::encode::sniff(&a), Some(format.content_type()));
        }
        let jpeg = draw(&painter, &Fallback::Blank, &who, 32, Format::Jpeg).unwrap();
        assert_eq!(&jpeg[..3], &[0xff, 0xd8, 0xff]);
        assert_eq!(decode(&jpeg).to_rgb8().get_pixel(5, 5).0, [255, 255, 255]);
    }

    #[test]
    fn fit_crops_the_centre_square() {
        // Left third red, middle green, right blue: the square is the green middle.
        let wide = RgbaImage::from_fn(300, 100, |x, _| match x {
            0..100 => Rgba([255, 0, 0, 255]),
            100..200 => Rgba([0, 255, 0, 255]),
            _ => Rgba([0, 0, 255, 255]),
        });
        let png = encode(DynamicImage::from(wide), Format::Png).unwrap();
        let out = decode(&fit(&png, 40, Format::Png).unwrap()).to_rgba8();
        assert_eq!(out.dimensions(), (40, 40));
        assert_eq!(out.get_pixel(20, 20).0, [0, 255, 0, 255]);
        assert!(fit(b"not an image", 40, Format::Png).is_err());
    }
}
