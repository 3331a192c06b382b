//! Watercolour washes: the layered translucent polygons that stand in for wet pigment, and the
//! speckled paper grain. Pure geometry over the keyed PRNG; no filters, so it is cheap to
//! rasterise.
//!
//! A wash samples its outline, then stacks `layers` copies, each pushed along the outline's
//! normals from slightly inside to outside in proportion to the local softness and roughened
//! with smooth noise. Interiors build up to a full wash while soft edges fade out over `spread`
//! like pigment bleeding into wet paper; crisp edges (a face profile) barely move.

use std::fmt::Write;

use crate::prng::Prng;
use crate::profile::{Outline, Pt};
use crate::sitter::Rgb;
use crate::svg::{Canvas, N, Svg, polygon};

/// Samples the closed Catmull-Rom curve through the outline's points, about every `step`
/// units, carrying the softness along.
fn sample(outline: &Outline, step: f64) -> Vec<(Pt, f64)> {
    let n = outline.len();
    let mut out = Vec::new();
    for i in 0..n {
        let (p0, _) = outline[(i + n - 1) % n];
        let (p1, s1) = outline[i];
        let (p2, s2) = outline[(i + 1) % n];
        let (p3, _) = outline[(i + 2) % n];
        let len = ((p2.0 - p1.0).powi(2) + (p2.1 - p1.1).powi(2)).sqrt();
        let k = ((len / step).ceil() as usize).max(1);
        for s in 0..k {
            let t = s as f64 / k as f64;
            let (t2, t3) = (t * t, t * t * t);
            let cr = |a: f64, b: f64, c: f64, d: f64| {
                0.5 * (2.0 * b
                    + (c - a) * t
                    + (2.0 * a - 5.0 * b + 4.0 * c - d) * t2
                    + (3.0 * b - a - 3.0 * c + d) * t3)
            };
            let p = (cr(p0.0, p1.0, p2.0, p3.0), cr(p0.1, p1.1, p2.1, p3.1));
            out.push((p, s1 + (s2 - s1) * t));
        }
    }
    out
}

/// One round of midpoint displacement: every edge gets a new midpoint pushed by a (clamped)
/// normal draw scaled by the edge length and its softness.
fn deform(poly: &[(Pt, f64)], rng: &Prng, key: &str, amount: f64) -> Vec<(Pt, f64)> {
    let n = poly.len();
    let mut out = Vec::with_capacity(n * 2);
    for i in 0..n {
        let (a, sa) = poly[i];
        let (b, sb) = poly[(i + 1) % n];
        out.push((a, sa));
        let len = ((b.0 - a.0).powi(2) + (b.1 - a.1).powi(2)).sqrt();
        let soft = (sa + sb) / 2.0;
        let sd = len * soft * amount;
        let dx = rng.gauss_n(key, 2 * i as u64).clamp(-2.0, 2.0) * sd;
        let dy = rng.gauss_n(key, 2 * i as u64 + 1).clamp(-2.0, 2.0) * sd;
        out.push((((a.0 + b.0) / 2.0 + dx, (a.1 + b.1) / 2.0 + dy), soft));
    }
    out
}

/// `n` values of smooth, periodic noise (a moving average of `2 * radius + 1` normal draws,
/// rescaled to roughly unit variance): wavy along an outline rather than zig-zag.
fn smooth_noise(rng: &Prng, key: &str, n: usize, radius: usize) -> Vec<f64> {
    let g: Vec<f64> = (0..n as u64)
        .map(|i| rng.gauss_n(key, i).clamp(-2.5, 2.5))
        .collect();
    let norm = ((2 * radius + 1) as f64).sqrt();
    (0..n)
        .map(|i| {
            let sum: f64 = (0..=2 * radius).map(|k| g[(i + n + k - radius) % n]).sum();
            sum / norm
        })
        .collect()
}

/// How one wash is laid down.
pub(crate) struct Wash {
    pub(crate) layers: u32,
    /// Opacity of each layer; the interior reaches `1 - (1 - alpha)^layers`.
    pub(crate) alpha: f64,
    /// How far (figure units, at softness 1) the layers spread across a soft edge: the width
    /// of the feathered band.
    pub(crate) spread: f64,
    /// Per-layer raggedness of the edge (figure units, at softness 1).
    pub(crate) ragged: f64,
    /// Sampling step along the outline, in figure units.
    pub(crate) step: f64,
}

/// Paints `outline` as a stack of translucent layers of `fill`, each tinted a little towards
/// `vary`. Layers are offset along the outline's normals from slightly inside to outside, in
/// proportion to the local softness, and roughened independently: interiors build up to a full
/// wash, soft edges fade out over `spread` like wet pigment, crisp edges stay put.
pub(crate) fn wash(
    svg: &mut Svg,
    rng: &Prng,
    key: &str,
    outline: &Outline,
    fill: Rgb,
    vary: Rgb,
    w: &Wash,
) {
    let base = deform(&sample(outline, w.step), rng, &format!("{key}.base"), 0.12);
    let n = base.len();
    let area: f64 = (0..n)
        .map(|i| {
            let (a, b) = (base[i].0, base[(i + 1) % n].0);
            a.0 * b.1 - b.0 * a.1
        })
        .sum();
    let orient = if area > 0.0 { 1.0 } else { -1.0 };
    let normals: Vec<Pt> = (0..n)
        .map(|i| {
            let (a, b) = (base[(i + n - 1) % n].0, base[(i + 1) % n].0);
            let (tx, ty) = (b.0 - a.0, b.1 - a.1);
            let len = (tx * tx + ty * ty).sqrt().max(1e-9);
            (orient * ty / len, -orient * tx / len)
        })
        .collect();
    svg.open("g", &[("fill", &fill), ("fill-opacity", &N(w.alpha))]);
    // Where the pigment bleeds far and where it stops short varies slowly along the edge.
    let reach = smooth_noise(rng, &format!("{key}.reach"), n, 6);
    let last = f64::from(w.layers.max(2) - 1);
    for l in 0..w.layers {
        let lk = format!("{key}.{l}");
        let off = (f64::from(l) / last - 0.35) * w.spread;
        let g = smooth_noise(rng, &lk, n, 2);
        let pts: Vec<Pt> = base
            .iter()
            .zip(&normals)
            .enumerate()
            .map(|(i, ((p, soft), nrm))| {
                let spread = off.max(off * (1.0 + 0.9 * reach[i]));
                let o = (spread + g[i] * w.ragged) * soft;
                (p.0 + nrm.0 * o, p.1 + nrm.1 * o)
            })
            .collect();
        let d = polygon(&pts);
        let t = rng.unit(&format!("{lk}.tint"));
        if t < 0.35 {
            svg.leaf("path", &[("d", &d)]);
        } else {
            let c = fill.mix(vary, (t - 0.35) * 0.45);
            svg.leaf("path", &[("d", &d), ("fill", &c)]);
        }
    }
    svg.close("g");
}

/// Paper grain: a few hundred tiny flecks and fibres, drawn as three compound paths (one per
/// strength) so the whole texture costs three fills.
pub(crate) fn specks(svg: &mut Svg, canvas: &Canvas, rng: &Prng, ink: Rgb) {
    // Density follows the area, capped so extreme aspect ratios stay small and fast.
    let n = ((4.5 * canvas.w * canvas.h / 100.0) as u64).min(2400);
    let mut paths = [String::new(), String::new(), String::new()];
    for i in 0..n {
        let x = rng.unit_n("x", i) * canvas.w;
        let y = rng.unit_n("y", i) * canvas.h;
        let len = 0.25 + 0.9 * rng.unit_n("len", i).powi(3);
        let a = std::f64::consts::TAU * rng.unit_n("a", i);
        let (dx, dy) = (a.cos() * len, a.sin() * len);
        let thick = 0.18 + 0.14 * rng.unit_n("t", i);
        let p = &mut paths[rng.below(&format!("k{i}"), 3)];
        let _ = write!(
            p,
            "M{} {}l{} {} {} {}z",
            N(x),
            N(y),
            N(dx),
            N(dy),
            N(-dy.signum() * thick - dx * 0.5),
            N(dx.signum() * thick - dy * 0.5),
        );
    }
    for (p, op) in paths.iter().zip([0.12, 0.2, 0.3]) {
        svg.leaf(
            "path",
            &[("d", p), ("fill", &ink), ("fill-opacity", &N(op))],
        );
    }
}
