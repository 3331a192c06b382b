//! `kind = "cartoon"` through the public API: determinism and golden output, each worldview's
//! palette measured on decoded pixels, the expression's props, pins that must show in the
//! drawing, and a sweep over every age, presentation and some odd sizes.

use crate::common;

use common::{Image, lum};
use likeness_paint::{
    CartoonRecipe, CartoonTheme, FacialHair, HairStyle, HeadCovering, Painter, Presentation,
    Recipe, Rgb, Sitter, Size,
};
use sha2::{Digest, Sha256};

const SIZE: Size = Size {
    width: 128,
    height: 128,
};

fn cartoon() -> Recipe {
    Recipe::Cartoon(CartoonRecipe::default())
}

fn sitter(seed: &str, presentation: Presentation, age: u32) -> Sitter<'_> {
    Sitter {
        presentation,
        age: Some(age),
        ..Sitter::new(seed)
    }
}

/// The drawing without its per-seed id prefix, so two seeds' drawings can be compared.
fn drawing(svg: &str) -> String {
    let prefix = svg.split(" id=\"").nth(1).unwrap()[..10].to_owned();
    svg.replace(&prefix, "")
}

fn hue_sat(p: [u8; 4]) -> (f64, f64) {
    let [r, g, b] = [p[0], p[1], p[2]].map(|c| f64::from(c) / 255.0);
    let (max, min) = (r.max(g).max(b), r.min(g).min(b));
    let d = max - min;
    let sat = if max > 0.0 { d / max } else { 0.0 };
    if d < 1e-9 {
        return (0.0, sat);
    }
    let h = if max == r {
        60.0 * ((g - b) / d).rem_euclid(6.0)
    } else if max == g {
        60.0 * ((b - r) / d + 2.0)
    } else {
        60.0 * ((r - g) / d + 4.0)
    };
    (h, sat)
}

/// Share of pixels for which `f` holds.
fn share(img: &Image, f: impl Fn([u8; 4]) -> bool) -> f64 {
    img.px.iter().filter(|p| f(**p)).count() as f64 / img.px.len() as f64
}

fn strong_red(p: [u8; 4]) -> bool {
    let (h, s) = hue_sat(p);
    s > 0.55 && !(20.0..=340.0).contains(&h) && p[0] > 140
}

fn near_black(p: [u8; 4]) -> bool {
    lum(p) < 0.16
}

fn blue_purple(p: [u8; 4]) -> bool {
    let (h, s) = hue_sat(p);
    s > 0.35 && (210.0..=290.0).contains(&h)
}

fn render(p: &Painter, r: &Recipe, s: &Sitter) -> Image {
    Image::decode(&p.render_png(r, s, SIZE).unwrap())
}

#[test]
fn same_sitter_same_bytes_across_painters_and_threads() {
    let s = Sitter {
        glasses: Some(true),
        worldview: Some("Tech optimist"),
        ..sitter("subject-42:cartoon:1", Presentation::Woman, 34)
    };
    common::assert_same_bytes_everywhere(&cartoon(), &s, SIZE);
}

#[test]
fn different_seeds_give_different_cartoons() {
    let p = Painter::new();
    let mut svgs: Vec<String> = (0..12)
        .map(|i| {
            let seed = format!("seed-{i}");
            drawing(
                &p.render_svg(&cartoon(), &sitter(&seed, Presentation::Man, 40), SIZE)
                    .unwrap(),
            )
        })
        .collect();
    svgs.sort();
    svgs.dedup();
    assert_eq!(svgs.len(), 12);
}

/// Pinned SHA-256 of the SVG for three fixed sitters, with a look at their pixels so a golden
/// cannot pass on an empty picture. When a drawing change is intended, update these *and* bump
/// the `version` of the styles using `kind = "cartoon"`, so stored portraits are regenerated.
#[test]
fn golden_svgs_are_stable_and_show_a_face() {
    let p = Painter::new();
    let skin = Rgb(0x8d, 0x55, 0x24);
    let cases = [
        Sitter {
            skin_tone: Some(skin),
            worldview: Some("burnt out"),
            ..sitter("golden-subject:cartoon:1", Presentation::Woman, 30)
        },
        Sitter {
            skin_tone: Some(skin),
            hair_style: Some(HairStyle::Receding),
            facial_hair: Some(FacialHair::Beard),
            glasses: Some(true),
            worldview: Some("Revolutionary"),
            ..sitter("golden-subject-2:cartoon:1", Presentation::Man, 85)
        },
        Sitter {
            skin_tone: Some(skin),
            ..sitter("golden-subject-3:cartoon:1", Presentation::Person, 6)
        },
    ];
    let mut got = Vec::new();
    for s in &cases {
        let svg = p.render_svg(&cartoon(), s, SIZE).unwrap();
        got.push(
            Sha256::digest(svg.as_bytes())[..8]
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>(),
        );
        let img = render(&p, &cartoon(), s);
        assert!(img.variance() > 0.01 && img.colours() > 20, "{}", s.seed);
        // The pinned skin shows across the face: a good share of pixels in the middle third.
        let face = (img.h / 3..img.h * 2 / 3)
            .flat_map(|y| (img.w / 3..img.w * 2 / 3).map(move |x| (x, y)))
            .filter(|&(x, y)| {
                let c = img.at(x, y);
                let d = |a: u8, b: u8| (i32::from(a) - i32::from(b)).abs();
                d(c[0], skin.0) + d(c[1], skin.1) + d(c[2], skin.2) < 24
            })
            .count();
        assert!(
            face > img.w * img.h / 9 / 4,
            "{}: {face} skin pixels",
            s.seed
        );
    }
    assert_eq!(
        got,
        ["d6497f2367ca58a4", "97e2ed6042c5d3f4", "b2225fe60c4c2a08"]
    );
}

#[test]
fn worldviews_set_the_palette() {
    let p = Painter::new();
    let seeds: Vec<String> = (0..6).map(|i| format!("palette-{i}")).collect();
    for seed in &seeds {
        let with = |w: Option<&'static str>| {
            let s = Sitter {
                worldview: w,
                ..sitter(seed, Presentation::Person, 35)
            };
            render(&p, &cartoon(), &s)
        };
        let cheerful = with(None);
        // A light, friendly ground with colour in it.
        let top_row: Vec<[u8; 4]> = (0..cheerful.w).map(|x| cheerful.at(x, 2)).collect();
        let bright = top_row.iter().map(|c| lum(*c)).sum::<f64>() / top_row.len() as f64;
        assert!(bright > 0.6, "{seed}: cheerful ground {bright:.2}");

        let red = with(Some("Revolutionary"));
        let (r, k) = (share(&red, strong_red), share(&red, near_black));
        assert!(
            r > 0.08 && r + k > 0.5,
            "{seed}: revolutionary red {r:.2}, black {k:.2}"
        );
        assert!(share(&cheerful, strong_red) < r / 2.0, "{seed}");

        let tech = with(Some("tech optimist"));
        let b = share(&tech, blue_purple);
        assert!(b > 0.45, "{seed}: tech blue/purple {b:.2}");
        assert!(share(&cheerful, blue_purple) < b / 2.0, "{seed}");

        let patriot = with(Some("patriot"));
        let blue = share(&patriot, |c| {
            let (h, s) = hue_sat(c);
            s > 0.4 && (205.0..=250.0).contains(&h)
        });
        let white = share(&patriot, |c| lum(c) > 0.88 && hue_sat(c).1 < 0.15);
        let pr = share(&patriot, strong_red);
        assert!(
            blue > 0.03 && white > 0.015 && pr > 0.03,
            "{seed}: {blue:.2} {white:.2} {pr:.2}"
        );

        // Mysterious: a dark ground in the corners.
        let skeptic = with(Some("Skeptic"));
        let corner = lum(skeptic.at(1, 1)).max(lum(skeptic.at(skeptic.w - 2, 1)));
        assert!(corner < 0.25, "{seed}: skeptic corner {corner:.2}");

        // Calm and muted: little saturation in the ground.
        for (w, max) in [("moderate", 0.2), ("burnt out", 0.2)] {
            let img = with(Some(w));
            let sat = (0..img.w).map(|x| hue_sat(img.at(x, 2)).1).sum::<f64>() / img.w as f64;
            assert!(sat < max, "{seed}: {w} ground saturation {sat:.2}");
        }
    }
}

#[test]
fn props_and_themes_follow_the_worldview_or_the_recipe() {
    let p = Painter::new();
    let svg = |r: &Recipe, w: Option<&str>, seed: &str| {
        let s = Sitter {
            worldview: w,
            ..sitter(seed, Presentation::Man, 45)
        };
        p.render_svg(r, &s, SIZE).unwrap()
    };
    for i in 0..8 {
        let seed = format!("props-{i}");
        let cup = |w| svg(&cartoon(), w, &seed).contains("-cup\"");
        assert!(
            cup(Some("burnt out")) && cup(Some("Burned-out nurse")),
            "{seed}"
        );
        assert!(cup(Some("tech, runs on coffee")), "{seed}");
        assert!(!cup(Some("tech optimist")) && !cup(None), "{seed}");
        // No keyword is no worldview.
        assert_eq!(
            svg(&cartoon(), Some("gardener"), &seed),
            svg(&cartoon(), None, &seed)
        );
        // The recipe's theme wins over the sitter's worldview.
        let forced = Recipe::Cartoon(CartoonRecipe {
            theme: Some(CartoonTheme::Tech),
            ..Default::default()
        });
        assert_eq!(
            svg(&forced, Some("patriot"), &seed),
            svg(&cartoon(), Some("tech optimist"), &seed)
        );
    }
    // Every theme draws something different for the same person.
    let mut all: Vec<String> = CartoonTheme::ALL
        .iter()
        .map(|t| {
            let r = Recipe::Cartoon(CartoonRecipe {
                theme: Some(*t),
                ..Default::default()
            });
            svg(&r, None, "one-person")
        })
        .collect();
    all.sort();
    all.dedup();
    assert_eq!(all.len(), CartoonTheme::ALL.len());
}

#[test]
fn pins_show_in_the_drawing() {
    let p = Painter::new();
    for i in 0..10 {
        let seed = format!("pins-{i}");
        let svg = |s: &Sitter| p.render_svg(&cartoon(), s, SIZE).unwrap();
        let base = sitter(&seed, Presentation::Man, 50);
        assert!(
            svg(&Sitter {
                glasses: Some(true),
                ..base
            })
            .contains("-glasses\"")
        );
        assert!(
            !svg(&Sitter {
                glasses: Some(false),
                ..base
            })
            .contains("-glasses\"")
        );
        for (c, id) in [
            (HeadCovering::Headscarf, "-headscarf\""),
            (HeadCovering::Beanie, "-beanie\""),
            (HeadCovering::Headband, "-headband\""),
        ] {
            assert!(
                svg(&Sitter {
                    head_covering: Some(c),
                    ..base
                })
                .contains(id),
                "{seed} {c}"
            );
        }
        assert!(
            svg(&Sitter {
                facial_hair: Some(FacialHair::Beard),
                ..base
            })
            .contains("-facial-hair\"")
        );
        let shaven = svg(&Sitter {
            facial_hair: Some(FacialHair::None),
            ..base
        });
        assert!(!shaven.contains("-facial-hair\""));
        // Team colours pin the top, as in `poster`.
        let team = svg(&Sitter {
            jersey_color: Some(Rgb(0x12, 0x34, 0x56)),
            accent_color: Some(Rgb(0xfe, 0xdc, 0xba)),
            ..base
        });
        assert!(
            team.contains("fill=\"#123456\"") && team.contains("#fedcba"),
            "{seed}"
        );
        // A pinned skin is the face's fill; a pinned haircut changes the drawing.
        let skin = svg(&Sitter {
            skin_tone: Some(Rgb(0x3b, 0x22, 0x15)),
            ..base
        });
        assert!(skin.contains("fill=\"#3b2215\""), "{seed}");
        let cuts: std::collections::BTreeSet<String> = [HairStyle::Afro, HairStyle::Bald]
            .iter()
            .map(|h| {
                svg(&Sitter {
                    hair_style: Some(*h),
                    ..base
                })
            })
            .collect();
        assert_eq!(cuts.len(), 2);
    }
}

#[test]
fn every_age_and_presentation_gives_a_visible_picture() {
    let p = Painter::new();
    let size = Size::square(64);
    for age in 1..=95 {
        for pres in [Presentation::Man, Presentation::Woman, Presentation::Person] {
            let seed = format!("age-{age}-{pres}");
            let s = Sitter {
                worldview: Some(
                    [
                        "",
                        "revolutionary",
                        "moderate",
                        "patriot",
                        "skeptic",
                        "tech",
                        "burnt out",
                    ][age as usize % 7],
                ),
                ..sitter(&seed, pres, age)
            };
            let img = Image::decode(&p.render_png(&cartoon(), &s, size).unwrap());
            assert_eq!((img.w, img.h), (64, 64), "{seed}");
            let lums: Vec<f64> = img.px.iter().map(|c| lum(*c)).collect();
            let (lo, hi) = lums
                .iter()
                .fold((1.0f64, 0.0f64), |(a, b), l| (a.min(*l), b.max(*l)));
            assert!(
                img.variance() > 0.002 && hi - lo > 0.4 && img.colours() > 12,
                "{seed}: variance {:.4}, range {:.2}, {} colours",
                img.variance(),
                hi - lo,
                img.colours()
            );
        }
    }
}

#[test]
fn any_aspect_ratio_keeps_the_figure_bottom_centred() {
    let p = Painter::new();
    let s = sitter("aspect", Presentation::Woman, 28);
    for (w, h) in [(256, 128), (128, 256), (300, 200), (16, 16), (16, 400)] {
        let size = Size {
            width: w,
            height: h,
        };
        let img = Image::decode(&p.render_png(&cartoon(), &s, size).unwrap());
        assert_eq!((img.w, img.h), (w as usize, h as usize));
        assert!(img.variance() > 0.002, "{w}x{h}");
        if h > w * 3 / 2 {
            // Tall: the extra is sky above the figure, which stays at the bottom.
            let rows = |y0: usize, y1: usize| {
                let px: Vec<f64> = (y0..y1)
                    .flat_map(|y| (0..img.w).map(move |x| (x, y)))
                    .map(|(x, y)| lum(img.at(x, y)))
                    .collect();
                let m = px.iter().sum::<f64>() / px.len() as f64;
                px.iter().map(|l| (l - m).powi(2)).sum::<f64>() / px.len() as f64
            };
            assert!(
                rows(0, img.h / 4) < rows(img.h * 3 / 4, img.h) / 4.0,
                "{w}x{h}"
            );
        }
    }
}

#[test]
fn recipe_options_parse_validate_and_apply() {
    let r: Recipe = toml::from_str(
        "kind = \"cartoon\"\ntheme = \"burnt_out\"\npalette = [\"#00c000\", \"#ffffff\", \"#202020\"]\nshape = \"circle\"",
    )
    .unwrap();
    r.validate().unwrap();
    let Recipe::Cartoon(c) = &r else { panic!() };
    assert_eq!(c.theme, Some(CartoonTheme::BurntOut));
    let p = Painter::new();
    let img = Image::decode(
        &p.render_png(&r, &sitter("recipe", Presentation::Man, 40), SIZE)
            .unwrap(),
    );
    // The top is the palette's green; the corners are outside the circle.
    let green = share(&img, |c| c[1] > 150 && c[0] < 60 && c[2] < 60 && c[3] > 200);
    assert!(green > 0.03, "{green}");
    assert_eq!(img.at(0, 0)[3], 0);

    for bad in [
        "theme = \"grumpy\"",
        "palete = []",
        "expression = \"smile\"",
    ] {
        assert!(
            toml::from_str::<Recipe>(&format!("kind = \"cartoon\"\n{bad}")).is_err(),
            "{bad}"
        );
    }
    let r: Recipe = toml::from_str(
        "kind = \"cartoon\"\npalette = [\"#000000\", \"#000000\", \"#000000\", \"#000000\"]",
    )
    .unwrap();
    assert_eq!(r.validate().unwrap_err().code(), "paint.bad_recipe");
    assert_eq!(
        p.render_png(&r, &Sitter::new("x"), SIZE)
            .unwrap_err()
            .code(),
        "paint.bad_recipe"
    );
}
