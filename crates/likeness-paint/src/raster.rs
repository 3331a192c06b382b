//! SVG → PNG through usvg/resvg/tiny-skia, with every resource loader switched off.

use std::sync::Arc;
use std::time::{Duration, Instant};

use resvg::tiny_skia;
use resvg::usvg;

use crate::indexed;
use crate::tones::{Tones, luma_histogram};
use crate::{PaintError, Size, fonts};

/// Parsing options that can reach nothing outside the SVG string: no resources directory, no
/// image loading (neither files nor data URLs), only the bundled font database.
fn options(fontdb: &Arc<usvg::fontdb::Database>) -> usvg::Options<'static> {
    usvg::Options {
        resources_dir: None,
        font_family: fonts::SANS.to_owned(),
        fontdb: Arc::clone(fontdb),
        image_href_resolver: usvg::ImageHrefResolver {
            resolve_data: Box::new(|_, _, _| None),
            resolve_string: Box::new(|_, _| None),
        },
        ..usvg::Options::default()
    }
}

/// A PNG, the time its encode took, and its tones, counted while encoding.
#[derive(Debug)]
pub struct RenderedPng {
    pub png: Vec<u8>,
    pub encode: Duration,
    pub tones: Tones,
}

/// Rasterises `svg` at exactly `size` pixels and encodes it as PNG (8 bits).
pub(crate) fn render_png(
    fontdb: &Arc<usvg::fontdb::Database>,
    svg: &str,
    size: Size,
) -> Result<RenderedPng, PaintError> {
    let (pixmap, soft) = rasterise(fontdb, svg, size)?;
    let started = Instant::now();
    if !soft && let Some(indexed) = indexed::encode(&pixmap)? {
        return Ok(RenderedPng {
            png: indexed.png,
            encode: started.elapsed(),
            tones: Tones::Palette(indexed.palette),
        });
    }
    let (png, luma) = encode_png(&pixmap, soft)?;
    Ok(RenderedPng {
        png,
        encode: started.elapsed(),
        tones: Tones::Luma(luma),
    })
}

fn err(e: png::EncodingError) -> PaintError {
    PaintError::Raster(format!("PNG encoding failed: {e}"))
}

/// A plain, fast PNG encode (fdeflate's fast mode, which codes runs of zeros): several times
/// quicker than zlib on these images, at larger files. At `png_optimization = 0` the service
/// stores it as it is (`pipeline/save.rs`); a higher level recompresses it with oxipng.
///
/// `soft` pictures (`soft.rs`) get a leaner variant: Paeth on every row (as small as adaptive
/// filtering on smooth images, without trying five filters per row), colour channels rounded
/// to even values, and RGB without an alpha channel when they are opaque (as they are unless
/// a frame clips them). Everything else keeps adaptive filters and RGBA.
///
/// Also returns the written pixels' luma histogram.
fn encode_png(
    pixmap: &tiny_skia::Pixmap,
    soft: bool,
) -> Result<(Vec<u8>, Box<[u64; 256]>), PaintError> {
    let opaque = || pixmap.data().chunks_exact(4).fold(255, |a, p| a & p[3]) == 255;
    let (px, color) = if !soft {
        let mut rgba = Vec::with_capacity(pixmap.data().len());
        for p in pixmap.pixels() {
            let c = p.demultiply();
            rgba.extend_from_slice(&[c.red(), c.green(), c.blue(), c.alpha()]);
        }
        (rgba, png::ColorType::Rgba)
    } else if opaque() {
        // Colour channels to even, half up (255 to 254), four bytes at once; alpha dropped.
        let mut px = vec![0u8; pixmap.pixels().len() * 3];
        for (o, p) in px.chunks_exact_mut(3).zip(pixmap.data().chunks_exact(4)) {
            let x = u32::from_le_bytes([p[0], p[1], p[2], p[3]]);
            o.copy_from_slice(&even_rgb(x).to_le_bytes()[..3]);
        }
        (px, png::ColorType::Rgb)
    } else {
        let even = |c: u8| c.saturating_add(1) & 0xfe;
        let mut px = Vec::with_capacity(pixmap.data().len());
        for p in pixmap.pixels() {
            let c = p.demultiply();
            px.extend_from_slice(&[even(c.red()), even(c.green()), even(c.blue()), c.alpha()]);
        }
        (px, png::ColorType::Rgba)
    };
    let luma = luma_histogram(&px, color.samples());
    let mut out = Vec::with_capacity(px.len() / 3);
    let mut enc = png::Encoder::new(&mut out, pixmap.width(), pixmap.height());
    enc.set_color(color);
    enc.set_depth(png::BitDepth::Eight);
    enc.set_compression(png::Compression::Fast);
    enc.set_filter(if soft {
        png::Filter::Paeth
    } else {
        png::Filter::Adaptive
    });
    let mut writer = enc.write_header().map_err(err)?;
    writer.write_image_data(&px).map_err(err)?;
    writer.finish().map_err(err)?;
    Ok((out, luma))
}

/// An opaque RGBA pixel (little-endian u32) with R, G and B rounded to even, half up, and 255
/// to 254: `c + (c & 1)` per byte, without the carry out of 255.
fn even_rgb(x: u32) -> u32 {
    let down = x & 0x00fe_fefe;
    // Bytes at 254 after rounding down must not go up: find them (v is even, so the zero-byte
    // test has no false positives).
    let v = down ^ 0x00fe_fefe;
    let at_top = (v.wrapping_sub(0x0101_0101) & !v & 0x0080_8080) >> 6;
    let up = ((x & 0x0001_0101) << 1) & !at_top;
    (down + up) | 0xff00_0000
}

/// Rasterises `svg`; also says whether it had soft groups (`soft.rs`).
pub(crate) fn rasterise(
    fontdb: &Arc<usvg::fontdb::Database>,
    svg: &str,
    size: Size,
) -> Result<(tiny_skia::Pixmap, bool), PaintError> {
    let tree =
        usvg::Tree::from_str(svg, &options(fontdb)).map_err(|e| PaintError::Svg(e.to_string()))?;
    let mut pixmap = tiny_skia::Pixmap::new(size.width, size.height).ok_or_else(|| {
        PaintError::Raster(format!("cannot allocate {}x{}", size.width, size.height))
    })?;
    let ts = tree.size();
    let transform = tiny_skia::Transform::from_scale(
        size.width as f32 / ts.width(),
        size.height as f32 / ts.height(),
    );
    let soft = crate::soft::render(&tree, transform, &mut pixmap);
    Ok((pixmap, soft))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::{InitialsRecipe, Painter, Recipe, Sitter};

    pub(crate) struct Glyph {
        pub family: String,
        pub id: u32,
        pub text: String,
        pub x: f32,
    }

    /// Every glyph usvg lays out for `svg` with the painter's fonts, with the face it came from.
    pub(crate) fn laid_out(painter: &Painter, svg: &str) -> Vec<Glyph> {
        fn walk(g: &usvg::Group, db: &usvg::fontdb::Database, out: &mut Vec<Glyph>) {
            for node in g.children() {
                match node {
                    usvg::Node::Group(g) => walk(g, db, out),
                    usvg::Node::Text(t) => {
                        for span in t.layouted() {
                            for gl in &span.positioned_glyphs {
                                out.push(Glyph {
                                    family: db.face(gl.font).unwrap().families[0].0.clone(),
                                    id: gl.id.0,
                                    text: gl.text.clone(),
                                    x: gl.transform().tx,
                                });
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
        let tree = usvg::Tree::from_str(svg, &options(&painter.fontdb)).unwrap();
        let mut out = Vec::new();
        walk(tree.root(), tree.fontdb(), &mut out);
        out
    }

    /// Every glyph laid out for the initials of `name`.
    fn glyphs(painter: &Painter, name: &str) -> Vec<Glyph> {
        let recipe = Recipe::Initials(InitialsRecipe::default());
        let sitter = Sitter {
            name,
            ..Sitter::new("glyphs")
        };
        let svg = painter
            .render_svg(&recipe, &sitter, Size::square(128))
            .unwrap();
        laid_out(painter, &svg)
    }

    #[test]
    fn every_script_gets_real_glyphs_from_the_right_face() {
        let p = Painter::new();
        let cases = [
            ("Tomás Oquendo", "DejaVu Sans", 2),
            ("Δημήτρης Παπαδόπουλος", "DejaVu Sans", 2),
            ("иван петров", "DejaVu Sans", 2),
            ("דוד לוי", "DejaVu Sans", 2),
            ("牧野 爛漫", "Droid Sans Fallback", 2),
            ("김 민준", "NanumSquare", 2),
            ("まき のぞみ", "Droid Sans Fallback", 2),
        ];
        for (name, family, n) in cases {
            let g = glyphs(&p, name);
            assert_eq!(g.len(), n, "{name}");
            for gl in &g {
                assert_ne!(gl.id, 0, "{name}: .notdef (tofu) for {:?}", gl.text);
                assert_eq!(gl.family, family, "{name}: {:?}", gl.text);
            }
        }
        // Mixed scripts: usvg re-shapes the run with the first face that has the missing letter
        // (here all of it with NanumSquare, which has Latin too): real glyphs either way.
        for name in ["John 김", "김 John", "John 牧野", "牧野 John"] {
            let g = glyphs(&p, name);
            assert_eq!(g.len(), 2, "{name}");
            assert!(g.iter().all(|gl| gl.id != 0), "{name}");
        }
        // Combining marks stay on their base: no glyph is .notdef, whatever the composition.
        let g = glyphs(&p, "E\u{301}mile Zola");
        assert!(!g.is_empty() && g.iter().all(|gl| gl.id != 0));
        assert!(g.iter().any(|gl| gl.text.starts_with('E')));
    }

    #[test]
    fn right_to_left_initials_are_ordered_and_shaped() {
        let p = Painter::new();
        // Hebrew: the first initial (ד) sits to the right of the second (ל).
        let g = glyphs(&p, "דוד לוי");
        let x = |t: &str, g: &[Glyph]| g.iter().find(|gl| gl.text.contains(t)).unwrap().x;
        assert!(x("ד", &g) > x("ל", &g));

        // Arabic: right to left, and each letter in its isolated form (ZWNJ keeps the two
        // initials from joining into a word): the same glyphs as each letter shaped alone.
        let g = glyphs(&p, "محمد علي");
        assert!(x("م", &g) > x("ع", &g));
        let alone_m = glyphs(&p, "م");
        let alone_ain = glyphs(&p, "ع");
        let id_of = |t: &str| g.iter().find(|gl| gl.text.contains(t)).unwrap().id;
        assert_eq!(id_of("م"), alone_m[0].id);
        assert_eq!(id_of("ع"), alone_ain[0].id);
        assert!(g.iter().all(|gl| gl.family == "DejaVu Sans"));
    }
}

/// Largest image `resize_png` accepts, by area, checked from the header before decoding.
const MAX_RESIZE_PIXELS: u64 = 4096 * 4096;

/// Scales a PNG down to `width` pixels wide, keeping the aspect ratio. Large reductions go by
/// halves (bilinear) before a final bicubic step, so thumbnails do not alias. An image already
/// at most `width` wide is returned re-encoded at its own size.
pub fn resize_png(png_bytes: &[u8], width: u32) -> Result<Vec<u8>, PaintError> {
    let bad = |e: String| PaintError::Raster(format!("cannot resize: {e}"));
    let header = png::Decoder::new(std::io::Cursor::new(png_bytes))
        .read_info()
        .map_err(|e| bad(e.to_string()))?;
    let (w0, h0) = (header.info().width, header.info().height);
    if u64::from(w0) * u64::from(h0) > MAX_RESIZE_PIXELS {
        return Err(bad(format!("{w0}x{h0} is larger than the limit")));
    }
    if width == 0 {
        return Err(PaintError::BadSize { width, height: 0 });
    }
    let mut current = tiny_skia::Pixmap::decode_png(png_bytes).map_err(|e| bad(e.to_string()))?;
    while current.width() >= width * 2 {
        current = scale(
            &current,
            current.width() / 2,
            tiny_skia::FilterQuality::Bilinear,
        )?;
    }
    if current.width() > width {
        current = scale(&current, width, tiny_skia::FilterQuality::Bicubic)?;
    }
    encode_png(&current, false).map(|(png, _)| png)
}

fn scale(
    src: &tiny_skia::Pixmap,
    width: u32,
    quality: tiny_skia::FilterQuality,
) -> Result<tiny_skia::Pixmap, PaintError> {
    let height = ((f64::from(src.height()) * f64::from(width) / f64::from(src.width())).round()
        as u32)
        .max(1);
    let mut dst =
        tiny_skia::Pixmap::new(width, height).ok_or(PaintError::BadSize { width, height })?;
    let paint = tiny_skia::PixmapPaint {
        quality,
        ..tiny_skia::PixmapPaint::default()
    };
    let transform = tiny_skia::Transform::from_scale(
        width as f32 / src.width() as f32,
        height as f32 / src.height() as f32,
    );
    dst.draw_pixmap(0, 0, src.as_ref(), &paint, transform, None);
    Ok(dst)
}

#[cfg(test)]
mod resize_tests {
    use super::*;

    #[test]
    fn even_rounding_is_half_up_and_saturates() {
        for c in 0..=255u32 {
            let want = if c == 255 { 254 } else { (c + 1) & !1 };
            let x = c | (c.wrapping_mul(7) & 0xff) << 8 | ((255 - c) << 16) | 0xff00_0000;
            let got = even_rgb(x);
            assert_eq!(got & 0xff, want, "{c}");
            let g = c.wrapping_mul(7) & 0xff;
            assert_eq!(got >> 8 & 0xff, if g == 255 { 254 } else { (g + 1) & !1 });
            let b = 255 - c;
            assert_eq!(got >> 16 & 0xff, if b == 255 { 254 } else { (b + 1) & !1 });
            assert_eq!(got >> 24, 255);
        }
    }
    use crate::{Painter, Recipe, Sitter};

    /// An opaque soft picture (a watercolor) is written as RGB, its pixels the drawing's
    /// rounded to even; with a clipped frame (transparent corners) it keeps its alpha.
    #[test]
    fn opaque_soft_pictures_are_rgb_with_even_channels() {
        let painter = Painter::new();
        for (frame, colour_type) in [("", 2u8), ("shape = \"circle\"", 6)] {
            let recipe: Recipe =
                toml::from_str(&format!("kind = \"watercolor\"\n{frame}")).unwrap();
            let svg = painter
                .render_svg(&recipe, &Sitter::new("rgb"), Size::square(64))
                .unwrap();
            let (pixmap, soft) = rasterise(&painter.fontdb, &svg, Size::square(64)).unwrap();
            assert!(soft);
            let (png_bytes, _) = encode_png(&pixmap, soft).unwrap();
            assert_eq!(png_bytes[25], colour_type, "colour type for {frame:?}");
            let mut decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
            decoder.set_transformations(png::Transformations::ALPHA);
            let mut reader = decoder.read_info().unwrap();
            let mut decoded = vec![0; reader.output_buffer_size().unwrap()];
            reader.next_frame(&mut decoded).unwrap();
            assert_eq!(decoded.len(), pixmap.pixels().len() * 4);
            for (p, q) in pixmap.pixels().iter().zip(decoded.chunks_exact(4)) {
                let c = p.demultiply();
                let even = |v: u8| v.saturating_add(1) & 0xfe;
                let want = [even(c.red()), even(c.green()), even(c.blue()), c.alpha()];
                assert_eq!(q, want);
            }
        }
    }

    #[test]
    fn resizes_keeping_the_aspect_ratio_and_the_picture() {
        let recipe = Recipe::Initials(crate::InitialsRecipe::default());
        let png_bytes = Painter::new()
            .render_png(
                &recipe,
                &Sitter::new("resize"),
                Size {
                    width: 512,
                    height: 640,
                },
            )
            .unwrap();
        let small = resize_png(&png_bytes, 64).unwrap();
        let decoded = png::Decoder::new(std::io::Cursor::new(&small))
            .read_info()
            .unwrap();
        assert_eq!((decoded.info().width, decoded.info().height), (64, 80));
        // Same picture: the mean colour survives the reduction.
        let mean = |bytes: &[u8]| {
            let p = tiny_skia::Pixmap::decode_png(bytes).unwrap();
            let n = p.pixels().len() as f64;
            p.pixels()
                .iter()
                .map(|c| f64::from(c.demultiply().red()))
                .sum::<f64>()
                / n
        };
        assert!((mean(&png_bytes) - mean(&small)).abs() < 6.0);
        // Never upscales.
        let same = resize_png(&small, 512).unwrap();
        assert_eq!(
            png::Decoder::new(std::io::Cursor::new(&same))
                .read_info()
                .unwrap()
                .info()
                .width,
            64
        );
        assert!(resize_png(b"not a png", 64).is_err());
    }
}
