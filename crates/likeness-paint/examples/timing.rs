//! Times renders per kind: `cargo run --release -p likeness-paint --example timing [SIDE] [N]
//! [KIND]` (KIND: only the kinds whose label starts with it, e.g. `watercolor`, for a profiler).

use likeness_paint::{CartoonRecipe, PosterRecipe};
use likeness_paint::{
    GeometricRecipe, GeometricVariant, InitialsRecipe, Painter, Presentation, Recipe, Sitter, Size,
    WatercolorRecipe,
};

const WORLDVIEWS: [&str; 7] = [
    "",
    "revolutionary",
    "moderate",
    "patriot",
    "skeptic",
    "tech optimist",
    "burnt out",
];

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let side: u32 = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(512);
    let n: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(20);
    let t = std::time::Instant::now();
    let painter = Painter::new();
    println!(
        "Painter::new (font database from 4 bundled faces): {:.2} ms",
        t.elapsed().as_secs_f64() * 1000.0
    );
    let size = Size::square(side);
    let mut kinds: Vec<(String, Recipe)> = vec![
        (
            "initials".into(),
            Recipe::Initials(InitialsRecipe::default()),
        ),
        (
            "geometric (seeded)".into(),
            Recipe::Geometric(GeometricRecipe::default()),
        ),
    ];
    for v in GeometricVariant::ALL {
        let r = GeometricRecipe {
            variant: Some(v),
            ..Default::default()
        };
        kinds.push((format!("geometric {v:?}"), Recipe::Geometric(r)));
    }
    kinds.push((
        "watercolor".into(),
        Recipe::Watercolor(WatercolorRecipe::default()),
    ));
    kinds.push(("poster".into(), Recipe::Poster(PosterRecipe::default())));
    kinds.push(("cartoon".into(), Recipe::Cartoon(CartoonRecipe::default())));
    let names = ["Tomás Oquendo", "牧野 爛漫", "محمد علي", "Zoë Bär"];
    let only = args.get(3).map(String::as_str).unwrap_or("");
    for (label, recipe) in kinds.iter().filter(|(l, _)| l.starts_with(only)) {
        let mut svg_ms = 0.0;
        let mut png_ms = 0.0;
        for i in 0..n {
            let seed = format!("timing-{i}");
            let sitter = Sitter {
                name: names[i % names.len()],
                presentation: [Presentation::Man, Presentation::Woman, Presentation::Person][i % 3],
                age: Some([6, 30, 85, 45][i % 4]),
                // Only the cartoon reads it: its themes, spread evenly over the run.
                worldview: Some(WORLDVIEWS[i % WORLDVIEWS.len()]),
                ..Sitter::new(&seed)
            };
            let t = std::time::Instant::now();
            let svg = painter.render_svg(recipe, &sitter, size).unwrap();
            svg_ms += t.elapsed().as_secs_f64() * 1000.0;
            let t = std::time::Instant::now();
            let png = painter.render_png(recipe, &sitter, size).unwrap();
            png_ms += t.elapsed().as_secs_f64() * 1000.0;
            assert!(!svg.is_empty() && !png.is_empty());
        }
        println!(
            "{label:<22} {side}px  svg {:>7.3} ms  svg+png {:>7.2} ms  (mean of {n})",
            svg_ms / n as f64,
            png_ms / n as f64
        );
    }
}
