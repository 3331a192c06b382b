//! The cartoon's locs and braids: fewer, fatter ropes than the poster's, each one inked
//! stroke with a cel-shadow band down its shadow side (locs, with a highlight down the lit
//! side) or chunky plait segments (braids).

use super::Draw;
use crate::hair::{Mark, bumps, hairline};
use crate::pen::{Pt, open};
use crate::sitter::HairStyle;

impl Draw<'_> {
    pub(super) fn ropes(&mut self) {
        let (face, l) = (self.face, self.l);
        let (f, t) = (&face.f, face.top);
        let locs = l.style == HairStyle::Locs;
        let (w, bottom, n) = if locs {
            (0.27, 2.4 + self.j("len", 0.3), 4)
        } else {
            (0.21, 2.8 + self.j("len", 0.3), 6)
        };
        let mut back = Vec::new();
        for s in [-1.0, 1.0] {
            for k in 0..n {
                let q = f64::from(k) / f64::from(n - 1);
                let (x0, x1) = (s * (0.5 + 0.55 * q), s * (0.95 + 0.6 * q));
                let key = format!("rope.{s}.{k}");
                let y1 = bottom - 0.3 * q + self.j(&key, 0.15);
                self.rope(&mut back, &[(x0, t * 0.6), (x1 * 0.96, 0.6), (x1, y1)], w);
            }
        }
        self.h.back = back;
        let line = hairline(-0.9, self.sb, -0.76);
        let v = 0.2;
        let top = self.smooth(v);
        self.cap(v, (&top, &[]), (&line, &[]), l.hair.base);
        self.shade(v, 30.0, l.hair.shadow);
        if !self.beanie {
            if locs {
                let edge: Vec<Pt> = line[2..line.len() - 2].to_vec();
                let d = bumps(face, &edge, 0.12, 0.22, self.rng, "cartoon.hair.roots");
                self.h.front.push(Mark::Dots(d, l.hair.base));
            }
            // Partings between rows (braids) or loc roots.
            for k in 0..4 {
                let x = -0.5 + 0.333 * f64::from(k);
                let p = f.all(&[(x, -0.95), (x * 0.8, t * 0.75), (x * 0.4, t - 0.1)]);
                let m = Mark::Stroke(open(&p), l.hair.shadow, f.len(0.06), 0.9);
                self.h.front.push(m);
            }
        }
        // A few over the shoulders, in front.
        let mut front = Vec::new();
        for s in [-1.0, 1.0] {
            for k in 0..if locs { 1 } else { 2 } {
                let x = s * (0.95 + 0.16 * f64::from(k));
                let y = bottom - 0.3 - 0.2 * f64::from(k);
                self.rope(
                    &mut front,
                    &[(x, -0.5), (x + s * 0.1, 0.6), (x + s * 0.18, y)],
                    w,
                );
            }
        }
        self.h.front.extend(front);
        self.h.covers_ears = true;
    }

    /// One rope along head-space `pts`: the inked base, then its shading.
    fn rope(&self, marks: &mut Vec<Mark>, pts: &[Pt], w: f64) {
        let (f, l) = (&self.face.f, self.l);
        let shift = |dx: f64| -> String {
            let p: Vec<Pt> = pts.iter().map(|&(x, y)| (x + dx, y)).collect();
            open(&f.all_flat(&p))
        };
        let d = shift(0.0);
        marks.push(Mark::Stroke(d.clone(), l.hair.base, f.len(w), 1.0));
        if l.style == HairStyle::Locs {
            let side = self.face.side;
            let sh = Mark::Stroke(shift(side * w * 0.22), l.hair.shadow, f.len(w * 0.4), 0.95);
            marks.push(sh);
            let hi = Mark::Stroke(shift(-side * w * 0.25), l.hair.light, f.len(w * 0.14), 0.9);
            marks.push(hi);
        } else {
            marks.push(Mark::Dash(d, l.hair.shadow, f.len(w * 0.7), f.len(0.11)));
        }
    }
}
