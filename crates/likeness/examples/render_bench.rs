//! One-core render throughput of a built-in style, for `bench/render.sh` (not a test).
//!
//!   cargo run --release -p likeness --example render_bench -- STYLE [COUNT] [SIZE]
//!
//! Draws COUNT avatars (default 2000) of STYLE with SIZE px (default 256) on the short edge, on
//! this thread, over a spread of seeds, names, ages and genders, and prints one JSON line:
//! SVG/s, PNG/s (SVG → resvg → PNG, as the renderer hands it over), PNG+oxipng/s and bytes as
//! likeness stores them (oxipng preset 0, the default `generate.png_optimization`), and peak
//! RSS.

use std::time::Instant;

use likeness_paint::{Painter, Presentation, Recipe, Sitter, Size};
use likeness_styles::Catalog;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let Some(style_name) = args.get(1) else {
        eprintln!("usage: render_bench STYLE [COUNT] [SIZE]");
        std::process::exit(1);
    };
    let count: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(2000);
    let side: u32 = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(256);
    let catalog = Catalog::builtin();
    let style = catalog.get(style_name).unwrap_or_else(|e| panic!("{e}"));
    let table = style
        .renderer
        .clone()
        .unwrap_or_else(|| panic!("{style_name} has no [renderer]"));
    let recipe: Recipe = toml::Value::Table(table)
        .try_into()
        .expect("a valid recipe");
    let (width, height) = style
        .dimensions(None)
        .map(|(w, h)| {
            // The style's aspect ratio with SIZE px on the short edge: a 4:5 style draws
            // more pixels than a square one, never fewer.
            let short = w.min(h);
            (w * side / short, h * side / short)
        })
        .expect("dimensions");
    let size = Size { width, height };
    let painter = Painter::new();
    let names = [
        "Tomás Oquendo",
        "Mei Lin",
        "Ada Okafor",
        "Jamal Carter",
        "Noa Levi",
    ];
    let seeds: Vec<String> = (0..count).map(|i| format!("bench-{i}")).collect();
    let sitter = |i: usize| Sitter {
        name: names[i % names.len()],
        presentation: [Presentation::Man, Presentation::Woman, Presentation::Person][i % 3],
        age: Some([4, 17, 30, 45, 62, 85][i % 6]),
        ..Sitter::new(&seeds[i])
    };

    let t = Instant::now();
    let mut svg_bytes = 0usize;
    for i in 0..count {
        svg_bytes += painter.render_svg(&recipe, &sitter(i), size).unwrap().len();
    }
    let svg_s = t.elapsed().as_secs_f64();

    // PNGs are optimised as they come, not kept, so peak RSS is one image's worth.
    let (mut png_s, mut opt_s) = (0.0, 0.0);
    let (mut png_bytes, mut stored_bytes) = (0usize, 0usize);
    for i in 0..count {
        let t = Instant::now();
        let png = painter.render_png(&recipe, &sitter(i), size).unwrap();
        png_s += t.elapsed().as_secs_f64();
        png_bytes += png.len();
        let t = Instant::now();
        stored_bytes += likeness::pipeline::save::optimise_png(png, 0)
            .unwrap()
            .len();
        opt_s += t.elapsed().as_secs_f64();
    }

    let rss_kb = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
        })
        .unwrap_or(0);
    let n = count as f64;
    println!(
        "{}",
        serde_json::json!({
            "engine": "likeness", "style": style_name, "count": count,
            "width": width, "height": height,
            "svg_per_s": n / svg_s, "svg_bytes": svg_bytes as f64 / n,
            "png_per_s": n / png_s, "png_bytes": png_bytes as f64 / n,
            "stored_per_s": n / (png_s + opt_s), "stored_bytes": stored_bytes as f64 / n,
            "peak_rss_kb": rss_kb,
        })
    );
}
