//! `kind = "watercolor"`: a head-and-shoulders side profile facing right, painted in soft
//! bleeding washes of deep teal (#2F5E52) and grey-teal (#5A7D7C) on warm textured paper
//! (#F0EAD6), with an amber glaze (#D9A036) near the eye.
//!
//! # How it paints (and why it is fast)
//!
//! There are no hard lines and no filters at all (resvg blurs cost ~30 ms per large group at
//! 512 px). Every large shape is a wash (`wash.rs`): a few stacked translucent polygons whose
//! edges feather out where the outline is soft (hair, shoulders) and stay close where it is
//! crisp (the face profile). Each wash then dries as pigment does (`pigment.rs`): a darker
//! edge along its crisp parts, granulation inside, a backrun bloom in the large loose ones
//! (torso, hair). Modelling (shadows, highlights, the halo, the vignette) uses radial gradients
//! that fade to nothing; the warm light at the eye is two irregular glazes laid as washes. The
//! small facial marks are soft strokes (a wide faint pass under a narrow one). The paper is a
//! flat tone with a faint bloom, a vignette in the corners and some specks of grain.
//!
//! Nothing soft needs full resolution, so the picture is painted in groups that `soft.rs`
//! rasterises at a fraction of the size and upscales: the paper at 1/8, the figure's washes at
//! 1/2, the glow at 1/4. Only the grain, the facial marks and the drops of pigment are drawn at
//! full size. The SVG from `render_svg` is the same drawing at full resolution everywhere, so
//! a browser shows slightly crisper wash edges than the PNG.
//!
//! Geometry comes from `profile.rs`: age, presentation and seed shape the head, hair, neck and
//! shoulders; the person (skin, hair colour and cut, glasses, facial hair, what is worn on the
//! head) is resolved by `look.rs` as for the poster and the cartoon, so pins work the same in
//! every look. This module chooses colours and paints; `hair.rs` and `wear.rs` beside it paint
//! the hair and what is worn.

mod hair;
mod wear;

use std::fmt::Write;

use crate::Size;
use crate::look::Look;
use crate::paper::{GLOW, PAPER, WASH_DARK, WASH_LIGHT};
use crate::pigment::{Pigment, blot};
use crate::pigment::{wash, wash_with};
use crate::prng::Prng;
use crate::profile::{self, Figure, Hair, Outline, Pt, Traits};
use crate::recipe::WatercolorRecipe;
use crate::sitter::{HairColor, HeadCovering, Rgb, Sitter};
use crate::soft;
use crate::svg::{Canvas, N, PathData, Svg};
use crate::wash::{Wash, specks};

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

/// A radial gradient of one colour fading to transparent (`core` = opacity-1 fraction).
fn fade(d: &mut String, id: &str, c: Rgb, core: f64) {
    let _ = write!(
        d,
        r#"<radialGradient id="{id}"><stop offset="{k}" stop-color="{c}"/><stop offset="{m}" stop-color="{c}" stop-opacity="0.45"/><stop offset="1" stop-color="{c}" stop-opacity="0"/></radialGradient>"#,
        k = N(core),
        m = N(core + (1.0 - core) * 0.45),
    );
}

fn defs(svg: &mut Svg, canvas: &Canvas, pal: &Palette) {
    let mut d = String::with_capacity(16 * 1024);
    d.push_str("<defs>");
    let stain = pal.paper.mix(Rgb(0x9a, 0x86, 0x5c), 0.5);
    let _ = write!(
        d,
        r#"<radialGradient id="{id}" cx="0.5" cy="0.45" r="0.75"><stop offset="0.7" stop-color="{stain}" stop-opacity="0"/><stop offset="1" stop-color="{stain}" stop-opacity="0.3"/></radialGradient>"#,
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

/// How many blooms stain the paper.
const BLOOMS: u64 = 1;

/// The sheet: its colour (unless a frame background was painted), then stains.
fn paper(svg: &mut Svg, canvas: &Canvas, rng: &Prng, pal: &Palette, base: bool) {
    let (w, h) = (N(canvas.w), N(canvas.h));
    if base {
        svg.leaf(
            "rect",
            &[("width", &w), ("height", &h), ("fill", &pal.paper)],
        );
    }
    // A large faint bloom: the sheet was never perfectly even. (One: every soft gradient on the
    // paper costs PNG bytes, see `soft.rs`.)
    let stain = pal.paper.mix(Rgb(0x9a, 0x86, 0x5c), 0.5);
    let bloom = Wash {
        layers: 2,
        opacity: 0.17,
        spread: 6.0,
        ragged: 0.8,
        step: 8.0,
        bottom: f64::INFINITY,
    };
    for i in 0..BLOOMS {
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
    svg.leaf(
        "rect",
        &[
            ("width", &w),
            ("height", &h),
            ("fill", &canvas.url("vignette")),
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

/// A stroke with a soft edge: a wide faint pass under a narrow stronger one.
fn soft_stroke(svg: &mut Svg, d: &str, color: Rgb, width: f64, op: f64) {
    stroke(svg, d, color, width * 2.2, op * 0.3);
    stroke(svg, d, color, width, op * 0.75);
}

/// A quadratic curve from `a` through control `c` to `b`.
fn curve(a: Pt, c: Pt, b: Pt) -> String {
    PathData::new().m(a.0, a.1).q(c.0, c.1, b.0, b.1).finish()
}

/// One portrait being painted: everything resolved, ready to lay down in order.
struct Scene<'a> {
    canvas: &'a Canvas,
    rng: Prng,
    traits: Traits,
    fig: Figure,
    pal: Palette,
    /// A pinned jersey colour tints a headband or a beanie.
    jersey: Option<Rgb>,
}

impl Scene<'_> {
    /// A soft blob: an ellipse (`r` radii, `rot` degrees) filled with a fade-out gradient.
    fn blob(&self, svg: &mut Svg, grad: &str, c: Pt, r: (f64, f64), rot: f64, op: f64) {
        let t = format!("rotate({} {} {})", N(rot), N(c.0), N(c.1));
        svg.leaf(
            "ellipse",
            &[
                ("cx", &N(c.0)),
                ("cy", &N(c.1)),
                ("rx", &N(r.0)),
                ("ry", &N(r.1)),
                ("fill", &self.canvas.url(grad)),
                ("fill-opacity", &N(op)),
                ("transform", &t),
            ],
        );
    }

    /// A blob placed and sized in head space (`c` and `r` in head units).
    fn head_blob(&self, svg: &mut Svg, grad: &str, c: Pt, r: (f64, f64), rot: f64, op: f64) {
        let u = self.fig.u;
        self.blob(svg, grad, self.fig.head_pt(c), (r.0 * u, r.1 * u), rot, op);
    }

    /// A pale halo behind the head sets it off the paper.
    fn halo(&self, svg: &mut Svg) {
        self.head_blob(svg, "light", (0.25, 0.1), (2.4, 2.2), 0.0, 0.13);
    }

    /// Shoulders and neck, with the modelling that sits on them.
    fn body(&self, svg: &mut Svg) {
        let (fig, pal, rng) = (&self.fig, &self.pal, &self.rng);
        let soft = Wash {
            layers: 3,
            opacity: 0.85,
            spread: 3.0,
            ragged: 0.8,
            step: 6.0,
            bottom: 100.0,
        };
        let neck = pal.face.mix(pal.dark, 0.3);
        // The neck is mostly overlapped by head and torso: nothing of its own drying shows.
        let dry = Pigment {
            rim: 0.0,
            blooms: 0,
            grain: 0.0,
            paper: pal.paper,
        };
        wash_with(svg, rng, "neck", &fig.neck, neck, pal.dark, &soft, &dry);
        // The largest, loosest wash: where backruns and granulation show most.
        let dry = Pigment {
            rim: 0.25,
            blooms: 1,
            grain: 1.6,
            ..dry
        };
        wash_with(
            svg, rng, "torso", &fig.torso, pal.dark, pal.light, &soft, &dry,
        );
        let (sc, srx, sry) = fig.shoulder;
        self.blob(svg, "dark", sc, (srx, sry), -15.0, 0.4);
        let lit = (sc.0 + 8.0, sc.1 - 7.0);
        self.blob(svg, "light", lit, (srx * 0.5, sry * 0.35), -20.0, 0.5);
    }

    /// The head, with the modelling that sits on it.
    fn head(&self, svg: &mut Svg) {
        let (fig, pal, rng) = (&self.fig, &self.pal, &self.rng);
        let face = Wash {
            layers: 3,
            opacity: 0.88,
            spread: 2.5,
            ragged: 0.4,
            step: 4.0,
            bottom: 100.0,
        };
        // No blooms on a face (they read as blemishes); a crisp drying edge along the profile.
        let dry = Pigment {
            rim: 0.3,
            blooms: 0,
            grain: 0.0,
            paper: pal.paper,
        };
        wash_with(
            svg, rng, "head", &fig.head, pal.face, pal.light, &face, &dry,
        );
        // Shadow at the back of the skull and under the jaw, light on cheek and brow.
        self.head_blob(svg, "dark", (-0.55, 0.2), (0.6, 0.8), 0.0, 0.35);
        self.head_blob(svg, "dark", (0.3, 1.05), (0.65, 0.2), -8.0, 0.5);
        self.head_blob(svg, "paper", (0.5, 0.3), (0.3, 0.22), 0.0, 0.22);
        self.head_blob(svg, "paper", (0.62, -0.55), (0.22, 0.14), 0.0, 0.25);
        // Children get a warm, round cheek.
        if self.traits.youth > 0.0 {
            let op = 0.35 * self.traits.youth;
            self.head_blob(svg, "glow", (0.55, 0.38), (0.28, 0.24), 0.0, op);
        }
    }

    /// The ear: a small darker wash with the curl of the rim.
    fn ear(&self, svg: &mut Svg) {
        let (e, u) = (self.fig.ear, self.fig.u * self.fig.ear_size);
        self.blob(
            svg,
            "dark",
            e,
            (0.17 * u, 0.27 * u),
            12.0 + self.fig.tilt,
            0.5,
        );
        let d = curve(
            (e.0 + 0.03 * u, e.1 - 0.19 * u),
            (e.0 - 0.17 * u, e.1 - 0.05 * u),
            (e.0 - 0.02 * u, e.1 + 0.17 * u),
        );
        soft_stroke(svg, &d, self.pal.dark, 0.06 * u, 0.45);
    }

    /// Brow, eye, nostril and mouth, all soft-edged.
    fn features(&self, svg: &mut Svg) {
        let (fig, dark, u) = (&self.fig, self.pal.dark, self.fig.u);
        let b = fig.brow;
        let brow_op = 0.5 + 0.15 * self.traits.masc;
        soft_stroke(svg, &curve(b[0], b[1], b[2]), dark, 0.08 * u, brow_op);
        // The eye in profile, open towards the front (its part sets the shape); bigger for a
        // child.
        let (e, eu, k) = (fig.eye, u * (1.0 + 0.25 * self.traits.youth), fig.eye_shape);
        let (back, front) = (e.0 - (k.length + 0.015) * eu, e.0 + (k.length - 0.015) * eu);
        let d = PathData::new()
            .m(back, e.1)
            .q(e.0 - 0.01 * eu, e.1 - k.above * eu, front, e.1 - 0.01 * eu)
            .q(e.0, e.1 + k.below * eu, back, e.1)
            .z()
            .finish();
        stroke(svg, &d, dark, 0.08 * u, 0.25);
        svg.leaf(
            "path",
            &[("d", &d), ("fill", &dark), ("fill-opacity", &N(0.8))],
        );
        if k.lid > 0.0 {
            // The fold of a heavy lid, just above the opening.
            let lift = (k.above + 0.05) * eu;
            let lid = curve(
                (back + 0.02 * eu, e.1 - 0.02 * eu),
                (e.0, e.1 - lift),
                (front + 0.01 * eu, e.1 - 0.03 * eu),
            );
            stroke(svg, &lid, dark, 0.04 * u, 0.3 + 0.3 * k.lid);
        }
        self.blob(svg, "dark", fig.nostril, (0.08 * u, 0.045 * u), 20.0, 0.7);
        let m = fig.mouth;
        let mid = ((m[0].0 + m[1].0) / 2.0, m[1].1 + 0.02 * u);
        soft_stroke(svg, &curve(m[0], mid, m[1]), dark, 0.045 * u, 0.55);
        if let Some([a, c, b]) = fig.lash {
            stroke(svg, &curve(a, c, b), dark, 0.035 * u, 0.6);
        }
        // Age lines: fine and faint, so they read as creases rather than drawing.
        let old = self.traits.old;
        for [a, c, b] in &fig.lines {
            stroke(svg, &curve(*a, *c, *b), dark, 0.035 * u, 0.2 + 0.25 * old);
        }
    }

    /// The glow: two warm glazes laid as washes, not a gradient disc: a wide faint one reaching
    /// forward from the eye and a small warmer core over it, each an irregular feathered
    /// shape.
    fn glow(&self, svg: &mut Svg) {
        let (e, u, rng, pal) = (self.fig.eye, self.fig.u, &self.rng, &self.pal);
        let gc = (e.0 + 0.02 * u, e.1 - 0.03 * u);
        let light = pal.glow.mix(pal.paper, 0.35);
        let glazes = [
            ("pigment.glow.wide", (0.3, -0.04), (0.6, 0.4), 0.22, 1.0, 2),
            ("pigment.glow.core", (0.08, -0.02), (0.26, 0.2), 0.4, 0.9, 2),
        ];
        for (key, (dx, dy), (rx, ry), op, soft, layers) in glazes {
            let c = (gc.0 + dx * u, gc.1 + dy * u);
            let shape: Outline = blot(rng, key, c, (rx * u, ry * u), 12)
                .into_iter()
                .map(|(p, _)| (p, soft))
                .collect();
            let w = Wash {
                layers,
                opacity: op,
                spread: 0.6 * rx * u,
                // Ragged enough that the two layers' edges do not run parallel (a ring).
                ragged: 1.2,
                step: 2.5,
                bottom: f64::INFINITY,
            };
            // No drying edge: around the eye it would read as a ring.
            let dry = Pigment {
                rim: 0.0,
                blooms: 0,
                grain: 0.0,
                paper: pal.paper,
            };
            wash_with(svg, rng, key, &shape, pal.glow, light, &w, &dry);
        }
    }

    /// A few drops of spattered pigment near the figure (small, so drawn sharp).
    fn drops(&self, svg: &mut Svg) {
        let rng = &self.rng;
        for i in 0..rng.below("drops", 5) as u64 {
            let x = -1.4 + 3.6 * rng.unit_n("drop.x", i);
            let y = -1.5 + 3.3 * rng.unit_n("drop.y", i);
            let grad = if rng.unit_n("drop.c", i) < 0.7 {
                "drop-dark"
            } else {
                "drop-glow"
            };
            let r = 0.4 + 0.8 * rng.unit_n("drop.r", i);
            let op = 0.25 + 0.3 * rng.unit_n("drop.o", i);
            self.blob(svg, grad, self.fig.head_pt((x, y)), (r, r * 0.9), 0.0, op);
        }
    }
}

pub(crate) fn draw(
    recipe: &WatercolorRecipe,
    sitter: &Sitter,
    rng: &Prng,
    canvas: &Canvas,
    size: Size,
) -> String {
    // The person is the one every look draws for this sitter (keys `poster.*` on the sitter's
    // own source); the profile's geometry and paint draw from the watercolor's.
    let traits = Traits::resolve(sitter, &Look::resolve(sitter, &[], rng));
    let rng = rng.child("watercolor");
    let mut scene = Scene {
        canvas,
        fig: profile::build(&traits, &rng),
        pal: Palette::new(recipe, &traits),
        rng,
        traits,
        jersey: sitter.jersey_color,
    };

    let mut svg = canvas.svg(size);
    let mut framed = canvas.begin_frame(&mut svg, &recipe.frame, &scene.rng);

    // The figure box: bottom-centred; a child is drawn a little smaller.
    let k = 1.0 - 0.12 * scene.traits.youth;
    let ox = (canvas.w - 100.0) / 2.0 + 50.0 * (1.0 - k);
    let oy = canvas.h - 100.0 + 100.0 * (1.0 - k);
    let place = format!("translate({} {}) scale({})", N(ox), N(oy), N(k));

    // Soft parts are marked for reduced-resolution rasterising (`soft.rs`): the paper at an
    // eighth, the light at a quarter, the figure's washes at half; the grain, the small facial
    // marks and the drops of pigment stay at full resolution.
    svg.open("g", &[("id", &soft::id(canvas, "ground", 8))]);
    // A frame background is the sheet's colour (the bust fades into it); the stains and grain
    // still lie on it.
    let ground = framed.background(&mut svg, canvas, &scene.rng);
    if let Some(c) = ground {
        scene.pal.paper = c;
    }
    paper(&mut svg, canvas, &scene.rng, &scene.pal, ground.is_none());
    svg.open("g", &[("transform", &place)]);
    scene.halo(&mut svg);
    svg.close("g");
    svg.close("g");
    // After the ground, which may have changed the paper colour they fade into (usvg resolves
    // references across the whole document).
    defs(&mut svg, canvas, &scene.pal);
    specks(
        &mut svg,
        canvas,
        &scene.rng.child("grain"),
        scene.pal.paper.mix(Rgb(0x4a, 0x3c, 0x24), 0.8),
        0.6,
    );

    framed.begin_figure(&mut svg, canvas);
    svg.open(
        "g",
        &[
            ("id", &soft::id(canvas, "figure", 2)),
            ("transform", &place),
        ],
    );
    scene.body(&mut svg);
    scene.head(&mut svg);
    scene.facial_hair(&mut svg);
    // Hair that falls over the ear is painted over it, so the ear shows through faintly; a
    // headscarf hides it.
    let ear = match scene.traits.covering {
        HeadCovering::Headscarf => None,
        _ if Hair::covers_ear(scene.traits.hair_style) => Some(true),
        _ => Some(false),
    };
    if ear == Some(true) {
        scene.ear(&mut svg);
    }
    scene.hair(&mut svg);
    if ear == Some(false) {
        scene.ear(&mut svg);
    }
    scene.covering(&mut svg);
    svg.close("g");
    svg.open("g", &[("transform", &place)]);
    scene.features(&mut svg);
    scene.glasses(&mut svg);
    scene.drops(&mut svg);
    svg.close("g");

    svg.open("g", &[("id", &soft::id(canvas, "light", 4))]);
    svg.open("g", &[("transform", &place)]);
    scene.glow(&mut svg);
    svg.close("g");
    // The bust dissolves into the paper towards the bottom edge.
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
    svg.close("g");
    canvas.end_frame(&mut svg, framed);
    svg.finish()
}
