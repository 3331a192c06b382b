//! The poster's face parts from `parts.rs`: the head's shape (jaw, chin, cheeks, temples), the
//! ears and the nose in flat tone blocks, and the nose's profile edge when the head turns.
//!
//! Sizes and shapes are subtler than the cartoon's: a poster is a likeness, not a caricature.

use crate::face::{Face, Shape};
use crate::look::Look;
use crate::parts::{Cheeks, EarShape, HeadShape, NoseShape, Parts};
use crate::pen::{closed, ellipse, fill, fill_a, open, stroke};
use crate::svg::Svg;

/// Reshapes the face for the poster's parts: jaw, chin and silhouette from the head shape and
/// cheeks, a child's bigger cranium over a smaller face, the nose's size, the eye set.
pub(crate) fn shape(face: &mut Face, parts: &Parts) {
    use HeadShape::*;
    // Jaw x and y, chin half-width and y, skull top, how far the features follow the chin.
    let (jx, jy, cw, cy, top, feat) = match parts.head {
        Round => (0.06, -0.04, 0.1, -0.06, 0.0, -0.03),
        Oval => (0.0, 0.0, 0.0, 0.0, 0.0, 0.0),
        Long => (-0.02, 0.08, -0.02, 0.09, -0.05, 0.05),
        Square => (0.1, 0.08, 0.15, 0.0, 0.0, 0.0),
        Heart => (-0.04, -0.03, -0.09, 0.02, -0.02, 0.0),
        Wide => (0.12, -0.04, 0.12, -0.08, 0.04, -0.03),
    };
    // A child (`Parts::child`, up to 16): a bigger cranium over a shorter, rounder face,
    // bigger eyes, a smaller nose and mouth.
    let c = parts.child;
    face.top += top - 0.1 * c;
    face.jaw = (face.jaw.0 + jx, face.jaw.1 + jy - 0.05 * c);
    face.chin = (
        (face.chin.0 + cw + 0.06 * c).max(0.14),
        face.chin.1 + cy - 0.08 * c,
    );
    face.nose_y += 0.6 * feat - 0.04 * c;
    face.mouth_y += feat - 0.07 * c;
    face.mouth_w *= 1.0 - 0.1 * c;
    face.eye_w *= 1.0 + 0.1 * c;
    face.eye_h *= 1.0 + 0.15 * c;
    face.nose_w *= [0.85, 1.0, 1.18][usize::from(parts.nose_size)] * (1.0 - 0.3 * c);
    face.eye_x += 0.03 * (f64::from(parts.eye_set) - 1.0);
    let (cheek, bow) = match parts.cheeks {
        Cheeks::Lean => (-0.02, -0.04),
        Cheeks::Soft => (0.0, 0.0),
        Cheeks::Full => (0.02, 0.03),
    };
    face.shape = Shape {
        cheek: cheek
            + 0.02 * c
            + match parts.head {
                Round => 1.01,
                Long => 0.97,
                Wide => 1.04,
                _ => 0.99,
            },
        bow: bow + 0.02 * c,
        corner: match parts.head {
            Square => (0.08, -0.06),
            Heart => (0.1, -0.14),
            _ => (0.12, -0.1),
        },
        temple: if parts.head == Heart { 0.94 } else { 0.92 },
    };
    face.parts = Some(*parts);
}

/// An ear's reach out from the head, its half-height and how far its top flares.
fn ear_size(parts: &Parts) -> (f64, f64, f64) {
    let k = [0.9, 1.0, 1.1][usize::from(parts.ear_size)];
    let (w, h, flare) = match parts.ears {
        EarShape::Round => (0.29, 0.34, 0.0),
        EarShape::Neat => (0.22, 0.29, 0.0),
        EarShape::Tall => (0.25, 0.41, 0.0),
        EarShape::Jug => (0.33, 0.35, 0.06),
    };
    (w * k, h * k, flare * k)
}

impl Face {
    /// Ears, drawn before the face so the face overlaps their inner edge. Turned past a
    /// third, the far ear is behind the head; short of that it tucks in.
    pub(crate) fn ears(&self, svg: &mut Svg, l: &Look) {
        let parts = self.parts.unwrap_or(Parts::PLAIN);
        let (w, h, flare) = ear_size(&parts);
        let x0 = 0.9 + self.shape.cheek - 0.99;
        let drop = if parts.ears == EarShape::Tall {
            0.04
        } else {
            0.0
        };
        let (mut skin, mut inner) = (String::new(), String::new());
        for s in [-1.0, 1.0] {
            let far = (l.turn * s).max(0.0);
            if far > 0.33 {
                continue;
            }
            let tuck = 1.0 - 0.35 * far;
            // The near ear shows more of itself as the head turns away from it.
            let near = 1.0 + 0.15 * (-l.turn * s).max(0.0);
            let ey = self.ear_y + drop;
            let pt = |x: f64, y: f64| self.f.flat(s * (x0 + x * tuck * near), ey + y);
            let outer = [
                pt(0.0, -0.97 * h),
                pt(0.62 * w + flare, -1.18 * h),
                pt(w + flare, -0.65 * h),
                pt(0.9 * w, 0.24 * h),
                pt(0.55 * w, 0.88 * h),
                pt(0.0, h),
            ];
            skin.push_str(&closed(&outer, &[]));
            let cavity = [
                pt(0.34 * w, -0.7 * h),
                pt(0.69 * w + flare * 0.6, -0.59 * h),
                pt(0.66 * w + flare * 0.6, 0.06 * h),
                pt(0.34 * w, 0.53 * h),
                pt(0.41 * w, -0.06 * h),
            ];
            inner.push_str(&closed(&cavity, &[]));
        }
        fill(svg, &skin, l.skin.base);
        fill(svg, &inner, l.skin.shadow);
    }

    /// The nose in the chosen shape: the shadow side of the bridge, the underside and wings,
    /// a highlight on the tip; turned, the far edge as a profile line.
    pub(crate) fn nose(&self, svg: &mut Svg, l: &Look) {
        let parts = self.parts.unwrap_or(Parts::PLAIN);
        let (f, s) = (&self.f, self.side);
        let (nw, ny) = (self.nose_w, self.nose_y);
        // Where the bridge's shadow starts (a long nose reaches the brows) and how far out
        // its wing reaches.
        let (from, wing, tip_r) = match parts.nose {
            NoseShape::Button => (0.0, 0.7, 0.07),
            NoseShape::Hook => (-0.16, 0.85, 0.05),
            NoseShape::Wedge => (-0.1, 1.0, 0.05),
            NoseShape::Bulb => (-0.06, 0.8, 0.085),
            NoseShape::Snub => (0.06, 0.65, 0.06),
            NoseShape::Straight => (-0.22, 0.75, 0.045),
        };
        let bump = if parts.nose == NoseShape::Hook {
            0.05
        } else {
            0.0
        };
        let bridge = f.all(&[
            (s * 0.09, from - 0.04),
            (s * (0.12 + bump), lerp(from, ny, 0.5)),
            (s * (nw * wing), ny - 0.06),
            (s * (nw * 0.55), ny - 0.02),
            (s * 0.06, lerp(from, ny, 0.55)),
        ]);
        if l.youth < 0.6 {
            let op = 0.85 * (1.0 - l.youth);
            fill_a(svg, &closed(&bridge, &[0, 2]), l.skin.shadow, op);
        }
        let lift = if parts.nose == NoseShape::Snub {
            -0.025
        } else {
            0.0
        };
        let under = f.all(&[
            (-nw, ny - 0.05),
            (-nw * 0.55, ny + 0.02 + lift),
            (0.0, ny + 0.045 + lift),
            (nw * 0.55, ny + 0.02 + lift),
            (nw, ny - 0.05),
            (nw * 0.8, ny + 0.04),
            (0.0, ny + 0.1 + lift),
            (-nw * 0.8, ny + 0.04),
        ]);
        fill(svg, &closed(&under, &[0, 4]), l.skin.shadow);
        match parts.nose {
            NoseShape::Snub => {
                let dark = l
                    .skin
                    .shadow
                    .mix(crate::sitter::Rgb(0x3a, 0x1c, 0x14), 0.35);
                let mut d = String::new();
                for x in [-1.0, 1.0] {
                    let c = f.p(x * nw * 0.4, ny + 0.04);
                    d.push_str(&ellipse(c, f.len(0.045), f.len(0.025)));
                }
                fill(svg, &d, dark);
            }
            NoseShape::Bulb => {
                let mut d = String::new();
                for x in [-1.0, 1.0] {
                    let c = f.p(x * nw * 0.85, ny - 0.02);
                    d.push_str(&ellipse(c, f.len(nw * 0.3), f.len(nw * 0.28)));
                }
                fill_a(svg, &d, l.skin.shadow, 0.8);
            }
            _ => {}
        }
        self.profile_edge(svg, l, from);
        let tip = f.p(-s * 0.03, ny - 0.1 + lift);
        let r = f.len(tip_r);
        fill_a(svg, &ellipse(tip, r, r * 0.8), l.skin.light, 0.9);
    }

    /// Turned, the nose stands out against the far cheek: its edge as a line from the bridge
    /// out to the tip and back under to the wing, the far cheek beside it in shadow.
    fn profile_edge(&self, svg: &mut Svg, l: &Look, from: f64) {
        let t = l.turn;
        if t.abs() < 0.3 {
            return;
        }
        let (f, s) = (&self.f, t.signum());
        let (nw, ny) = (self.nose_w, self.nose_y);
        let out = 0.05 + 0.12 * t.abs();
        let edge = f.all(&[
            (s * 0.1, from - 0.06),
            (s * (0.12 + 0.4 * out), lerp(from, ny, 0.6)),
            (s * (nw + out), ny - 0.04),
            (s * (nw * 0.9 + out * 0.5), ny + 0.05),
            (s * nw * 0.45, ny + 0.06),
        ]);
        let plane = {
            let mut p = edge.clone();
            p.push(f.p(s * 0.02, ny - 0.04));
            p
        };
        fill(svg, &closed(&plane, &[0, 4]), l.skin.base);
        let line = l.skin.shadow.mix(crate::sitter::Rgb(0x3a, 0x20, 0x18), 0.3);
        stroke(svg, &open(&edge), line, f.len(0.04), 0.9);
    }
}

fn lerp(a: f64, b: f64, t: f64) -> f64 {
    crate::pen::lerp(a, b, t)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pen::Frame;
    use crate::prng::Prng;
    use crate::sitter::Sitter;

    fn face(turn: f64) -> Face {
        let rng = Prng::new("s3");
        let mut l = Look::resolve(&Sitter::new("s3"), &[], &rng);
        l.turn = turn;
        let f = Frame {
            ox: 50.0,
            oy: 50.0,
            u: 20.0,
            turn,
        };
        let mut face = Face::new(&l, &rng, f);
        shape(&mut face, &Parts::choose(&l, &rng, "poster"));
        face
    }

    #[test]
    fn a_turned_head_reads_three_quarter() {
        let front = face(0.0);
        let o = front.f.all(&front.outline_pts());
        // Front-facing: the jaw is a mirror image about the chin.
        assert!(((o[6].0 - o[9].0) + (o[12].0 - o[9].0)).abs() < 1e-6);
        for turn in [0.6, -0.9] {
            let t = face(turn);
            let (s, f) = (turn.signum(), &t.f);
            let o = f.all(&t.outline_pts());
            // The far jaw (point 6 on the right, 12 on the left) is nearer the chin.
            let (far, near) = if s > 0.0 {
                (o[6], o[12])
            } else {
                (o[12], o[6])
            };
            assert!(
                (far.0 - o[9].0).abs() < 0.75 * (near.0 - o[9].0).abs(),
                "{turn}"
            );
            // The far eye is narrower than the near one, the nose off the midline.
            let w = |x: f64| (f.p(x + t.eye_w, 0.0).0 - f.p(x - t.eye_w, 0.0).0).abs();
            assert!(w(s * t.eye_x) < 0.8 * w(-s * t.eye_x), "{turn}");
            assert!((f.p(0.0, t.nose_y).0 - 50.0) * s > 0.25 * 20.0 * turn.abs());
        }
    }

    #[test]
    fn a_child_has_a_bigger_cranium_over_a_smaller_face_and_nose() {
        for i in 0..24 {
            let seed = format!("s{i}");
            let at = |age: u32| {
                let rng = Prng::new(&seed);
                let s = Sitter {
                    age: Some(age),
                    ..Sitter::new(&seed)
                };
                let l = Look::resolve(&s, &[], &rng);
                let f = Frame {
                    ox: 0.0,
                    oy: 0.0,
                    u: 1.0,
                    turn: 0.0,
                };
                let mut face = Face::new(&l, &rng, f);
                // The same parts for both ages; only the childhood differs.
                let grown = Sitter { age: Some(35), ..s };
                let p = Parts::choose(&Look::resolve(&grown, &[], &rng), &rng, "poster");
                let child = Parts::choose(&l, &rng, "poster").child;
                shape(&mut face, &Parts { child, ..p });
                face
            };
            let (kid, adult) = (at(10), at(35));
            let ratio = |f: &Face| -f.top / f.chin.1;
            assert!(ratio(&kid) > 1.15 * ratio(&adult), "{seed}");
            assert!(kid.nose_w < 0.8 * adult.nose_w, "{seed}");
            assert!(kid.eye_h > adult.eye_h, "{seed}");
        }
    }
}
