//! Renders a contact sheet of every kind over a spread of sitters, for a human to look at.
//!
//! `cargo run -p likeness-paint --example sheet -- OUT.png [TILE_PX] [KIND]`
//!
//! KIND limits the sheet to `initials`, `geometric` or `watercolor` (default: all).

use likeness_paint::{
    GeometricRecipe, GeometricVariant, HairColor, HairLength, InitialsRecipe, Painter,
    Presentation, Recipe, Rgb, Shape, Sitter, Size, WatercolorRecipe,
};
use resvg::tiny_skia::{Color, Pixmap, PixmapPaint, Transform};

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

fn tile(recipe: Recipe, seed: &str) -> Tile {
    Tile {
        recipe,
        seed: seed.to_owned(),
        name: "",
        presentation: Presentation::Person,
        age: None,
        hair_color: None,
        hair_length: None,
        skin: None,
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let out = args.get(1).cloned().unwrap_or_else(|| "sheet.png".to_owned());
    let side: u32 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(192);
    let only = args.get(3).cloned();
    let want = |k: &str| only.as_deref().is_none_or(|o| o == k);

    let mut rows: Vec<Vec<Tile>> = Vec::new();
    if want("initials") {
        let names = [
            "Tomás Oquendo",
            "牧野 爛漫",
            "محمد علي",
            "דוד לוי",
            "Zoe\u{308} Ba\u{308}r",
            "Δημήτρης Παπαδόπουλος",
            "",
            "1234 !!",
        ];
        let shapes = [Shape::Square, Shape::Circle, Shape::Rounded];
        rows.push(
            names
                .iter()
                .enumerate()
                .map(|(i, n)| {
                    let r = InitialsRecipe { shape: shapes[i % 3], ..Default::default() };
                    Tile { name: n, ..tile(Recipe::Initials(r), &format!("initials-{i}")) }
                })
                .collect(),
        );
    }
    if want("geometric") {
        let mut row: Vec<Tile> = GeometricVariant::ALL
            .iter()
            .enumerate()
            .map(|(i, v)| {
                let r = GeometricRecipe { variant: Some(*v), ..Default::default() };
                tile(Recipe::Geometric(r), &format!("geo-{i}"))
            })
            .collect();
        for i in 0..2 {
            let r = GeometricRecipe { shape: Shape::Circle, ..Default::default() };
            row.push(tile(Recipe::Geometric(r), &format!("geo-seeded-{i}")));
        }
        rows.push(row);
    }
    if want("watercolor") {
        use HairColor as C;
        use Presentation::*;
        let skin = |s: &str| Some(s.parse::<Rgb>().unwrap());
        let people: [(Presentation, Option<u32>, Option<HairColor>, Option<HairLength>, Option<Rgb>); 16] = [
            (Man, Some(6), None, None, skin("#f1c9a5")),
            (Woman, Some(7), None, None, skin("#8a5232")),
            (Woman, Some(30), Some(C::DarkBrown), None, skin("#e0ac82")),
            (Man, Some(30), Some(C::Black), None, skin("#6b3d24")),
            (Person, Some(24), None, None, None),
            (Woman, Some(45), Some(C::Blond), Some(HairLength::Medium), skin("#f7dfcb")),
            (Man, Some(50), Some(C::Red), Some(HairLength::Short), None),
            (Woman, Some(72), None, None, skin("#a86b43")),
            (Man, Some(85), None, None, skin("#efc8a6")),
            (Man, Some(85), Some(C::White), Some(HairLength::Bald), skin("#472b1b")),
            (Woman, Some(88), Some(C::White), Some(HairLength::Short), None),
            (Person, None, None, None, None),
            (Man, None, None, None, None),
            (Woman, None, None, None, None),
            (Woman, Some(16), Some(C::Auburn), Some(HairLength::Long), None),
            (Man, Some(3), Some(C::Blond), None, None),
        ];
        for chunk in people.chunks(8) {
            rows.push(
                chunk
                    .iter()
                    .enumerate()
                    .map(|(i, (p, age, hc, hl, sk))| Tile {
                        presentation: *p,
                        age: *age,
                        hair_color: *hc,
                        hair_length: *hl,
                        skin: *sk,
                        ..tile(
                            Recipe::Watercolor(WatercolorRecipe::default()),
                            &format!("wc-{p}-{age:?}-{i}"),
                        )
                    })
                    .collect(),
            );
        }
    }

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
                seed: &t.seed,
                name: t.name,
                presentation: t.presentation,
                age: t.age,
                hair_color: t.hair_color,
                hair_length: t.hair_length,
                skin_tone: t.skin,
            };
            let png = painter.render_png(&t.recipe, &sitter, size).expect("render");
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
