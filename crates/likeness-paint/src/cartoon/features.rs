//! The cartoon's face details: cel shading, cheeks, age lines, mouth and glasses (eyes and
//! brows are `eyes.rs`, the head's silhouette, ears and nose `head.rs`), and the outline
//! helpers. Geometry comes from the shared `Face` (head space, see `pen.rs`); expression from
//! the `Mood`.

use super::theme::{Mood, Mouth};
use crate::face::Face;
use crate::look::{Frames, Look};
use crate::parts::Parts;
use crate::pen::{Pt, Seg, closed, ellipse, fill, fill_a, open, region, stroke};
use crate::prng::Prng;
use crate::sitter::{HairColor, Rgb};
use crate::svg::{N, Svg};

const WHITE: Rgb = Rgb(0xff, 0xff, 0xff);

/// A filled path with an outline in one element (cheaper to rasterise than two).
pub(crate) fn inked(svg: &mut Svg, d: &str, c: Rgb, ink: Rgb, w: f64) {
    svg.leaf(
        "path",
        &[
            ("d", &d),
            ("fill", &c),
            ("stroke", &ink),
            ("stroke-width", &N(w)),
            ("stroke-linejoin", &"round"),
        ],
    );
}

/// A closed curve's points pushed outward by `d`, each along the normal to its neighbours'
/// chord: filled in ink under the shape, it shows as an outline `d` wide.
pub(crate) fn grown(pts: &[Pt], d: f64) -> Vec<Pt> {
    let n = pts.len();
    let twice_area: f64 = (0..n)
        .map(|i| {
            let (a, b) = (pts[i], pts[(i + 1) % n]);
            a.0 * b.1 - b.0 * a.1
        })
        .sum();
    // Positive area is clockwise on screen (y down): the outward normal is (ty, -tx).
    let sign = if twice_area > 0.0 { 1.0 } else { -1.0 };
    (0..n)
        .map(|i| {
            let (p, q) = (pts[(i + n - 1) % n], pts[(i + 1) % n]);
            let (tx, ty) = (q.0 - p.0, q.1 - p.1);
            let l = tx.hypot(ty).max(1e-9);
            (pts[i].0 + sign * ty / l * d, pts[i].1 - sign * tx / l * d)
        })
        .collect()
}

/// Path data for a closed curve grown by `d`, always wound clockwise on screen, so several
/// underlays merged into one path add up (nonzero) instead of cancelling where they overlap.
pub(crate) fn grown_path(pts: &[Pt], corners: &[usize], d: f64) -> String {
    let g = grown(pts, d);
    let n = g.len();
    let twice_area: f64 = (0..n)
        .map(|i| g[i].0 * g[(i + 1) % n].1 - g[(i + 1) % n].0 * g[i].1)
        .sum();
    if twice_area >= 0.0 {
        closed(&g, corners)
    } else {
        let rev: Vec<Pt> = g.into_iter().rev().collect();
        let corners: Vec<usize> = corners.iter().map(|&i| n - 1 - i).collect();
        closed(&rev, &corners)
    }
}

/// A smooth closed shape (canvas points) with an ink outline as an underlay: the shape grown
/// by `w` in ink, then the shape. Two fills cost resvg about half what stroking the outline
/// does, and the outline is what a cartoon has most of.
pub(crate) fn outlined_shape(
    svg: &mut Svg,
    pts: &[Pt],
    corners: &[usize],
    c: Rgb,
    ink: Rgb,
    w: f64,
) {
    fill(svg, &closed(&grown(pts, w), corners), ink);
    fill(svg, &closed(pts, corners), c);
}

/// The drawing context of one face.
pub(crate) struct Toon<'a> {
    pub face: &'a Face,
    pub look: &'a Look,
    pub parts: &'a Parts,
    pub mood: &'a Mood,
    pub rng: &'a Prng,
    pub ink: Rgb,
    /// Outline width on the canvas.
    pub lw: f64,
    /// Eye centre x, half-width and half-height (head space).
    pub eye: (f64, f64, f64),
    /// Whether the eyes are dark ovals rather than whites with irises.
    pub beans: bool,
}

impl Toon<'_> {
    pub(super) fn p(&self, x: f64, y: f64) -> Pt {
        self.face.f.p(x, y)
    }
    pub(super) fn all(&self, pts: &[Pt]) -> Vec<Pt> {
        self.face.f.all(pts)
    }
    pub(super) fn len(&self, l: f64) -> f64 {
        self.face.f.len(l)
    }
    /// Fine lines inside the face.
    pub(super) fn thin(&self) -> f64 {
        self.lw * 0.75
    }

    /// Brows, lash lines and the mouth line: the hair's darkest tone, never lighter than the
    /// skin can show.
    pub(super) fn brow_color(&self) -> Rgb {
        let l = self.look;
        let c = match l.hair_color {
            HairColor::Grey | HairColor::White => l.hair.shadow.mix(self.ink, 0.25),
            HairColor::Blond | HairColor::Red => l.hair.shadow.mix(self.ink, 0.2),
            _ => l.hair.base.mix(self.ink, 0.35),
        };
        if c.contrast(l.skin.base) < 1.6 {
            c.mix(self.ink, 0.6)
        } else {
            c
        }
    }

    /// Cel shading inside the head: a crescent on the side away from the light, built on the
    /// outline's own segments (no clip), and the blush.
    pub(crate) fn shading(&self, svg: &mut Svg, segs: &[Seg]) {
        let (face, l) = (self.face, self.look);
        let s = face.side;
        let cy = face.chin.1;
        let back = [(0.62, cy - 0.25), (0.84, 0.25), (0.84, -0.55)];
        let mut pts: Vec<Pt> = back.iter().map(|&(x, y)| self.p(s * x, y)).collect();
        let d = if s > 0.0 {
            region(segs, 2, 9, &pts)
        } else {
            pts.reverse();
            region(segs, 9, 16, &pts)
        };
        fill(svg, &d, l.skin.shadow);
        if self.mood.blush {
            let pink = l.skin.base.mix(Rgb(0xf0, 0x6e, 0x7a), 0.6 - 0.25 * l.depth);
            let mut d = String::new();
            for x in [-0.6, 0.6] {
                d.push_str(&ellipse(self.p(x, 0.4), self.len(0.17), self.len(0.1)));
            }
            fill_a(svg, &d, pink, 0.55);
        }
        if self.rng.chance("cartoon.freckles", 0.12) && l.youth < 0.9 {
            let c = l.skin.shadow.mix(Rgb(0x6b, 0x3a, 0x22), 0.3);
            let mut d = String::new();
            for k in 0..10u64 {
                let sx = if k % 2 == 0 { -1.0 } else { 1.0 };
                let x = sx * (0.42 + 0.3 * self.rng.unit_n("cartoon.freckle.x", k));
                let y = 0.26 + 0.22 * self.rng.unit_n("cartoon.freckle.y", k);
                d.push_str(&ellipse(self.p(x, y), self.len(0.025), self.len(0.025)));
            }
            fill(svg, &d, c);
        }
    }

    /// Lines that come with age: smile folds, crow's feet, the forehead, jowls.
    pub(crate) fn age_lines(&self, svg: &mut Svg) {
        let (face, l) = (self.face, self.look);
        let k = ((l.age - 42.0) / 36.0).clamp(0.0, 1.0);
        if k <= 0.0 {
            return;
        }
        let c = l.skin.shadow.mix(self.ink, 0.35);
        let w = self.thin() * (0.7 + 0.3 * k);
        let op = 0.3 + 0.65 * k;
        let (ex, rx, _) = self.eye;
        let (ny, my, mw) = (face.nose_y, face.mouth_y, face.mouth_w);
        let (cw, cy) = face.chin;
        let mut d = String::new();
        for s in [-1.0, 1.0] {
            d.push_str(&open(&self.all(&[
                (s * (face.nose_w + 0.12), ny - 0.02),
                (s * (mw + 0.14), (ny + my) / 2.0 + 0.04),
                (s * (mw + 0.1), my + 0.08),
            ])));
            if k > 0.25 {
                let x = s * (ex + rx * self.mood.eye_scale + 0.06);
                for dy in [-0.06, 0.0, 0.07] {
                    d.push_str(&open(&[
                        self.p(x, dy * 0.4),
                        self.p(x + s * 0.11, dy * 1.5),
                    ]));
                }
            }
            if k > 0.6 {
                // Jowls: the cheek softening over the jaw beside the chin.
                d.push_str(&open(&self.all(&[
                    (s * (cw + 0.3), cy - 0.38),
                    (s * (cw + 0.2), cy - 0.2),
                    (s * (cw + 0.12), cy - 0.12),
                ])));
            }
        }
        if k > 0.4 {
            for (i, y) in [-0.72, -0.85].into_iter().enumerate() {
                let hw = 0.3 - 0.08 * i as f64;
                d.push_str(&open(&self.all(&[
                    (-hw, y + 0.03),
                    (0.0, y - 0.01),
                    (hw, y + 0.03),
                ])));
            }
        }
        stroke(svg, &d, c, w, op);
    }

    pub(crate) fn mouth(&self, svg: &mut Svg) {
        let (face, l, m) = (self.face, self.look, self.mood);
        let (my, mw) = (face.mouth_y, face.mouth_w);
        let ink = self.ink;
        let line = self.lw * 1.05;
        let cavity = Rgb(0x6e, 0x1f, 0x2c).mix(ink, 0.2);
        let tongue = Rgb(0xe8, 0x75, 0x80);
        let teeth = Rgb(0xff, 0xfc, 0xf5);
        let lip = l
            .skin
            .shadow
            .mix(Rgb(0xc8, 0x50, 0x62), 0.5 - 0.2 * l.depth);
        let feminine = l.masc < 0.3 && l.youth < 0.5;
        if feminine
            && !matches!(
                m.mouth,
                Mouth::Grin | Mouth::Open | Mouth::Grit | Mouth::Smile
            )
        {
            let c = self.p(m.side * mw * 0.1, my + 0.09);
            fill(svg, &ellipse(c, self.len(mw * 0.5), self.len(0.055)), lip);
        }
        match m.mouth {
            Mouth::Smile => {
                let pts = [
                    (-mw, my - 0.05),
                    (-mw * 0.5, my + 0.04),
                    (0.0, my + 0.07),
                    (mw * 0.5, my + 0.04),
                    (mw, my - 0.05),
                ];
                if feminine {
                    let lower = self.all(&[
                        (-mw * 0.6, my + 0.04),
                        (0.0, my + 0.16),
                        (mw * 0.6, my + 0.04),
                        (0.0, my + 0.07),
                    ]);
                    fill(svg, &closed(&lower, &[0, 2]), lip);
                }
                stroke(svg, &open(&self.all(&pts)), ink, line, 1.0);
                for s in [-1.0, 1.0] {
                    let d = open(
                        &self.all(&[(s * (mw + 0.02), my - 0.1), (s * (mw + 0.05), my - 0.02)]),
                    );
                    stroke(svg, &d, ink, self.thin() * 0.8, 1.0);
                }
            }
            Mouth::Grin | Mouth::Open => {
                let grin = m.mouth == Mouth::Grin;
                let (w, deep) = if grin { (mw * 1.1, 0.22) } else { (mw, 0.26) };
                let d = closed(
                    &self.all(&[
                        (-w, my - 0.06),
                        (0.0, my - 0.02),
                        (w, my - 0.06),
                        (w * 0.7, my + deep * 0.6),
                        (0.0, my + deep),
                        (-w * 0.7, my + deep * 0.6),
                    ]),
                    &[0, 2],
                );
                fill(svg, &d, cavity);
                let t = ellipse(
                    self.p(0.0, my + deep * 0.72),
                    self.len(w * 0.5),
                    self.len(deep * 0.3),
                );
                fill(svg, &t, tongue);
                if grin {
                    let top = self.all(&[
                        (-w * 0.9, my - 0.055),
                        (0.0, my - 0.015),
                        (w * 0.9, my - 0.055),
                        (w * 0.65, my + 0.05),
                        (0.0, my + 0.075),
                        (-w * 0.65, my + 0.05),
                    ]);
                    fill(svg, &closed(&top, &[0, 2]), teeth);
                }
                svg.leaf(
                    "path",
                    &[
                        ("d", &d),
                        ("fill", &"none"),
                        ("stroke", &ink),
                        ("stroke-width", &N(line)),
                        ("stroke-linejoin", &"round"),
                    ],
                );
            }
            Mouth::Smirk => {
                let s = m.side;
                let pts = self.all(&[
                    (-s * mw * 0.8, my + 0.02),
                    (-s * mw * 0.2, my + 0.05),
                    (s * mw * 0.45, my + 0.02),
                    (s * mw * 0.95, my - 0.09),
                ]);
                stroke(svg, &open(&pts), ink, line, 1.0);
                let dimple =
                    open(&self.all(&[(s * (mw + 0.02), my - 0.14), (s * (mw + 0.07), my - 0.06)]));
                stroke(svg, &dimple, ink, self.thin() * 0.8, 1.0);
            }
            Mouth::Flat => {
                let pts = self.all(&[
                    (-mw * 0.65, my + 0.03),
                    (-mw * 0.2, my + 0.045),
                    (mw * 0.25, my + 0.02),
                    (mw * 0.65, my + 0.04),
                ]);
                stroke(svg, &open(&pts), ink, line, 1.0);
            }
            Mouth::Grit => {
                // A wide clenched grin: teeth edge to edge, corners up.
                let w = mw * 1.15;
                let d = closed(
                    &self.all(&[
                        (-w, my - 0.08),
                        (0.0, my - 0.04),
                        (w, my - 0.08),
                        (w * 0.8, my + 0.1),
                        (0.0, my + 0.16),
                        (-w * 0.8, my + 0.1),
                    ]),
                    &[0, 2],
                );
                inked(svg, &d, teeth, ink, line);
                let mid = open(&self.all(&[
                    (-w * 0.92, my - 0.02),
                    (0.0, my + 0.06),
                    (w * 0.92, my - 0.02),
                ]));
                stroke(svg, &mid, ink, self.thin() * 0.8, 1.0);
                let mut gaps = String::new();
                for x in [-0.5, 0.0, 0.5] {
                    let top = my - 0.04 - 0.035 * x * x;
                    gaps.push_str(&open(
                        &self.all(&[(x * w, top), (x * w, top + 0.16 - 0.08 * x * x)]),
                    ));
                }
                stroke(svg, &gaps, ink, self.thin() * 0.6, 0.8);
            }
            Mouth::Set => {
                let pts = self.all(&[
                    (-mw * 0.75, my + 0.03),
                    (0.0, my + 0.01),
                    (mw * 0.75, my + 0.03),
                ]);
                stroke(svg, &open(&pts), ink, line, 1.0);
                let under = open(&self.all(&[(-mw * 0.3, my + 0.13), (mw * 0.3, my + 0.13)]));
                stroke(svg, &under, l.skin.shadow, self.len(0.05), 1.0);
            }
        }
    }

    /// Frames sized to the cartoon's big eyes.
    pub(crate) fn glasses(&self, svg: &mut Svg) {
        let Some(g) = self.look.glasses else { return };
        let (ex, rx, ry) = self.eye;
        let (rx, ry) = (
            rx * self.mood.eye_scale + 0.1,
            ry * self.mood.eye_scale + 0.06,
        );
        let thin = matches!(g.color, Rgb(0xb0, 0x8d, 0x57) | Rgb(0x8c, 0x8f, 0x96));
        let color = if thin {
            g.color
        } else {
            g.color.mix(self.ink, 0.5)
        };
        let w = self.lw * if thin { 0.9 } else { 1.35 };
        let cy = 0.0;
        let mut lenses = String::new();
        for s in [-1.0, 1.0] {
            let cx = s * ex;
            let d = match g.frames {
                Frames::Round => ellipse(self.p(cx, cy), self.len(rx), self.len(ry)),
                Frames::Square | Frames::Browline => closed(
                    &self.all(&[
                        (cx - rx, cy - ry * 0.9),
                        (cx + rx, cy - ry * 0.9),
                        (cx + rx * 0.96, cy + ry * 0.75),
                        (cx + rx * 0.6, cy + ry),
                        (cx - rx * 0.6, cy + ry),
                        (cx - rx * 0.96, cy + ry * 0.75),
                    ]),
                    &[0, 1],
                ),
            };
            lenses.push_str(&d);
        }
        fill_a(svg, &lenses, WHITE, 0.08);
        stroke(svg, &lenses, color, w, 1.0);
        let ix = ex - rx;
        let bridge = open(&self.all(&[(-ix, cy - 0.05), (0.0, cy - 0.1), (ix, cy - 0.05)]));
        stroke(svg, &bridge, color, w, 1.0);
        let mut extra = String::new();
        for s in [-1.0, 1.0] {
            extra.push_str(&open(&[
                self.p(s * (ex + rx), cy - ry * 0.5),
                self.face.f.flat(s * 1.0, cy - 0.12),
            ]));
        }
        stroke(svg, &extra, color, w, 1.0);
        if g.frames == Frames::Browline {
            let mut top = String::new();
            for s in [-1.0, 1.0] {
                top.push_str(&open(&self.all(&[
                    (s * ex - rx * 0.95, cy - ry * 0.82),
                    (s * ex, cy - ry * 0.95),
                    (s * ex + rx * 0.95, cy - ry * 0.82),
                ])));
            }
            stroke(svg, &top, color.mix(self.ink, 0.4), w * 2.0, 1.0);
        }
        // A glint on each lens.
        let mut glint = String::new();
        for s in [-1.0, 1.0] {
            let gx = s * ex + rx * 0.35;
            glint.push_str(&open(&[
                self.p(gx, cy - ry * 0.65),
                self.p(gx + 0.12, cy - ry * 0.2),
            ]));
        }
        stroke(svg, &glint, WHITE, self.lw * 0.9, 0.8);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grown_shapes_move_outward_whichever_way_they_wind() {
        let sq = [(0.0, 0.0), (10.0, 0.0), (10.0, 10.0), (0.0, 10.0)];
        let rev: Vec<Pt> = sq.iter().rev().copied().collect();
        for pts in [&sq[..], &rev[..]] {
            for (p, g) in pts.iter().zip(grown(pts, 1.0)) {
                let out = |v: f64, w: f64| (w - 5.0).abs() > (v - 5.0).abs();
                assert!(out(p.0, g.0) && out(p.1, g.1), "{p:?} -> {g:?}");
            }
        }
        // Merged underlays must not cancel: either winding gives the same clockwise path.
        for corners in [&[][..], &[0, 1, 2, 3][..]] {
            assert_eq!(
                grown_path(&sq, corners, 1.0),
                grown_path(&rev, corners, 1.0)
            );
        }
        assert!(grown_path(&rev, &[], 1.0).starts_with("M-0.71 -0.71C1.2 -2.61"));
    }
}
