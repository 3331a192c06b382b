//! The cartoon below the head and behind it: the background field and its one motif, the
//! neck, the top (crew, V, hoodie, collar, turtleneck) and the coffee cup held at the chest.

use super::features::{inked, outlined_shape};
use super::theme::{Motif, Palette, Top};
use crate::face::Face;
use crate::look::Look;
use crate::parts::Parts;
use crate::pen::{Pt, closed, closed_segs, ellipse, fill, fill_a, open, poly, region, segs_path};
use crate::pen::{stroke, symmetric};
use crate::prng::Prng;
use crate::sitter::Rgb;
use crate::svg::{Canvas, N, Svg};

const WHITE: Rgb = Rgb(0xff, 0xff, 0xff);

/// A darker shade for cel shadows on cloth; dark cloth lightens instead, so its shadow still
/// shows.
fn cloth_shadow(c: Rgb) -> Rgb {
    if c.luminance() < 0.03 {
        c.mix(WHITE, 0.12)
    } else {
        c.mix(Rgb(0x10, 0x08, 0x20), 0.22)
    }
}

/// A stroked band with an outline: the ink stroke a little wider underneath.
fn band(svg: &mut Svg, d: &str, c: Rgb, ink: Rgb, w: f64, lw: f64) {
    stroke(svg, d, ink, w + 2.0 * lw, 1.0);
    stroke(svg, d, c, w, 1.0);
}

/// The colour field (unless the frame painted one), the motif, a soft vignette.
pub(crate) fn background(
    svg: &mut Svg,
    canvas: &Canvas,
    face: &Face,
    p: &Palette,
    motif: Motif,
    rng: &Prng,
    field: bool,
) {
    let (w, h) = (canvas.w, canvas.h);
    if field {
        svg.leaf(
            "rect",
            &[("width", &N(w)), ("height", &N(h)), ("fill", &p.bg)],
        );
    }
    let f = &face.f;
    match motif {
        Motif::Disc => {
            let c = f.flat(0.0, -0.3);
            fill(svg, &ellipse(c, f.len(1.85), f.len(1.85)), p.motif);
        }
        Motif::Rays => {
            let c = f.flat(0.0, -0.3);
            let n = 12;
            // Just past the farthest corner: what lies off the canvas still costs edges.
            let reach = (c.0.max(w - c.0)).hypot(c.1.max(h - c.1)) * 1.05;
            let turn = rng.range("cartoon.rays", 0.0, 1.0);
            let mut d = String::new();
            for k in (0..n).step_by(2) {
                let a0 = std::f64::consts::TAU * (k as f64 + turn) / n as f64;
                let a1 = std::f64::consts::TAU * (k as f64 + 1.0 + turn) / n as f64;
                let pts = [
                    c,
                    (c.0 + reach * a0.cos(), c.1 + reach * a0.sin()),
                    (c.0 + reach * a1.cos(), c.1 + reach * a1.sin()),
                ];
                d.push_str(&poly(&pts));
            }
            fill(svg, &d, p.motif);
        }
        Motif::Stars => {
            let mut d = String::new();
            for k in 0..6u64 {
                // Around the edges, clear of the head: alternate sides, spread down.
                let sx = if k % 2 == 0 { -1.0 } else { 1.0 };
                let x = w / 2.0 + sx * (w / 2.0 - 8.0 - 9.0 * rng.unit_n("cartoon.star.x", k));
                let y =
                    8.0 + (h * 0.55) * (k / 2) as f64 / 2.0 + 6.0 * rng.unit_n("cartoon.star.y", k);
                let r = 4.0 + 2.5 * rng.unit_n("cartoon.star.r", k);
                let pts: Vec<Pt> = (0..10)
                    .map(|i| {
                        let a = std::f64::consts::PI * (i as f64 / 5.0 - 0.5);
                        let rr = if i % 2 == 0 { r } else { r * 0.45 };
                        (x + rr * a.cos(), y + rr * a.sin())
                    })
                    .collect();
                d.push_str(&poly(&pts));
            }
            fill_a(svg, &d, p.motif, 0.9);
        }
        Motif::Sparkles => {
            let mut d = String::new();
            let mut dots = String::new();
            for k in 0..5u64 {
                let sx = if k % 2 == 0 { -1.0 } else { 1.0 };
                let x = w / 2.0 + sx * (w / 2.0 - 7.0 - 10.0 * rng.unit_n("cartoon.spark.x", k));
                let y = 7.0 + (h * 0.6) * rng.unit_n("cartoon.spark.y", k);
                let r = 2.5 + 2.5 * rng.unit_n("cartoon.spark.r", k);
                let q = r * 0.22;
                let pts = [
                    (x, y - r),
                    (x + q, y - q),
                    (x + r, y),
                    (x + q, y + q),
                    (x, y + r),
                    (x - q, y + q),
                    (x - r, y),
                    (x - q, y - q),
                ];
                d.push_str(&poly(&pts));
                let dx = x - sx * 6.0;
                dots.push_str(&ellipse((dx, y + 5.0), 0.9, 0.9));
            }
            fill_a(svg, &d, p.motif, 0.9);
            fill_a(svg, &dots, p.motif, 0.6);
        }
        Motif::Moon => {
            let s = if rng.chance("cartoon.moon", 0.5) {
                1.0
            } else {
                -1.0
            };
            let c = f.flat(s * 1.5, -1.3);
            fill_a(svg, &ellipse(c, f.len(1.1), f.len(1.1)), p.motif, 0.9);
            let mut d = String::new();
            for k in 0..2u64 {
                let x = w / 2.0 - s * (w / 2.0 - 10.0 - 6.0 * rng.unit_n("cartoon.twinkle", k));
                let y = 10.0 + 14.0 * k as f64;
                d.push_str(&ellipse((x, y), 1.0, 1.0));
            }
            fill_a(svg, &d, p.accent, 0.7);
        }
        Motif::Confetti => {
            // One path per colour.
            let mut dots: [String; 3] = Default::default();
            for k in 0..6u64 {
                let sx = if k % 2 == 0 { -1.0 } else { 1.0 };
                let x = w / 2.0 + sx * (w / 2.0 - 6.0 - 12.0 * rng.unit_n("cartoon.dot.x", k));
                let y = 6.0 + (h * 0.65) * rng.unit_n("cartoon.dot.y", k);
                let r = 1.4 + 1.4 * rng.unit_n("cartoon.dot.r", k);
                dots[k as usize % 3].push_str(&ellipse((x, y), r, r));
            }
            for (d, c) in dots.iter().zip([p.top, p.accent, p.motif]) {
                fill_a(svg, d, c, 0.8);
            }
        }
    }
    // Over the motif, a soft vignette: an even-odd frame of translucent shade round an oval
    // hole (a solid fill; a gradient costs resvg several times more).
    // Fitted to the canvas, so a tall or wide picture shows no arc of the hole's edge.
    let c = (w / 2.0, h / 2.0);
    let dark = p.bg.luminance() < 0.12;
    let shade = if dark {
        Rgb(0, 0, 0)
    } else {
        p.bg.mix(Rgb(0x20, 0x10, 0x30), 0.6)
    };
    let rim = poly(&[(0.0, 0.0), (w, 0.0), (w, h), (0.0, h)]);
    // A disc already softens the middle; the vignette would only repeat it.
    if motif != Motif::Disc {
        let d = format!("{rim}{}", ellipse(c, w * 0.7, h * 0.72));
        svg.leaf(
            "path",
            &[
                ("d", &d),
                ("fill", &shade),
                ("fill-opacity", &N(0.12)),
                ("fill-rule", &"evenodd"),
            ],
        );
    }
}

/// Half the shoulders' width (head space): broader for men, narrower for children, narrower
/// still through childhood proper (`Parts::child`), so an eight-year-old is not a small adult.
pub(crate) fn shoulders(l: &Look, parts: &Parts, rng: &Prng) -> f64 {
    (1.9 + 0.25 * l.masc + rng.jitter("cartoon.shoulders", 0.06))
        * (1.0 - 0.28 * l.youth)
        * (1.0 - 0.12 * parts.child)
}

/// The figure below the head: where the collar sits, how wide the shoulders are, where the
/// canvas ends (all head space).
pub(crate) struct Body {
    pub base_y: f64,
    pub shoulders: f64,
    pub bottom: f64,
    pub top: Top,
}

impl Body {
    /// The neck, outlined, with the jaw's cel shadow across its top.
    pub(crate) fn neck(&self, svg: &mut Svg, face: &Face, l: &Look, ink: Rgb, lw: f64) {
        let (f, n, b) = (&face.f, face.neck, self.base_y);
        // Only as long as shows above the collar: outlines cost by their length.
        let pts = f.all_flat(&symmetric(&[
            (0.0, 0.6),
            (n * 0.96, 0.6),
            (n, b - 0.25),
            (n * 1.04, b + 0.12),
            (0.0, b + 0.12),
        ]));
        outlined_shape(svg, &pts, &[3, 5], l.skin.base, ink, lw * 0.8);
        let shade = f.all_flat(&[
            (-n * 0.97, 0.7),
            (n * 0.97, 0.7),
            (n * 0.99, face.chin.1 + 0.12),
            (0.0, face.chin.1 + 0.3),
            (-n * 0.99, face.chin.1 + 0.12),
        ]);
        fill(svg, &closed(&shade, &[0, 1]), l.skin.shadow);
        if l.old > 0.4 {
            // The neck's cords and folds in old age.
            let mut d = String::new();
            for s in [-1.0, 1.0] {
                d.push_str(&open(&f.all_flat(&[
                    (s * n * 0.35, face.chin.1 + 0.3),
                    (s * n * 0.3, b - 0.1),
                ])));
            }
            stroke(svg, &d, l.skin.shadow.mix(ink, 0.3), lw * 0.6, l.old);
        }
    }

    /// Torso outline points (head space), from the neckline's centre round to the bottom.
    fn torso(&self, face: &Face) -> (Vec<Pt>, Vec<usize>) {
        let (n, b, s, bot) = (face.neck, self.base_y, self.shoulders, self.bottom + 1.0);
        let dip = if self.top == Top::V { 0.7 } else { 0.22 };
        let right = [
            (0.0, b + dip),
            (n + 0.1, b - 0.06),
            (n + 0.75, b + 0.12),
            (s - 0.28, b + 0.3),
            (s - 0.02, b + 0.72),
            (s + 0.08, bot),
            (0.0, bot),
        ];
        // Point k on the right mirrors to 12 - k: sharp at the collar's ends and the bottom
        // corners, and at the V's point.
        let mut corners = vec![1, 5, 6, 7, 11];
        if self.top == Top::V {
            corners.push(0);
        }
        (symmetric(&right), corners)
    }

    pub(crate) fn top(&self, svg: &mut Svg, face: &Face, p: &Palette, ink: Rgb, lw: f64) {
        let f = &face.f;
        let (n, b, s) = (face.neck, self.base_y, self.shoulders);
        let (pts, corners) = self.torso(face);
        let canvas_pts = f.all_flat(&pts);
        let segs = closed_segs(&canvas_pts, &corners);
        fill(
            svg,
            &closed(&super::features::grown(&canvas_pts, lw * 0.8), &corners),
            ink,
        );
        fill(svg, &segs_path(&segs), p.top);
        let shadow = cloth_shadow(p.top);
        // Cel shadow: the arm on the side away from the light, along the outline (no clip).
        let side = face.side;
        let back: Vec<Pt> = [
            (s - 0.5, self.bottom + 1.0),
            (s - 0.45, b + 1.0),
            (s - 0.5, b + 0.45),
        ]
        .iter()
        .map(|&(x, y)| f.flat(side * x, y))
        .collect();
        let len = pts.len();
        let d = if side > 0.0 {
            region(&segs, 3, 5, &back)
        } else {
            let mut back = back;
            back.reverse();
            region(&segs, len - 5, len - 3, &back)
        };
        fill(svg, &d, shadow);
        // The neck's shadow on the chest.
        let cast = ellipse(f.flat(side * 0.1, b + 0.3), f.len(n + 0.2), f.len(0.16));
        fill_a(svg, &cast, shadow, 0.8);
        match self.top {
            Top::Crew => {
                let c = open(&f.all_flat(&[
                    (-(n + 0.08), b - 0.03),
                    (-n * 0.6, b + 0.17),
                    (0.0, b + 0.23),
                    (n * 0.6, b + 0.17),
                    (n + 0.08, b - 0.03),
                ]));
                band(svg, &c, p.accent, ink, f.len(0.13), lw);
            }
            Top::V => {
                let c = f.all_flat(&[
                    (-(n + 0.05), b - 0.04),
                    (0.0, b + 0.68),
                    (n + 0.05, b - 0.04),
                ]);
                let d = crate::pen::poly(&c);
                let d = d.trim_end_matches('Z');
                band(svg, d, p.accent, ink, f.len(0.11), lw);
            }
            Top::Hoodie => {
                let hood = open(&f.all_flat(&[
                    (-(n + 0.32), b - 0.22),
                    (-(n + 0.1), b + 0.25),
                    (0.0, b + 0.42),
                    (n + 0.1, b + 0.25),
                    (n + 0.32, b - 0.22),
                ]));
                band(svg, &hood, shadow, ink, f.len(0.3), lw);
                for x in [-0.22, 0.22] {
                    let cord =
                        open(&f.all_flat(&[(x, b + 0.45), (x * 1.1, b + 0.8), (x, b + 1.05)]));
                    band(svg, &cord, p.accent, ink, f.len(0.05), lw * 0.7);
                }
            }
            Top::Collar => {
                let placket = open(&f.all_flat(&[(0.0, b + 0.2), (0.0, self.bottom + 1.0)]));
                stroke(svg, &placket, shadow, f.len(0.05), 1.0);
                let mut dots = String::new();
                for k in 0..3 {
                    let c = f.flat(0.08, b + 0.55 + 0.42 * f64::from(k));
                    dots.push_str(&ellipse(c, f.len(0.04), f.len(0.04)));
                }
                fill(svg, &dots, p.accent.mix(ink, 0.3));
                for sx in [-1.0, 1.0] {
                    let wing = f.all_flat(&[
                        (sx * (n + 0.12), b - 0.14),
                        (sx * 0.02, b + 0.22),
                        (sx * (n + 0.05), b + 0.42),
                        (sx * (n + 0.42), b + 0.18),
                    ]);
                    inked(svg, &closed(&wing, &[0, 1, 2, 3]), p.accent, ink, lw * 0.8);
                }
            }
            Top::Turtleneck => {
                let roll = f.all_flat(&[
                    (-(n + 0.1), b - 0.5),
                    (n + 0.1, b - 0.5),
                    (n + 0.16, b + 0.12),
                    (0.0, b + 0.22),
                    (-(n + 0.16), b + 0.12),
                ]);
                inked(
                    svg,
                    &closed(&roll, &[0, 1, 2, 4]),
                    shadow.mix(p.top, 0.4),
                    ink,
                    lw,
                );
                let fold = open(&f.all_flat(&[
                    (-(n + 0.12), b - 0.18),
                    (0.0, b - 0.1),
                    (n + 0.12, b - 0.18),
                ]));
                stroke(svg, &fold, shadow, f.len(0.05), 1.0);
            }
        }
    }

    /// A mug held in both hands at the chest, steaming: coffee-cup energy.
    pub(crate) fn cup(&self, svg: &mut Svg, face: &Face, l: &Look, p: &Palette, ink: Rgb, lw: f64) {
        let f = &face.f;
        let (y0, hw) = (self.base_y + 0.12, 0.6);
        let y1 = y0 + 1.1;
        let mug = if p.accent.luminance() > 0.5 {
            p.accent
        } else {
            Rgb(0xf4, 0xf0, 0xe8)
        };
        let stripe = if mug == p.accent { p.top } else { p.accent };
        let arm_c = p.top;
        // Forearms rising from the bottom corners to the hands.
        for s in [-1.0, 1.0] {
            let arm = open(&f.all_flat(&[
                (s * (self.shoulders - 0.3), self.bottom + 0.6),
                (s * (hw + 0.45), y1 + 0.2),
                (s * (hw + 0.1), y0 + 0.55),
            ]));
            band(svg, &arm, arm_c, ink, f.len(0.42), lw);
        }
        // The handle on the viewer's right, then the body.
        let handle = ellipse(f.flat(hw + 0.08, y0 + 0.42), f.len(0.2), f.len(0.24));
        band(svg, &handle, mug, ink, f.len(0.09), lw);
        let body = f.all_flat(&[
            (-hw, y0),
            (hw, y0),
            (hw * 0.94, y1 - 0.12),
            (hw * 0.7, y1),
            (-hw * 0.7, y1),
            (-hw * 0.94, y1 - 0.12),
        ]);
        inked(svg, &closed(&body, &[0, 1]), mug, ink, lw);
        let sb = f.all_flat(&[
            (-hw * 0.98, y0 + 0.3),
            (hw * 0.98, y0 + 0.3),
            (hw * 0.97, y0 + 0.48),
            (-hw * 0.97, y0 + 0.48),
        ]);
        fill(svg, &poly(&sb), stripe);
        let top = ellipse(f.flat(0.0, y0), f.len(hw), f.len(0.12));
        inked(svg, &top, Rgb(0x6b, 0x42, 0x2c), ink, lw);
        let crema = ellipse(f.flat(-0.08, y0 + 0.02), f.len(hw * 0.5), f.len(0.05));
        fill_a(svg, &crema, Rgb(0xc8, 0x9a, 0x6a), 0.8);
        // Steam.
        let mut steam = String::new();
        for (k, x) in [-0.18, 0.16].into_iter().enumerate() {
            let lift = 0.06 * k as f64;
            steam.push_str(&open(&f.all_flat(&[
                (x, y0 - 0.14),
                (x + 0.1, y0 - 0.32 - lift),
                (x - 0.06, y0 - 0.5 - lift),
                (x + 0.06, y0 - 0.68 - lift),
            ])));
        }
        stroke(svg, &steam, WHITE, f.len(0.07), 0.75);
        // Hands wrapped round the mug, fingers towards the middle.
        for s in [-1.0, 1.0] {
            let c: Pt = (s * (hw - 0.02), y0 + 0.58);
            let hand = f.all_flat(&[
                (c.0 + s * 0.16, c.1 - 0.26),
                (c.0 - s * 0.14, c.1 - 0.2),
                (c.0 - s * 0.2, c.1 + 0.04),
                (c.0 - s * 0.1, c.1 + 0.24),
                (c.0 + s * 0.16, c.1 + 0.24),
            ]);
            inked(svg, &closed(&hand, &[]), l.skin.base, ink, lw);
            let mut fingers = String::new();
            for dy in [-0.06, 0.07] {
                fingers.push_str(&open(
                    &f.all_flat(&[(c.0 - s * 0.17, c.1 + dy), (c.0 - s * 0.02, c.1 + dy)]),
                ));
            }
            stroke(svg, &fingers, l.skin.shadow.mix(ink, 0.3), lw * 0.7, 1.0);
        }
    }
}
