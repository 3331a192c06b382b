//! Hair, front-facing, as flat tone shapes (what is worn on the head is `wear.rs`).
//!
//! A haircut is two layers: `back` (behind the head and neck: long hair, an afro's volume, a
//! bun, a ponytail, locs) and `front` (on the head: the cap down to the hairline, curtains over
//! the cheeks, strands). `shadow` is a band under the hairline, which the painter lays on the
//! forehead so the hair seems to sit on the skull; it tapers to nothing at the sideburns, so it
//! never leaves the face and needs no clip.

use crate::face::Face;
use crate::look::Look;
use crate::pen::{Frame, Pt, closed, ellipse, open};
use crate::prng::Prng;
use crate::sitter::{HairStyle, HeadCovering, Rgb};
use crate::svg::{N, Svg};

/// One flat mark, in canvas coordinates.
pub(crate) enum Mark {
    Fill(String, Rgb, f64),
    Stroke(String, Rgb, f64, f64),
    /// A dashed stroke (braids' segments): path, colour, width, dash length.
    Dash(String, Rgb, f64, f64),
    /// Round dots (curls) as one opaque fill: canvas centres and radii, kept as circles so a
    /// kind can outline them cheaply.
    Dots(Vec<(Pt, f64)>, Rgb),
    /// A smooth closed shape through canvas points (corners sharp), with its opacity: kept as
    /// points so a kind can outline it by growing it.
    Shape(Vec<Pt>, Vec<usize>, Rgb, f64),
    /// An opaque ellipse: centre, radii.
    Oval(Pt, f64, f64, Rgb),
}

/// Path data for dots.
pub(crate) fn dots_path(dots: &[(Pt, f64)]) -> String {
    let mut d = String::new();
    for &(c, r) in dots {
        d.push_str(&ellipse(c, r, r));
    }
    d
}

impl Mark {
    pub(crate) fn draw(&self, svg: &mut Svg) {
        match self {
            Mark::Fill(d, c, op) if *op >= 0.999 => crate::pen::fill(svg, d, *c),
            Mark::Fill(d, c, op) => crate::pen::fill_a(svg, d, *c, *op),
            Mark::Dots(dots, c) => crate::pen::fill(svg, &dots_path(dots), *c),
            Mark::Shape(pts, corners, c, op) => {
                Mark::Fill(closed(pts, corners), *c, *op).draw(svg);
            }
            Mark::Oval(ctr, rx, ry, c) => crate::pen::fill(svg, &ellipse(*ctr, *rx, *ry), *c),
            Mark::Stroke(d, c, w, op) => crate::pen::stroke(svg, d, *c, *w, *op),
            Mark::Dash(d, c, w, dash) => {
                let da = format!("{} {}", N(*dash), N(*dash * 0.9));
                svg.leaf(
                    "path",
                    &[
                        ("d", d),
                        ("fill", &"none"),
                        ("stroke", c),
                        ("stroke-width", &N(*w)),
                        ("stroke-dasharray", &da),
                    ],
                );
            }
        }
    }
}

#[derive(Default)]
pub(crate) struct Hair {
    pub back: Vec<Mark>,
    pub front: Vec<Mark>,
    /// The cast shadow on the forehead (canvas path), if there is a cap.
    pub shadow: Option<String>,
    /// Whether the hair hides the ears.
    pub covers_ears: bool,
}

/// Head-space hairline from the left sideburn to the right one, centre at `yc`.
pub(crate) fn hairline(yc: f64, sb: f64, corner: f64) -> Vec<Pt> {
    vec![
        (-0.96, sb),
        (-0.93, -0.35),
        (-0.84, corner),
        (-0.55, yc + 0.05),
        (0.0, yc),
        (0.55, yc + 0.05),
        (0.84, corner),
        (0.93, -0.35),
        (0.96, sb),
    ]
}

/// The outer edge of hair of volume `v` over the skull, from the right sideburn to the left.
fn crown(face: &Face, v: f64, sb: f64, peak: f64) -> Vec<Pt> {
    let t = face.top;
    vec![
        (1.0 + 0.3 * v, sb),
        (1.02 + 0.7 * v, -0.45),
        (0.94 + v, t * 0.58 - 0.6 * v),
        (0.62 + 0.7 * v, t * 0.93 - 0.9 * v),
        (0.0, t - v - peak),
        (-0.62 - 0.7 * v, t * 0.93 - 0.9 * v),
        (-0.94 - v, t * 0.58 - 0.6 * v),
        (-1.02 - 0.7 * v, -0.45),
        (-1.0 - 0.3 * v, sb),
    ]
}

/// A cap: crown then hairline; corners at the sideburns and at `sharp` (hairline indices).
fn cap(face: &Face, v: f64, peak: f64, line: &[Pt], sharp: &[usize]) -> (Vec<Pt>, Vec<usize>) {
    let sb_r = line.last().map_or(0.0, |p| p.1);
    let mut pts = crown(face, v, sb_r, peak);
    pts.extend_from_slice(line);
    let n = pts.len();
    let mut corners = vec![0, 8, 9, n - 1];
    corners.extend(sharp.iter().map(|i| i + 9));
    (face.f.all(&pts), corners)
}

/// The shadow the hair casts on the forehead: a band under the hairline, deepest in the
/// middle, nothing at the sideburns (so it never leaves the face).
pub(crate) fn cast_band(face: &Face, line: &[Pt], sharp: &[usize]) -> String {
    let n = line.len();
    let mut pts = line.to_vec();
    for k in (1..n - 1).rev() {
        let t = (std::f64::consts::PI * k as f64 / (n - 1) as f64)
            .sin()
            .sqrt();
        let (x, y) = line[k];
        pts.push((x + 0.04 * face.side * t, y + 0.1 * t));
    }
    let mut corners = vec![0, n - 1];
    corners.extend_from_slice(sharp);
    closed(&face.f.all(&pts), &corners)
}

/// Replaces the middle of a hairline (between indices 3 and 5) with `n` tufts: a fringe that
/// ends in soft points. Returns the new line and the indices of the points.
fn tufts(line: &[Pt], n: usize, depth: f64, lean: f64, rng: &Prng) -> (Vec<Pt>, Vec<usize>) {
    let (a, b) = (line[2], line[6]);
    let half = (b.0 - a.0) / n as f64 / 2.0;
    let mut out: Vec<Pt> = line[..3].to_vec();
    let mut sharp = Vec::new();
    for k in 0..n {
        let t0 = (k as f64 + 0.5) / n as f64;
        let x = a.0 + (b.0 - a.0) * t0;
        let u = 2.0 * t0 - 1.0;
        let edge = line[4].1 + 0.16 * u * u;
        let d = depth * (0.7 + 0.6 * rng.unit_n("poster.hair.tuft", k as u64));
        out.push((x - half * 0.9, edge - 0.05));
        out.push((x + 0.3 * half * lean, edge + d));
        sharp.push(out.len() - 1);
    }
    out.extend_from_slice(&line[7..]);
    (out, sharp)
}

/// Circles along a head-space polyline, every `step`: curls.
pub(crate) fn bumps(
    face: &Face,
    line: &[Pt],
    r: f64,
    step: f64,
    rng: &Prng,
    key: &str,
) -> Vec<(Pt, f64)> {
    let mut d = Vec::new();
    let mut i = 0u64;
    for w in line.windows(2) {
        let (a, b) = (w[0], w[1]);
        let len = ((b.0 - a.0).powi(2) + (b.1 - a.1).powi(2)).sqrt();
        let n = (len / step).ceil().max(1.0) as usize;
        for k in 0..n {
            let t = k as f64 / n as f64;
            let rr = r * (0.8 + 0.4 * rng.unit_n(key, i));
            i += 1;
            let c = face.f.p(a.0 + (b.0 - a.0) * t, a.1 + (b.1 - a.1) * t);
            d.push((c, face.f.len(rr)));
        }
    }
    d
}

/// Flow lines on a cap: from the hairline towards the crown, in the shadow tone.
fn strands(face: &Face, l: &Look, rng: &Prng, n: usize, from_x: f64, curve: f64) -> Vec<Mark> {
    let mut v = Vec::new();
    let t = face.top;
    for i in 0..n {
        let x = from_x + (i as f64 - (n as f64 - 1.0) / 2.0) * 0.28;
        let j = rng.jitter(&format!("poster.hair.strand.{i}"), 0.05);
        let pts = face.f.all(&[
            (x + j, t * 0.62),
            (x * 0.8 + curve * 0.5, t * 0.85),
            (x * 0.5 + curve, t - 0.02),
        ]);
        v.push(Mark::Stroke(
            open(&pts),
            l.hair.shadow,
            face.f.len(0.045),
            0.55,
        ));
    }
    v
}

/// A crescent of sheen on the lit side of the crown.
fn sheen(face: &Face, l: &Look, v: f64) -> Mark {
    let (s, t) = (-face.side, face.top);
    let (cy, rx, ry) = (-0.3, 1.0 + v, -(t - v) - 0.3);
    let at = |deg: f64, k: f64| {
        let a = deg.to_radians();
        (s * rx * k * a.cos(), cy - ry * k * a.sin())
    };
    let pts = [
        at(102.0, 0.9),
        at(122.0, 0.9),
        at(142.0, 0.86),
        at(126.0, 0.83),
        at(110.0, 0.84),
    ]
    .map(|(x, y)| face.f.p(x, y));
    Mark::Fill(closed(&pts, &[0, 2]), l.hair.light, 0.85)
}

/// How hair that falls past the face is cut.
#[derive(Clone, Copy, PartialEq)]
enum Fall {
    Bob,
    Wavy,
    Long,
}

/// The outer edge of falling hair on the right side, top to the tip (head space).
fn fall_edge(face: &Face, v: f64, bottom: f64, cut: Fall, rng: &Prng) -> Vec<Pt> {
    let t = face.top;
    let mut pts = vec![(0.98 + v, t * 0.5)];
    match cut {
        Fall::Bob => pts.extend([
            (1.12 + 0.4 * v, -0.25),
            (1.22, 0.35),
            (1.18, bottom - 0.3),
            (1.02, bottom),
        ]),
        Fall::Long => pts.extend([
            (1.1 + 0.5 * v, -0.3),
            (1.2, 0.5),
            (1.3, 1.5),
            (1.38, bottom - 0.35),
            (1.28, bottom),
        ]),
        Fall::Wavy => {
            let n = 6;
            for k in 0..n {
                let y = -0.3 + (bottom - 0.3) * k as f64 / (n - 1) as f64;
                let swell = 1.16 + 0.1 * (y / bottom).max(0.0) + 0.2 * v;
                let w = if k % 2 == 0 { 0.07 } else { -0.05 };
                let jj = rng.jitter(&format!("poster.hair.wave.{k}"), 0.03);
                pts.push((swell + w + jj, y));
            }
            pts.push((1.22, bottom));
        }
    }
    pts
}

/// The mass of falling hair seen behind the head and neck.
fn back_mass(face: &Face, v: f64, edge: &[Pt], bottom: f64) -> Vec<Pt> {
    let t = face.top;
    let mut right = vec![(0.0, t - v), (0.7 + 0.7 * v, t * 0.92 - 0.9 * v)];
    right.extend_from_slice(edge);
    right.push((0.5, bottom - 0.1));
    right.push((0.0, bottom - 0.1));
    face.f.all_flat(&crate::pen::symmetric(&right))
}

/// A curtain of hair framing the face on side `s`, in front of the ear: from the parting down
/// the outer edge to the tip, and back up along the cheek.
#[allow(clippy::too_many_arguments)]
fn curtain(
    face: &Face,
    s: f64,
    v: f64,
    edge: &[Pt],
    bottom: f64,
    over: f64,
    cut: Fall,
    color: Rgb,
) -> Mark {
    let t = face.top;
    let mut pts = vec![(over, t * 0.72), (0.96 + 0.6 * v, t * 0.64)];
    pts.extend(edge.iter().skip(1).map(|&(x, y)| (x - 0.02, y)));
    let tip = pts.len() - 1;
    let inner_bottom = match cut {
        Fall::Bob => vec![(0.94, bottom - 0.1), (0.9, bottom - 0.4)],
        _ => vec![
            (face.neck + 0.16, bottom - 0.12),
            (face.neck + 0.1, 1.5),
            (0.84, 0.95),
        ],
    };
    pts.extend(inner_bottom);
    pts.extend([(0.84, 0.2), (0.81, -0.55), (over * 0.9, t * 0.6)]);
    let pts: Vec<Pt> = pts.into_iter().map(|(x, y)| face.f.p(s * x, y)).collect();
    Mark::Shape(pts, vec![tip], color, 1.0)
}

pub(crate) fn build(face: &Face, l: &Look, rng: &Prng) -> Hair {
    let mut h = Hair::default();
    if l.covering == HeadCovering::Headscarf {
        return h;
    }
    let beanie = l.covering == HeadCovering::Beanie;
    let (f, t) = (&face.f, face.top);
    let base = l.hair.base;
    let sb = if l.masc > 0.7 { 0.08 } else { -0.12 };
    let part = if rng.chance("poster.hair.part", 0.5) {
        1.0
    } else {
        -1.0
    };
    let j = |k: &str, a: f64| rng.jitter(&format!("poster.hair.{k}"), a);
    let front_cap = |h: &mut Hair, v: f64, peak: f64, line: &[Pt], sharp: &[usize], color: Rgb| {
        let (pts, corners) = cap(face, v, peak, line, sharp);
        h.shadow = Some(cast_band(face, line, sharp));
        if !beanie {
            h.front.push(Mark::Shape(pts, corners, color, 1.0));
        }
    };
    match l.style {
        HairStyle::Bald => {
            if l.old > 0.3 && !beanie {
                // What is left: a fringe of short hair around the sides.
                for s in [-1.0, 1.0] {
                    let side = f.all(&[
                        (s * 0.97, 0.15),
                        (s * 1.02, -0.2),
                        (s * 1.04, -0.62),
                        (s * 0.96, -0.75),
                        (s * 0.93, -0.45),
                        (s * 0.92, 0.1),
                    ]);
                    h.front.push(Mark::Shape(side, vec![0, 3], base, 0.9));
                }
            }
            let c = f.p(-face.side * 0.3, t + 0.3);
            let d = ellipse(c, f.len(0.3), f.len(0.13));
            h.front.push(Mark::Fill(d, l.skin.light, 0.85));
        }
        HairStyle::Receding => {
            let line = [
                (-0.96, sb),
                (-0.93, -0.35),
                (-0.88, -0.78),
                (-0.52, t * 0.8),
                (-0.25, t * 0.72 + j("widow", 0.04)),
                (0.0, t * 0.66),
                (0.25, t * 0.72),
                (0.52, t * 0.8),
                (0.88, -0.78),
                (0.93, -0.35),
                (0.96, sb),
            ];
            front_cap(&mut h, 0.06, 0.0, &line, &[], base);
        }
        HairStyle::Buzz => {
            let line = hairline(-0.98 + j("line", 0.04), sb, -0.78);
            let color = base.mix(l.skin.base, 0.3);
            front_cap(&mut h, 0.035, 0.0, &line, &[], color);
        }
        HairStyle::Crop => {
            let fringe = -0.9 + j("line", 0.05);
            let line = hairline(fringe, sb, -0.74);
            let (line, sharp) = tufts(&line, 4, 0.12, part, rng);
            front_cap(&mut h, 0.17 + j("v", 0.04), 0.05, &line, &sharp, base);
            if !beanie {
                h.front
                    .extend(strands(face, l, rng, 3, part * 0.15, part * 0.25));
                h.front.push(sheen(face, l, 0.15));
            }
        }
        HairStyle::Fade => {
            let line = hairline(-0.95, sb, -0.8);
            let faded = base.mix(l.skin.base, 0.5);
            front_cap(&mut h, 0.03, 0.0, &line, &[], faded);
            if !beanie {
                let height = 0.32 + j("height", 0.08);
                // The block on top shares the line-up at the front (so there is no brim) and
                // tapers over the crown; the faded sides show only at the temples.
                let top = f.all(&[
                    (0.84, -0.79),
                    (0.95, -0.6),
                    (0.9, t * 0.8 - height * 0.45),
                    (0.56, t - height * 0.92),
                    (0.0, t - height),
                    (-0.56, t - height * 0.92),
                    (-0.9, t * 0.8 - height * 0.45),
                    (-0.95, -0.6),
                    (-0.84, -0.79),
                    (-0.55, -0.89),
                    (0.0, -0.94),
                    (0.55, -0.89),
                ]);
                h.front.push(Mark::Shape(top, vec![0, 8], base, 1.0));
                // A textured top edge, so it reads as hair rather than a cap.
                let edge = [
                    (-0.88, t * 0.8 - height * 0.4),
                    (-0.56, t - height * 0.88),
                    (0.0, t - height * 0.95),
                    (0.56, t - height * 0.88),
                    (0.88, t * 0.8 - height * 0.4),
                ];
                let d = bumps(face, &edge, 0.1, 0.17, rng, "poster.hair.top");
                h.front.push(Mark::Dots(d, base));
                h.front.push(sheen(face, l, height));
            }
        }
        HairStyle::SidePart => {
            let mut line = hairline(-0.9, sb, -0.7);
            // The sweep: high on the parting side, low on the other.
            line[3].1 = if part < 0.0 { -1.02 } else { -0.74 };
            line[5].1 = if part > 0.0 { -1.02 } else { -0.74 };
            line[4].1 = -0.86;
            front_cap(&mut h, 0.2 + j("v", 0.04), 0.06, &line, &[], base);
            if !beanie {
                let p = f.all(&[
                    (part * 0.42, t - 0.1),
                    (part * 0.44, t * 0.85),
                    (part * 0.5, -1.0),
                ]);
                h.front
                    .push(Mark::Stroke(open(&p), l.hair.shadow, f.len(0.05), 0.9));
                h.front
                    .extend(strands(face, l, rng, 2, -part * 0.2, -part * 0.4));
                h.front.push(sheen(face, l, 0.2));
            }
        }
        HairStyle::Curly | HairStyle::Afro => {
            let afro = l.style == HairStyle::Afro;
            let v = if afro {
                0.55 + j("v", 0.1)
            } else {
                0.2 + j("v", 0.04)
            };
            let r = if afro { 0.2 } else { 0.15 };
            if afro {
                // The volume behind: an ellipse with a curly rim.
                let c = (0.0, t * 0.45);
                let (rx, ry) = (1.0 + v + 0.25, -t * 0.55 + v);
                let volume = Mark::Oval(f.flat(c.0, c.1), f.len(rx), f.len(ry), base);
                let rim: Vec<Pt> = (0..=28)
                    .map(|k| {
                        let a = std::f64::consts::TAU * k as f64 / 28.0;
                        (c.0 + rx * a.cos(), c.1 + ry * a.sin())
                    })
                    .filter(|p| p.1 < 0.9)
                    .collect();
                h.back.push(volume);
                h.back.push(Mark::Dots(
                    bumps(face, &rim, r, 0.3, rng, "poster.hair.rim"),
                    base,
                ));
                let inner = ellipse(f.flat(c.0, c.1 + 0.1), f.len(rx * 0.7), f.len(ry * 0.7));
                h.back.push(Mark::Fill(inner, l.hair.shadow, 0.35));
            }
            let line = hairline(-0.88 + j("line", 0.04), if afro { sb } else { -0.1 }, -0.75);
            front_cap(&mut h, if afro { 0.35 } else { v }, 0.0, &line, &[], base);
            if !beanie {
                let edge: Vec<Pt> = line[1..line.len() - 1].to_vec();
                let d = bumps(face, &edge, 0.11, 0.2, rng, "poster.hair.fringe");
                h.front.push(Mark::Dots(d, base));
                if !afro {
                    let outer = crown(face, v - 0.05, -0.2, 0.0);
                    let d = bumps(face, &outer, r, 0.28, rng, "poster.hair.curls");
                    h.front.push(Mark::Dots(d, base));
                }
                // Curl texture: small arcs in shadow and sheen tones.
                for i in 0..14u64 {
                    let x = rng.range(&format!("poster.hair.curl.{i}.x"), -0.8, 0.8);
                    let y = rng.range(&format!("poster.hair.curl.{i}.y"), t - 0.1, -0.95);
                    let c = f.p(x, y);
                    let rr = f.len(0.07);
                    let d = format!(
                        "M{} {}A{} {} 0 0 1 {} {}",
                        N(c.0 - rr),
                        N(c.1),
                        N(rr),
                        N(rr),
                        N(c.0 + rr),
                        N(c.1)
                    );
                    let tone = if i % 3 == 0 {
                        l.hair.light
                    } else {
                        l.hair.shadow
                    };
                    h.front.push(Mark::Stroke(d, tone, f.len(0.04), 0.7));
                }
            }
        }
        HairStyle::Locs | HairStyle::Braids => {
            let locs = l.style == HairStyle::Locs;
            let (wdt, bottom) = if locs {
                (0.2, 2.5 + j("len", 0.3))
            } else {
                (0.15, 2.9 + j("len", 0.3))
            };
            let n = if locs { 5 } else { 7 };
            for s in [-1.0, 1.0] {
                for k in 0..n {
                    let x0 = s * (0.55 + 0.55 * k as f64 / (n - 1) as f64);
                    let x1 = s * (0.9 + 0.65 * k as f64 / (n - 1) as f64);
                    let y1 = bottom - 0.25 * (k as f64) / n as f64
                        + rng.jitter(&format!("poster.hair.loc.{s}.{k}"), 0.15);
                    let pts = f.all_flat(&[(x0, t * 0.6), (x1 * 0.96, 0.6), (x1, y1)]);
                    let strand = Strand {
                        shadow: l.hair.shadow,
                        base,
                        width: wdt,
                        dash: !locs,
                    };
                    strand.push(&mut h.back, open(&pts), f);
                }
            }
            let line = hairline(-0.9, sb, -0.76);
            front_cap(&mut h, 0.18, 0.02, &line, &[], base);
            if !beanie && locs {
                let edge: Vec<Pt> = line[2..line.len() - 2].to_vec();
                let d = bumps(face, &edge, 0.1, 0.19, rng, "poster.hair.loc_end");
                h.front.push(Mark::Dots(d, base));
            }
            if !beanie {
                // Partings between rows (braids) or loc roots.
                for k in 0..5 {
                    let x = -0.6 + 0.3 * k as f64;
                    let p = f.all(&[(x, -0.95), (x * 0.8, t * 0.75), (x * 0.4, t - 0.1)]);
                    h.front
                        .push(Mark::Stroke(open(&p), l.hair.shadow, f.len(0.05), 0.8));
                }
            }
            // A few falling in front, over the shoulders.
            for s in [-1.0, 1.0] {
                for k in 0..2 {
                    let x = s * (0.95 + 0.13 * k as f64);
                    let pts = f.all_flat(&[
                        (x, -0.5),
                        (x + s * 0.1, 0.6),
                        (x + s * 0.18, bottom - 0.3 - 0.2 * k as f64),
                    ]);
                    let strand = Strand {
                        shadow: l.hair.shadow,
                        base,
                        width: wdt,
                        dash: !locs,
                    };
                    strand.push(&mut h.front, open(&pts), f);
                }
            }
            h.covers_ears = true;
        }
        HairStyle::Bun | HairStyle::Ponytail => {
            let line = hairline(-0.92 + j("line", 0.04), -0.12, -0.76);
            front_cap(&mut h, 0.08, 0.0, &line, &[], base);
            if l.style == HairStyle::Bun {
                if !beanie {
                    let r = 0.4 + j("bun", 0.06);
                    let c = f.p(j("bun_x", 0.1), t - r * 0.75);
                    h.back.push(Mark::Oval(c, f.len(r), f.len(r * 0.9), base));
                    let sw = [
                        (c.0 - f.len(r * 0.5), c.1 + f.len(r * 0.1)),
                        (c.0, c.1 - f.len(r * 0.4)),
                        (c.0 + f.len(r * 0.55), c.1),
                    ];
                    h.back
                        .push(Mark::Stroke(open(&sw), l.hair.shadow, f.len(0.05), 0.8));
                }
            } else {
                let s = part;
                let tail = f.all_flat(&[
                    (s * 0.7, t * 0.8),
                    (s * 1.2, t * 0.5),
                    (s * 1.48, 0.1),
                    (s * 1.5, 0.9),
                    (s * 1.3, 1.75 + j("tail", 0.2)),
                    (s * 1.14, 1.0),
                    (s * 1.05, 0.2),
                    (s * 0.95, -0.4),
                ]);
                h.back.push(Mark::Shape(tail, vec![4], base, 1.0));
                let lock = open(&f.all_flat(&[(s * 1.28, 0.0), (s * 1.34, 0.8), (s * 1.28, 1.4)]));
                h.back
                    .push(Mark::Stroke(lock, l.hair.shadow, f.len(0.05), 0.7));
            }
            if !beanie {
                h.front.extend(strands(face, l, rng, 3, 0.0, 0.0));
                h.front.push(sheen(face, l, 0.08));
            }
        }
        HairStyle::Bob | HairStyle::Wavy | HairStyle::Long => {
            let (cut, bottom) = match l.style {
                HairStyle::Bob => (Fall::Bob, 1.12 + j("len", 0.1)),
                HairStyle::Wavy => (Fall::Wavy, 2.1 + j("len", 0.2)),
                _ => (Fall::Long, 2.75 + j("len", 0.3)),
            };
            let v = 0.2 + j("v", 0.04);
            let edge = fall_edge(face, v, bottom, cut, rng);
            let behind = l.hair.shadow.mix(base, 0.35);
            h.back.push(Mark::Shape(
                back_mass(face, v, &edge, bottom),
                vec![],
                behind,
                1.0,
            ));
            let bangs = cut != Fall::Long && rng.chance("poster.hair.bangs", 0.3);
            let mut line = hairline(if bangs { -0.62 } else { -0.9 }, -0.1, -0.7);
            if !bangs {
                line[4].0 += part * 0.25;
                line[4].1 -= 0.05;
            }
            front_cap(&mut h, v, 0.03, &line, &[], base);
            for s in [-1.0, 1.0] {
                // Less hair falls on the parting side.
                let over = if bangs || s * part < 0.0 { 0.25 } else { 0.6 };
                h.front
                    .push(curtain(face, s, v, &edge, bottom, over, cut, base));
                // A strand line down the curtain.
                let line = f.all(&[
                    (s * 0.98, -0.6),
                    (s * 1.08, 0.3),
                    (s * (edge[edge.len() - 2].0 - 0.14), bottom - 0.3),
                ]);
                h.front
                    .push(Mark::Stroke(open(&line), l.hair.shadow, f.len(0.045), 0.6));
            }
            if !beanie {
                if !bangs {
                    let p = f.all(&[
                        (part * 0.3, t - 0.1),
                        (part * 0.36, t * 0.82),
                        (part * 0.5, -0.88),
                    ]);
                    h.front
                        .push(Mark::Stroke(open(&p), l.hair.shadow, f.len(0.05), 0.8));
                }
                h.front.push(sheen(face, l, v));
            }
            h.covers_ears = true;
        }
    }
    h
}

/// One loc or braid: a shadow edge, the strand, and (braids) a dashed plait down its middle.
struct Strand {
    shadow: Rgb,
    base: Rgb,
    /// In head units.
    width: f64,
    dash: bool,
}

impl Strand {
    fn push(&self, marks: &mut Vec<Mark>, d: String, f: &Frame) {
        let w = self.width;
        marks.push(Mark::Stroke(d.clone(), self.shadow, f.len(w + 0.05), 1.0));
        marks.push(Mark::Stroke(d.clone(), self.base, f.len(w), 1.0));
        if self.dash {
            marks.push(Mark::Dash(d, self.shadow, f.len(w * 0.5), f.len(0.09)));
        }
    }
}
