//! `kind = "poster"`: a flat vector head-and-shoulders poster portrait in a plain jersey, on a
//! calm tinted background: editorial flat illustration, not a cartoon.
//!
//! - Skin is a three-tone ramp (base, shadow, highlight) from ten hand-tuned tones, or the
//!   sitter's own tone shaded like its nearest ramp entry (`look.rs`). Shading is flat blocks:
//!   the side away from the light, under the hair, nose, lip and chin, and the neck.
//! - The face (`face.rs`, `face_parts.rs`) is front-facing or turned three-quarter; age,
//!   presentation and seed set its shape, ears and nose (`parts.rs`); hair (`hair.rs`) is one
//!   of fifteen cuts in three flat tones; a headband, beanie or headscarf (`wear.rs`) sometimes.
//! - The jersey is plain: crew or V neck, a contrasting collar, optional raglan seams, in the
//!   sitter's team colours or a built-in pair. Never text, numbers or logos.
//! - The background is a muted tint of the team colour, with a soft geometric backdrop.
//!
//! Only flat fills and strokes: no filters, gradients or clip paths (each clip costs resvg a
//! mask layer, about half the raster time here), so shading that must stop at an edge is built
//! on the outline's own Bézier segments (`pen::region`). Drawing helpers live in `pen.rs`.
//! The figure is drawn in a 100 × 125 design box (4:5) anchored bottom-centre and scaled to
//! fit; other aspect ratios get more background (a square crops the empty top).

use crate::Size;
use crate::face::Face;
use crate::face_parts;
use crate::hair::{self, Hair};
use crate::look::Look;
use crate::parts::Parts;
use crate::pen::{Frame, Pt, closed, closed_segs, ellipse, fill, fill_a, open, poly, region};
use crate::pen::{segs_path, stroke, symmetric};
use crate::prng::Prng;
use crate::recipe::{Backdrop, Neckline, PosterRecipe};
use crate::sitter::{HeadCovering, Rgb, Sitter};
use crate::svg::{Canvas, N, Svg};
use crate::wear::{self, fabric};

const PAPER: Rgb = Rgb(0xf4, 0xf0, 0xe8);

/// A colour moved towards grey of its own brightness by `t`.
fn mute(c: Rgb, t: f64) -> Rgb {
    let g = ((f64::from(c.0) + f64::from(c.1) + f64::from(c.2)) / 3.0).round() as u8;
    c.mix(Rgb(g, g, g), t)
}

struct Scene<'a> {
    canvas: &'a Canvas,
    rng: Prng,
    look: Look,
    face: Face,
    hair: Hair,
    /// Collar height (head space y of the neck base).
    base_y: f64,
    /// Half the shoulder width (head space).
    shoulders: f64,
    bottom: f64,
    neckline: Neckline,
}

impl Scene<'_> {
    /// The backdrop, over `ground` if the frame painted one, else over our own colour.
    fn background(&self, svg: &mut Svg, recipe: &PosterRecipe, ground: Option<Rgb>) {
        let l = &self.look;
        let (c, f) = (self.canvas, &self.face.f);
        let key = if l.jersey.luminance() > 0.5 {
            l.trim
        } else {
            l.jersey
        };
        let bg = ground.unwrap_or_else(|| {
            let bg = mute(key.mix(PAPER, 0.8), 0.25);
            svg.leaf(
                "rect",
                &[("width", &N(c.w)), ("height", &N(c.h)), ("fill", &bg)],
            );
            bg
        });
        let deep = if bg.luminance() > 0.35 {
            mute(bg.mix(key, 0.22), 0.1)
        } else {
            bg.mix(PAPER, 0.12)
        };
        let backdrop = recipe.backdrop.unwrap_or_else(|| {
            *self.rng.pick(
                "poster.backdrop",
                &[
                    Backdrop::Circle,
                    Backdrop::Arch,
                    Backdrop::Split,
                    Backdrop::Plain,
                    Backdrop::Circle,
                ],
            )
        });
        match backdrop {
            Backdrop::Plain => {}
            Backdrop::Circle => {
                let ctr = f.flat(0.0, -0.35);
                let r = f.len(2.25);
                fill(svg, &ellipse(ctr, r, r), deep);
            }
            Backdrop::Arch => {
                let w = 2.35;
                let top = -0.6;
                let mut pts: Vec<Pt> = (0..=12)
                    .map(|k| {
                        let a = std::f64::consts::PI * (1.0 + k as f64 / 12.0);
                        f.flat(w * a.cos(), top + w * a.sin())
                    })
                    .collect();
                pts.push(f.flat(w, self.bottom + 1.0));
                pts.push(f.flat(-w, self.bottom + 1.0));
                fill(svg, &poly(&pts), deep);
            }
            Backdrop::Split => {
                let flip = if self.rng.chance("poster.split", 0.5) {
                    1.0
                } else {
                    -1.0
                };
                let (y0, y1) = (c.h * 0.72, c.h * 0.3);
                let (l0, r0) = if flip > 0.0 { (y0, y1) } else { (y1, y0) };
                let pts = [(0.0, l0), (c.w, r0), (c.w, c.h), (0.0, c.h)];
                fill(svg, &poly(&pts), deep);
            }
        }
    }

    /// The back of the collar, behind the neck: drawn before it, so only its ends show beside
    /// the neck, and the neck seems to go into the jersey.
    fn back_collar(&self, svg: &mut Svg) {
        let (l, f) = (&self.look, &self.face.f);
        let (n, b) = (self.face.neck, self.base_y);
        let inside = fabric(l.trim).0;
        let c = f.all_flat(&[
            (-(n + 0.12), b - 0.02),
            (-n * 0.8, b - 0.2),
            (0.0, b - 0.26),
            (n * 0.8, b - 0.2),
            (n + 0.12, b - 0.02),
        ]);
        stroke(svg, &open(&c), inside, f.len(0.15), 1.0);
    }

    /// Torso outline points in head space (right side from the neckline centre, mirrored).
    fn torso(&self) -> (Vec<Pt>, Vec<usize>) {
        let (n, b, s, bot) = (self.face.neck, self.base_y, self.shoulders, self.bottom);
        let slope = 0.1 * self.look.old;
        let dip = match self.neckline {
            Neckline::Crew => 0.24,
            Neckline::V => 0.78,
        };
        let mut right = vec![(0.0, b + dip)];
        if self.neckline == Neckline::Crew {
            right.push((n * 0.62, b + dip * 0.78));
        }
        right.extend([
            (n + 0.12, b - 0.08),
            (n + 0.85, b + 0.14 + slope),
            (s - 0.38, b + 0.38 + slope),
            (s - 0.04, b + 0.85 + slope),
            (s + 0.12, bot + 1.0),
            (0.0, bot + 1.0),
        ]);
        let pts = symmetric(&right);
        // Corners: the V's point, the collar edges, the bottom.
        let corners = pts
            .iter()
            .enumerate()
            .filter(|(i, p)| {
                (p.0.abs() - (n + 0.12)).abs() < 1e-9
                    || p.1 > bot
                    || (*i == 0 && self.neckline == Neckline::V)
            })
            .map(|(i, _)| i)
            .collect();
        (pts, corners)
    }

    fn jersey(&self, svg: &mut Svg) {
        let (l, f) = (&self.look, &self.face.f);
        let (pts, corners) = self.torso();
        let segs = closed_segs(&f.all_flat(&pts), &corners);
        fill(svg, &segs_path(&segs), l.jersey);
        let (shadow, light) = fabric(l.jersey);
        let (n, b, s, bot) = (self.face.neck, self.base_y, self.shoulders, self.bottom);
        let side = self.face.side;
        // The side away from the light: from the shoulder top down the outline to the bottom,
        // back up inside the arm. Point k on the right mirrors to len - k on the left.
        let len = pts.len();
        let top = pts
            .iter()
            .position(|p| (p.0 - (s - 0.38)).abs() < 1e-9)
            .unwrap_or(1);
        let low = top + 2;
        let back = [
            (s - 0.72, bot + 1.0),
            (s - 0.64, b + 1.3),
            (s - 0.7, b + 0.62),
        ];
        let mut inner: Vec<Pt> = back.iter().map(|&(x, y)| f.flat(side * x, y)).collect();
        let dark = if side > 0.0 {
            region(&segs, top, low, &inner)
        } else {
            inner.reverse();
            region(&segs, len - low, len - top, &inner)
        };
        fill(svg, &dark, shadow);
        let arm = f.all_flat(&[
            (-side * (s - 0.58), b + 0.95),
            (-side * (s - 0.72), b + 1.8),
            (-side * (s - 0.7), bot + 1.0),
        ]);
        stroke(svg, &open(&arm), shadow, f.len(0.06), 0.7);
        // The neck's shadow on the chest, under the collar.
        let drop = if self.neckline == Neckline::V {
            0.5
        } else {
            0.36
        };
        let cast = ellipse(f.flat(side * 0.12, b + drop), f.len(n + 0.3), f.len(0.2));
        fill_a(svg, &cast, shadow, 0.45);
        // Light along the lit shoulder.
        let lit = f.all_flat(&[
            (-side * (n + 0.9), b + 0.26),
            (-side * (s - 0.42), b + 0.5),
            (-side * (s - 0.22), b + 0.82),
        ]);
        stroke(svg, &open(&lit), light, f.len(0.08), 0.55);
        if self.rng.chance("poster.jersey.raglan", 0.35) {
            // Raglan seams: a band in the trim colour from the collar to the armpit.
            for sx in [-1.0, 1.0] {
                let band = f.all_flat(&[
                    (sx * (n + 0.02), b - 0.02),
                    (sx * (n + 0.95), b + 0.34),
                    (sx * (s - 0.62), b + 1.02),
                    (sx * (s - 0.74), b + 1.2),
                    (sx * (n + 0.78), b + 0.5),
                    (sx * (n - 0.1), b + 0.18),
                ]);
                fill(svg, &closed(&band, &[0, 3, 5]), l.trim);
            }
        }
        // The collar.
        let cw = 0.17;
        match self.neckline {
            Neckline::Crew => {
                let c = f.all_flat(&[
                    (-(n + 0.1), b - 0.06 + cw * 0.4),
                    (-n * 0.62, b + 0.19 + cw * 0.45),
                    (0.0, b + 0.24 + cw * 0.45),
                    (n * 0.62, b + 0.19 + cw * 0.45),
                    (n + 0.1, b - 0.06 + cw * 0.4),
                ]);
                stroke(svg, &open(&c), l.trim, f.len(cw), 1.0);
            }
            Neckline::V => {
                let c = f.all_flat(&[
                    (-(n + 0.06), b - 0.05 + cw * 0.3),
                    (0.0, b + 0.72),
                    (n + 0.06, b - 0.05 + cw * 0.3),
                ]);
                let d = crate::svg::polygon(&c);
                let d = d.trim_end_matches('Z').to_owned();
                svg.leaf(
                    "path",
                    &[
                        ("d", &d),
                        ("fill", &"none"),
                        ("stroke", &l.trim),
                        ("stroke-width", &N(f.len(cw * 0.8))),
                        ("stroke-linecap", &"round"),
                        ("stroke-linejoin", &"round"),
                    ],
                );
            }
        }
    }
}

pub(crate) fn draw(
    recipe: &PosterRecipe,
    sitter: &Sitter,
    rng: &Prng,
    canvas: &Canvas,
    size: Size,
) -> String {
    let look = Look::resolve(sitter, &recipe.palette, rng);
    // The 100 × 125 design box, scaled to fit the width (or 110 units of height, cropping the
    // empty sky of a square), bottom-centred.
    let k = (canvas.w / 100.0).min(canvas.h / 110.0);
    let design = |x: f64, y: f64| (canvas.cx() + (x - 50.0) * k, canvas.h - (125.0 - y) * k);
    let y = look.youth;
    let u = (19.0 + 0.6 * y + rng.jitter("poster.u", 0.3)) * k;
    let (ox, oy) = design(
        50.0 + rng.jitter("poster.x", 1.0),
        50.0 + 6.0 * y + 1.2 * look.old,
    );
    let frame = Frame {
        ox,
        oy,
        u,
        turn: look.turn,
    };
    let parts = Parts::choose(&look, rng, "poster");
    let mut face = Face::new(&look, rng, frame);
    face_parts::shape(&mut face, &parts);
    let scene = Scene {
        canvas,
        rng: *rng,
        hair: hair::build(&face, &look, rng),
        base_y: 1.8 - 0.2 * y + 0.06 * look.masc,
        shoulders: (2.3 + 0.3 * look.masc + rng.jitter("poster.shoulders", 0.08))
            * (1.0 - 0.3 * y)
            * (1.0 - 0.1 * parts.child),
        bottom: (canvas.h - oy) / u,
        neckline: recipe.neckline.unwrap_or_else(|| {
            if rng.chance("poster.neckline", 0.3) {
                Neckline::V
            } else {
                Neckline::Crew
            }
        }),
        look,
        face,
    };
    let (l, face) = (&scene.look, &scene.face);

    let mut svg = canvas.svg(size);
    let mut framed = canvas.begin_frame(&mut svg, &recipe.frame, rng);
    let ground = framed.background(&mut svg, canvas, rng);
    scene.background(&mut svg, recipe, ground);
    framed.begin_figure(&mut svg, canvas);
    let scarf =
        (l.covering == HeadCovering::Headscarf).then(|| *rng.pick("poster.scarf", &wear::SCARVES));

    for m in &scene.hair.back {
        m.draw(&mut svg);
    }
    if scarf.is_none() {
        scene.back_collar(&mut svg);
        face.neck(&mut svg, l, scene.base_y);
    }
    svg.open("g", &[("id", &canvas.id("jersey"))]);
    scene.jersey(&mut svg);
    svg.close("g");
    if let Some(c) = scarf {
        wear::scarf_back(&mut svg, face, scene.base_y, c);
    }
    if scarf.is_none() && !scene.hair.covers_ears {
        face.ears(&mut svg, l);
    }
    let segs = face.outline_segs();
    svg.open("g", &[("id", &canvas.id("face"))]);
    fill(&mut svg, &segs_path(&segs), l.skin.base);
    face.shading(&mut svg, l, &segs);
    if let Some(d) = &scene.hair.shadow
        && scarf.is_none()
    {
        fill_a(&mut svg, d, l.skin.shadow, 0.9);
    }
    face.age_lines(&mut svg, l);
    face.facial_hair(&mut svg, l);
    face.features(&mut svg, l, rng);
    svg.close("g");
    svg.open("g", &[("id", &canvas.id("hair"))]);
    for m in &scene.hair.front {
        m.draw(&mut svg);
    }
    svg.close("g");
    if let Some(c) = scarf {
        svg.open("g", &[("id", &canvas.id("headscarf"))]);
        wear::scarf_front(&mut svg, face, c);
        svg.close("g");
    } else if l.covering != HeadCovering::None {
        svg.open("g", &[("id", &canvas.id(&l.covering.to_string()))]);
        wear::covering(&mut svg, face, l);
        svg.close("g");
    }
    if l.glasses.is_some() {
        svg.open("g", &[("id", &canvas.id("glasses"))]);
        face.glasses(&mut svg, l);
        svg.close("g");
    }
    canvas.end_frame(&mut svg, framed);
    svg.finish()
}
