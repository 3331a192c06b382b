//! `kind = "watercolor"`: a head-and-shoulders side profile facing right, painted in soft
//! bleeding washes of deep teal (#2F5E52) and grey-teal (#5A7D7C) on warm textured paper
//! (#F0EAD6), with an amber glow (#D9A036) near the eye.
//!
//! # How it paints (and why it is fast)
//!
//! There are no hard lines and almost no filters. Each wash is the layered-polygon technique of
//! generative watercolour: the outline is sampled, its edges are displaced at random (more
//! where the outline says the edge is soft, e.g. hair, less along the face), and several such
//! variations are stacked at low opacity. Interiors build up to a full wash while edges, where
//! only some layers reach, feather into the paper. Modelling (shadows, the eye glow, the halo,
//! stains in the paper) uses radial gradients that fade to nothing. The only blur is on the small
//! group of facial marks (eye, brow, ear, nostril, mouth). Paper grain is two small seamless
//! tiles of specks whose sizes do not divide each other, so no repeat shows.
//!
//! Geometry comes from `profile.rs`: age, presentation and seed shape the head, hair, neck and
//! shoulders; this module chooses colours and paints.

use std::fmt::Write;

use crate::Size;
use crate::prng::Prng;
use crate::profile::{self, Figure, Outline, Pt, Traits};
use crate::recipe::WatercolorRecipe;
use crate::sitter::{HairColor, HairLength, Rgb, Sitter};
use crate::svg::{Canvas, N, PathData, Svg, polygon};

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
}

impl Palette {
    fn new(recipe: &WatercolorRecipe, t: &Traits) -> Palette {
        let dark = recipe.wash_dark.unwrap_or(WASH_DARK);
        let light = recipe.wash_light.unwrap_or(WASH_LIGHT);
        let paper = recipe.paper.unwrap_or(PAPER);
        // Hair is the palette tinted towards the real hair colour: dark hair deepens the teal,
        // fair and grey hair lift it towards the paper.
        let natural = t.hair_color.rgb();
        let hair = match t.hair_color {
            HairColor::Black => dark.mix(natural, 0.55),
            HairColor::DarkBrown | HairColor::Brown => dark.mix(natural, 0.55),
            HairColor::Auburn | HairColor::Red => dark.mix(natural, 0.6),
            HairColor::Blond => light.mix(natural, 0.6),
            // Grey and white must read lighter than the face wash, so they lean on the paper.
            HairColor::Grey => light.mix(natural, 0.5).mix(paper, 0.3),
            HairColor::White => light.mix(natural, 0.6).mix(paper, 0.4),
        };
        // The face is the light wash tinted by the skin, and deepened towards the dark wash for
        // deeper skin, so tone reads as value while every colour stays in the palette.
        let depth = 1.0 - (t.skin.luminance() / 0.75).min(1.0);
        let face = light
            .mix(t.skin, recipe.skin_tint.unwrap_or(0.25))
            .mix(dark, 0.5 * depth);
        Palette {
            paper,
            dark,
            light,
            glow: recipe.glow.unwrap_or(GLOW),
            face,
            hair,
        }
    }
}

/// Samples the closed Catmull-Rom curve through the outline's points, about every `step`
/// units, carrying the softness along.
fn sample(outline: &Outline, step: f64) -> Vec<(Pt, f64)> {
    let n = outline.len();
    let mut out = Vec::new();
    for i in 0..n {
        let (p0, _) = outline[(i + n - 1) % n];
        let (p1, s1) = outline[i];
        let (p2, s2) = outline[(i + 1) % n];
        let (p3, _) = outline[(i + 2) % n];
        let len = ((p2.0 - p1.0).powi(2) + (p2.1 - p1.1).powi(2)).sqrt();
        let k = ((len / step).ceil() as usize).max(1);
        for s in 0..k {
            let t = s as f64 / k as f64;
            let (t2, t3) = (t * t, t * t * t);
            let cr = |a: f64, b: f64, c: f64, d: f64| {
                0.5 * (2.0 * b
                    + (c - a) * t
                    + (2.0 * a - 5.0 * b + 4.0 * c - d) * t2
                    + (3.0 * b - a - 3.0 * c + d) * t3)
            };
            let p = (cr(p0.0, p1.0, p2.0, p3.0), cr(p0.1, p1.1, p2.1, p3.1));
            out.push((p, s1 + (s2 - s1) * t));
        }
    }
    out
}

/// One round of midpoint displacement: every edge gets a new midpoint pushed by a (clamped)
/// normal draw scaled by the edge length and its softness.
fn deform(poly: &[(Pt, f64)], rng: &Prng, key: &str, amount: f64) -> Vec<(Pt, f64)> {
    let n = poly.len();
    let mut out = Vec::with_capacity(n * 2);
    for i in 0..n {
        let (a, sa) = poly[i];
        let (b, sb) = poly[(i + 1) % n];
        out.push((a, sa));
        let len = ((b.0 - a.0).powi(2) + (b.1 - a.1).powi(2)).sqrt();
        let soft = (sa + sb) / 2.0;
        let sd = len * soft * amount;
        let dx = rng.gauss_n(key, 2 * i as u64).clamp(-2.0, 2.0) * sd;
        let dy = rng.gauss_n(key, 2 * i as u64 + 1).clamp(-2.0, 2.0) * sd;
        out.push((((a.0 + b.0) / 2.0 + dx, (a.1 + b.1) / 2.0 + dy), soft));
    }
    out
}

/// `n` values of smooth, periodic noise (a moving average of `2 * radius + 1` normal draws,
/// rescaled to roughly unit variance): wavy along an outline rather than zig-zag.
fn smooth_noise(rng: &Prng, key: &str, n: usize, radius: usize) -> Vec<f64> {
    let g: Vec<f64> = (0..n as u64)
        .map(|i| rng.gauss_n(key, i).clamp(-2.5, 2.5))
        .collect();
    let norm = ((2 * radius + 1) as f64).sqrt();
    (0..n)
        .map(|i| {
            let sum: f64 = (0..=2 * radius).map(|k| g[(i + n + k - radius) % n]).sum();
            sum / norm
        })
        .collect()
}

/// How one wash is laid down.
struct Wash {
    layers: u32,
    /// Opacity of each layer; the interior reaches `1 - (1 - alpha)^layers`.
    alpha: f64,
    /// How far (figure units, at softness 1) the layers spread across a soft edge: the width
    /// of the feathered band.
    spread: f64,
    /// Per-layer raggedness of the edge (figure units, at softness 1).
    ragged: f64,
    /// Sampling step along the outline, in figure units.
    step: f64,
}

/// Paints `outline` as a stack of translucent layers of `fill`, each tinted a little towards
/// `vary`. Layers are offset along the outline's normals from slightly inside to outside, in
/// proportion to the local softness, and roughened independently: interiors build up to a full
/// wash, soft edges fade out over `spread` like wet pigment, crisp edges stay put.
fn wash(svg: &mut Svg, rng: &Prng, key: &str, outline: &Outline, fill: Rgb, vary: Rgb, w: &Wash) {
    let base = deform(&sample(outline, w.step), rng, &format!("{key}.base"), 0.12);
    let n = base.len();
    let area: f64 = (0..n)
        .map(|i| {
            let (a, b) = (base[i].0, base[(i + 1) % n].0);
            a.0 * b.1 - b.0 * a.1
        })
        .sum();
    let orient = if area > 0.0 { 1.0 } else { -1.0 };
    let normals: Vec<Pt> = (0..n)
        .map(|i| {
            let (a, b) = (base[(i + n - 1) % n].0, base[(i + 1) % n].0);
            let (tx, ty) = (b.0 - a.0, b.1 - a.1);
            let len = (tx * tx + ty * ty).sqrt().max(1e-9);
            (orient * ty / len, -orient * tx / len)
        })
        .collect();
    svg.open("g", &[("fill", &fill), ("fill-opacity", &N(w.alpha))]);
    // Where the pigment bleeds far and where it stops short varies slowly along the edge.
    let reach = smooth_noise(rng, &format!("{key}.reach"), n, 6);
    let last = f64::from(w.layers.max(2) - 1);
    for l in 0..w.layers {
        let lk = format!("{key}.{l}");
        let off = (f64::from(l) / last - 0.35) * w.spread;
        let g = smooth_noise(rng, &lk, n, 2);
        let pts: Vec<Pt> = base
            .iter()
            .zip(&normals)
            .enumerate()
            .map(|(i, ((p, soft), nrm))| {
                let spread = off.max(off * (1.0 + 0.9 * reach[i]));
                let o = (spread + g[i] * w.ragged) * soft;
                (p.0 + nrm.0 * o, p.1 + nrm.1 * o)
            })
            .collect();
        let d = polygon(&pts);
        let t = rng.unit(&format!("{lk}.tint"));
        if t < 0.35 {
            svg.leaf("path", &[("d", &d)]);
        } else {
            let c = fill.mix(vary, (t - 0.35) * 0.45);
            svg.leaf("path", &[("d", &d), ("fill", &c)]);
        }
    }
    svg.close("g");
}

/// A soft blob: an ellipse filled with one of the fade-out radial gradients.
fn blob(svg: &mut Svg, canvas: &Canvas, grad: &str, c: Pt, r: (f64, f64), rot: f64, op: f64) {
    let t = format!("rotate({} {} {})", N(rot), N(c.0), N(c.1));
    svg.leaf(
        "ellipse",
        &[
            ("cx", &N(c.0)),
            ("cy", &N(c.1)),
            ("rx", &N(r.0)),
            ("ry", &N(r.1)),
            ("fill", &canvas.url(grad)),
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

/// A radial gradient of one colour fading to transparent (`core` = opacity-1 fraction).
fn fade(d: &mut String, id: &str, c: Rgb, core: f64) {
    let _ = write!(
        d,
        r#"<radialGradient id="{id}"><stop offset="{k}" stop-color="{c}"/><stop offset="{m}" stop-color="{c}" stop-opacity="0.45"/><stop offset="1" stop-color="{c}" stop-opacity="0"/></radialGradient>"#,
        k = N(core),
        m = N(core + (1.0 - core) * 0.45),
    );
}

/// Paper grain: a few hundred tiny flecks and fibres, drawn as three compound paths (one per
/// strength) so the whole texture costs three fills.
fn specks(svg: &mut Svg, canvas: &Canvas, rng: &Prng, ink: Rgb) {
    let n = (4.5 * canvas.w * canvas.h / 100.0) as u64;
    let mut paths = [String::new(), String::new(), String::new()];
    for i in 0..n {
        let x = rng.unit_n("x", i) * canvas.w;
        let y = rng.unit_n("y", i) * canvas.h;
        let len = 0.25 + 0.9 * rng.unit_n("len", i).powi(3);
        let a = std::f64::consts::TAU * rng.unit_n("a", i);
        let (dx, dy) = (a.cos() * len, a.sin() * len);
        let thick = 0.18 + 0.14 * rng.unit_n("t", i);
        let p = &mut paths[rng.below(&format!("k{i}"), 3)];
        let _ = write!(
            p,
            "M{} {}l{} {} {} {}z",
            N(x),
            N(y),
            N(dx),
            N(dy),
            N(-dy.signum() * thick - dx * 0.5),
            N(dx.signum() * thick - dy * 0.5),
        );
    }
    for (p, op) in paths.iter().zip([0.12, 0.2, 0.3]) {
        svg.leaf(
            "path",
            &[("d", p), ("fill", &ink), ("fill-opacity", &N(op))],
        );
    }
}

fn defs(svg: &mut Svg, canvas: &Canvas, pal: &Palette) {
    let mut d = String::with_capacity(16 * 1024);
    d.push_str("<defs>");
    let stain = pal.paper.mix(Rgb(0x9a, 0x86, 0x5c), 0.5);
    let _ = write!(
        d,
        r#"<radialGradient id="{id}" cx="0.5" cy="0.45" r="0.75"><stop offset="0.55" stop-color="{stain}" stop-opacity="0"/><stop offset="1" stop-color="{stain}" stop-opacity="0.5"/></radialGradient>"#,
        id = canvas.id("vignette"),
    );
    fade(&mut d, &canvas.id("dark"), pal.dark, 0.2);
    fade(&mut d, &canvas.id("light"), pal.light, 0.0);
    fade(&mut d, &canvas.id("paper"), pal.paper, 0.25);
    fade(&mut d, &canvas.id("glow"), pal.glow, 0.12);
    fade(&mut d, &canvas.id("drop-dark"), pal.dark, 0.6);
    fade(&mut d, &canvas.id("drop-glow"), pal.glow, 0.6);
    // The bust dissolves into the paper towards the bottom edge.
    let _ = write!(
        d,
        r#"<linearGradient id="{id}" x1="0" y1="{a}" x2="0" y2="{b}" gradientUnits="userSpaceOnUse"><stop stop-color="{p}" stop-opacity="0"/><stop offset="1" stop-color="{p}" stop-opacity="0.8"/></linearGradient>"#,
        id = canvas.id("bottom"),
        a = N(canvas.h - 22.0),
        b = N(canvas.h),
        p = pal.paper,
    );
    d.push_str("</defs>");
    svg.raw(&d);
}

fn paper(svg: &mut Svg, canvas: &Canvas, rng: &Prng, pal: &Palette) {
    let (w, h) = (N(canvas.w), N(canvas.h));
    svg.leaf(
        "rect",
        &[("width", &w), ("height", &h), ("fill", &pal.paper)],
    );
    // Large faint blooms: the sheet was never perfectly even.
    let stain = pal.paper.mix(Rgb(0x9a, 0x86, 0x5c), 0.5);
    let bloom = Wash {
        layers: 3,
        alpha: 0.06,
        spread: 6.0,
        ragged: 0.8,
        step: 6.0,
    };
    for i in 0..3u64 {
        let c = (
            rng.unit_n("stain.x", i) * canvas.w,
            rng.unit_n("stain.y", i) * canvas.h,
        );
        let r = 14.0 + 22.0 * rng.unit_n("stain.r", i);
        let ring: Outline = (0..7)
            .map(|k| {
                let a = std::f64::consts::TAU * f64::from(k) / 7.0;
                let rr = r * (0.8 + 0.4 * rng.unit_n(&format!("stain.{i}.r"), k as u64));
                ((c.0 + rr * a.cos(), c.1 + rr * a.sin()), 1.0)
            })
            .collect();
        wash(
            svg,
            rng,
            &format!("stain.{i}"),
            &ring,
            stain,
            pal.paper,
            &bloom,
        );
    }
    specks(
        svg,
        canvas,
        &rng.child("grain"),
        pal.paper.mix(Rgb(0x4a, 0x3c, 0x24), 0.8),
    );
    svg.leaf(
        "rect",
        &[
            ("width", &w),
            ("height", &h),
            ("fill", &canvas.url("vignette")),
        ],
    );
}

/// A stroke with a soft edge: a wide faint pass under a narrow stronger one.
fn soft_stroke(svg: &mut Svg, d: &str, color: Rgb, width: f64, op: f64) {
    stroke(svg, d, color, width * 2.2, op * 0.3);
    stroke(svg, d, color, width, op * 0.75);
}

/// The ear: a small darker wash with the curl of the rim.
fn ear(svg: &mut Svg, canvas: &Canvas, fig: &Figure, pal: &Palette) {
    let (e, u) = (fig.ear, fig.u);
    blob(
        svg,
        canvas,
        "dark",
        e,
        (0.17 * u, 0.27 * u),
        12.0 + fig.tilt,
        0.5,
    );
    let d = PathData::new()
        .m(e.0 + 0.03 * u, e.1 - 0.19 * u)
        .q(
            e.0 - 0.17 * u,
            e.1 - 0.05 * u,
            e.0 - 0.02 * u,
            e.1 + 0.17 * u,
        )
        .finish();
    soft_stroke(svg, &d, pal.dark, 0.06 * u, 0.45);
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
    defs(&mut svg, canvas, &pal);
    paper(&mut svg, canvas, &rng, &pal);

    // The figure box: bottom-centred; a child is drawn a little smaller.
    let k = 1.0 - 0.12 * traits.youth;
    let ox = (canvas.w - 100.0) / 2.0 + 50.0 * (1.0 - k);
    let oy = canvas.h - 100.0 + 100.0 * (1.0 - k);
    let place = format!("translate({} {}) scale({})", N(ox), N(oy), N(k));
    svg.open("g", &[("transform", &place)]);

    // A pale halo behind the head sets it off the paper.
    blob(
        &mut svg,
        canvas,
        "light",
        fig.head_pt((0.25, 0.1)),
        (2.4 * u, 2.2 * u),
        0.0,
        0.3,
    );

    let soft = Wash {
        layers: 7,
        alpha: 0.24,
        spread: 3.0,
        ragged: 0.5,
        step: 4.0,
    };
    wash(
        &mut svg,
        &rng,
        "neck",
        &fig.neck,
        pal.face.mix(pal.dark, 0.3),
        pal.dark,
        &soft,
    );
    wash(
        &mut svg, &rng, "torso", &fig.torso, pal.dark, pal.light, &soft,
    );
    let (sc, srx, sry) = fig.shoulder;
    blob(&mut svg, canvas, "dark", sc, (srx, sry), -15.0, 0.45);
    blob(
        &mut svg,
        canvas,
        "light",
        (sc.0 + 8.0, sc.1 - 7.0),
        (srx * 0.5, sry * 0.35),
        -20.0,
        0.5,
    );
    let face = Wash {
        layers: 8,
        alpha: 0.23,
        spread: 2.5,
        ragged: 0.4,
        step: 3.0,
    };
    wash(
        &mut svg, &rng, "head", &fig.head, pal.face, pal.light, &face,
    );

    // Modelling: shadow at the back of the skull and under the jaw, light on cheek and brow.
    blob(
        &mut svg,
        canvas,
        "dark",
        fig.head_pt((-0.55, 0.2)),
        (0.6 * u, 0.8 * u),
        0.0,
        0.35,
    );
    blob(
        &mut svg,
        canvas,
        "dark",
        fig.head_pt((0.3, 1.05)),
        (0.65 * u, 0.2 * u),
        -8.0,
        0.5,
    );
    blob(
        &mut svg,
        canvas,
        "paper",
        fig.head_pt((0.5, 0.3)),
        (0.3 * u, 0.22 * u),
        0.0,
        0.22,
    );
    blob(
        &mut svg,
        canvas,
        "paper",
        fig.head_pt((0.62, -0.55)),
        (0.22 * u, 0.14 * u),
        0.0,
        0.25,
    );

    // Medium and long hair falls over the ear: paint the ear first so it shows through faintly.
    let covers_ears = matches!(traits.hair_length, HairLength::Medium | HairLength::Long);
    if covers_ears {
        ear(&mut svg, canvas, &fig, &pal);
    }
    if let Some(hair) = &fig.hair {
        let curl = rng.unit("hair.curl");
        let w = Wash {
            layers: 9,
            alpha: 0.21,
            spread: 3.0,
            ragged: 0.3 + 0.9 * curl * curl,
            step: 3.0,
        };
        let deep = pal.hair.mix(pal.dark, 0.5);
        wash(&mut svg, &rng, "hair", hair, pal.hair, deep, &w);
        // A deeper core towards the nape gives the mass some volume.
        let n = hair.len() as f64;
        let (cx, cy) = hair
            .iter()
            .fold((0.0, 0.0), |a, (p, _)| (a.0 + p.0 / n, a.1 + p.1 / n));
        let (cx, cy) = (cx - 0.08 * u, cy + 0.1 * u);
        let core: Outline = hair
            .iter()
            .map(|((x, y), s)| ((cx + (x - cx) * 0.62, cy + (y - cy) * 0.7), s.max(0.6)))
            .collect();
        let w = Wash {
            layers: 3,
            alpha: 0.2,
            spread: 5.0,
            ragged: 0.5,
            step: 4.0,
        };
        wash(&mut svg, &rng, "hair-core", &core, deep, pal.hair, &w);
    }

    // Children get a warm, round cheek.
    if traits.youth > 0.0 {
        let c = fig.head_pt((0.55, 0.38));
        blob(
            &mut svg,
            canvas,
            "glow",
            c,
            (0.28 * u, 0.24 * u),
            0.0,
            0.35 * traits.youth,
        );
    }

    // Facial marks, all soft-edged: ear (unless the hair covers it), brow, eye, nostril, mouth.
    if !covers_ears {
        ear(&mut svg, canvas, &fig, &pal);
    }
    let b = fig.brow;
    let d = PathData::new()
        .m(b[0].0, b[0].1)
        .q(b[1].0, b[1].1, b[2].0, b[2].1)
        .finish();
    soft_stroke(&mut svg, &d, pal.dark, 0.08 * u, 0.5 + 0.15 * traits.masc);
    let e = fig.eye;
    let eu = u * (1.0 + 0.25 * traits.youth);
    let d = PathData::new()
        .m(e.0 - 0.11 * eu, e.1)
        .q(
            e.0 - 0.01 * eu,
            e.1 - 0.09 * eu,
            e.0 + 0.08 * eu,
            e.1 - 0.01 * eu,
        )
        .q(e.0, e.1 + 0.05 * eu, e.0 - 0.11 * eu, e.1)
        .z()
        .finish();
    stroke(&mut svg, &d, pal.dark, 0.08 * u, 0.25);
    svg.leaf(
        "path",
        &[("d", &d), ("fill", &pal.dark), ("fill-opacity", &N(0.8))],
    );
    let n = fig.nostril;
    blob(
        &mut svg,
        canvas,
        "dark",
        n,
        (0.08 * u, 0.045 * u),
        20.0,
        0.7,
    );
    let m = fig.mouth;
    let d = PathData::new()
        .m(m[0].0, m[0].1)
        .q((m[0].0 + m[1].0) / 2.0, m[1].1 + 0.02 * u, m[1].0, m[1].1)
        .finish();
    soft_stroke(&mut svg, &d, pal.dark, 0.045 * u, 0.55);

    // The glow: a warm core at the eye and a wide, faint spill in front of the face.
    let gc = (e.0 + 0.02 * u, e.1 - 0.03 * u);
    blob(&mut svg, canvas, "glow", gc, (0.46 * u, 0.4 * u), 0.0, 0.85);
    blob(
        &mut svg,
        canvas,
        "glow",
        (gc.0 + 0.45 * u, gc.1 - 0.05 * u),
        (1.4 * u, 1.0 * u),
        0.0,
        0.2,
    );

    // A few drops of spattered pigment near the figure.
    for i in 0..rng.below("drops", 5) as u64 {
        let p = fig.head_pt((
            -1.4 + 3.6 * rng.unit_n("drop.x", i),
            -1.5 + 3.3 * rng.unit_n("drop.y", i),
        ));
        let grad = if rng.unit_n("drop.c", i) < 0.7 {
            "drop-dark"
        } else {
            "drop-glow"
        };
        let r = 0.4 + 0.8 * rng.unit_n("drop.r", i);
        blob(
            &mut svg,
            canvas,
            grad,
            p,
            (r, r * 0.9),
            0.0,
            0.25 + 0.3 * rng.unit_n("drop.o", i),
        );
    }
    svg.close("g");
    let bottom = N(canvas.h - 22.0);
    svg.leaf(
        "rect",
        &[
            ("y", &bottom),
            ("width", &N(canvas.w)),
            ("height", &N(22.0)),
            ("fill", &canvas.url("bottom")),
        ],
    );
    svg.finish()
}
