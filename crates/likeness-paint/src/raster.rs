//! SVG → PNG through usvg/resvg/tiny-skia, with every resource loader switched off.

use std::sync::Arc;

use resvg::tiny_skia;
use resvg::usvg;

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

/// Rasterises `svg` at exactly `size` pixels and encodes it as PNG (RGBA, 8 bits).
pub(crate) fn render_png(
    fontdb: &Arc<usvg::fontdb::Database>,
    svg: &str,
    size: Size,
) -> Result<Vec<u8>, PaintError> {
    let pixmap = rasterise(fontdb, svg, size)?;
    encode_png(&pixmap)
}

/// A plain, fast PNG encode (fdeflate's fast mode, adaptive filters): several times quicker
/// than tiny-skia's default `encode_png` on textured images, at slightly larger files. The
/// service recompresses with oxipng before storing, so speed is what matters here.
fn encode_png(pixmap: &tiny_skia::Pixmap) -> Result<Vec<u8>, PaintError> {
    let mut rgba = Vec::with_capacity(pixmap.data().len());
    for p in pixmap.pixels() {
        let c = p.demultiply();
        rgba.extend_from_slice(&[c.red(), c.green(), c.blue(), c.alpha()]);
    }
    let err = |e: png::EncodingError| PaintError::Raster(format!("PNG encoding failed: {e}"));
    let mut out = Vec::with_capacity(rgba.len() / 3);
    let mut enc = png::Encoder::new(&mut out, pixmap.width(), pixmap.height());
    enc.set_color(png::ColorType::Rgba);
    enc.set_depth(png::BitDepth::Eight);
    enc.set_compression(png::Compression::Fast);
    enc.set_filter(png::Filter::Adaptive);
    let mut writer = enc.write_header().map_err(err)?;
    writer.write_image_data(&rgba).map_err(err)?;
    writer.finish().map_err(err)?;
    Ok(out)
}

pub(crate) fn rasterise(
    fontdb: &Arc<usvg::fontdb::Database>,
    svg: &str,
    size: Size,
) -> Result<tiny_skia::Pixmap, PaintError> {
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
    resvg::render(&tree, transform, &mut pixmap.as_mut());
    Ok(pixmap)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{InitialsRecipe, Painter, Recipe, Sitter};

    struct Glyph {
        family: String,
        id: u32,
        text: String,
        x: f32,
    }

    /// Every glyph usvg laid out for the initials of `name`, with the face it came from.
    fn glyphs(painter: &Painter, name: &str) -> Vec<Glyph> {
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
        let recipe = Recipe::Initials(InitialsRecipe::default());
        let sitter = Sitter {
            name,
            ..Sitter::new("glyphs")
        };
        let svg = painter
            .render_svg(&recipe, &sitter, Size::square(128))
            .unwrap();
        let tree = usvg::Tree::from_str(&svg, &options(&painter.fontdb)).unwrap();
        let mut out = Vec::new();
        walk(tree.root(), tree.fontdb(), &mut out);
        out
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
