//! `kind = "geometric"`: abstract avatars from a five-colour palette, after boring-avatars'
//! six variants (marble, beam, sunset, ring, bauhaus, pixel). The geometry follows boring-avatars'
//! designs (MIT); the randomness is ours (keyed, see `prng.rs`), so the same seed gives a
//! different image than boring-avatars would.
//!
//! Each variant draws in its own square design box (80 or 36 or 90 units) which is scaled to
//! cover the canvas, so non-square sizes crop rather than distort.

use std::fmt::Write;

use crate::Size;
use crate::prng::Prng;
use crate::recipe::{GeometricRecipe, GeometricVariant};
use crate::sitter::Rgb;
use crate::soft;
use crate::svg::{Attrs, Canvas, N, Svg};

const fn hex(v: u32) -> Rgb {
    Rgb((v >> 16) as u8, (v >> 8) as u8, v as u8)
}

/// Built-in five-colour palettes (boring-avatars' default first, then hand-picked ones).
pub(crate) const PALETTES: [[Rgb; 5]; 12] = [
    [
        hex(0x92A1C6),
        hex(0x146A7C),
        hex(0xF0AB3D),
        hex(0xC271B4),
        hex(0xC20D90),
    ],
    [
        hex(0x264653),
        hex(0x2A9D8F),
        hex(0xE9C46A),
        hex(0xF4A261),
        hex(0xE76F51),
    ],
    [
        hex(0x355070),
        hex(0x6D597A),
        hex(0xB56576),
        hex(0xE56B6F),
        hex(0xEAAC8B),
    ],
    [
        hex(0x0B3954),
        hex(0x087E8B),
        hex(0xBFD7EA),
        hex(0xFF5A5F),
        hex(0xC81D25),
    ],
    [
        hex(0x2F5E52),
        hex(0x5A7D7C),
        hex(0xD9A036),
        hex(0xF0EAD6),
        hex(0xA3B18A),
    ],
    [
        hex(0x3D405B),
        hex(0xE07A5F),
        hex(0xF4F1DE),
        hex(0x81B29A),
        hex(0xF2CC8F),
    ],
    [
        hex(0x22223B),
        hex(0x4A4E69),
        hex(0x9A8C98),
        hex(0xC9ADA7),
        hex(0xF2E9E4),
    ],
    [
        hex(0x003049),
        hex(0xD62828),
        hex(0xF77F00),
        hex(0xFCBF49),
        hex(0xEAE2B7),
    ],
    [
        hex(0x5F0F40),
        hex(0x9A031E),
        hex(0xFB8B24),
        hex(0xE36414),
        hex(0x0F4C5C),
    ],
    [
        hex(0x606C38),
        hex(0x283618),
        hex(0xFEFAE0),
        hex(0xDDA15E),
        hex(0xBC6C25),
    ],
    [
        hex(0x1D3557),
        hex(0x457B9D),
        hex(0xA8DADC),
        hex(0xF1FAEE),
        hex(0xE63946),
    ],
    [
        hex(0x2B2D42),
        hex(0x8D99AE),
        hex(0xEDF2F4),
        hex(0xEF233C),
        hex(0xD90429),
    ],
];

/// The palette for this seed: the recipe's (cycled to five) or a built-in one, keyed-shuffled
/// so the colour roles vary between seeds.
fn palette(recipe: &GeometricRecipe, rng: &Prng) -> [Rgb; 5] {
    let base: Vec<Rgb> = if recipe.palette.is_empty() {
        rng.pick("palette", &PALETTES).to_vec()
    } else {
        recipe.palette.iter().copied().take(5).collect()
    };
    let mut p = [Rgb(0, 0, 0); 5];
    for (i, c) in p.iter_mut().enumerate() {
        *c = base[i % base.len()];
    }
    // Fisher-Yates with keyed draws (never the standard library's unstable orderings).
    for i in (1..5).rev() {
        let j = rng.below(&format!("palette.shuffle.{i}"), i + 1);
        p.swap(i, j);
    }
    p
}

/// Black or white, whichever reads better on `c` (boring-avatars' YIQ rule).
fn contrast_ink(c: Rgb) -> Rgb {
    let yiq = (u32::from(c.0) * 299 + u32::from(c.1) * 587 + u32::from(c.2) * 114) / 1000;
    if yiq >= 128 {
        Rgb(0, 0, 0)
    } else {
        Rgb(255, 255, 255)
    }
}

pub(crate) fn draw(recipe: &GeometricRecipe, rng: &Prng, canvas: &Canvas, size: Size) -> String {
    let variant = recipe
        .variant
        .unwrap_or_else(|| *rng.pick("variant", &GeometricVariant::ALL));
    let colors = palette(recipe, rng);
    let rng = rng.child("geometric");

    let mut svg = canvas.svg(size);
    let mut framed = canvas.begin_frame(&mut svg, &recipe.frame, &rng);
    framed.background(&mut svg, canvas, &rng);
    framed.begin_figure(&mut svg, canvas);
    let design = match variant {
        GeometricVariant::Beam => 36.0,
        GeometricVariant::Ring => 90.0,
        _ => 80.0,
    };
    // Cover: the design square spans the longer side, centred.
    let side = canvas.w.max(canvas.h);
    let s = side / design;
    let (ox, oy) = ((canvas.w - side) / 2.0, (canvas.h - side) / 2.0);
    let transform = format!("translate({} {}) scale({})", N(ox), N(oy), N(s));
    svg.open("g", &[("transform", &transform)]);
    match variant {
        GeometricVariant::Marble => marble(&mut svg, canvas, &rng, &colors),
        GeometricVariant::Beam => beam(&mut svg, &rng, &colors),
        GeometricVariant::Sunset => sunset(&mut svg, canvas, &colors),
        GeometricVariant::Ring => ring(&mut svg, &colors),
        GeometricVariant::Bauhaus => bauhaus(&mut svg, &rng, &colors),
        GeometricVariant::Pixel => pixel(&mut svg, &rng, &colors),
    }
    svg.close("g");
    canvas.end_frame(&mut svg, framed);
    svg.finish()
}

fn rect(svg: &mut Svg, x: f64, y: f64, w: f64, h: f64, fill: Rgb) {
    svg.leaf(
        "rect",
        &[
            ("x", &N(x)),
            ("y", &N(y)),
            ("width", &N(w)),
            ("height", &N(h)),
            ("fill", &fill),
        ],
    );
}

/// Soft colour fields melting into each other: marbling. boring-avatars blurs two huge
/// polygons; a blur that size costs ~30 ms per layer in resvg at 512 px, so the fields here are
/// large rotated ellipses filled with radial gradients that fade out. The second field is
/// blended with `overlay` as in the original. All of it is one soft group (`soft.rs`): nothing
/// has an edge, so it is rasterised at an eighth of the size and upscaled (the overlay layer
/// and the gradients otherwise cost ~4 ms at 256 px).
fn marble(svg: &mut Svg, canvas: &Canvas, rng: &Prng, c: &[Rgb; 5]) {
    svg.open("g", &[("id", &soft::id(canvas, "marble", 8))]);
    rect(svg, 0.0, 0.0, 80.0, 80.0, c[0]);
    let mut defs = String::from("<defs>");
    for (i, col) in c[1..4].iter().enumerate() {
        let _ = write!(
            defs,
            r#"<radialGradient id="{}"><stop offset="0" stop-color="{col}"/><stop offset="0.25" stop-color="{col}" stop-opacity="0.92"/><stop offset="0.5" stop-color="{col}" stop-opacity="0.6"/><stop offset="0.75" stop-color="{col}" stop-opacity="0.22"/><stop offset="1" stop-color="{col}" stop-opacity="0"/></radialGradient>"#,
            canvas.id(&format!("marble-{i}"))
        );
    }
    defs.push_str("</defs>");
    svg.raw(&defs);
    let fields = if rng.chance("marble.third", 0.5) {
        3
    } else {
        2
    };
    for i in 0..fields {
        let k = |name: &str| format!("marble.{i}.{name}");
        // Centres pushed off the middle so each field enters from a side.
        let a = std::f64::consts::TAU * rng.unit(&k("angle"));
        let dist = rng.range(&k("dist"), 12.0, 34.0);
        let (cx, cy) = (40.0 + dist * a.cos(), 40.0 + dist * a.sin());
        let small = if i == 2 { 0.65 } else { 1.0 };
        let rx = rng.range(&k("rx"), 48.0, 72.0) * small;
        let ry = rng.range(&k("ry"), 28.0, 46.0) * small;
        let rot = rng.range(&k("rot"), 0.0, 180.0);
        let t = format!("rotate({} {} {})", N(rot), N(cx), N(cy));
        let fill = canvas.url(&format!("marble-{i}"));
        let attrs: Attrs<'_> = &[
            ("cx", &N(cx)),
            ("cy", &N(cy)),
            ("rx", &N(rx)),
            ("ry", &N(ry)),
            ("fill", &fill),
            ("transform", &t),
        ];
        if i == 1 {
            // Only the overlay field gets a style: a blend mode costs a full-canvas layer.
            svg.open("g", &[("style", &"mix-blend-mode:overlay")]);
            svg.leaf("ellipse", attrs);
            svg.close("g");
        } else {
            svg.leaf("ellipse", attrs);
        }
    }
    svg.close("g");
}

/// A friendly face on a rotated blob: boring-avatars' beam (36-unit design box).
fn beam(svg: &mut Svg, rng: &Prng, c: &[Rgb; 5]) {
    const SIZE: f64 = 36.0;
    let wrapper = c[0];
    let face = contrast_ink(wrapper);
    let background = c[1];
    let pre_x = rng.jitter("beam.tx", 10.0);
    let pre_y = rng.jitter("beam.ty", 10.0);
    let wrap_x = if pre_x < 5.0 {
        pre_x + SIZE / 9.0
    } else {
        pre_x
    };
    let wrap_y = if pre_y < 5.0 {
        pre_y + SIZE / 9.0
    } else {
        pre_y
    };
    let wrap_rot = rng.range("beam.rot", 0.0, 360.0);
    let wrap_scale = 1.0 + rng.range("beam.scale", 0.0, 0.3);
    let mouth_open = rng.chance("beam.mouth-open", 0.5);
    let is_circle = rng.chance("beam.circle", 0.5);
    let eye_spread = rng.range("beam.eyes", 0.0, 5.0).floor();
    let mouth_spread = rng.range("beam.mouth", 0.0, 3.0).floor();
    let face_rot = rng.jitter("beam.face-rot", 10.0);
    let face_x = if wrap_x > SIZE / 6.0 {
        wrap_x / 2.0
    } else {
        rng.jitter("beam.fx", 8.0)
    };
    let face_y = if wrap_y > SIZE / 6.0 {
        wrap_y / 2.0
    } else {
        rng.jitter("beam.fy", 7.0)
    };

    rect(svg, 0.0, 0.0, SIZE, SIZE, background);
    let t = format!(
        "translate({} {}) rotate({} 18 18) scale({})",
        N(wrap_x),
        N(wrap_y),
        N(wrap_rot),
        N(wrap_scale)
    );
    let rx = if is_circle { SIZE } else { SIZE / 6.0 };
    svg.leaf(
        "rect",
        &[
            ("width", &N(SIZE)),
            ("height", &N(SIZE)),
            ("rx", &N(rx)),
            ("fill", &wrapper),
            ("transform", &t),
        ],
    );
    let t = format!(
        "translate({} {}) rotate({} 18 18)",
        N(face_x),
        N(face_y),
        N(face_rot)
    );
    svg.open("g", &[("transform", &t)]);
    let my = 19.0 + mouth_spread;
    if mouth_open {
        let d = format!("M15 {}c2 1 4 1 6 0", N(my));
        svg.leaf(
            "path",
            &[
                ("d", &d),
                ("stroke", &face),
                ("fill", &"none"),
                ("stroke-linecap", &"round"),
            ],
        );
    } else {
        let d = format!("M13 {}a1 0.75 0 0 0 10 0", N(my));
        svg.leaf("path", &[("d", &d), ("fill", &face)]);
    }
    for x in [14.0 - eye_spread, 20.0 + eye_spread] {
        svg.leaf(
            "rect",
            &[
                ("x", &N(x)),
                ("y", &N(14.0)),
                ("width", &N(1.5)),
                ("height", &N(2.0)),
                ("rx", &N(1.0)),
                ("fill", &face),
            ],
        );
    }
    svg.close("g");
}

/// Two gradient bands meeting at the horizon.
fn sunset(svg: &mut Svg, canvas: &Canvas, c: &[Rgb; 5]) {
    let (a, b) = (canvas.id("sky"), canvas.id("sea"));
    let mut defs = String::new();
    let _ = write!(
        defs,
        r#"<defs><linearGradient id="{a}" x1="40" y1="0" x2="40" y2="40" gradientUnits="userSpaceOnUse"><stop stop-color="{}"/><stop offset="1" stop-color="{}"/></linearGradient><linearGradient id="{b}" x1="40" y1="40" x2="40" y2="80" gradientUnits="userSpaceOnUse"><stop stop-color="{}"/><stop offset="1" stop-color="{}"/></linearGradient></defs>"#,
        c[0], c[1], c[2], c[3]
    );
    svg.raw(&defs);
    svg.leaf(
        "rect",
        &[
            ("width", &N(80.0)),
            ("height", &N(40.0)),
            ("fill", &canvas.url("sky")),
        ],
    );
    svg.leaf(
        "rect",
        &[
            ("y", &N(40.0)),
            ("width", &N(80.0)),
            ("height", &N(40.0)),
            ("fill", &canvas.url("sea")),
        ],
    );
}

/// Concentric half-rings (90-unit design box).
fn ring(svg: &mut Svg, c: &[Rgb; 5]) {
    let list = [c[0], c[1], c[1], c[2], c[2], c[3], c[3], c[0], c[4]];
    let paths = [
        "M0 0h90v45H0z",
        "M0 45h90v45H0z",
        "M83 45a38 38 0 00-76 0h76z",
        "M83 45a38 38 0 01-76 0h76z",
        "M77 45a32 32 0 10-64 0h64z",
        "M77 45a32 32 0 11-64 0h64z",
        "M71 45a26 26 0 00-52 0h52z",
        "M71 45a26 26 0 01-52 0h52z",
    ];
    for (d, fill) in paths.iter().zip(list) {
        svg.leaf("path", &[("d", d), ("fill", &fill)]);
    }
    svg.leaf(
        "circle",
        &[
            ("cx", &N(45.0)),
            ("cy", &N(45.0)),
            ("r", &N(23.0)),
            ("fill", &list[8]),
        ],
    );
}

/// A bar (or square), a disc and a line, freely rotated: Bauhaus poster geometry.
fn bauhaus(svg: &mut Svg, rng: &Prng, c: &[Rgb; 5]) {
    const SIZE: f64 = 80.0;
    let unit = |i: usize, what: &str| {
        let range = SIZE / 2.0 - (i as f64 + 17.0);
        rng.jitter(&format!("bauhaus.{i}.{what}"), range)
    };
    let rot = |i: usize| rng.range(&format!("bauhaus.{i}.rot"), 0.0, 360.0);
    let is_square = rng.chance("bauhaus.square", 0.5);
    rect(svg, 0.0, 0.0, SIZE, SIZE, c[0]);
    let t = format!(
        "translate({} {}) rotate({} 40 40)",
        N(unit(1, "tx")),
        N(unit(1, "ty")),
        N(rot(1))
    );
    let h = if is_square { SIZE } else { SIZE / 8.0 };
    svg.leaf(
        "rect",
        &[
            ("x", &N(10.0)),
            ("y", &N(30.0)),
            ("width", &N(SIZE)),
            ("height", &N(h)),
            ("fill", &c[1]),
            ("transform", &t),
        ],
    );
    let t = format!("translate({} {})", N(unit(2, "tx")), N(unit(2, "ty")));
    svg.leaf(
        "circle",
        &[
            ("cx", &N(40.0)),
            ("cy", &N(40.0)),
            ("r", &N(SIZE / 5.0)),
            ("fill", &c[2]),
            ("transform", &t),
        ],
    );
    let t = format!(
        "translate({} {}) rotate({} 40 40)",
        N(unit(3, "tx")),
        N(unit(3, "ty")),
        N(rot(3))
    );
    svg.leaf(
        "line",
        &[
            ("x1", &N(0.0)),
            ("y1", &N(40.0)),
            ("x2", &N(80.0)),
            ("y2", &N(40.0)),
            ("stroke", &c[3]),
            ("stroke-width", &N(2.0)),
            ("transform", &t),
        ],
    );
}

/// An 8×8 grid mirrored left-right: an identicon in the palette.
fn pixel(svg: &mut Svg, rng: &Prng, c: &[Rgb; 5]) {
    rect(svg, 0.0, 0.0, 80.0, 80.0, c[0]);
    // The ground colour is the most likely cell, so shapes emerge instead of noise.
    let weights = [3.0, 1.4, 1.2, 1.0, 0.8];
    for row in 0..8 {
        for col in 0..4 {
            let k = rng.weighted(&format!("pixel.{row}.{col}"), &weights);
            if k == 0 {
                continue;
            }
            for x in [col, 7 - col] {
                rect(
                    svg,
                    f64::from(x) * 10.0,
                    f64::from(row) * 10.0,
                    10.0,
                    10.0,
                    c[k],
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn palettes_have_distinct_colours() {
        for p in PALETTES {
            for i in 0..5 {
                for j in i + 1..5 {
                    assert_ne!(p[i], p[j]);
                }
            }
        }
    }

    #[test]
    fn short_palettes_are_cycled_and_shuffle_is_a_permutation() {
        let r = GeometricRecipe {
            palette: vec![Rgb(1, 1, 1), Rgb(2, 2, 2)],
            ..Default::default()
        };
        let p = palette(&r, &Prng::new("a"));
        assert_eq!(p.iter().filter(|c| **c == Rgb(1, 1, 1)).count(), 3);
        let full = PALETTES[1];
        let r = GeometricRecipe {
            palette: full.to_vec(),
            ..Default::default()
        };
        let mut p = palette(&r, &Prng::new("b"));
        let mut want = full;
        p.sort_by_key(|c| (c.0, c.1, c.2));
        want.sort_by_key(|c| (c.0, c.1, c.2));
        assert_eq!(p, want);
    }
}
