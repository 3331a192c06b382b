//! Bytes and encode time per output format of a built-in style, for `bench/formats.sh` (not a
//! test).
//!
//!   cargo run --release -p likeness --example formats_bench -- STYLE [COUNT] [SIZE]
//!
//! Draws COUNT avatars (default 50) of STYLE at SIZE px (default 256) on this thread, over the
//! seeds and names `render_bench` uses, and encodes each picture as likeness stores it: PNG
//! (as the pipeline stores it at `png_optimization = 0`: as drawn; and at 2, through oxipng's
//! preset 2), lossless WebP, lossy
//! WebP at the default quality, the WebP `/assets/` derives (the smaller of lossless and lossy
//! at its quality), and AVIF at the default quality and `encode::AVIF_SPEED`. Prints one JSON
//! line: mean bytes and mean encode milliseconds per format.

use std::time::Instant;

use likeness::encode::{self, OutputFormat, Rgba};
use likeness_paint::{Painter, Presentation, Recipe, Sitter, Size};
use likeness_styles::{Catalog, DEFAULT_AVIF_QUALITY, DEFAULT_WEBP_QUALITY};

/// PNG as drawn, PNG through oxipng 2, WebP lossless, lossy and derived, AVIF.
const FORMATS: usize = 6;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let Some(style_name) = args.get(1) else {
        eprintln!("usage: formats_bench STYLE [COUNT] [SIZE]");
        std::process::exit(1);
    };
    let count: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(50);
    let side: u32 = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(256);
    let catalog = Catalog::builtin();
    let style = catalog.get(style_name).unwrap_or_else(|e| panic!("{e}"));
    let table = style.renderer.clone().expect("a [renderer] table");
    let recipe: Recipe = toml::Value::Table(table).try_into().expect("a recipe");
    let painter = Painter::new();
    let names = [
        "Tomás Oquendo",
        "Mei Lin",
        "Ada Okafor",
        "Jamal Carter",
        "Noa Levi",
    ];
    let seeds: Vec<String> = (0..count).map(|i| format!("bench-{i}")).collect();

    let formats: [(&str, Option<OutputFormat>); FORMATS] = [
        ("png", Some(OutputFormat::Png)),
        ("png_o2", Some(OutputFormat::Png)),
        ("webp", Some(OutputFormat::Webp)),
        (
            "webp_lossy",
            Some(OutputFormat::WebpLossy {
                quality: DEFAULT_WEBP_QUALITY,
            }),
        ),
        ("webp_derived", None),
        (
            "avif",
            Some(OutputFormat::Avif {
                quality: DEFAULT_AVIF_QUALITY,
            }),
        ),
    ];
    let mut bytes = [0usize; FORMATS];
    let mut seconds = [0f64; FORMATS];
    for (i, seed) in seeds.iter().enumerate() {
        let sitter = Sitter {
            name: names[i % names.len()],
            presentation: [Presentation::Man, Presentation::Woman, Presentation::Person][i % 3],
            age: Some([4, 17, 30, 45, 62, 85][i % 6]),
            ..Sitter::new(seed)
        };
        let png = painter
            .render_png(&recipe, &sitter, Size::square(side))
            .expect("drawn");
        let decoded = encode::decode(&png).expect("decoded");
        let rgba = Rgba {
            pixels: decoded.as_raw(),
            width: decoded.width(),
            height: decoded.height(),
        };
        for (slot, (name, format)) in formats.iter().enumerate() {
            let t = Instant::now();
            let out = match (*name, format) {
                // As the pipeline stores the renderer's PNG at `png_optimization = 0`.
                ("png", _) => png.clone(),
                ("png_o2", _) => encode::optimise_png(png.clone(), 2).unwrap(),
                (_, Some(format)) => encode::encode(&rgba, *format, 0).unwrap(),
                (_, None) => encode::smallest_webp(&rgba).unwrap(),
            };
            seconds[slot] += t.elapsed().as_secs_f64();
            bytes[slot] += out.len();
        }
    }
    let n = count as f64;
    let mut line = serde_json::json!({"engine": "likeness", "style": style_name, "count": count, "size": side});
    for (slot, (name, _)) in formats.iter().enumerate() {
        line[format!("{name}_bytes")] = (bytes[slot] as f64 / n).into();
        line[format!("{name}_ms")] = (seconds[slot] * 1000.0 / n).into();
    }
    println!("{line}");
}
