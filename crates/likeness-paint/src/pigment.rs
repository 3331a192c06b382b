//! How pigment behaves on paper: what happens to a wash (`wash.rs`) as it dries.
//!
//! A wash's layers give the body of the colour; this module adds what makes it read as paint
//! rather than as translucent shapes, all with plain geometry (resvg filters are far too slow):
//!
//! - **Drying edges**: pigment is carried to the rim of a wet wash and dries there darker. A
//!   thin stroke of denser pigment traces the outline just inside, strongest where the edge is
//!   crisp and faint where it feathers out.
//! - **Blooms** (backruns, "cauliflowers"): where wetter paint ran back into a drying wash it
//!   pushed the pigment aside: a paler scalloped patch with a darker ragged rim. Only large,
//!   loose washes get them, placed wholly inside so nothing needs clipping.
//! - **Granulation**: heavy pigment settles into the paper's tooth. Small specks of denser
//!   pigment, generated only at points inside the wash (sample, then point-in-polygon) and
//!   thinned by a slow field so they gather in patches.
//! - **Glazes**: [`blot`] gives an irregular soft outline for a glaze laid as a wash (the warm
//!   light near the eye); [`deepen`] is the colour of pigment laid twice, so overlaps and rims
//!   read darker in the same hue instead of muddier.
//!
//! Everything here is drawn inside the reduced-resolution soft groups (`soft.rs`): the texture
//! reads after bilinear upscaling and costs far fewer PNG bytes than full-size noise.
//! Every random choice uses its own `pigment.…` keys.

use std::f64::consts::TAU;

use crate::prng::Prng;
use crate::profile::{Outline, Pt};
use crate::sitter::Rgb;
use crate::svg::{N, Svg};
use crate::wash::{Wash, layers, polygon, push_tenths, smooth_noise, tenths};

/// What a wash does as it dries.
pub(crate) struct Pigment {
    /// Opacity of the drying edge where the outline is crisp (feathered edges get less).
    pub(crate) rim: f64,
    /// How many blooms a large wash may get (each needs room inside, or is skipped).
    pub(crate) blooms: u32,
    /// Granulation specks tried per 100 square units of the wash's bounding box.
    pub(crate) grain: f64,
    /// What a bloom lifts the wash towards: the sheet under it.
    pub(crate) paper: Rgb,
}

impl Pigment {
    /// The default for a wash: loose, strong washes bloom and granulate; faint ones (stains,
    /// glazes) only get their drying edge.
    pub(crate) fn of(w: &Wash) -> Pigment {
        let strong = w.opacity >= 0.6;
        let loose = strong && w.ragged >= 0.4 && w.spread >= 3.0;
        Pigment {
            rim: 0.3 * w.opacity,
            blooms: u32::from(loose),
            grain: if strong { 1.4 } else { 0.0 },
            paper: crate::paper::PAPER,
        }
    }
}

/// A wash laid down (`wash.rs`) and left to dry as [`Pigment::of`] says for such a wash.
pub(crate) fn wash(
    svg: &mut Svg,
    rng: &Prng,
    key: &str,
    outline: &Outline,
    fill: Rgb,
    vary: Rgb,
    w: &Wash,
) {
    wash_with(svg, rng, key, outline, fill, vary, w, &Pigment::of(w));
}

/// [`wash`], with how its pigment dries given.
#[allow(clippy::too_many_arguments)]
pub(crate) fn wash_with(
    svg: &mut Svg,
    rng: &Prng,
    key: &str,
    outline: &Outline,
    fill: Rgb,
    vary: Rgb,
    w: &Wash,
    p: &Pigment,
) {
    let (edge, normals) = layers(svg, rng, key, outline, fill, vary, w);
    settle(svg, rng, key, &edge, &normals, fill, w, p);
}

/// Pigment laid twice over itself: each channel's transmittance squared, mixed in by `t`. Darker
/// in the same hue, where mixing towards black or another colour would go muddy.
pub(crate) fn deepen(c: Rgb, t: f64) -> Rgb {
    let sq = |v: u8| ((u16::from(v) * u16::from(v)) / 255) as u8;
    c.mix(Rgb(sq(c.0), sq(c.1), sq(c.2)), t)
}

/// Lays the drying effects over a wash whose (deformed) outline is `edge`, with outward unit
/// `normals`: granulation, blooms, then the drying edge on top.
#[allow(clippy::too_many_arguments)]
pub(crate) fn settle(
    svg: &mut Svg,
    rng: &Prng,
    key: &str,
    edge: &[(Pt, f64)],
    normals: &[Pt],
    fill: Rgb,
    w: &Wash,
    p: &Pigment,
) {
    let poly: Vec<Pt> = edge.iter().map(|(q, _)| *q).collect();
    if p.grain > 0.0 {
        granulate(svg, rng, key, &poly, fill, p.grain);
    }
    for i in 0..p.blooms {
        let _ = bloom(svg, rng, key, i, &poly, fill, w, p.paper);
    }
    if p.rim > 0.0 {
        rim(svg, rng, key, edge, normals, fill, w, p.rim);
    }
}

/// A band between two runs of points: `outer` forward, then `inner` back, as one closed
/// polygon. Filling a band is much cheaper for resvg than stroking a line with round joins.
fn band(outer: &[Pt], inner: &[Pt]) -> String {
    let pts: Vec<Pt> = outer.iter().chain(inner.iter().rev()).copied().collect();
    polygon(&pts)
}

/// Where an edge counts as crisp enough to dry with a dark rim. Feathered edges dry without
/// one (the pigment spread out instead), and leaving them out keeps the path short: every
/// path costs resvg a scan of its whole height.
const CRISP: f64 = 0.6;

/// The drying edge: a thin band just inside the crisp parts of the outline, widest and
/// darkest where the edge is crispest; its width wanders. One path per wash.
#[allow(clippy::too_many_arguments)]
fn rim(
    svg: &mut Svg,
    rng: &Prng,
    key: &str,
    edge: &[(Pt, f64)],
    normals: &[Pt],
    fill: Rgb,
    w: &Wash,
    op: f64,
) {
    let n = edge.len();
    if n < 3 {
        return;
    }
    let wobble = smooth_noise(rng, &format!("pigment.{key}.rim"), n, 2);
    let width = smooth_noise(rng, &format!("pigment.{key}.rim.w"), n, 1);
    // Just inside the wash, a little further in where the edge is softer (its visible end
    // lies inside the outer layers there); the band thins to nothing towards `CRISP`.
    let at = |i: usize, inner: bool| {
        let ((x, y), s) = edge[i % n];
        let mut o = -(0.15 + 0.12 * w.spread * s + 0.15 * wobble[i % n]);
        if inner {
            let fade = (1.0 - s / CRISP).clamp(0.0, 1.0).sqrt();
            o -= 1.1 * fade * (1.0 + 0.35 * width[i % n]).max(0.3);
        }
        (x + normals[i % n].0 * o, y + normals[i % n].1 * o)
    };
    let crisp = |i: usize| edge[i % n].1 < CRISP;
    // Start where a crisp run begins, so no run is cut in two at index 0.
    let start = (0..n).find(|&i| crisp(i) && !crisp(i + n - 1)).unwrap_or(0);
    let mut d = String::new();
    let mut i = start;
    while i < start + n {
        if !crisp(i) {
            i += 1;
            continue;
        }
        let mut j = i + 1;
        while j < start + n && crisp(j) {
            j += 1;
        }
        // Every other sample (and the run's end): a thin band needs no more, and every point
        // costs resvg parsing and scan time.
        let ks: Vec<usize> = (i..j).step_by(2).chain([j]).collect();
        let outer: Vec<Pt> = ks.iter().map(|&k| at(k, false)).collect();
        let inner: Vec<Pt> = ks.iter().map(|&k| at(k, true)).collect();
        d.push_str(&band(&outer, &inner));
        i = j;
    }
    if !d.is_empty() {
        let ink = deepen(fill, 0.7);
        svg.leaf(
            "path",
            &[("d", &d), ("fill", &ink), ("fill-opacity", &N(op))],
        );
    }
}

/// Twice the signed area of a polygon.
fn area2(poly: &[Pt]) -> f64 {
    let n = poly.len();
    (0..n)
        .map(|i| {
            let (a, b) = (poly[i], poly[(i + 1) % n]);
            a.0 * b.1 - b.0 * a.1
        })
        .sum()
}

/// The bounding box: (min, max).
fn bounds(poly: &[Pt]) -> (Pt, Pt) {
    poly.iter().fold(
        (
            (f64::INFINITY, f64::INFINITY),
            (f64::NEG_INFINITY, f64::NEG_INFINITY),
        ),
        |(lo, hi), p| {
            (
                (lo.0.min(p.0), lo.1.min(p.1)),
                (hi.0.max(p.0), hi.1.max(p.1)),
            )
        },
    )
}

/// Whether `p` lies inside the polygon (even-odd rule, ray towards +x).
pub(crate) fn inside(poly: &[Pt], p: Pt) -> bool {
    let n = poly.len();
    let mut odd = false;
    for i in 0..n {
        let (a, b) = (poly[i], poly[(i + n - 1) % n]);
        if (a.1 > p.1) != (b.1 > p.1) && p.0 < a.0 + (b.0 - a.0) * (p.1 - a.1) / (b.1 - a.1) {
            odd = !odd;
        }
    }
    odd
}

/// Distance from `p` to the polygon's outline.
fn edge_distance(poly: &[Pt], p: Pt) -> f64 {
    let n = poly.len();
    (0..n)
        .map(|i| {
            let (a, b) = (poly[i], poly[(i + 1) % n]);
            let (dx, dy) = (b.0 - a.0, b.1 - a.1);
            let len2 = (dx * dx + dy * dy).max(1e-12);
            let t = (((p.0 - a.0) * dx + (p.1 - a.1) * dy) / len2).clamp(0.0, 1.0);
            ((a.0 + t * dx - p.0).powi(2) + (a.1 + t * dy - p.1).powi(2)).sqrt()
        })
        .fold(f64::INFINITY, f64::min)
}

/// A slow random field in about [0, 1]: three crossing waves (wavelengths 7-20 units). Where it
/// is high, pigment gathers.
struct Field([(f64, f64, f64); 3]);

impl Field {
    fn new(rng: &Prng, key: &str) -> Field {
        Field(std::array::from_fn(|j| {
            let j = j as u64;
            let a = TAU * rng.unit_n(&format!("{key}.a"), j);
            let k = TAU / (7.0 + 13.0 * rng.unit_n(&format!("{key}.l"), j));
            (
                k * a.cos(),
                k * a.sin(),
                TAU * rng.unit_n(&format!("{key}.p"), j),
            )
        }))
    }

    fn at(&self, p: Pt) -> f64 {
        let s: f64 = self
            .0
            .iter()
            .map(|(a, b, f)| (a * p.0 + b * p.1 + f).cos())
            .sum();
        0.5 + s / 6.0
    }
}

/// Granulation: specks of denser pigment at seeded points inside the wash, gathered in patches
/// by a slow field; two compound paths (two strengths).
fn granulate(svg: &mut Svg, rng: &Prng, key: &str, poly: &[Pt], fill: Rgb, density: f64) {
    let (lo, hi) = bounds(poly);
    let tries = (density * (hi.0 - lo.0) * (hi.1 - lo.1) / 100.0).clamp(0.0, 600.0) as u64;
    let k = format!("pigment.{key}.grain");
    let field = Field::new(rng, &k);
    let keys = ["x", "y", "a", "l", "s"].map(|s| format!("{k}.{s}"));
    let mut d = String::new();
    for i in 0..tries {
        let p = (
            lo.0 + (hi.0 - lo.0) * rng.unit_n(&keys[0], i),
            lo.1 + (hi.1 - lo.1) * rng.unit_n(&keys[1], i),
        );
        let keep = field.at(p);
        let s = rng.unit_n(&keys[4], i);
        if s > keep * keep || !inside(poly, p) {
            continue;
        }
        let a = TAU * rng.unit_n(&keys[2], i);
        let len = 0.8 + 1.2 * rng.unit_n(&keys[3], i);
        let (dx, dy) = (a.cos() * len, a.sin() * len);
        let th = 0.7;
        let out = &mut d;
        let nums = [
            p.0,
            p.1,
            dx,
            dy,
            -dy / len * th - dx * 0.5,
            dx / len * th - dy * 0.5,
        ];
        for (j, v) in nums.into_iter().enumerate() {
            out.push_str(["M", " ", "l", " ", " ", " "][j]);
            push_tenths(out, tenths(v));
        }
        out.push('z');
    }
    if !d.is_empty() {
        let ink = deepen(fill, 0.9);
        svg.leaf(
            "path",
            &[("d", &d), ("fill", &ink), ("fill-opacity", &N(0.25))],
        );
    }
}

/// A cauliflower's outline around `c`, radius about `r`: scalloped, the lobes bulging out.
fn scallops(rng: &Prng, key: &str, c: Pt, r: f64) -> Vec<Pt> {
    const M: usize = 36;
    let lobes = 5.0 + rng.below(&format!("{key}.lobes"), 4) as f64;
    let phase = TAU * rng.unit(&format!("{key}.phase"));
    let stretch = 0.75 + 0.5 * rng.unit(&format!("{key}.stretch"));
    let noise = smooth_noise(rng, &format!("{key}.edge"), M, 1);
    (0..M)
        .map(|i| {
            let a = TAU * i as f64 / M as f64;
            let bulge = (0.5 * lobes * a + phase).sin().abs().sqrt();
            let rr = r * (0.72 + 0.28 * bulge) * (1.0 + 0.08 * noise[i]);
            (c.0 + rr * a.cos() * stretch, c.1 + rr * a.sin() / stretch)
        })
        .collect()
}

/// A bloom: a paler scalloped patch with a darker ragged rim, wholly inside the wash (a few
/// tries for a centre with room; none found, no bloom).
#[allow(clippy::too_many_arguments)]
fn bloom(
    svg: &mut Svg,
    rng: &Prng,
    key: &str,
    i: u32,
    poly: &[Pt],
    fill: Rgb,
    w: &Wash,
    paper: Rgb,
) -> Option<(Pt, f64)> {
    let area = area2(poly).abs() / 2.0;
    if area < 300.0 {
        return None;
    }
    let k = format!("pigment.{key}.bloom.{i}");
    // Not every wash blooms: some dried evenly.
    if !rng.chance(&format!("{k}.on"), 0.65) {
        return None;
    }
    let r = (0.08 + 0.07 * rng.unit(&format!("{k}.r"))) * area.sqrt();
    let (lo, hi) = bounds(poly);
    // Clear of the edge (room for the ragged rim) and of the faded bottom of the picture.
    let room = |c: Pt| {
        inside(poly, c) && c.1 + 2.0 * r < w.bottom - 20.0 && edge_distance(poly, c) > 1.5 * r
    };
    let c = (0..8u64)
        .map(|t| {
            (
                lo.0 + (hi.0 - lo.0) * rng.unit_n(&format!("{k}.x"), t),
                lo.1 + (hi.1 - lo.1) * rng.unit_n(&format!("{k}.y"), t),
            )
        })
        .find(|c| room(*c))?;
    let ring = scallops(rng, &k, c, r);
    let lift = 0.08 + 0.08 * rng.unit(&format!("{k}.lift"));
    svg.leaf(
        "path",
        &[
            ("d", &polygon(&ring)),
            ("fill", &paper),
            ("fill-opacity", &N(lift * w.opacity)),
        ],
    );
    // The rim: pigment pushed out to where the backrun stopped, a ragged band of it.
    let ink = deepen(fill, 0.8);
    let rag = smooth_noise(rng, &format!("{k}.rag"), ring.len(), 1);
    let outer: Vec<Pt> = ring
        .iter()
        .zip(&rag)
        .map(|(p, g)| {
            let t = 1.1 + 0.06 * g.clamp(-1.5, 1.5);
            (c.0 + (p.0 - c.0) * t, c.1 + (p.1 - c.1) * t)
        })
        .collect();
    let close = |v: &[Pt]| v.iter().chain(v.first()).copied().collect::<Vec<Pt>>();
    svg.leaf(
        "path",
        &[
            ("d", &band(&close(&outer), &close(&ring))),
            ("fill", &ink),
            ("fill-opacity", &N(0.4 * w.opacity)),
        ],
    );
    Some((c, r))
}

/// An irregular outline around `c` with radii `r`: `n` points at seeded, smoothly varying
/// radii (softness 1 everywhere), for a glaze laid as a wash rather than a gradient disc.
pub(crate) fn blot(rng: &Prng, key: &str, c: Pt, r: Pt, n: usize) -> Outline {
    let phase = TAU * rng.unit(&format!("{key}.turn"));
    let wave = smooth_noise(rng, &format!("{key}.r"), n, 1);
    (0..n)
        .map(|i| {
            let a = phase + TAU * i as f64 / n as f64;
            let k = (1.0 + 0.14 * wave[i]).max(0.6);
            ((c.0 + r.0 * k * a.cos(), c.1 + r.1 * k * a.sin()), 1.0)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn square() -> Vec<Pt> {
        vec![(0.0, 0.0), (40.0, 0.0), (40.0, 40.0), (0.0, 40.0)]
    }

    #[test]
    fn inside_knows_a_square() {
        let sq = square();
        assert!(inside(&sq, (20.0, 20.0)));
        assert!(!inside(&sq, (41.0, 20.0)));
        assert!(!inside(&sq, (20.0, -0.5)));
        assert!((edge_distance(&sq, (10.0, 20.0)) - 10.0).abs() < 1e-9);
    }

    /// Every granulation speck starts inside the wash: no speck lands on bare paper.
    #[test]
    fn granulation_stays_inside() {
        // An L shape, so a bounding-box test alone would let specks out.
        let poly = vec![
            (0.0, 0.0),
            (50.0, 0.0),
            (50.0, 15.0),
            (15.0, 15.0),
            (15.0, 50.0),
            (0.0, 50.0),
        ];
        let mut svg = Svg::new(100, 100, 100.0, 100.0);
        granulate(
            &mut svg,
            &Prng::new("grain"),
            "t",
            &poly,
            Rgb(40, 90, 80),
            8.0,
        );
        let out = svg.finish();
        let mut starts = 0;
        for part in out.split('M').skip(1) {
            let nums: Vec<f64> = part
                .split([' ', 'l', 'z', '"'])
                .filter_map(|s| s.parse().ok())
                .take(2)
                .collect();
            let p = (nums[0], nums[1]);
            // Rounded to tenths: within 0.05 of a point inside.
            let near = [
                (0.0, 0.0),
                (0.05, 0.0),
                (-0.05, 0.0),
                (0.0, 0.05),
                (0.0, -0.05),
            ]
            .iter()
            .any(|d| inside(&poly, (p.0 + d.0, p.1 + d.1)));
            assert!(near, "speck at {p:?} is outside the wash");
            starts += 1;
        }
        assert!(starts > 20, "only {starts} specks");
    }

    /// Luminance-ish (sum of channels) of the pixel at `p` (user units = pixels here).
    fn lum_at(px: &resvg::tiny_skia::Pixmap, p: Pt) -> u32 {
        let c = px.pixel(p.0 as u32, p.1 as u32).unwrap();
        u32::from(c.red()) + u32::from(c.green()) + u32::from(c.blue())
    }

    /// Rendered, a bloom is paler at its centre than the plain wash, and its rim is darker than
    /// its centre; the drawing is deterministic.
    #[test]
    fn bloom_rim_is_darker_than_its_centre() {
        use resvg::{tiny_skia, usvg};
        let fill = Rgb(0x2f, 0x5e, 0x52);
        let paper = crate::paper::PAPER;
        let poly: Vec<Pt> = (0..24)
            .map(|i| {
                let a = TAU * f64::from(i) / 24.0;
                (100.0 + 90.0 * a.cos(), 100.0 + 90.0 * a.sin())
            })
            .collect();
        let w = Wash {
            layers: 3,
            opacity: 0.85,
            spread: 3.0,
            ragged: 0.8,
            step: 6.0,
            bottom: f64::INFINITY,
        };
        let mut bloomed = 0;
        for seed in 0..8 {
            let draw = |with: bool| {
                let mut svg = Svg::new(200, 200, 200.0, 200.0);
                svg.leaf(
                    "rect",
                    &[("width", &200), ("height", &200), ("fill", &paper)],
                );
                let d = polygon(&poly);
                svg.leaf(
                    "path",
                    &[("d", &d), ("fill", &fill), ("fill-opacity", &0.85)],
                );
                let rng = Prng::new(&format!("bloom-{seed}"));
                let at = if with {
                    bloom(&mut svg, &rng, "t", 0, &poly, fill, &w, paper)
                } else {
                    None
                };
                (svg.finish(), at)
            };
            let (doc, at) = draw(true);
            assert_eq!(doc, draw(true).0);
            let Some((c, r)) = at else { continue };
            bloomed += 1;
            let render = |doc: &str| {
                let tree = usvg::Tree::from_str(doc, &usvg::Options::default()).unwrap();
                let mut px = tiny_skia::Pixmap::new(200, 200).unwrap();
                resvg::render(&tree, tiny_skia::Transform::default(), &mut px.as_mut());
                px
            };
            let (px, plain) = (render(&doc), render(&draw(false).0));
            let (centre, wash) = (lum_at(&px, c), lum_at(&plain, c));
            assert!(centre > wash + 10, "seed {seed}: the centre is not lifted");
            // Along each of 24 rays, the darkest pixel across the rim's band (stretched up to
            // 1.25 either way): darker than the plain wash around the bloom.
            let darkest: Vec<u32> = (0..24)
                .map(|k| {
                    let a = TAU * f64::from(k) / 24.0;
                    (0..=12)
                        .map(|j| {
                            let t = r * (0.55 + 0.075 * f64::from(j));
                            lum_at(&px, (c.0 + t * a.cos(), c.1 + t * a.sin()))
                        })
                        .min()
                        .unwrap()
                })
                .collect();
            let dark_rays = darkest.iter().filter(|&&l| l + 4 < wash).count();
            assert!(
                dark_rays >= 18,
                "seed {seed}: the rim is darker on {dark_rays} of 24 rays"
            );
        }
        assert!(bloomed >= 2, "only {bloomed} of 8 seeds bloomed");
    }
}
