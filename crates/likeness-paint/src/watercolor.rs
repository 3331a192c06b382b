//! `kind = "watercolor"`: a head-and-shoulders side profile facing right, painted in soft
//! bleeding washes of deep teal (#2F5E52) and grey-teal (#5A7D7C) on warm paper (#F0EAD6), with
//! an amber glow (#D9A036) near the eye.
//!
//! There are no hard lines: every shape is a translucent wash; the whole figure is one filtered
//! group (fractal-noise displacement + a light blur) so edges feather into the paper, and the
//! shadows sit in a second, softer blur group. Gradients do the rest (glow, halo, vignette) at
//! no filter cost. The paper grain is noise computed on one small seamless pattern tile.
//!
//! Geometry comes from `profile.rs` (age, presentation and seed shape the head, hair and
//! shoulders); this module only decides colours and paints.

use std::fmt::Write;

use crate::Size;
use crate::prng::Prng;
use crate::profile::{self, Pt, Traits};
use crate::recipe::WatercolorRecipe;
use crate::sitter::{HairColor, Rgb, Sitter};
use crate::svg::{Canvas, N, PathData, Svg};

pub(crate) const PAPER: Rgb = Rgb(0xf0, 0xea, 0xd6);
pub(crate) const WASH_DARK: Rgb = Rgb(0x2f, 0x5e, 0x52);
pub(crate) const WASH_LIGHT: Rgb = Rgb(0x5a, 0x7d, 0x7c);
pub(crate) const GLOW: Rgb = Rgb(0xd9, 0xa0, 0x36);

struct Palette {
    paper: Rgb,
    dark: Rgb,
    light: Rgb,
    glow: Rgb,
    face: Rgb,
    hair: Rgb,
    hair_edge: Rgb,
}

impl Palette {
    fn new(recipe: &WatercolorRecipe, t: &Traits) -> Palette {
        let paper = recipe.paper.unwrap_or(PAPER);
        let dark = recipe.wash_dark.unwrap_or(WASH_DARK);
        let light = recipe.wash_light.unwrap_or(WASH_LIGHT);
        let glow = recipe.glow.unwrap_or(GLOW);
        let face = light.mix(t.skin, recipe.skin_tint.unwrap_or(0.22));
        // Hair is the palette tinted towards the real hair colour: dark hair deepens the teal,
        // fair and grey hair lift it towards the paper.
        let natural = t.hair_color.rgb();
        let hair = match t.hair_color {
            HairColor::Black => dark.mix(natural, 0.55),
            HairColor::DarkBrown => dark.mix(natural, 0.5),
            HairColor::Brown => dark.mix(natural, 0.55),
            HairColor::Auburn | HairColor::Red => dark.mix(natural, 0.6),
            HairColor::Blond => light.mix(natural, 0.6),
            HairColor::Grey => light.mix(natural, 0.62),
            HairColor::White => light.mix(natural, 0.72),
        };
        let hair_edge = hair.mix(dark, 0.35);
        Palette {
            paper,
            dark,
            light,
            glow,
            face,
            hair,
            hair_edge,
        }
    }
}

fn closed(pts: &[Pt]) -> String {
    PathData::new().smooth_closed(pts, 1.0).finish()
}

/// A translucent wash of `d`, with a second, slightly shifted pass (pigment that spread) and a
/// darker rim where the pigment pooled as it dried. The rim is a soft stroke, later blurred.
fn wash(svg: &mut Svg, rng: &Prng, key: &str, d: &str, fill: Rgb, opacity: f64, rim: Rgb) {
    svg.leaf(
        "path",
        &[("d", &d), ("fill", &fill), ("fill-opacity", &N(opacity))],
    );
    let dx = rng.jitter(&format!("{key}.dx"), 1.2);
    let dy = rng.jitter(&format!("{key}.dy"), 1.2);
    let t = format!("translate({} {})", N(dx), N(dy));
    svg.leaf(
        "path",
        &[
            ("d", &d),
            ("fill", &fill),
            ("fill-opacity", &N(opacity * 0.35)),
            ("transform", &t),
        ],
    );
    svg.leaf(
        "path",
        &[
            ("d", &d),
            ("fill", &"none"),
            ("stroke", &rim),
            ("stroke-opacity", &N(0.32)),
            ("stroke-width", &N(0.9)),
            ("stroke-linejoin", &"round"),
        ],
    );
}

fn ellipse(svg: &mut Svg, c: Pt, rx: f64, ry: f64, rot: f64, fill: &dyn std::fmt::Display, op: f64) {
    let t = format!("rotate({} {} {})", N(rot), N(c.0), N(c.1));
    svg.leaf(
        "ellipse",
        &[
            ("cx", &N(c.0)),
            ("cy", &N(c.1)),
            ("rx", &N(rx)),
            ("ry", &N(ry)),
            ("fill", fill),
            ("fill-opacity", &N(op)),
            ("transform", &t),
        ],
    );
}

fn stroke(svg: &mut Svg, d: &str, color: Rgb, width: f64, op: f64) {
    svg.leaf(
        "path",
        &[
            ("d", &d),
            ("fill", &"none"),
            ("stroke", &color),
            ("stroke-width", &N(width)),
            ("stroke-opacity", &N(op)),
            ("stroke-linecap", &"round"),
        ],
    );
}

fn defs(svg: &mut Svg, canvas: &Canvas, rng: &Prng, pal: &Palette) {
    let seed = |k: &str| rng.below(k, 10_000);
    let freq = rng.range("bleed.freq", 0.035, 0.055);
    let scale = rng.range("bleed.scale", 3.0, 4.2);
    let mut d = String::with_capacity(2048);
    d.push_str("<defs>");
    // The bleed: low-frequency noise pushes edges around, a light blur softens what is left.
    let _ = write!(
        d,
        r#"<filter id="{id}" x="-12%" y="-12%" width="124%" height="124%" color-interpolation-filters="sRGB"><feTurbulence type="fractalNoise" baseFrequency="{f}" numOctaves="2" seed="{s}" result="n"/><feDisplacementMap in="SourceGraphic" in2="n" scale="{sc}" xChannelSelector="R" yChannelSelector="G" result="d"/><feGaussianBlur in="d" stdDeviation="0.55"/></filter>"#,
        id = canvas.id("bleed"),
        f = N(freq),
        s = seed("bleed.seed"),
        sc = N(scale),
    );
    let _ = write!(
        d,
        r#"<filter id="{id}" x="-40%" y="-40%" width="180%" height="180%"><feGaussianBlur stdDeviation="2.2"/></filter>"#,
        id = canvas.id("soft"),
    );
    // Paper grain: seamless noise on one 50-unit tile, reused across the sheet.
    let _ = write!(
        d,
        r#"<filter id="{id}" x="0" y="0" width="1" height="1"><feTurbulence type="fractalNoise" baseFrequency="0.6" numOctaves="2" seed="{s}" stitchTiles="stitch"/><feColorMatrix values="0 0 0 0 0.35 0 0 0 0 0.3 0 0 0 0 0.2 0.55 0.2 0 0 -0.33"/></filter>"#,
        id = canvas.id("grain"),
        s = seed("grain.seed"),
    );
    let _ = write!(
        d,
        r#"<pattern id="{id}" width="50" height="50" patternUnits="userSpaceOnUse"><rect width="50" height="50" filter="{f}"/></pattern>"#,
        id = canvas.id("grain-tile"),
        f = canvas.url("grain"),
    );
    // Vignette: the paper darkens a little towards the edges.
    let edge = pal.paper.mix(Rgb(0x8a, 0x7a, 0x5a), 0.35);
    let _ = write!(
        d,
        r#"<radialGradient id="{id}" cx="0.5" cy="0.45" r="0.75"><stop offset="0.55" stop-color="{edge}" stop-opacity="0"/><stop offset="1" stop-color="{edge}" stop-opacity="0.55"/></radialGradient>"#,
        id = canvas.id("vignette"),
    );
    // Halo wash behind the head.
    let _ = write!(
        d,
        r#"<radialGradient id="{id}"><stop offset="0" stop-color="{c}" stop-opacity="0.28"/><stop offset="0.6" stop-color="{c}" stop-opacity="0.12"/><stop offset="1" stop-color="{c}" stop-opacity="0"/></radialGradient>"#,
        id = canvas.id("halo"),
        c = pal.light,
    );
    // The glow at the eye: amber, warm, fading out.
    let _ = write!(
        d,
        r#"<radialGradient id="{id}"><stop offset="0" stop-color="{c}" stop-opacity="0.95"/><stop offset="0.35" stop-color="{c}" stop-opacity="0.6"/><stop offset="1" stop-color="{c}" stop-opacity="0"/></radialGradient>"#,
        id = canvas.id("glow"),
        c = pal.glow,
    );
    d.push_str("</defs>");
    svg.raw(&d);
}

pub(crate) fn draw(
    recipe: &WatercolorRecipe,
    sitter: &Sitter,
    rng: &Prng,
    canvas: &Canvas,
    size: Size,
) -> String {
    let rng = rng.child("watercolor");
    let traits = Traits::resolve(sitter, &rng);
    let fig = profile::build(&traits, &rng);
    let pal = Palette::new(recipe, &traits);
    let u = fig.u;

    let mut svg = canvas.svg(size);
    defs(&mut svg, canvas, &rng, &pal);

    // --- paper ---
    let (w, h) = (N(canvas.w), N(canvas.h));
    svg.leaf("rect", &[("width", &w), ("height", &h), ("fill", &pal.paper)]);
    svg.leaf("rect", &[("width", &w), ("height", &h), ("fill", &canvas.url("grain-tile"))]);
    svg.leaf("rect", &[("width", &w), ("height", &h), ("fill", &canvas.url("vignette"))]);

    // The figure box: bottom-centred; a child is drawn a little smaller.
    let k = 1.0 - 0.1 * traits.youth;
    let ox = (canvas.w - 100.0) / 2.0 + 50.0 * (1.0 - k);
    let oy = canvas.h - 100.0 + 100.0 * (1.0 - k);
    let place = format!("translate({} {}) scale({})", N(ox), N(oy), N(k));
    svg.open("g", &[("transform", &place)]);

    let halo_c = fig.head_pt((0.3, 0.1));
    ellipse(&mut svg, halo_c, 2.4 * u, 2.2 * u, 0.0, &canvas.url("halo"), 1.0);

    svg.open("g", &[("filter", &canvas.url("bleed"))]);
    // Shoulders: the deep wash, with the arm's mass a shade darker.
    wash(&mut svg, &rng, "torso", &closed(&fig.torso), pal.dark, 0.86, pal.dark);
    let (sc, srx, sry) = fig.shoulder;
    ellipse(&mut svg, sc, srx, sry, -12.0, &pal.dark, 0.35);
    // Neck a shade deeper than the face: it sits in the jaw's shadow.
    let neck_col = pal.face.mix(pal.dark, 0.35);
    wash(&mut svg, &rng, "neck", &closed(&fig.neck), neck_col, 0.9, pal.dark);
    wash(&mut svg, &rng, "head", &closed(&fig.head), pal.face, 0.9, pal.dark);

    // Soft modelling: everything here is blurred well beyond the bleed.
    svg.open("g", &[("filter", &canvas.url("soft"))]);
    ellipse(&mut svg, fig.head_pt((-0.55, 0.15)), 0.55 * u, 0.75 * u, 0.0, &pal.dark, 0.3);
    ellipse(&mut svg, fig.head_pt((0.25, 1.02)), 0.6 * u, 0.16 * u, -8.0, &pal.dark, 0.45);
    ellipse(&mut svg, fig.head_pt((0.5, 0.32)), 0.28 * u, 0.2 * u, 0.0, &pal.paper, 0.35);
    ellipse(&mut svg, fig.head_pt((0.62, -0.55)), 0.22 * u, 0.14 * u, 0.0, &pal.paper, 0.3);
    ellipse(&mut svg, (sc.0 + 6.0, sc.1 - 6.0), srx * 0.45, sry * 0.3, -20.0, &pal.light, 0.45);
    svg.close("g");

    // Hair.
    if let Some(hair) = &fig.hair {
        let d = closed(hair);
        wash(&mut svg, &rng, "hair", &d, pal.hair, 0.88, pal.hair_edge);
        for (i, s) in fig.strands.iter().enumerate() {
            let d = PathData::new()
                .m(s[0].0, s[0].1)
                .q(s[1].0, s[1].1, s[2].0, s[2].1)
                .finish();
            let width = 0.05 * u + rng.range(&format!("strand.{i}.w"), 0.0, 0.04 * u);
            stroke(&mut svg, &d, pal.hair_edge, width, 0.35);
        }
    }

    // Ear: a small darker wash with the curl of the rim.
    let ear = fig.ear;
    ellipse(&mut svg, ear, 0.16 * u, 0.26 * u, 12.0 + fig.tilt, &pal.dark, 0.28);
    let d = PathData::new()
        .m(ear.0 + 0.02 * u, ear.1 - 0.18 * u)
        .q(ear.0 - 0.16 * u, ear.1 - 0.05 * u, ear.0 - 0.02 * u, ear.1 + 0.16 * u)
        .finish();
    stroke(&mut svg, &d, pal.dark, 0.06 * u, 0.35);

    // Features, all soft: brow, eye, nostril, mouth.
    let b = fig.brow;
    let d = PathData::new()
        .m(b[0].0, b[0].1)
        .q(b[1].0, b[1].1, b[2].0, b[2].1)
        .finish();
    stroke(&mut svg, &d, pal.dark, 0.09 * u, 0.5 + 0.15 * traits.masc);
    let e = fig.eye;
    let d = PathData::new()
        .m(e.0 - 0.11 * u, e.1)
        .q(e.0 - 0.01 * u, e.1 - 0.09 * u, e.0 + 0.08 * u, e.1 - 0.01 * u)
        .q(e.0, e.1 + 0.05 * u, e.0 - 0.11 * u, e.1)
        .z()
        .finish();
    svg.leaf("path", &[("d", &d), ("fill", &pal.dark), ("fill-opacity", &N(0.85))]);
    ellipse(&mut svg, fig.nostril, 0.07 * u, 0.035 * u, 20.0, &pal.dark, 0.4);
    let m = fig.mouth;
    let d = PathData::new()
        .m(m[0].0, m[0].1)
        .q((m[0].0 + m[1].0) / 2.0, m[1].1 + 0.02 * u, m[1].0, m[1].1)
        .finish();
    stroke(&mut svg, &d, pal.dark, 0.05 * u, 0.45);
    let c = fig.chin;
    ellipse(&mut svg, (c.0 - 0.1 * u, c.1), 0.12 * u, 0.08 * u, 0.0, &pal.paper, 0.18);

    // The glow: a tight warm core at the eye and a wide, faint spill in front of the face.
    let gc = (e.0 + 0.12 * u, e.1 + 0.02 * u);
    ellipse(&mut svg, gc, 0.55 * u, 0.5 * u, 0.0, &canvas.url("glow"), 0.9);
    ellipse(&mut svg, (gc.0 + 0.5 * u, gc.1), 1.3 * u, 1.1 * u, 0.0, &canvas.url("glow"), 0.22);

    // A few drops of spattered pigment near the figure.
    let drops = rng.below("drops", 4);
    for i in 0..drops {
        let k = |s: &str| format!("drop.{i}.{s}");
        let p = fig.head_pt((rng.range(&k("x"), -1.4, 2.2), rng.range(&k("y"), -1.5, 1.8)));
        let col = *rng.pick(&k("c"), &[pal.dark, pal.light, pal.glow]);
        let r = rng.range(&k("r"), 0.35, 1.1);
        ellipse(&mut svg, p, r, r * 0.9, 0.0, &col, rng.range(&k("o"), 0.2, 0.45));
    }
    svg.close("g");
    svg.close("g");
    svg.finish()
}
