// TEMPORARY dev tool (to be deleted): dump a watercolor SVG (stdout) and optionally a PNG.
use likeness_paint::*;
fn main() {
    let a: Vec<String> = std::env::args().collect();
    let age: u32 = a[2].parse().unwrap();
    let p: Presentation = a[3].parse().unwrap();
    let side: u32 = a.get(4).and_then(|s| s.parse().ok()).unwrap_or(512);
    let s = Sitter {
        age: Some(age),
        presentation: p,
        ..Sitter::new(&a[1])
    };
    let r = Recipe::Watercolor(WatercolorRecipe::default());
    let painter = Painter::new();
    let svg = painter.render_svg(&r, &s, Size::square(side)).unwrap();
    if let Some(out) = a.get(5) {
        std::fs::write(out, painter.render_png(&r, &s, Size::square(side)).unwrap()).unwrap();
    }
    print!("{svg}");
}
