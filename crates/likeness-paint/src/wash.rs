//! Watercolour washes: the layered translucent polygons that stand in for wet pigment, and the
//! speckled paper grain. Pure geometry over the keyed PRNG; no filters, so it is cheap to
//! rasterise.
//!
//! A wash samples its outline, then stacks `layers` copies, each pushed along the outline's
//! normals from slightly inside to outside in proportion to the local softness and roughened
//! with smooth noise. Interiors build up to a full wash while soft edges fade out over `spread`
//! like pigment bleeding into wet paper; crisp edges (a face profile) barely move.
//!
//! Path data is written compactly (relative steps in tenths, without `fmt`): it is parsed again
//! for every PNG, and number parsing is a large part of that.

use crate::prng::Prng;
use crate::profile::{Outline, Pt};
use crate::sitter::Rgb;
use crate::svg::{Canvas, N, Svg};

/// Samples the closed Catmull-Rom curve through the outline's points, about every `step`
/// units, carrying the softness along; edges wholly below `bottom` get no points between
/// their ends.
fn sample(outline: &Outline, step: f64, bottom: f64) -> Vec<(Pt, f64)> {
    let n = outline.len();
    let mut out = Vec::new();
    for i in 0..n {
        let (p0, _) = outline[(i + n - 1) % n];
        let (p1, s1) = outline[i];
        let (p2, s2) = outline[(i + 1) % n];
        let (p3, _) = outline[(i + 2) % n];
        let len = ((p2.0 - p1.0).powi(2) + (p2.1 - p1.1).powi(2)).sqrt();
        // An edge below the canvas (the bust's base) is never seen: one segment will do.
        let hidden = p1.1 >= bottom && p2.1 >= bottom;
        let k = if hidden {
            1
        } else {
            ((len / step).ceil() as usize).max(1)
        };
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

/// Pushes every sample along a random direction, scaled by the local spacing and softness:
/// one irregular base shape that all layers of a wash share.
fn deform(poly: &[(Pt, f64)], rng: &Prng, key: &str, amount: f64) -> Vec<(Pt, f64)> {
    let n = poly.len();
    (0..n)
        .map(|i| {
            let ((x, y), soft) = poly[i];
            let dist = |(b, _): (Pt, f64)| ((b.0 - x).powi(2) + (b.1 - y).powi(2)).sqrt();
            // The shorter neighbouring edge: a long unsampled edge (off the canvas) must not
            // fling its corner about.
            let len = dist(poly[(i + 1) % n]).min(dist(poly[(i + n - 1) % n]));
            let sd = len * soft * amount;
            let dx = rng.normal_n(key, 2 * i as u64).clamp(-2.0, 2.0) * sd;
            let dy = rng.normal_n(key, 2 * i as u64 + 1).clamp(-2.0, 2.0) * sd;
            ((x + dx, y + dy), soft)
        })
        .collect()
}

/// Path data for a closed polygon, compact: the first point absolute, then relative steps, all
/// in tenths (rounded once in absolute terms, so no error accumulates).
pub(crate) fn polygon(pts: &[Pt]) -> String {
    let mut out = String::with_capacity(pts.len() * 8 + 8);
    let mut last = (0, 0);
    for (i, (x, y)) in pts.iter().enumerate() {
        let p = (tenths(*x), tenths(*y));
        match i {
            0 => out.push('M'),
            1 => out.push('l'),
            _ => out.push(' '),
        }
        let (dx, dy) = if i == 0 {
            p
        } else {
            (p.0 - last.0, p.1 - last.1)
        };
        push_tenths(&mut out, dx);
        out.push(' ');
        push_tenths(&mut out, dy);
        last = p;
    }
    out.push('Z');
    out
}

/// `v` in whole tenths (0 for NaN and infinities).
pub(crate) fn tenths(v: f64) -> i64 {
    if v.is_finite() {
        (v * 10.0).round() as i64
    } else {
        0
    }
}

/// Writes a number given in tenths, shortest form (`-12.5`, `3`), without `fmt` machinery:
/// washes and grain write thousands of them.
pub(crate) fn push_tenths(out: &mut String, t: i64) {
    if t < 0 {
        out.push('-');
    }
    let a = t.unsigned_abs();
    let mut buf = [0u8; 20];
    for &d in crate::prng::decimal(a / 10, &mut buf) {
        out.push(char::from(d));
    }
    if !a.is_multiple_of(10) {
        out.push('.');
        out.push(char::from(b'0' + (a % 10) as u8));
    }
}

/// `n` values of smooth, periodic noise (a moving average of `2 * radius + 1` normal draws,
/// rescaled to roughly unit variance): wavy along an outline rather than zig-zag.
pub(crate) fn smooth_noise(rng: &Prng, key: &str, n: usize, radius: usize) -> Vec<f64> {
    let g: Vec<f64> = (0..n as u64)
        .map(|i| rng.normal_n(key, i).clamp(-2.5, 2.5))
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
    /// The opacity the interior builds up to, where every layer overlaps.
    pub(crate) opacity: f64,
    /// How far (figure units, at softness 1) the layers spread across a soft edge: the width
    /// of the feathered band.
    pub(crate) spread: f64,
    /// Per-layer raggedness of the edge (figure units, at softness 1).
    pub(crate) ragged: f64,
    /// Sampling step along the outline, in figure units.
    pub(crate) step: f64,
    /// Where the canvas ends below (figure units): outline edges beyond it are not detailed.
    pub(crate) bottom: f64,
}

/// Lays the wash's layers and returns its deformed outline and outward normals, for
/// `pigment::settle` to dry. (Call it through `pigment::wash`, which does both.)
/// Paints `outline` as a stack of translucent layers of `fill`, each tinted a little towards
/// `vary`. Layers are offset along the outline's normals from slightly inside to outside, in
/// proportion to the local softness, and roughened independently: interiors build up to a full
/// wash, soft edges fade out over `spread` like wet pigment, crisp edges stay put.
///
/// Washes are meant for a soft group (`soft.rs`): drawn at reduced resolution and upscaled,
/// a few coarse layers read as a continuous bleed, so the outline is sampled sparsely.
pub(crate) fn layers(
    svg: &mut Svg,
    rng: &Prng,
    key: &str,
    outline: &Outline,
    fill: Rgb,
    vary: Rgb,
    w: &Wash,
) -> (Vec<(Pt, f64)>, Vec<Pt>) {
    let base = deform(
        &sample(outline, w.step, w.bottom),
        rng,
        &format!("{key}.base"),
        0.12,
    );
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
    // Equal layers that multiply up to the interior opacity.
    let layers = w.layers.max(2);
    let alpha = 1.0 - (1.0 - w.opacity.clamp(0.0, 0.99)).powf(1.0 / f64::from(layers));
    svg.open("g", &[("fill", &fill), ("fill-opacity", &N(alpha))]);
    // Where the pigment bleeds far and where it stops short varies slowly along the edge.
    let reach = smooth_noise(rng, &format!("{key}.reach"), n, 3);
    let last = f64::from(layers - 1);
    for l in 0..layers {
        let lk = format!("{key}.{l}");
        let off = (f64::from(l) / last - 0.35) * w.spread;
        let g = smooth_noise(rng, &lk, n, 1);
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
    (base, normals)
}

/// Paper grain: a few hundred tiny flecks and fibres, drawn as three compound paths (one per
/// strength) so the whole texture costs three fills.
pub(crate) fn specks(svg: &mut Svg, canvas: &Canvas, rng: &Prng, ink: Rgb, density: f64) {
    // Density (specks per 100 square units) follows the area, capped so extreme aspect ratios
    // stay small and fast.
    let n = ((density * canvas.w * canvas.h / 100.0) as u64).min(2400);
    let mut paths = [String::new(), String::new(), String::new()];
    for i in 0..n {
        let x = rng.unit_n("x", i) * canvas.w;
        let y = rng.unit_n("y", i) * canvas.h;
        let len = 0.25 + 0.9 * rng.unit_n("len", i).powi(3);
        let a = std::f64::consts::TAU * rng.unit_n("a", i);
        let (dx, dy) = (a.cos() * len, a.sin() * len);
        let thick = 0.18 + 0.14 * rng.unit_n("t", i);
        let p = &mut paths[(rng.unit_n("k", i) * 3.0) as usize];
        let nums = [
            x,
            y,
            dx,
            dy,
            -dy.signum() * thick - dx * 0.5,
            dx.signum() * thick - dy * 0.5,
        ];
        for (k, v) in nums.into_iter().enumerate() {
            p.push_str(["M", " ", "l", " ", " ", " "][k]);
            push_tenths(p, tenths(v));
        }
        p.push('z');
    }
    for (p, op) in paths.iter().zip([0.12, 0.2, 0.3]) {
        svg.leaf(
            "path",
            &[("d", p), ("fill", &ink), ("fill-opacity", &N(op))],
        );
    }
}
