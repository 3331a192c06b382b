//! The cartoon's own hair: chunky, simplified shapes with big readable silhouettes, one flat
//! fill, one cel-shadow band on the shadow side and a highlight swoosh on the lit side, with
//! cartoon exaggeration (spiky tufts on a crop, a cowlick, a big bouncy afro, a huge bun, a
//! swinging ponytail).
//!
//! It returns the poster's [`Hair`] layers (`back`, `front`, the forehead's cast shadow), so
//! the cartoon outlines it the same way: every cut is redrawn (`fall.rs`: bob, wavy, long;
//! `ropes.rs`: locs, braids; the rest here). The crown is a superellipse over the
//! skull, squarer than an ellipse, so it covers the skull's shoulders on every head shape.
//! Random choices use `cartoon.hair.*` keys only.

mod fall;
mod ropes;

use crate::face::Face;
use crate::hair::{self, Hair, Mark, bumps, cast_band, hairline};
use crate::look::Look;
use crate::pen::{Pt, open};
use crate::prng::Prng;
use crate::sitter::{HairStyle, HeadCovering, Rgb};

pub(crate) fn build(face: &Face, l: &Look, rng: &Prng) -> Hair {
    if l.covering == HeadCovering::Headscarf {
        // All under the scarf: the poster's (empty) hair.
        return hair::build(face, l, rng);
    }
    let mut d = Draw {
        face,
        l,
        rng,
        beanie: l.covering == HeadCovering::Beanie,
        sb: if l.masc > 0.7 { 0.08 } else { -0.12 },
        h: Hair::default(),
    };
    match l.style {
        HairStyle::Buzz => d.buzz(),
        HairStyle::Crop => d.crop(),
        HairStyle::Fade => d.fade(),
        HairStyle::SidePart => d.side_part(),
        HairStyle::Curly => d.curly(),
        HairStyle::Afro => d.afro(),
        HairStyle::Bun => d.bun(),
        HairStyle::Ponytail => d.ponytail(),
        HairStyle::Receding => d.receding(),
        HairStyle::Bald => d.bald(),
        HairStyle::Locs | HairStyle::Braids => d.ropes(),
        HairStyle::Bob | HairStyle::Wavy | HairStyle::Long => d.fall(),
    }
    d.h
}

/// A point on the dome of hair of volume `v` over the skull, at `deg` (0 right, 90 the top).
fn dome(face: &Face, v: f64, deg: f64) -> Pt {
    let a = deg.to_radians();
    let (c, s) = (a.cos(), a.sin());
    let (rx, ry) = (1.0 + v, -0.3 - face.top + v);
    let k = 2.0 / 3.0;
    (
        rx * c.signum() * c.abs().powf(k),
        -0.3 - ry * s.abs().powf(k),
    )
}

/// Mirrors an angle onto side `s` (1: as given, right; -1: the left).
fn on_side(s: f64, deg: f64) -> f64 {
    if s > 0.0 { deg } else { 180.0 - deg }
}

/// A lens (pointed at both ends) between `at(deg, 1)` and `at(deg, k)` from `a0` to `a1`
/// degrees: the shape of a cel-shadow band or a highlight swoosh inside a rounded mass.
fn lens(at: impl Fn(f64, f64) -> Pt, a0: f64, a1: f64, k: f64) -> (Vec<Pt>, Vec<usize>) {
    let n = 6;
    let mut pts: Vec<Pt> = (0..=n)
        .map(|i| at(a0 + (a1 - a0) * f64::from(i) / f64::from(n), 1.0))
        .collect();
    for i in (1..n).rev() {
        let t = f64::from(i) / f64::from(n);
        // Deepest in the middle, nothing at the tips.
        let kk = 1.0 - (1.0 - k) * (std::f64::consts::PI * t).sin();
        pts.push(at(a0 + (a1 - a0) * t, kk));
    }
    (pts, vec![0, n as usize])
}

struct Draw<'a> {
    face: &'a Face,
    l: &'a Look,
    rng: &'a Prng,
    beanie: bool,
    /// The sideburns' bottom (head space).
    sb: f64,
    h: Hair,
}

impl Draw<'_> {
    fn j(&self, key: &str, a: f64) -> f64 {
        self.rng.jitter(&format!("cartoon.hair.{key}"), a)
    }

    fn shape(&self, pts: &[Pt], corners: Vec<usize>, c: Rgb) -> Mark {
        Mark::Shape(self.face.f.all(pts), corners, c, 1.0)
    }

    /// The cap: sideburn, `top` (head-space points right to left), sideburn, then the
    /// hairline back; the cast shadow goes on the forehead. `sharp` indexes `top`.
    fn cap(&mut self, v: f64, top: (&[Pt], &[usize]), line: (&[Pt], &[usize]), c: Rgb) {
        let ((top, sharp), (line, tips)) = (top, line);
        let sb = self.sb;
        let mut pts = vec![(1.0 + 0.3 * v, sb), (1.02 + 0.6 * v, -0.4)];
        pts.extend_from_slice(top);
        pts.extend([(-1.02 - 0.6 * v, -0.4), (-1.0 - 0.3 * v, sb)]);
        let n = pts.len();
        let mut corners = vec![0, n - 1, n, n + line.len() - 1];
        corners.extend(sharp.iter().map(|i| i + 2));
        corners.extend(tips.iter().map(|i| i + n));
        pts.extend_from_slice(line);
        self.h.shadow = Some(cast_band(self.face, line, tips));
        if !self.beanie {
            let m = self.shape(&pts, corners, c);
            self.h.front.push(m);
        }
    }

    /// A smooth dome of volume `v`, right to left.
    fn smooth(&self, v: f64) -> Vec<Pt> {
        (0..=8)
            .map(|i| dome(self.face, v, 8.0 + 164.0 * f64::from(i) / 8.0))
            .collect()
    }

    /// The cel-shadow band down the shadow side of a dome of volume `v`, and the highlight
    /// swoosh on the lit side's shoulder.
    fn shade(&mut self, v: f64, from: f64, shadow: Rgb) {
        if self.beanie {
            return;
        }
        let (face, s) = (self.face, self.face.side);
        let at = |side: f64, shrink: f64| {
            move |deg: f64, k: f64| {
                let (x, y) = dome(face, v - shrink, on_side(side, deg));
                (x * k, -0.3 + (y + 0.3) * k)
            }
        };
        let (pts, c) = lens(at(s, 0.02), from, 78.0, 0.84);
        let m = self.shape(&pts, c, shadow);
        self.h.front.push(m);
        let (pts, c) = lens(at(-s, 0.06), 52.0, 82.0, 0.88);
        let m = self.shape(&pts, c, self.l.hair.light);
        self.h.front.push(m);
    }

    fn buzz(&mut self) {
        let line = hairline(-0.98 + self.j("line", 0.04), self.sb, -0.78);
        let c = self.l.hair.base.mix(self.l.skin.base, 0.3);
        let top = self.smooth(0.05);
        self.cap(0.05, (&top, &[]), (&line, &[]), c);
        let sh = self.l.hair.shadow.mix(self.l.skin.base, 0.3);
        self.shade(0.05, 30.0, sh);
    }

    /// Spiky tufts over the crown and a jagged fringe.
    fn crop(&mut self) {
        let v = 0.16 + self.j("v", 0.03);
        let lean = if self.rng.chance("cartoon.hair.lean", 0.5) {
            1.0
        } else {
            -1.0
        };
        let mut top = vec![dome(self.face, v, 6.0), dome(self.face, v, 24.0)];
        let mut sharp = Vec::new();
        let n: u32 = 5;
        for k in 0..n {
            let a = 36.0 + 108.0 * f64::from(k) / f64::from(n - 1);
            let len = 0.22 + 0.1 * self.rng.unit_n("cartoon.hair.spike", u64::from(k));
            let tip = dome(self.face, v + len, a + 7.0 * lean);
            top.push(tip);
            sharp.push(top.len() - 1);
            if k + 1 < n {
                top.push(dome(self.face, v, a + 13.5));
            }
        }
        top.extend([dome(self.face, v, 156.0), dome(self.face, v, 174.0)]);
        let fringe = -0.9 + self.j("line", 0.04);
        let base = hairline(fringe, self.sb, -0.74);
        let mut line = base[..3].to_vec();
        let mut tips = Vec::new();
        let tufts: u32 = 4;
        for k in 0..tufts {
            let x = -0.84 + 1.68 * (f64::from(k) + 0.5) / f64::from(tufts);
            let u = x / 0.84;
            let edge = fringe + 0.16 * u * u;
            let d = 0.14 + 0.06 * self.rng.unit_n("cartoon.hair.tuft", u64::from(k));
            line.push((x - 0.19, edge - 0.06));
            line.push((x + 0.1 * lean, edge + d));
            tips.push(line.len() - 1);
        }
        line.extend_from_slice(&base[6..]);
        self.cap(v, (&top, &sharp), (&line, &tips), self.l.hair.base);
        self.shade(v, 22.0, self.l.hair.shadow);
    }

    fn fade(&mut self) {
        let (l, face) = (self.l, self.face);
        let line = hairline(-0.95, self.sb, -0.8);
        let faded = l.hair.base.mix(l.skin.base, 0.5);
        let top = self.smooth(0.03);
        self.cap(0.03, (&top, &[]), (&line, &[]), faded);
        if self.beanie {
            return;
        }
        let hgt = 0.34 + self.j("height", 0.08);
        // A flat-topped block sharing the line-up at the front; faded sides at the temples.
        let mut block = vec![(0.84, -0.79), (0.95, -0.6), dome(face, hgt * 0.45, 18.0)];
        block.extend((0..=6).map(|i| {
            let a = 34.0 + 112.0 * f64::from(i) / 6.0;
            let (x, y) = dome(face, hgt, a);
            // A flat top: the crest cut level.
            (x, y.max(face.top - hgt * 0.85))
        }));
        block.extend([
            dome(face, hgt * 0.45, 162.0),
            (-0.95, -0.6),
            (-0.84, -0.79),
            (-0.55, -0.89),
            (0.0, -0.94),
            (0.55, -0.89),
        ]);
        let m = self.shape(&block, vec![0, 12], l.hair.base);
        self.h.front.push(m);
        self.shade(hgt * 0.7, 40.0, l.hair.shadow);
    }

    /// A swept side part with a chunky quiff, and sometimes a cowlick at the crown.
    fn side_part(&mut self) {
        let part = if self.rng.chance("cartoon.hair.part", 0.5) {
            1.0
        } else {
            -1.0
        };
        let v = 0.2 + self.j("v", 0.04);
        let mut line = hairline(-0.88, self.sb, -0.7);
        line[3].1 = if part < 0.0 { -1.04 } else { -0.7 };
        line[5].1 = if part > 0.0 { -1.04 } else { -0.7 };
        line[4] = (-part * 0.1, -0.84);
        let top = self.smooth(v);
        self.cap(v, (&top, &[]), (&line, &[]), self.l.hair.base);
        self.shade(v, 24.0, self.l.hair.shadow);
        if self.beanie {
            return;
        }
        let (f, t, l) = (&self.face.f, self.face.top, self.l);
        let p = f.all(&[
            (part * 0.4, t - 0.1),
            (part * 0.44, t * 0.8),
            (part * 0.55, -1.0),
        ]);
        self.h
            .front
            .push(Mark::Stroke(open(&p), l.hair.shadow, f.len(0.07), 0.95));
        if self.rng.chance("cartoon.hair.cowlick", 0.6) {
            let (x, y) = dome(self.face, v, on_side(part, 100.0));
            let s = -part;
            let lick = [
                (x - s * 0.1, y + 0.08),
                (x - s * 0.04, y - 0.2),
                (x + s * 0.16, y - 0.3),
                (x + s * 0.06, y - 0.14),
                (x + s * 0.12, y + 0.08),
            ];
            let m = self.shape(&lick, vec![2], l.hair.base);
            self.h.front.push(m);
        }
    }

    /// Curls: a round cap with a scalloped rim and fringe, and a few C-curls.
    fn curly(&mut self) {
        let v = 0.2 + self.j("v", 0.04);
        let line = hairline(-0.86 + self.j("line", 0.04), -0.1, -0.75);
        let top = self.smooth(v - 0.05);
        self.cap(v, (&top, &[]), (&line, &[]), self.l.hair.base);
        if self.beanie {
            return;
        }
        let (face, rng, l) = (self.face, self.rng, self.l);
        let rim: Vec<Pt> = (0..=10)
            .map(|i| dome(face, v - 0.08, 4.0 + 172.0 * f64::from(i) / 10.0))
            .collect();
        let d = bumps(face, &rim, 0.2, 0.34, rng, "cartoon.hair.rim");
        self.h.front.push(Mark::Dots(d, l.hair.base));
        let edge = line[1..line.len() - 1].to_vec();
        let d = bumps(face, &edge, 0.13, 0.24, rng, "cartoon.hair.fringe");
        self.h.front.push(Mark::Dots(d, l.hair.base));
        self.shade(v - 0.05, 28.0, l.hair.shadow);
        self.curls(7, -0.7, 0.7, face.top + 0.05, -1.0);
    }

    /// `n` curls (arches, which read as curl tops and never as letters) in the shadow tone, inside the given head-space box.
    fn curls(&mut self, n: u64, x0: f64, x1: f64, y0: f64, y1: f64) {
        let f = &self.face.f;
        let mut d = String::new();
        for i in 0..n {
            let x = self.rng.range(&format!("cartoon.hair.curl.{i}.x"), x0, x1);
            let y = self.rng.range(&format!("cartoon.hair.curl.{i}.y"), y0, y1);
            let c = f.p(x, y);
            let r = f.len(0.09);
            d.push_str(&format!(
                "M{} {}A{r2} {r2} 0 0 1 {} {}",
                crate::svg::N(c.0 - r),
                crate::svg::N(c.1),
                crate::svg::N(c.0 + r),
                crate::svg::N(c.1),
                r2 = crate::svg::N(r),
            ));
        }
        let w = f.len(0.05);
        self.h
            .front
            .push(Mark::Stroke(d, self.l.hair.shadow, w, 0.95));
    }

    /// A big bouncy cloud: a wide oval volume with a rim of fat curls behind the head.
    fn afro(&mut self) {
        let (face, rng, l) = (self.face, self.rng, self.l);
        let (f, t) = (&face.f, face.top);
        let v = 0.5 - 0.14 * l.youth + self.j("v", 0.08);
        let c = (0.0, t * 0.48);
        let (rx, ry) = (1.2 + v, -t * 0.52 + 0.8 * v);
        let at = |deg: f64, k: f64| {
            let a = deg.to_radians();
            (c.0 + rx * k * a.cos(), c.1 - ry * k * a.sin())
        };
        let rim: Vec<Pt> = (0..=30)
            .map(|i| at(-40.0 + 260.0 * f64::from(i) / 30.0, 0.98))
            .collect();
        self.h.back.push(Mark::Oval(
            f.flat(c.0, c.1),
            f.len(rx),
            f.len(ry),
            l.hair.base,
        ));
        let d = bumps(face, &rim, 0.26, 0.42, rng, "cartoon.hair.puff");
        self.h.back.push(Mark::Dots(d, l.hair.base));
        if !self.beanie {
            let s = face.side;
            let (pts, cs) = lens(|d, k| at(on_side(s, d), k * 0.95), -30.0, 70.0, 0.8);
            let m = self.shape(&pts, cs, l.hair.shadow);
            self.h.back.push(m);
            let (pts, cs) = lens(|d, k| at(on_side(-s, d), k * 0.9), 55.0, 100.0, 0.86);
            let m = self.shape(&pts, cs, l.hair.light);
            self.h.back.push(m);
        }
        let line = hairline(-0.88 + self.j("line", 0.04), self.sb, -0.75);
        let top = self.smooth(0.35);
        self.cap(0.35, (&top, &[]), (&line, &[]), l.hair.base);
        if !self.beanie {
            let edge = line[1..line.len() - 1].to_vec();
            let d = bumps(face, &edge, 0.13, 0.22, rng, "cartoon.hair.fringe");
            self.h.front.push(Mark::Dots(d, l.hair.base));
            self.curls(5, -1.0, 1.0, t - 0.3, -1.1);
        }
    }

    /// A high, M-shaped hairline over a thin cap.
    fn receding(&mut self) {
        let (t, sb) = (self.face.top, self.sb);
        let widow = self.j("widow", 0.04);
        let line = [
            (-0.96, sb),
            (-0.93, -0.35),
            (-0.88, -0.78),
            (-0.5, t * 0.8),
            (-0.22, t * 0.7 + widow),
            (0.0, t * 0.64),
            (0.22, t * 0.7 + widow),
            (0.5, t * 0.8),
            (0.88, -0.78),
            (0.93, -0.35),
            (0.96, sb),
        ];
        let v = 0.07;
        let top = self.smooth(v);
        self.cap(v, (&top, &[]), (&line, &[]), self.l.hair.base);
        self.shade(v, 30.0, self.l.hair.shadow);
    }

    /// A shiny dome (a swoosh and a dot of the skin's light) and, when older, chunky tufts
    /// left round the sides.
    fn bald(&mut self) {
        let (face, l) = (self.face, self.l);
        let (f, t) = (&face.f, face.top);
        if self.beanie {
            return;
        }
        if l.old > 0.3 {
            for s in [-1.0, 1.0] {
                let side = [
                    (0.97, 0.15),
                    (1.06, -0.2),
                    (1.08, -0.66),
                    (0.95, -0.8),
                    (0.92, -0.45),
                    (0.9, 0.1),
                ]
                .map(|(x, y)| (s * x, y));
                let m = self.shape(&side, vec![0, 3], l.hair.base);
                self.h.front.push(m);
            }
        }
        // Translucent, so no outline: a shine, not a patch.
        let s = -face.side;
        let at = |deg: f64, k: f64| {
            let a = on_side(s, deg).to_radians();
            f.p(0.72 * k * a.cos(), -0.3 + (t + 0.3) * 0.86 * k * a.sin())
        };
        let (pts, c) = lens(at, 62.0, 100.0, 0.85);
        let d = crate::pen::closed(&pts, &c);
        self.h.front.push(Mark::Fill(d, l.skin.light, 0.85));
        let dot = crate::pen::ellipse(at(118.0, 0.92), f.len(0.06), f.len(0.05));
        self.h.front.push(Mark::Fill(dot, l.skin.light, 0.85));
    }

    /// A sleek cap with pull lines.
    fn pulled_back(&mut self) {
        let v = 0.1;
        let line = hairline(-0.92 + self.j("line", 0.04), -0.12, -0.76);
        let top = self.smooth(v);
        self.cap(v, (&top, &[]), (&line, &[]), self.l.hair.base);
        self.shade(v, 26.0, self.l.hair.shadow);
    }

    /// A huge round bun on top, tied with a band in the accent colour.
    fn bun(&mut self) {
        self.pulled_back();
        if self.beanie {
            return;
        }
        let (face, l) = (self.face, self.l);
        let (f, t) = (&face.f, face.top);
        // Huge, but a child's big cranium leaves it less room in the box.
        let r = 0.52 - 0.14 * l.youth + self.j("bun", 0.05);
        let c = (self.j("bun_x", 0.08), t - r * 0.5);
        let at = |deg: f64, k: f64| {
            let a = deg.to_radians();
            (c.0 + r * k * a.cos(), c.1 - r * 0.92 * k * a.sin())
        };
        self.h.back.push(Mark::Oval(
            f.flat(c.0, c.1),
            f.len(r),
            f.len(r * 0.92),
            l.hair.base,
        ));
        let s = face.side;
        let (pts, cs) = lens(|d, k| at(on_side(s, d), k * 0.95), -40.0, 70.0, 0.7);
        let m = self.shape(&pts, cs, l.hair.shadow);
        self.h.back.push(m);
        let (pts, cs) = lens(|d, k| at(on_side(-s, d), k * 0.85), 70.0, 130.0, 0.78);
        let m = self.shape(&pts, cs, l.hair.light);
        self.h.back.push(m);
        let tie = f.flat(c.0, t - 0.17);
        self.h
            .back
            .push(Mark::Oval(tie, f.len(r * 0.6), f.len(0.1), l.trim));
    }

    /// A tail swinging out to one side in a chunky S, tied in the accent colour.
    fn ponytail(&mut self) {
        self.pulled_back();
        let (face, l) = (self.face, self.l);
        let (f, t) = (&face.f, face.top);
        let s = if self.rng.chance("cartoon.hair.part", 0.5) {
            1.0
        } else {
            -1.0
        };
        let sw = 0.15 + self.j("swing", 0.1);
        let tip = 1.5 + self.j("tail", 0.2);
        let tail = [
            (0.7, t * 0.82),
            (1.25, t * 0.62),
            (1.6 + sw, -0.3),
            (1.72 + sw, 0.5),
            (1.45 + 2.0 * sw, tip),
            (1.3 + sw, 0.7),
            (1.18, 0.0),
            (1.0, -0.5),
        ]
        .map(|(x, y)| (s * x, y));
        self.h
            .back
            .push(Mark::Shape(f.all_flat(&tail), vec![4], l.hair.base, 1.0));
        let band = [
            (1.32 + sw, -0.2),
            (1.48 + sw, 0.5),
            (1.42 + 2.0 * sw, tip - 0.3),
            (1.5 + sw, 0.55),
            (1.5 + sw, -0.25),
        ]
        .map(|(x, y)| (s * x, y));
        self.h.back.push(Mark::Shape(
            f.all_flat(&band),
            vec![0, 2],
            l.hair.shadow,
            1.0,
        ));
        let tie = f.flat(s * 1.12, t * 0.66);
        self.h
            .back
            .push(Mark::Oval(tie, f.len(0.14), f.len(0.16), l.trim));
    }
}

#[cfg(test)]
mod tests;
