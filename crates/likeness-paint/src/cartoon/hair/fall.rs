//! The cartoon's falling cuts (bob, wavy, long): a darker mass behind the head and neck, a
//! domed cap, and two chunky curtains framing the face down to blunt, flicked or wavy ends.

use super::Draw;
use crate::hair::{Mark, hairline};
use crate::pen::{Pt, open, symmetric};
use crate::sitter::HairStyle;

/// The outer edge of the hair falling on the right side, top to the tip (head space).
fn edge(d: &Draw, v: f64, bottom: f64) -> Vec<Pt> {
    let t = d.face.top;
    let mut pts = vec![(0.98 + v, t * 0.5)];
    match d.l.style {
        // Full and round, the ends turned in.
        HairStyle::Bob => pts.extend([
            (1.16 + 0.4 * v, -0.25),
            (1.3, 0.35),
            (1.26, bottom - 0.28),
            (1.0, bottom),
        ]),
        HairStyle::Wavy => {
            let n = 6;
            for k in 0..n {
                let y = -0.3 + (bottom - 0.3) * f64::from(k) / f64::from(n - 1);
                let swell = 1.18 + 0.12 * (y / bottom).max(0.0) + 0.2 * v;
                // Deeper waves than the poster's: they must read at thumbnail size.
                let w = if k % 2 == 0 { 0.1 } else { -0.07 };
                pts.push((swell + w + d.j(&format!("wave.{k}"), 0.03), y));
            }
            pts.push((1.24, bottom));
        }
        _ => pts.extend([
            (1.12 + 0.5 * v, -0.3),
            (1.22, 0.5),
            (1.32, 1.5),
            (1.4, bottom - 0.35),
            (1.3, bottom),
        ]),
    }
    pts
}

impl Draw<'_> {
    /// Bob, wavy or long hair.
    pub(super) fn fall(&mut self) {
        let (face, l) = (self.face, self.l);
        let (f, t) = (&face.f, face.top);
        let bob = l.style == HairStyle::Bob;
        let bottom = match l.style {
            HairStyle::Bob => 1.05 + self.j("len", 0.1),
            HairStyle::Wavy => 2.1 + self.j("len", 0.2),
            _ => 2.7 + self.j("len", 0.3),
        };
        let v = 0.22 + self.j("v", 0.04);
        let edge = edge(self, v, bottom);
        let mut right = vec![(0.0, t - v), (0.7 + 0.7 * v, t * 0.92 - 0.9 * v)];
        right.extend_from_slice(&edge);
        right.extend([(0.5, bottom - 0.1), (0.0, bottom - 0.1)]);
        let behind = l.hair.shadow.mix(l.hair.base, 0.35);
        self.h.back.push(Mark::Shape(
            f.all_flat(&symmetric(&right)),
            vec![],
            behind,
            1.0,
        ));
        let part = if self.rng.chance("cartoon.hair.part", 0.5) {
            1.0
        } else {
            -1.0
        };
        let bangs = l.style != HairStyle::Long && self.rng.chance("cartoon.hair.bangs", 0.35);
        let mut line = hairline(if bangs { -0.6 } else { -0.9 }, -0.1, -0.7);
        if !bangs {
            line[4].0 += part * 0.25;
            line[4].1 -= 0.05;
        }
        let top = self.smooth(v);
        self.cap(v, (&top, &[]), (&line, &[]), l.hair.base);
        self.shade(v, 40.0, l.hair.shadow);
        for s in [-1.0, 1.0] {
            // Less hair falls on the parting side.
            let over = if bangs || s * part < 0.0 { 0.25 } else { 0.6 };
            let mut pts = vec![(over, t * 0.72), (0.96 + 0.6 * v, t * 0.64)];
            pts.extend(edge.iter().skip(1).map(|&(x, y)| (x - 0.02, y)));
            let tip = pts.len() - 1;
            if bob {
                pts.extend([(0.94, bottom - 0.12), (0.9, bottom - 0.42)]);
            } else {
                pts.extend([
                    (face.neck + 0.16, bottom - 0.12),
                    (face.neck + 0.1, 1.5),
                    (0.84, 0.95),
                ]);
            }
            pts.extend([(0.84, 0.2), (0.81, -0.55), (over * 0.9, t * 0.6)]);
            let pts: Vec<Pt> = pts.into_iter().map(|(x, y)| (s * x, y)).collect();
            let m = self.shape(&pts, vec![tip], l.hair.base);
            self.h.front.push(m);
            // One chunky strand line down each curtain.
            let tip_x = edge[edge.len() - 2].0 - 0.16;
            let p = f.all(&[(s * 1.0, -0.6), (s * 1.1, 0.3), (s * tip_x, bottom - 0.3)]);
            let m = Mark::Stroke(open(&p), l.hair.shadow, f.len(0.06), 0.9);
            self.h.front.push(m);
        }
        if !self.beanie && !bangs {
            let p = f.all(&[
                (part * 0.3, t - 0.1),
                (part * 0.36, t * 0.82),
                (part * 0.5, -0.88),
            ]);
            let m = Mark::Stroke(open(&p), l.hair.shadow, f.len(0.06), 0.9);
            self.h.front.push(m);
        }
        self.h.covers_ears = true;
    }
}
