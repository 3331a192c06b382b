// TEMPORARY dev tool (to be deleted)
use likeness_paint::*;
use resvg::tiny_skia::{Pixmap, PixmapPaint, Transform};
fn main() {
    let a: Vec<String> = std::env::args().collect();
    let v: GeometricVariant = match a[1].as_str() {
        "marble" => GeometricVariant::Marble,
        "ring" => GeometricVariant::Ring,
        "beam" => GeometricVariant::Beam,
        "bauhaus" => GeometricVariant::Bauhaus,
        "sunset" => GeometricVariant::Sunset,
        _ => GeometricVariant::Pixel,
    };
    let r = Recipe::Geometric(GeometricRecipe {
        variant: Some(v),
        ..Default::default()
    });
    let p = Painter::new();
    let mut sheet = Pixmap::new(8 * 136, 2 * 136).unwrap();
    for i in 0..16 {
        let seed = format!("s{i}");
        let png = p
            .render_png(&r, &Sitter::new(&seed), Size::square(128))
            .unwrap();
        let img = Pixmap::decode_png(&png).unwrap();
        sheet.draw_pixmap(
            (i % 8) * 136,
            (i / 8) * 136,
            img.as_ref(),
            &PixmapPaint::default(),
            Transform::identity(),
            None,
        );
    }
    sheet.save_png(&a[2]).unwrap();
}
