//! Renders a contact sheet of every kind over a spread of sitters, for a human to look at.
//!
//! `cargo run -p likeness-paint --example sheet -- OUT.png [TILE_PX] [KIND]`
//!
//! Rows: initials in many scripts; the six geometric variants then two seeded ones; watercolor
//! across ages; across skin tones; and sitters known only by their seed. KIND limits the sheet
//! to `initials`, `geometric` or `watercolor`.

use likeness_paint::{
    GeometricRecipe, GeometricVariant, HairColor, HairLength, InitialsRecipe, Painter,
    Presentation, Recipe, Rgb, Shape, Sitter, Size, WatercolorRecipe,
};
use resvg::tiny_skia::{Color, Pixmap, PixmapPaint, Transform};

/// One tile: a recipe and an owned description of the sitter.
struct Tile {
    recipe: Recipe,
    seed: String,
    name: &'static str,
    presentation: Presentation,
    age: Option<u32>,
    hair_color: Option<HairColor>,
    hair_length: Option<HairLength>,
    skin: Option<Rgb>,
}

impl Tile {
    fn new(recipe: Recipe, seed: String) -> Tile {
        Tile {
            recipe,
            seed,
            name: "",
            presentation: Presentation::Person,
            age: None,
            hair_color: None,
            hair_length: None,
            skin: None,
        }
    }

    fn portrait(seed: String, presentation: Presentation, age: Option<u32>) -> Tile {
        Tile {
            presentation,
            age,
            ..Tile::new(Recipe::Watercolor(WatercolorRecipe::default()), seed)
        }
    }
}

fn rows(only: Option<&str>) -> Vec<Vec<Tile>> {
    use Presentation::{Man, Person, Woman};
    let want = |k: &str| only.is_none_or(|o| o == k);
    let mut rows = Vec::new();
    if want("initials") {
        let names = [
            "Tomás Oquendo",
            "牧野 爛漫",
            "محمد علي",
            "דוד לוי",
            "Zoe\u{308} Ba\u{308}r",
            "김 민준",
            "",
            "1234 !!",
        ];
        let shapes = [Shape::Square, Shape::Circle, Shape::Rounded];
        rows.push(
            names
                .iter()
                .enumerate()
                .map(|(i, name)| {
                    let recipe = InitialsRecipe {
                        shape: shapes[i % 3],
                        ..Default::default()
                    };
                    Tile {
                        name,
                        ..Tile::new(Recipe::Initials(recipe), format!("initials-{i}"))
                    }
                })
                .collect(),
        );
    }
    if want("geometric") {
        let mut row: Vec<Tile> = GeometricVariant::ALL
            .iter()
            .enumerate()
            .map(|(i, v)| {
                let recipe = GeometricRecipe {
                    variant: Some(*v),
                    ..Default::default()
                };
                Tile::new(Recipe::Geometric(recipe), format!("geo-{i}"))
            })
            .collect();
        for i in 0..2 {
            let recipe = GeometricRecipe {
                shape: Shape::Circle,
                ..Default::default()
            };
            row.push(Tile::new(
                Recipe::Geometric(recipe),
                format!("geo-seeded-{i}"),
            ));
        }
        rows.push(row);
    }
    if want("watercolor") {
        let ages = [
            (Person, 3),
            (Man, 7),
            (Woman, 16),
            (Woman, 30),
            (Man, 30),
            (Person, 45),
            (Woman, 72),
            (Man, 85),
        ];
        rows.push(
            ages.iter()
                .map(|(p, a)| Tile::portrait(format!("age-{p}-{a}"), *p, Some(*a)))
                .collect(),
        );
        let skins = [
            "#f7dfcb", "#efc8a6", "#e0ac84", "#c88e62", "#a86d45", "#865333", "#663e26", "#472b1b",
        ];
        rows.push(
            skins
                .iter()
                .enumerate()
                .map(|(i, s)| {
                    let p = [Woman, Man][i % 2];
                    Tile {
                        skin: Some(s.parse().expect("colour")),
                        hair_color: (i == 2).then_some(HairColor::Red),
                        hair_length: (i == 5).then_some(HairLength::Bald),
                        ..Tile::portrait(format!("skin-{i}"), p, Some(25 + 7 * i as u32))
                    }
                })
                .collect(),
        );
        rows.push(
            (0..8)
                .map(|i| Tile::portrait(format!("unknown-{i}"), Person, None))
                .collect(),
        );
    }
    rows
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let out = args
        .get(1)
        .cloned()
        .unwrap_or_else(|| "sheet.png".to_owned());
    let side: u32 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(192);
    let rows = rows(args.get(3).map(String::as_str));

    let painter = Painter::new();
    let gap = 8;
    let cols = rows.iter().map(Vec::len).max().unwrap_or(1) as u32;
    let mut sheet = Pixmap::new(
        cols * (side + gap) + gap,
        rows.len() as u32 * (side + gap) + gap,
    )
    .expect("sheet size");
    sheet.fill(Color::from_rgba8(250, 250, 248, 255));
    let size = Size::square(side);
    let started = std::time::Instant::now();
    let mut n = 0;
    for (r, row) in rows.iter().enumerate() {
        for (c, t) in row.iter().enumerate() {
            let sitter = Sitter {
                name: t.name,
                presentation: t.presentation,
                age: t.age,
                hair_color: t.hair_color,
                hair_length: t.hair_length,
                skin_tone: t.skin,
                ..Sitter::new(&t.seed)
            };
            let png = painter
                .render_png(&t.recipe, &sitter, size)
                .expect("render");
            n += 1;
            let img = Pixmap::decode_png(&png).expect("decode");
            sheet.draw_pixmap(
                (gap + c as u32 * (side + gap)) as i32,
                (gap + r as u32 * (side + gap)) as i32,
                img.as_ref(),
                &PixmapPaint::default(),
                Transform::identity(),
                None,
            );
        }
    }
    eprintln!(
        "{n} portraits at {side}px in {:.0} ms",
        started.elapsed().as_secs_f64() * 1000.0
    );
    sheet.save_png(&out).expect("write sheet");
    eprintln!("wrote {out}");
}
