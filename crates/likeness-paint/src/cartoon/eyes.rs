//! The cartoon's eyes (whites with irises, or dark ovals; lids that droop, glare or narrow;
//! bags; lashes; "^ ^" when laughing) and brows, both eyes a layer at a time.

use super::features::Toon;
use crate::pen::{Pt, closed, ellipse, fill, fill_a, open, poly, stroke};
use crate::sitter::Rgb;
use crate::svg::Svg;

const WHITE: Rgb = Rgb(0xff, 0xff, 0xff);
const SCLERA: Rgb = Rgb(0xfd, 0xfb, 0xf7);

/// Points on an ellipse (head space), clockwise from the right.
fn ellipse_pts(c: Pt, rx: f64, ry: f64, n: usize) -> Vec<Pt> {
    (0..n)
        .map(|k| {
            let a = std::f64::consts::TAU * k as f64 / n as f64;
            (c.0 + rx * a.cos(), c.1 + ry * a.sin())
        })
        .collect()
}

/// The part of a convex polygon above the line `a`→`b` (screen y down), and where the line
/// crosses it (Sutherland–Hodgman against one half-plane).
fn above(pts: &[Pt], a: Pt, b: Pt) -> (Vec<Pt>, Vec<Pt>) {
    let side = |p: Pt| (b.0 - a.0) * (p.1 - a.1) - (b.1 - a.1) * (p.0 - a.0);
    let (mut out, mut cuts) = (Vec::new(), Vec::new());
    for i in 0..pts.len() {
        let (p, q) = (pts[i], pts[(i + 1) % pts.len()]);
        let (sp, sq) = (side(p), side(q));
        if sp <= 0.0 {
            out.push(p);
        }
        if (sp <= 0.0) != (sq <= 0.0) {
            let t = sp / (sp - sq);
            let x = (p.0 + (q.0 - p.0) * t, p.1 + (q.1 - p.1) * t);
            out.push(x);
            cuts.push(x);
        }
    }
    (out, cuts)
}

impl Toon<'_> {
    /// Both eyes, layer by layer (each layer one path for both eyes: fewer, cheaper elements),
    /// then the brows.
    pub(crate) fn eyes(&self, svg: &mut Svg) {
        let (m, l, ink) = (self.mood, self.look, self.ink);
        let (ex, rx, ry) = self.eye;
        let (rx, ry) = (rx * m.eye_scale, ry * m.eye_scale);
        if m.happy_eyes {
            let mut d = String::new();
            let mut lashes = String::new();
            for s in [-1.0, 1.0] {
                let c = s * ex;
                d.push_str(&open(&self.all(&[
                    (c - rx, 0.05),
                    (c, -ry * 0.75),
                    (c + rx, 0.05),
                ])));
                let outer = (c + s * rx * 0.9, -0.01);
                lashes.push_str(&self.lashes(s, (c, 0.0), rx, ry, 1.0, &[outer, outer]));
            }
            stroke(svg, &d, ink, self.lw * 1.3, 1.0);
            if !lashes.is_empty() {
                stroke(svg, &lashes, ink, self.thin() * 1.15, 1.0);
            }
            self.brows(svg);
            return;
        }
        let (bx, by) = if self.beans {
            (rx * 0.55, ry * 0.62)
        } else {
            (rx, ry)
        };
        // Layers: ink underlay (the outline), white, iris rim, iris, pupil, glints, lids, the
        // lid or lash line, lashes.
        let mut layer: [String; 9] = Default::default();
        let iris = l.iris.mix(Rgb(0x8a, 0x6a, 0x4a), 0.15);
        let ir = rx.min(ry) * 0.8;
        for (i, s) in [-1.0, 1.0].into_iter().enumerate() {
            let c = (s * ex, 0.0);
            let pc = self.p(c.0, c.1);
            let e = |grow: f64| ellipse(pc, self.len(bx) + grow, self.len(by) + grow);
            if self.beans {
                layer[4].push_str(&e(0.0));
                let g = self.p(c.0 - bx * 0.3 + m.gaze, c.1 - by * 0.35);
                let r = self.len(bx * 0.36);
                layer[5].push_str(&ellipse(g, r, r));
            } else {
                layer[0].push_str(&e(self.thin() * 0.8));
                layer[1].push_str(&e(0.0));
                let ic = self.p(c.0 + m.gaze.clamp(-(rx - ir), rx - ir), c.1 + 0.01);
                let r = self.len(ir);
                layer[2].push_str(&ellipse(ic, r, r));
                let r = r - self.len(0.03);
                layer[3].push_str(&ellipse(ic, r, r));
                let pr = self.len(ir * 0.52);
                layer[4].push_str(&ellipse(ic, pr, pr));
                let (g, gr) = ((ic.0 - pr * 0.7, ic.1 - pr * 0.75), pr * 0.62);
                layer[5].push_str(&ellipse(g, gr, gr));
                let small = (ic.0 + pr * 0.85, ic.1 + pr * 0.7);
                let sr = pr * if m.sparkle { 0.42 } else { 0.26 };
                layer[5].push_str(&ellipse(small, sr, sr));
            }
            let lid = m.lid[i];
            let tilt = m.lid_tilt * s;
            // The lid line's ends: inner (towards the nose) and outer.
            let y0 = -by + 2.0 * by * lid;
            let a = (c.0 - bx * 1.3, y0 + tilt);
            let b = (c.0 + bx * 1.3, y0 - tilt);
            let cuts = if lid > 0.02 {
                let (cover, cuts) = above(&ellipse_pts(c, bx, by, 36), a, b);
                layer[6].push_str(&poly(&self.all(&cover)));
                cuts
            } else {
                Vec::new()
            };
            if cuts.len() == 2 {
                layer[7].push_str(&open(&self.all(&cuts)));
            } else if !self.beans {
                // The lash line: the top of the eye, heavier.
                layer[7].push_str(&open(&self.all(&[
                    (c.0 - rx * 0.98, c.1 - ry * 0.15),
                    (c.0 - rx * 0.6, c.1 - ry * 0.82),
                    (c.0, c.1 - ry),
                    (c.0 + rx * 0.6, c.1 - ry * 0.82),
                    (c.0 + rx * 0.98, c.1 - ry * 0.15),
                ])));
            }
            layer[8].push_str(&self.lashes(s, c, bx, by, lid, &cuts));
        }
        if m.bags > 0.0 {
            self.bags(svg, ex, rx, ry);
        }
        let lid_c = l.skin.base.mix(l.skin.shadow, 0.45);
        let fills = [ink, SCLERA, iris.mix(ink, 0.55), iris, ink, WHITE, lid_c];
        for (d, c) in layer.iter().zip(fills) {
            if !d.is_empty() {
                fill(svg, d, c);
            }
        }
        if !layer[7].is_empty() {
            stroke(svg, &layer[7], ink, self.lw * 1.1, 1.0);
        }
        if !layer[8].is_empty() {
            stroke(svg, &layer[8], ink, self.thin() * 1.15, 1.0);
        }
        self.brows(svg);
    }

    fn bags(&self, svg: &mut Svg, ex: f64, rx: f64, ry: f64) {
        let (l, k) = (self.look, self.mood.bags);
        let tone = l.skin.shadow.mix(Rgb(0x6a, 0x4a, 0x7a), 0.25);
        let (mut shade, mut line) = (String::new(), String::new());
        for s in [-1.0, 1.0] {
            let (c, y) = (s * ex, ry);
            let bag = self.all(&[
                (c - rx * 0.95, y - ry * 0.35),
                (c, y + 0.13),
                (c + rx * 0.95, y - ry * 0.35),
                (c, y + 0.02),
            ]);
            shade.push_str(&closed(&bag, &[0, 2]));
            line.push_str(&open(&self.all(&[
                (c - rx * 0.6, y + 0.05),
                (c, y + 0.11),
                (c + rx * 0.6, y + 0.05),
            ])));
        }
        fill_a(svg, &shade, tone, 0.55 * k);
        stroke(svg, &line, tone.mix(self.ink, 0.3), self.thin() * 0.8, k);
    }

    /// Two flicks at the outer corner, for feminine faces (and some others): path data.
    fn lashes(&self, s: f64, c: Pt, rx: f64, ry: f64, lid: f64, cuts: &[Pt]) -> String {
        let l = self.look;
        let p = 1.0 - l.masc;
        let mut d = String::new();
        if l.youth > 0.6 || !(p > 0.7 || (p > 0.3 && self.rng.chance("cartoon.lashes", 0.5))) {
            return d;
        }
        for (k, deg) in [12.0f64, 32.0].into_iter().enumerate() {
            let a = deg.to_radians();
            let base = if cuts.len() == 2 && lid > 0.2 {
                let o = if (cuts[0].0 - c.0) * s > 0.0 {
                    cuts[0]
                } else {
                    cuts[1]
                };
                (o.0 - s * 0.04 * k as f64, o.1 + 0.01)
            } else {
                (c.0 + s * rx * a.cos(), c.1 - ry * a.sin())
            };
            let tip = (
                base.0 + s * 0.12 * a.cos(),
                base.1 - 0.12 * (a.sin() + 0.35),
            );
            d.push_str(&open(&[self.p(base.0, base.1), self.p(tip.0, tip.1)]));
        }
        d
    }

    fn brows(&self, svg: &mut Svg) {
        let (l, m) = (self.look, self.mood);
        let (ex, rx, ry) = self.eye;
        let (rx, ry) = (rx * m.eye_scale, ry * m.eye_scale);
        let w = self.len((0.07 + 0.04 * l.masc) * (1.0 - 0.25 * l.youth));
        let color = self.brow_color();
        let mut d = String::new();
        for (i, s) in [-1.0, 1.0].into_iter().enumerate() {
            let by = -ry - 0.16 - m.brow_raise[i] + 0.04 * l.old;
            let t = m.brow_tilt[i];
            let arch = 0.05 + 0.25 * m.brow_raise[i].max(0.0);
            let pts = self.all(&[
                (s * (ex - rx * 0.85), by + t),
                (s * (ex + rx * 0.05), by - arch),
                (s * (ex + rx * 1.15), by + 0.05 - t * 0.4),
            ]);
            d.push_str(&open(&pts));
        }
        stroke(svg, &d, color, w, 1.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lid_is_the_part_of_the_eye_above_its_line() {
        let eye = ellipse_pts((0.0, 0.0), 1.0, 1.0, 36);
        let (cover, cuts) = above(&eye, (-2.0, 0.0), (2.0, 0.0));
        assert_eq!(cuts.len(), 2);
        assert!(cover.iter().all(|p| p.1 <= 1e-9), "{cover:?}");
        assert!(
            cuts.iter()
                .all(|p| (p.0.abs() - 1.0).abs() < 1e-9 && p.1.abs() < 1e-9)
        );
        // A line above the eye covers nothing; one below covers all of it.
        assert!(above(&eye, (-2.0, -1.5), (2.0, -1.5)).0.is_empty());
        assert_eq!(above(&eye, (-2.0, 1.5), (2.0, 1.5)).0.len(), eye.len());
    }
}
