//! The cartoon head's own geometry from the chosen parts (`parts.rs`): the silhouette (round,
//! oval, long, square-jawed, heart or wide, with lean, soft or full cheeks), a child's
//! proportions, the ears (and earrings) and the nose.
//!
//! The cranium above the cheekbones stays the shared face's, so every haircut still fits; the
//! shapes differ below it. The outline keeps the shared face's 18 points (crown 0, chin 9), so
//! shading regions built on its segments work for every shape.

use super::features::{Toon, grown, inked};
use crate::face::Face;
use crate::look::Look;
use crate::parts::{Cheeks, EarShape, HeadShape, NoseShape, Parts};
use crate::pen::{Pt, closed, ellipse, fill, fill_a, lerp, open, stroke, symmetric};
use crate::sitter::Rgb;
use crate::svg::{N, Svg};

/// Reshapes the shared face for the cartoon: the head shape's jaw and chin, a child's bigger
/// cranium over a shorter, rounder face, the nose's size.
pub(crate) fn shape(face: &mut Face, parts: &Parts, l: &Look) {
    use HeadShape::*;
    // Jaw x and y, chin half-width and y, skull top; then how far the nose and mouth follow a
    // longer or shorter face.
    let (jx, jy, cw, cy, top, feat) = match parts.head {
        Round => (0.12, -0.04, 0.2, -0.11, 0.0, -0.04),
        Oval => (0.06, 0.0, 0.1, -0.06, 0.0, 0.0),
        Long => (0.0, 0.1, 0.04, 0.1, -0.06, 0.07),
        Square => (0.14, 0.1, 0.24, -0.02, 0.0, 0.0),
        Heart => (-0.01, -0.04, -0.08, 0.02, -0.03, 0.0),
        Wide => (0.2, -0.06, 0.24, -0.16, 0.08, -0.06),
    };
    let c = parts.child;
    face.top += top - 0.1 * c;
    face.jaw = (face.jaw.0 + jx, face.jaw.1 + jy - 0.04 * c);
    face.chin = (
        (face.chin.0 + cw + 0.06 * c).max(0.12),
        face.chin.1 + cy - 0.07 * c,
    );
    face.nose_y += 0.6 * feat - 0.03 * c;
    face.mouth_y += feat - 0.04 - 0.03 * l.youth - 0.05 * c;
    face.mouth_w *= 1.05 - 0.08 * c;
    face.nose_w *= [0.8, 1.0, 1.22][usize::from(parts.nose_size)] * (1.0 - 0.3 * c);
}

/// How far the cheeks reach at y = 0.25 (the cranium's width is 1), and how much the line
/// from cheek to jaw bows out.
fn cheeks(parts: &Parts) -> (f64, f64) {
    let w = match parts.head {
        HeadShape::Round => 1.03,
        HeadShape::Oval | HeadShape::Square => 0.99,
        HeadShape::Long => 0.96,
        HeadShape::Heart => 0.98,
        HeadShape::Wide => 1.08,
    };
    let (dw, bow) = match parts.cheeks {
        Cheeks::Lean => (-0.02, -0.035),
        Cheeks::Soft => (0.0, 0.0),
        Cheeks::Full => (0.03, 0.04),
    };
    (w + dw + 0.02 * parts.child, bow + 0.02 * parts.child)
}

/// The head outline in head space, clockwise from the crown (the shared face's point order).
pub(crate) fn outline(face: &Face, parts: &Parts) -> Vec<Pt> {
    let t = face.top;
    let (jx, jy) = face.jaw;
    let (cw, cy) = face.chin;
    let (ck, bow) = cheeks(parts);
    // The chin's corner: tucked close to the jaw on a square head, drawn in on a heart.
    let corner = match parts.head {
        HeadShape::Square => (cw + 0.08, cy - 0.06),
        HeadShape::Heart => (cw + 0.1, cy - 0.14),
        _ => (cw + 0.12, cy - 0.1),
    };
    let temple = if parts.head == HeadShape::Heart {
        0.94
    } else {
        0.92
    };
    symmetric(&[
        (0.0, t),
        (0.6, t * 0.9),
        (temple, t * 0.55),
        (1.0, -0.15),
        (ck, 0.25),
        (lerp(ck, jx, 0.55) + bow, lerp(0.25, jy, 0.6)),
        (jx, jy),
        corner,
        (cw * 0.55, cy - 0.005),
        (0.0, cy + 0.01),
    ])
}

/// An ear's reach out from the head and its half-height, and how far its top flares.
fn ear_size(parts: &Parts) -> (f64, f64, f64) {
    let k = [0.88, 1.0, 1.14][usize::from(parts.ear_size)];
    let (w, h, flare) = match parts.ears {
        EarShape::Round => (0.3, 0.35, 0.0),
        EarShape::Neat => (0.21, 0.29, 0.0),
        EarShape::Tall => (0.25, 0.44, 0.0),
        EarShape::Jug => (0.38, 0.36, 0.08),
    };
    (w * k, h * k, flare * k)
}

impl Toon<'_> {
    /// Both ears, outlined, with an inner curl; earrings sometimes.
    pub(crate) fn ears(&self, svg: &mut Svg) {
        let (f, l, ey) = (&self.face.f, self.look, self.face.ear_y);
        let (w, h, flare) = ear_size(self.parts);
        // The ear sits against the cheek wherever the head shape puts it.
        let x0 = 0.9 + cheeks(self.parts).0 - 0.99;
        // A tall ear hangs its lobe lower.
        let drop = if self.parts.ears == EarShape::Tall {
            0.05
        } else {
            0.0
        };
        let (mut under, mut skin, mut inner) = (String::new(), String::new(), String::new());
        for s in [-1.0, 1.0] {
            let pt = |x: f64, y: f64| f.flat(s * (x0 + x), ey + drop + y);
            let outer = [
                pt(0.0, -0.86 * h),
                pt(0.67 * w + flare, -1.08 * h),
                pt(w + flare, -0.5 * h),
                pt(0.87 * w, 0.3 * h),
                pt(0.47 * w, 0.86 * h),
                pt(-0.07 * w, 0.92 * h),
            ];
            under.push_str(&closed(&grown(&outer, self.lw * 0.8), &[]));
            skin.push_str(&closed(&outer, &[]));
            let curl = [
                pt(0.33 * w, 0.4 * h),
                pt(0.67 * w + flare * 0.6, -0.1 * h),
                pt(0.6 * w + flare * 0.6, -0.57 * h),
                pt(0.3 * w, -0.63 * h),
            ];
            inner.push_str(&open(&curl));
        }
        fill(svg, &under, self.ink);
        fill(svg, &skin, l.skin.base);
        stroke(svg, &inner, l.skin.shadow, self.len(0.06), 1.0);
        self.earrings(svg, (x0 + 0.43 * w, ey + drop + 0.9 * h));
    }

    /// Earrings at the lobes (head space, right side): more often for women, sometimes for
    /// anyone; never for small children.
    fn earrings(&self, svg: &mut Svg, lobe: Pt) {
        let (f, l) = (&self.face.f, self.look);
        let p = 0.08 + 0.5 * (1.0 - l.masc);
        if l.youth >= 0.5 || !self.rng.chance("cartoon.earrings", p) {
            return;
        }
        let metal = *self.rng.pick(
            "cartoon.earrings.metal",
            &[Rgb(0xe8, 0xb9, 0x4a), Rgb(0xcf, 0xd4, 0xdc)],
        );
        let hoop = self.rng.chance("cartoon.earrings.hoop", 0.4);
        let mut d = String::new();
        for s in [-1.0, 1.0] {
            let c = f.flat(s * lobe.0, lobe.1 + 0.03 + if hoop { 0.1 } else { 0.0 });
            let r = self.len(if hoop { 0.11 } else { 0.065 });
            d.push_str(&ellipse(c, r, r));
        }
        if hoop {
            stroke(svg, &d, self.ink, self.len(0.05) + self.lw, 1.0);
            stroke(svg, &d, metal, self.len(0.05), 1.0);
        } else {
            inked(svg, &d, metal, self.ink, self.thin());
        }
    }

    /// A straight-edged open line through head-space points (for noses drawn with corners).
    fn angled(&self, pts: &[Pt]) -> String {
        let mut d = String::new();
        for (i, &(x, y)) in pts.iter().enumerate() {
            let p = self.p(x, y);
            d.push_str(&format!(
                "{}{} {}",
                if i == 0 { 'M' } else { 'L' },
                N(p.0),
                N(p.1)
            ));
        }
        d
    }

    /// The nose in the chosen shape: a shadow block, one line in a darkened skin tone, and a
    /// highlight on the tip.
    pub(crate) fn nose(&self, svg: &mut Svg) {
        let (face, l) = (self.face, self.look);
        let (ny, nw, s) = (face.nose_y, face.nose_w * 0.8, face.side);
        // Bridge length grows with the nose's size; a child's is short.
        let k = (0.8 + 0.2 * f64::from(self.parts.nose_size)) * (1.0 - 0.3 * self.parts.child);
        let line = l.skin.shadow.mix(self.ink, 0.45);
        let thin = self.thin();
        let under = |svg: &mut Svg, wk: f64| {
            let pts = self.all(&[
                (-nw * wk, ny - 0.02),
                (0.0, ny + 0.07),
                (nw * wk, ny - 0.02),
                (0.0, ny + 0.01),
            ]);
            fill(svg, &closed(&pts, &[0, 2]), l.skin.shadow);
        };
        let mut tip = (-s * 0.03, ny - 0.08);
        match self.parts.nose {
            NoseShape::Button => {
                under(svg, 1.0);
                let d = open(&self.all(&[
                    (-nw * 0.6, ny + 0.02),
                    (0.0, ny + 0.07),
                    (nw * 0.6, ny + 0.02),
                ]));
                stroke(svg, &d, line, thin, 1.0);
            }
            NoseShape::Hook => {
                under(svg, 1.0);
                let d = open(&self.all(&[
                    (s * 0.06, ny - 0.26 * k),
                    (s * (nw + 0.02), ny - 0.04),
                    (s * nw * 0.4, ny + 0.05),
                ]));
                stroke(svg, &d, line, thin, 1.0);
            }
            NoseShape::Wedge => {
                let top = (s * 0.03, ny - 0.3 * k);
                let shadow = self.all(&[top, (s * (nw + 0.05), ny + 0.05), (0.0, ny + 0.05)]);
                fill(svg, &closed(&shadow, &[0, 1, 2]), l.skin.shadow);
                let d = self.angled(&[
                    top,
                    (s * (nw + 0.05), ny + 0.05),
                    (-s * nw * 0.45, ny + 0.05),
                ]);
                stroke(svg, &d, line, thin, 1.0);
            }
            NoseShape::Bulb => self.bulb(svg, nw, ny, line),
            NoseShape::Snub => {
                under(svg, 0.8);
                let mut d = String::new();
                for x in [-1.0, 1.0] {
                    let c = self.p(x * nw * 0.38, ny + 0.025);
                    d.push_str(&ellipse(c, self.len(0.04), self.len(0.028)));
                }
                fill(svg, &d, line);
                tip = (-s * 0.02, ny - 0.05);
            }
            NoseShape::Straight => {
                let top = (s * 0.02, ny - 0.42 * k);
                let edge = [top, (s * 0.07, ny + 0.03)];
                let shadow = self.all(&[edge[0], edge[1], (s * (nw + 0.02), ny + 0.02)]);
                fill(svg, &closed(&shadow, &[0, 1, 2]), l.skin.shadow);
                let d = self.angled(&[edge[0], edge[1], (-s * nw * 0.55, ny + 0.06)]);
                stroke(svg, &d, line, thin, 1.0);
                tip = (-s * 0.02, ny - 0.05);
            }
        }
        let hl = self.p(tip.0, tip.1);
        fill_a(
            svg,
            &ellipse(hl, self.len(0.04), self.len(0.035)),
            l.skin.light,
            0.9,
        );
    }

    /// A round, fleshy tip: its shadow side, the lower rim and the wings as "( ‿ )".
    fn bulb(&self, svg: &mut Svg, nw: f64, ny: f64, line: Rgb) {
        let (l, s) = (self.look, self.face.side);
        let c = self.p(s * nw * 0.2, ny - 0.01);
        fill(
            svg,
            &ellipse(c, self.len(nw * 0.62), self.len(nw * 0.5)),
            l.skin.shadow,
        );
        let c = self.p(-s * nw * 0.05, ny - 0.03);
        fill(
            svg,
            &ellipse(c, self.len(nw * 0.55), self.len(nw * 0.45)),
            l.skin.base,
        );
        let mut d = open(&self.all(&[(-nw * 0.5, ny), (0.0, ny + 0.045), (nw * 0.5, ny)]));
        for x in [-1.0, 1.0] {
            d.push_str(&open(&self.all(&[
                (x * nw * 0.75, ny - 0.09),
                (x * nw * 1.02, ny - 0.01),
                (x * nw * 0.72, ny + 0.05),
            ])));
        }
        stroke(svg, &d, line, self.thin(), 1.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cartoon::body;
    use crate::pen::Frame;
    use crate::prng::Prng;
    use crate::sitter::{Presentation, Sitter};

    /// The cartoon face and shoulder width for a sitter of this age with these parts (only
    /// the childhood is the age's own), and the cheeks' reach.
    fn measure(seed: &str, age: u32, parts: Parts) -> (Face, f64, f64) {
        let rng = Prng::new(seed);
        let s = Sitter {
            presentation: Presentation::Woman,
            age: Some(age),
            ..Sitter::new(seed)
        };
        let l = Look::resolve(&s, &[], &rng);
        let parts = Parts {
            child: Parts::choose(&l, &rng, "cartoon").child,
            ..parts
        };
        let f = Frame {
            ox: 50.0,
            oy: 50.0,
            u: 20.0,
            turn: 0.0,
        };
        let mut face = Face::new(&l, &rng, f);
        shape(&mut face, &parts, &l);
        (face, body::shoulders(&l, &parts, &rng), cheeks(&parts).0)
    }

    #[test]
    fn a_child_has_a_bigger_cranium_rounder_cheeks_a_smaller_nose_narrower_shoulders() {
        for (i, age) in [8, 10, 12].into_iter().cycle().take(24).enumerate() {
            let seed = format!("s{i}");
            let rng = Prng::new(&seed);
            let adult = Sitter {
                age: Some(35),
                ..Sitter::new(&seed)
            };
            let parts = Parts::choose(&Look::resolve(&adult, &[], &rng), &rng, "cartoon");
            let (kid, kid_sh, kid_ck) = measure(&seed, age, parts);
            let (grown, sh, ck) = measure(&seed, 35, parts);
            // Crown to eye line over eye line to chin.
            let ratio = |f: &Face| -f.top / f.chin.1;
            assert!(ratio(&kid) > 1.1 * ratio(&grown), "{seed} at {age}");
            assert!(kid.nose_w < 0.9 * grown.nose_w, "{seed} at {age}");
            assert!(kid.mouth_y < grown.mouth_y - 0.05, "{seed} at {age}");
            assert!(kid_ck > ck, "{seed} at {age}");
            assert!(kid_sh < 0.93 * sh, "{seed} at {age}");
        }
    }

    #[test]
    fn head_shapes_differ_in_silhouette() {
        use HeadShape::*;
        let base = Parts::choose(
            &Look::resolve(&Sitter::new("x"), &[], &Prng::new("x")),
            &Prng::new("x"),
            "cartoon",
        );
        let outlines: Vec<Vec<Pt>> = [Round, Oval, Long, Square, Heart, Wide]
            .into_iter()
            .map(|head| {
                let (face, _, _) = measure("x", 35, Parts { head, ..base });
                outline(&face, &Parts { head, ..base })
            })
            .collect();
        for (i, a) in outlines.iter().enumerate() {
            for (j, b) in outlines.iter().enumerate().skip(i + 1) {
                let d = a.iter().zip(b).map(|(p, q)| (p.0 - q.0).hypot(p.1 - q.1));
                let d = d.fold(0.0, f64::max);
                assert!(d > 0.08, "head shapes {i} and {j} look alike: {d}");
            }
        }
        // Long is the longest, wide the widest at the jaw.
        let chin = |o: &Vec<Pt>| o[9].1;
        assert!(outlines.iter().all(|o| chin(o) <= chin(&outlines[2])));
        assert!(outlines.iter().all(|o| o[6].0 <= outlines[5][6].0));
    }
}
