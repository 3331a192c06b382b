//! A small vector toolkit for the front-facing kinds (`poster`, and a future `cartoon`): a
//! head-space frame, smooth closed and open curves through points, and flat fills.
//!
//! Head space: origin between the eyes, +x to the viewer's right, +y down, unit `u` = half the
//! face width at the cheekbones. A three-quarter turn is a warp of head space: points on
//! the face's midline move most, the outline (|x| ≥ 1) stays, so features slide across a face
//! that keeps its silhouette.

use crate::sitter::Rgb;
use crate::svg::{N, Svg};

pub(crate) type Pt = (f64, f64);

/// Head space → canvas.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Frame {
    pub ox: f64,
    pub oy: f64,
    pub u: f64,
    /// -1..1: how far the face turns to the viewer's right (positive) or left.
    pub turn: f64,
}

impl Frame {
    /// A head-space point on the face surface (warped by the turn).
    pub(crate) fn p(&self, x: f64, y: f64) -> Pt {
        let bulge = (1.0 - x * x).max(0.0);
        let x = x + self.turn * 0.3 * bulge;
        (self.ox + x * self.u, self.oy + y * self.u)
    }
    /// A head-space point that does not turn with the face (body, hair volume, backdrop).
    pub(crate) fn flat(&self, x: f64, y: f64) -> Pt {
        (self.ox + x * self.u, self.oy + y * self.u)
    }
    /// A head-space length on the canvas.
    pub(crate) fn len(&self, l: f64) -> f64 {
        l * self.u
    }
    pub(crate) fn all(&self, pts: &[Pt]) -> Vec<Pt> {
        pts.iter().map(|&(x, y)| self.p(x, y)).collect()
    }
    pub(crate) fn all_flat(&self, pts: &[Pt]) -> Vec<Pt> {
        pts.iter().map(|&(x, y)| self.flat(x, y)).collect()
    }
}

/// Mirrors a right-side point list to the left (reversed, so the outline stays continuous);
/// points on the midline are not repeated.
pub(crate) fn mirror(right: &[Pt]) -> Vec<Pt> {
    right
        .iter()
        .rev()
        .filter(|p| p.0.abs() > 1e-9)
        .map(|&(x, y)| (-x, y))
        .collect()
}

/// Points of the right side followed by their mirror images: a symmetric closed outline that
/// starts at the top of the midline when `right` does.
pub(crate) fn symmetric(right: &[Pt]) -> Vec<Pt> {
    let mut v = right.to_vec();
    v.extend(mirror(right));
    v
}

/// A number with at most two decimals, trailing zeros trimmed, `-0` as `0` (the same text as
/// `svg::N` for path data), written without allocating.
fn n2(out: &mut String, v: f64) {
    let t = if v.is_finite() {
        (v * 100.0).round() as i64
    } else {
        0
    };
    if t < 0 {
        out.push('-');
    }
    let a = t.unsigned_abs();
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    let mut int = a / 100;
    loop {
        i -= 1;
        digits[i] = b'0' + (int % 10) as u8;
        int /= 10;
        if int == 0 {
            break;
        }
    }
    for &d in &digits[i..] {
        out.push(char::from(d));
    }
    let frac = a % 100;
    if frac != 0 {
        out.push('.');
        out.push(char::from(b'0' + (frac / 10) as u8));
        if frac % 10 != 0 {
            out.push(char::from(b'0' + (frac % 10) as u8));
        }
    }
}

fn w(out: &mut String, p: Pt) {
    n2(out, p.0);
    out.push(' ');
    n2(out, p.1);
}

/// A cubic segment: start, two controls, end.
pub(crate) type Seg = [Pt; 4];

/// The cubic segments of the smooth closed curve through `pts` (Catmull-Rom); indices in
/// `corners` are sharp. Segment `i` runs from `pts[i]` to `pts[i + 1]`.
pub(crate) fn closed_segs(pts: &[Pt], corners: &[usize]) -> Vec<Seg> {
    let n = pts.len();
    let at = |i: isize| pts[i.rem_euclid(n as isize) as usize];
    let sharp = |k: isize| corners.contains(&(k.rem_euclid(n as isize) as usize));
    (0..n as isize)
        .map(|i| {
            let (p0, p1, p2, p3) = (at(i - 1), at(i), at(i + 1), at(i + 2));
            let c1 = if sharp(i) {
                p1
            } else {
                (p1.0 + (p2.0 - p0.0) / 6.0, p1.1 + (p2.1 - p0.1) / 6.0)
            };
            let c2 = if sharp(i + 1) {
                p2
            } else {
                (p2.0 - (p3.0 - p1.0) / 6.0, p2.1 - (p3.1 - p1.1) / 6.0)
            };
            [p1, c1, c2, p2]
        })
        .collect()
}

fn push_seg(out: &mut String, s: &Seg) {
    out.push('C');
    w(out, s[1]);
    out.push(' ');
    w(out, s[2]);
    out.push(' ');
    w(out, s[3]);
}

/// Path data for closed segments.
pub(crate) fn segs_path(segs: &[Seg]) -> String {
    let mut out = String::with_capacity(segs.len() * 40 + 16);
    if let Some(first) = segs.first() {
        out.push('M');
        w(&mut out, first[0]);
        for s in segs {
            push_seg(&mut out, s);
        }
        out.push('Z');
    }
    out
}

/// A region bounded by part of an outline (segments `a..b`, following the outline exactly, so
/// no clip is needed) and a smooth curve back from the run's end through `back` to its start.
pub(crate) fn region(segs: &[Seg], a: usize, b: usize, back: &[Pt]) -> String {
    let run = &segs[a..b];
    let mut out = String::with_capacity(run.len() * 40 + back.len() * 40 + 16);
    out.push('M');
    w(&mut out, run[0][0]);
    for s in run {
        push_seg(&mut out, s);
    }
    let mut tail = vec![run[run.len() - 1][3]];
    tail.extend_from_slice(back);
    tail.push(run[0][0]);
    let back_d = open(&tail);
    // Continue from the current point: drop the curve's own moveto.
    if let Some(i) = back_d.find('C') {
        out.push_str(&back_d[i..]);
    }
    out.push('Z');
    out
}

/// A smooth closed curve through `pts` (Catmull-Rom as cubic Béziers). Indices in `corners`
/// are sharp.
pub(crate) fn closed(pts: &[Pt], corners: &[usize]) -> String {
    if pts.len() < 3 {
        return String::new();
    }
    segs_path(&closed_segs(pts, corners))
}

/// A smooth open curve through `pts` (for strokes).
pub(crate) fn open(pts: &[Pt]) -> String {
    let n = pts.len();
    let mut out = String::with_capacity(n * 40);
    if n < 2 {
        return out;
    }
    let at = |i: isize| pts[i.clamp(0, n as isize - 1) as usize];
    out.push('M');
    w(&mut out, pts[0]);
    for i in 0..n as isize - 1 {
        let (p0, p1, p2, p3) = (at(i - 1), at(i), at(i + 1), at(i + 2));
        let c1 = (p1.0 + (p2.0 - p0.0) / 6.0, p1.1 + (p2.1 - p0.1) / 6.0);
        let c2 = (p2.0 - (p3.0 - p1.0) / 6.0, p2.1 - (p3.1 - p1.1) / 6.0);
        out.push('C');
        w(&mut out, c1);
        out.push(' ');
        w(&mut out, c2);
        out.push(' ');
        w(&mut out, p2);
    }
    out
}

/// A straight-edged closed polygon.
pub(crate) fn poly(pts: &[Pt]) -> String {
    let mut out = String::with_capacity(pts.len() * 16);
    for (i, p) in pts.iter().enumerate() {
        out.push(if i == 0 { 'M' } else { 'L' });
        w(&mut out, *p);
    }
    out.push('Z');
    out
}

/// An ellipse as path data (so it can share a clip or a group with paths).
pub(crate) fn ellipse(c: Pt, rx: f64, ry: f64) -> String {
    let k = 0.552_284_75;
    let mut out = String::with_capacity(160);
    out.push('M');
    w(&mut out, (c.0 + rx, c.1));
    for (a, b, e) in [
        (
            (c.0 + rx, c.1 + ry * k),
            (c.0 + rx * k, c.1 + ry),
            (c.0, c.1 + ry),
        ),
        (
            (c.0 - rx * k, c.1 + ry),
            (c.0 - rx, c.1 + ry * k),
            (c.0 - rx, c.1),
        ),
        (
            (c.0 - rx, c.1 - ry * k),
            (c.0 - rx * k, c.1 - ry),
            (c.0, c.1 - ry),
        ),
        (
            (c.0 + rx * k, c.1 - ry),
            (c.0 + rx, c.1 - ry * k),
            (c.0 + rx, c.1),
        ),
    ] {
        out.push('C');
        w(&mut out, a);
        out.push(' ');
        w(&mut out, b);
        out.push(' ');
        w(&mut out, e);
    }
    out.push('Z');
    out
}

/// `<path d fill/>`
pub(crate) fn fill(svg: &mut Svg, d: &str, c: Rgb) {
    svg.leaf("path", &[("d", &d), ("fill", &c)]);
}

/// `<path d fill fill-opacity/>`
pub(crate) fn fill_a(svg: &mut Svg, d: &str, c: Rgb, op: f64) {
    svg.leaf("path", &[("d", &d), ("fill", &c), ("fill-opacity", &N(op))]);
}

/// A round-capped stroke (an opacity attribute only when translucent).
pub(crate) fn stroke(svg: &mut Svg, d: &str, c: Rgb, width: f64, op: f64) {
    let w = N(width);
    let opacity = N(op);
    let attrs: [(&str, &dyn std::fmt::Display); 7] = [
        ("d", &d),
        ("fill", &"none"),
        ("stroke", &c),
        ("stroke-width", &w),
        ("stroke-linecap", &"round"),
        ("stroke-linejoin", &"round"),
        ("stroke-opacity", &opacity),
    ];
    let n = if op >= 0.999 { 6 } else { 7 };
    svg.leaf("path", &attrs[..n]);
}

/// Linear interpolation.
pub(crate) fn lerp(a: f64, b: f64, t: f64) -> f64 {
    a + (b - a) * t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_compact() {
        let mut s = String::new();
        for v in [
            0.0,
            -0.001,
            1.0,
            12.5,
            -2.6789,
            100.05,
            3.10,
            f64::NAN,
            1234.567,
        ] {
            n2(&mut s, v);
            s.push(',');
        }
        assert_eq!(s, "0,0,1,12.5,-2.68,100.05,3.1,0,1234.57,");
    }

    #[test]
    fn curves_are_well_formed() {
        let sq = [(0.0, 0.0), (10.0, 0.0), (10.0, 10.0), (0.0, 10.0)];
        let d = closed(&sq, &[]);
        assert!(d.starts_with("M0 0C") && d.ends_with('Z'));
        assert_eq!(d.matches('C').count(), 4);
        // A sharp corner keeps the control point on the vertex.
        assert!(closed(&sq, &[1]).contains("C10 0 "));
        assert_eq!(open(&sq).matches('C').count(), 3);
        assert_eq!(poly(&sq), "M0 0L10 0L10 10L0 10Z");
        assert!(closed(&sq[..2], &[]).is_empty());
        // A region follows the outline's own segments, then curves back.
        let segs = closed_segs(&sq, &[0, 1, 2, 3]);
        let r = region(&segs, 1, 3, &[(5.0, 5.0)]);
        assert!(
            r.starts_with("M10 0C10 0 10 10 10 10C10 10 0 10 0 10C"),
            "{r}"
        );
        assert!(r.ends_with("10 0Z"), "{r}");
        assert_eq!(ellipse((0.0, 0.0), 2.0, 1.0).matches('C').count(), 4);
    }

    #[test]
    fn the_turn_moves_features_not_the_outline() {
        let f = Frame {
            ox: 50.0,
            oy: 50.0,
            u: 10.0,
            turn: 1.0,
        };
        assert_eq!(f.p(0.0, 0.0), (53.0, 50.0));
        assert_eq!(f.p(1.0, 0.3), (60.0, 53.0));
        assert_eq!(f.p(-1.2, 0.0), (38.0, 50.0));
        assert_eq!(f.flat(0.0, 1.0), (50.0, 60.0));
        assert_eq!(
            symmetric(&[(0.0, -1.0), (1.0, 0.0), (0.0, 1.0)]),
            vec![(0.0, -1.0), (1.0, 0.0), (0.0, 1.0), (-1.0, 0.0)]
        );
    }
}
