//! Renders a contact sheet of every kind over a spread of sitters, for a human to look at.
//!
//! `cargo run -p likeness-paint --example sheet -- OUT.png [TILE_PX] [KIND]`
//!
//! Rows: initials in many scripts; the six geometric variants then two seeded ones; watercolor
//! across ages; across skin tones; and sitters known only by their seed; then six cartoon rows
//! (ages 1-95, adults by worldview, the skin range, each worldview for women and for men, pinned
//! features, then every hair style pinned); then three poster rows. KIND limits the sheet to `initials`, `geometric`,
//! `watercolor`, `cartoon` or `poster`.

use likeness_paint::{CartoonRecipe, FacialHair, HairStyle, HeadCovering, PosterRecipe};
use likeness_paint::{
    Frame, GeometricRecipe, GeometricVariant, HairColor, HairLength, InitialsRecipe, Painter,
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
    worldview: &'static str,
    glasses: Option<bool>,
    facial_hair: Option<FacialHair>,
    head_covering: Option<HeadCovering>,
    hair_style: Option<HairStyle>,
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
            worldview: "",
            glasses: None,
            facial_hair: None,
            head_covering: None,
            hair_style: None,
        }
    }

    fn cartoon(
        seed: String,
        presentation: Presentation,
        age: u32,
        worldview: &'static str,
    ) -> Tile {
        Tile {
            presentation,
            age: Some(age),
            worldview,
            ..Tile::new(Recipe::Cartoon(CartoonRecipe::default()), seed)
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
    let want = |k: &str| only.is_none_or(|o| o.split(',').any(|x| x == k));
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
                        frame: Frame {
                            shape: shapes[i % 3],
                            ..Frame::default()
                        },
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
                frame: Frame {
                    shape: Shape::Circle,
                    ..Frame::default()
                },
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
        rows.extend(watercolor_wear_rows());
    }
    if want("cartoon") {
        rows.extend(cartoon_rows());
    }
    if want("poster") {
        // Three rows across ages and presentations; about two in three turn.
        let ages = [9, 12, 24, 31, 38, 47, 58, 72];
        for (r, p) in [Woman, Man, Person].into_iter().enumerate() {
            rows.push(
                ages.iter()
                    .enumerate()
                    .map(|(i, a)| Tile {
                        presentation: p,
                        age: Some(*a),
                        ..Tile::new(
                            Recipe::Poster(PosterRecipe::default()),
                            format!("poster-{r}-{i}"),
                        )
                    })
                    .collect(),
            );
        }
    }
    rows
}

/// Every haircut in profile (two rows), then what is worn: coverings, glasses, facial hair.
fn watercolor_wear_rows() -> Vec<Vec<Tile>> {
    use HairStyle::*;
    use Presentation::{Man, Woman};
    let cuts = [
        (Man, Bald),
        (Man, Receding),
        (Man, Buzz),
        (Man, Crop),
        (Man, Fade),
        (Man, SidePart),
        (Woman, Curly),
        (Woman, Afro),
        (Man, Locs),
        (Woman, Braids),
        (Woman, Bun),
        (Woman, Ponytail),
        (Woman, Bob),
        (Woman, Wavy),
        (Woman, Long),
        (Man, Curly),
    ];
    let cut = |(i, (p, style)): (usize, &(Presentation, HairStyle))| Tile {
        hair_style: Some(*style),
        glasses: Some(false),
        facial_hair: Some(FacialHair::None),
        head_covering: Some(HeadCovering::None),
        hair_color: Some([HairColor::DarkBrown, HairColor::Black, HairColor::Brown][i % 3]),
        ..Tile::portrait(format!("cut-{i}"), *p, Some(22 + i as u32))
    };
    let wear = |i: usize, p, covering, glasses, facial| Tile {
        head_covering: Some(covering),
        glasses: Some(glasses),
        facial_hair: Some(facial),
        hair_color: Some([HairColor::Black, HairColor::Auburn, HairColor::DarkBrown][i % 3]),
        ..Tile::portrait(format!("wear-{i}"), p, Some(30 + 6 * i as u32))
    };
    let worn = vec![
        wear(0, Woman, HeadCovering::Headscarf, false, FacialHair::None),
        wear(1, Man, HeadCovering::Beanie, false, FacialHair::Stubble),
        wear(2, Woman, HeadCovering::Headband, false, FacialHair::None),
        wear(3, Woman, HeadCovering::None, true, FacialHair::None),
        wear(4, Man, HeadCovering::None, true, FacialHair::Beard),
        wear(5, Man, HeadCovering::None, false, FacialHair::Goatee),
        wear(6, Man, HeadCovering::None, false, FacialHair::Moustache),
        wear(7, Woman, HeadCovering::Headscarf, true, FacialHair::None),
    ];
    vec![
        cuts[..8].iter().enumerate().map(cut).collect(),
        cuts[8..]
            .iter()
            .enumerate()
            .map(|(i, c)| cut((i + 8, c)))
            .collect(),
        worn,
    ]
}

fn cartoon_rows() -> Vec<Vec<Tile>> {
    use Presentation::{Man, Person, Woman};
    let views = [
        "revolutionary",
        "moderate",
        "patriot",
        "skeptic",
        "tech optimist",
        "burnt out",
        "",
        "runs on coffee",
    ];
    let young = [
        (Person, 1),
        (Woman, 3),
        (Man, 6),
        (Woman, 9),
        (Man, 12),
        (Woman, 16),
        (Man, 20),
        (Person, 25),
    ];
    let adults = [
        (Woman, 30),
        (Man, 30),
        (Person, 38),
        (Woman, 45),
        (Man, 55),
        (Woman, 65),
        (Man, 75),
        (Man, 85),
    ];
    let skins = [
        "#f7dfcb", "#efc8a6", "#e0ac84", "#c88e62", "#a86d45", "#865333", "#663e26", "#472b1b",
    ];
    let mut rows = vec![
        young
            .iter()
            .enumerate()
            .map(|(i, (p, a))| Tile::cartoon(format!("cartoon-young-{i}"), *p, *a, ""))
            .collect(),
        adults
            .iter()
            .enumerate()
            .map(|(i, (p, a))| Tile::cartoon(format!("cartoon-adult-{i}"), *p, *a, views[i]))
            .collect(),
        skins
            .iter()
            .enumerate()
            .map(|(i, s)| Tile {
                skin: Some(s.parse().expect("colour")),
                ..Tile::cartoon(
                    format!("cartoon-skin-{i}"),
                    [Woman, Man][i % 2],
                    22 + 8 * i as u32,
                    views[(i + 6) % 8],
                )
            })
            .collect(),
    ];
    for (r, p) in [Woman, Man].into_iter().enumerate() {
        rows.push(
            views
                .iter()
                .enumerate()
                .map(|(i, v)| {
                    let age = 26 + 7 * i as u32 + 3 * r as u32;
                    Tile::cartoon(format!("cartoon-view-{r}-{i}"), p, age, v)
                })
                .collect(),
        );
    }
    let pins = [
        (Woman, 34),
        (Man, 58),
        (Woman, 27),
        (Man, 19),
        (Woman, 40),
        (Man, 95),
        (Woman, 23),
        (Man, 31),
    ];
    rows.push(
        pins.iter()
            .enumerate()
            .map(|(i, (p, a))| {
                let t = Tile::cartoon(format!("cartoon-pin-{i}"), *p, *a, views[(i + 2) % 8]);
                match i {
                    0 => Tile {
                        glasses: Some(true),
                        ..t
                    },
                    1 => Tile {
                        facial_hair: Some(FacialHair::Beard),
                        ..t
                    },
                    2 => Tile {
                        head_covering: Some(HeadCovering::Headscarf),
                        ..t
                    },
                    3 => Tile {
                        head_covering: Some(HeadCovering::Beanie),
                        ..t
                    },
                    4 => Tile {
                        hair_style: Some(HairStyle::Afro),
                        ..t
                    },
                    5 => Tile {
                        hair_style: Some(HairStyle::Bald),
                        glasses: Some(true),
                        ..t
                    },
                    6 => Tile {
                        hair_style: Some(HairStyle::Braids),
                        ..t
                    },
                    _ => Tile {
                        hair_style: Some(HairStyle::Locs),
                        facial_hair: Some(FacialHair::Goatee),
                        ..t
                    },
                }
            })
            .collect(),
    );
    rows.extend(cartoon_cut_rows());
    rows
}

/// Every hair style pinned on the cartoon (two rows of eight), the last with a headband.
fn cartoon_cut_rows() -> Vec<Vec<Tile>> {
    use HairStyle::*;
    use Presentation::{Man, Woman};
    let cuts = [
        (Man, Bald),
        (Man, Receding),
        (Man, Buzz),
        (Man, Crop),
        (Man, Fade),
        (Man, SidePart),
        (Woman, Curly),
        (Woman, Afro),
        (Man, Locs),
        (Woman, Braids),
        (Woman, Bun),
        (Woman, Ponytail),
        (Woman, Bob),
        (Woman, Wavy),
        (Woman, Long),
        (Woman, Curly),
    ];
    let tiles: Vec<Tile> = cuts
        .iter()
        .enumerate()
        .map(|(i, (p, style))| Tile {
            hair_style: Some(*style),
            glasses: Some(false),
            facial_hair: Some(FacialHair::None),
            head_covering: Some(if i == 15 {
                HeadCovering::Headband
            } else {
                HeadCovering::None
            }),
            hair_color: Some([HairColor::DarkBrown, HairColor::Black, HairColor::Auburn][i % 3]),
            ..Tile::cartoon(format!("cartoon-cut-{i}"), *p, 20 + 3 * i as u32, "")
        })
        .collect();
    let mut tiles = tiles.into_iter();
    vec![tiles.by_ref().take(8).collect(), tiles.collect()]
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
                worldview: Some(t.worldview).filter(|w| !w.is_empty()),
                glasses: t.glasses,
                facial_hair: t.facial_hair,
                head_covering: t.head_covering,
                hair_style: t.hair_style,
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
