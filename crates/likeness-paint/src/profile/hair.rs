//! Hair in profile, one drawing per haircut the poster knows (`HairStyle`): the mass as seen
//! from the side, the pieces that hang from it (a bun, a ponytail, locs, braids) and a few
//! flow lines that show which way it lies.
//!
//! Every cut is built in head space from a shared vocabulary: a *crown* over the top of the
//! skull with the cut's volume, a *back* that ends where the cut ends (above the ear, at the
//! nape, the jaw, the shoulders), and an *inner edge* round the ear and up the temple to the
//! hairline. Outer edges are feathery, inner edges (the hairline, round the ear) crisper, as a
//! painter leaves them. The seed jitters every point, so no two heads of hair are the same.

use super::{Outline, Pt, Traits};
use crate::prng::Prng;
use crate::sitter::HairStyle;

/// One wash of hair: its outline and how much pigment it carries (1 a full head of hair, less
/// where the scalp shows through: a buzz cut, faded sides).
#[derive(Clone, Debug)]
pub(crate) struct Piece {
    pub outline: Outline,
    pub density: f64,
}

/// The hair: built in head space, then [`Hair::place`]d in the figure box.
#[derive(Clone, Debug)]
pub(crate) struct Hair {
    /// The main mass first (the painter deepens its core), then what hangs from it.
    pub pieces: Vec<Piece>,
    /// 0 straight .. 1 tight coils: how ragged the washes' edges are.
    pub curl: f64,
    /// Flow lines as quadratic curves (start, control, end), drawn as faint strokes.
    pub strands: Vec<[Pt; 3]>,
}

/// What every cut is drawn from: the sitter's proportions and the seed.
struct Ctx<'a> {
    t: &'a Traits,
    rng: &'a Prng,
    /// A child's cranium is larger for the face.
    skull: f64,
    /// How far the hair stands off the skull on top.
    volume: f64,
}

impl Ctx<'_> {
    fn j(&self, key: &str, amount: f64) -> f64 {
        self.rng.jitter(&format!("hair.{key}"), amount)
    }

    /// A point over the skull, lifted by the volume.
    fn top(&self, dx: f64, dy: f64) -> Pt {
        (dx * self.skull, dy * self.skull - self.volume)
    }

    /// The crown's outer edge, from over the forehead round to the back at ear height.
    fn crown(&self) -> Outline {
        let v = self.volume;
        vec![
            (self.top(0.62 + self.j("front", 0.05), -0.86), 0.5),
            (self.top(0.25, -1.08), 0.8),
            (self.top(-0.3, -1.07), 0.9),
            (self.top(-0.78, -0.8), 0.9),
            (((-1.04 - v) * self.skull, -0.35), 0.9),
        ]
    }

    /// The edge round the ear and up the temple of a cut that ends at the nape.
    fn short_inner(&self) -> Vec<Pt> {
        vec![
            (-0.5, 0.62),
            (-0.34, 0.28),
            (-0.12, 0.02),
            (0.08, 0.06),
            (0.16, -0.26),
            (0.34, -0.48),
        ]
    }

    /// The hairline at the top of the forehead: plain, or a fringe that falls forward.
    fn hairline(&self, fringe: bool) -> Vec<Pt> {
        if fringe {
            vec![(0.72, -0.5), (0.86, -0.62)]
        } else {
            vec![(0.52 + self.j("hairline", 0.04), -0.64)]
        }
    }
}

fn outer(pts: &[Pt]) -> Outline {
    pts.iter().map(|p| (*p, 0.9)).collect()
}

fn inner(pts: &[Pt]) -> Outline {
    pts.iter().map(|p| (*p, 0.35)).collect()
}

fn piece(outline: Outline, density: f64) -> Piece {
    Piece { outline, density }
}

/// The hair for `style`, in head space; `None` for a bare scalp.
pub(crate) fn build(t: &Traits, style: HairStyle, rng: &Prng) -> Option<Hair> {
    let skull = 1.0 + 0.14 * t.youth;
    let base = rng.range("hair.volume", 0.02, 0.1) + 0.03 * (1.0 - t.masc) - 0.03 * t.old;
    let volume = match style {
        HairStyle::Buzz | HairStyle::Receding | HairStyle::Bald => -0.02,
        HairStyle::Bun | HairStyle::Ponytail | HairStyle::Braids => 0.01 + 0.3 * base,
        HairStyle::Curly => 0.14 + base,
        HairStyle::Afro => 0.0,
        HairStyle::Fade | HairStyle::SidePart => 0.06 + base,
        _ => base,
    };
    let c = Ctx {
        t,
        rng,
        skull,
        volume,
    };
    let fringe = rng.chance("hair.fringe", 0.25 + 0.35 * (1.0 - t.masc));
    use HairStyle::*;
    // A toddler's hair has not grown long yet: what would fall to the shoulders stops at the
    // jaw, and locs and braids are curls.
    let style = match style {
        Long | Wavy | Ponytail if t.youth > 0.75 => Bob,
        Locs | Braids | Afro if t.youth > 0.75 => Curly,
        other => other,
    };
    let hair = match style {
        Bald if t.old > 0.3 => horseshoe(&c),
        Bald => return None,
        Receding => receding(&c),
        Buzz => short(&c, 0.45, false),
        Crop => short(&c, 1.0, fringe),
        Fade => fade(&c),
        SidePart => side_part(&c),
        Curly => curly(&c),
        Afro => afro(&c),
        Bun => bun(&c),
        Ponytail => ponytail(&c),
        Braids => braids(&c),
        Locs => locs(&c),
        Bob => bob(&c, fringe),
        Wavy => long(&c, fringe, 1.55, true),
        Long => long(&c, fringe, rng.range("hair.fall", 2.0, 2.5), false),
    };
    Some(hair)
}

impl Hair {
    /// Whether the cut falls over the ear (the ear is painted under it, to show through).
    pub(crate) fn covers_ear(style: HairStyle) -> bool {
        use HairStyle::*;
        matches!(style, Bob | Wavy | Long | Afro | Locs | Braids)
    }

    fn of(pieces: Vec<Piece>, curl: f64) -> Hair {
        Hair {
            pieces,
            curl,
            strands: Vec::new(),
        }
    }

    fn with_strands(mut self, strands: Vec<[Pt; 3]>) -> Hair {
        self.strands = strands;
        self
    }

    /// Jitters every point by the seed and maps head space to the figure box.
    pub(crate) fn place(self, rng: &Prng, to_box: impl Fn(Pt) -> Pt) -> Hair {
        let mut n = 0u64;
        let mut nudge = |p: Pt| {
            n += 1;
            let dx = 0.035 * (2.0 * rng.unit_n("hair.pt.x", n) - 1.0);
            let dy = 0.035 * (2.0 * rng.unit_n("hair.pt.y", n) - 1.0);
            to_box((p.0 + dx, p.1 + dy))
        };
        let pieces = self
            .pieces
            .into_iter()
            .map(|p| Piece {
                outline: p.outline.into_iter().map(|(q, s)| (nudge(q), s)).collect(),
                density: p.density,
            })
            .collect();
        let strands = self.strands.iter().map(|c| c.map(&to_box)).collect();
        Hair {
            pieces,
            curl: self.curl,
            strands,
        }
    }
}

/// What is left of a bald head: a horseshoe round the back at ear level.
fn horseshoe(c: &Ctx) -> Hair {
    let s = c.skull;
    let mut v = outer(&[
        (-0.35, -0.4),
        (-0.85 * s, -0.42),
        (-1.07 * s, 0.05),
        (-0.95 * s, 0.5),
        (-0.66 * s, 0.74),
    ]);
    v.extend(inner(&[
        (-0.5, 0.6),
        (-0.5, 0.2),
        (-0.3, -0.02),
        (0.05, -0.08),
        (0.12, 0.12),
        (0.02, -0.22),
    ]));
    Hair::of(vec![piece(v, 0.8)], 0.2)
}

/// A cut that ends at the nape: the crop (`density` 1) and the buzz (the scalp shows).
fn short(c: &Ctx, density: f64, fringe: bool) -> Hair {
    let s = c.skull;
    let mut v = c.crown();
    v.extend(outer(&[
        ((-1.06 - c.volume * 0.5) * s, 0.15),
        (-0.92 * s, 0.55),
        (-0.7 * s, 0.76),
    ]));
    v.extend(inner(&c.short_inner()));
    v.extend(inner(&c.hairline(fringe && density > 0.9)));
    if density < 1.0 {
        // Clipped close, the edge is a line, not a feather.
        for (_, soft) in &mut v {
            *soft = soft.min(0.4);
        }
    }
    let sweep = [(0.45, -0.75), (-0.1, -1.05), (-0.75, -0.7)];
    Hair::of(vec![piece(v, density)], 0.15).with_strands(vec![sweep])
}

/// Short, with the hairline gone back from the forehead and thin on top.
fn receding(c: &Ctx) -> Hair {
    let s = c.skull;
    let mut v: Outline = vec![
        (c.top(-0.1 + c.j("recede", 0.06), -1.02), 0.5),
        (c.top(-0.45, -1.0), 0.8),
        (c.top(-0.82, -0.76), 0.9),
        (((-1.04 - c.volume) * s, -0.35), 0.9),
    ];
    v.extend(outer(&[
        (-1.05 * s, 0.15),
        (-0.92 * s, 0.55),
        (-0.7 * s, 0.76),
    ]));
    // The temples have gone back to above the ear; what is left on top is thin, and thins
    // out towards the forehead rather than stopping at a line.
    v.extend(inner(&[
        (-0.5, 0.62),
        (-0.34, 0.28),
        (-0.12, 0.02),
        (0.06, 0.04),
    ]));
    v.extend([(0.1, -0.3), (-0.02, -0.62), (-0.14, -0.92)].map(|p| (p, 0.75)));
    Hair::of(vec![piece(v, 0.75)], 0.15)
}

/// Volume on top over sides clipped close: two washes, the sides thin.
fn fade(c: &Ctx) -> Hair {
    let s = c.skull;
    let mut top: Outline = vec![
        (c.top(0.7, -0.84), 0.5),
        (c.top(0.3, -1.12), 0.8),
        (c.top(-0.35, -1.1), 0.9),
        (c.top(-0.8, -0.78), 0.8),
    ];
    top.extend(inner(&[(-0.55, -0.62), (0.1, -0.78), (0.52, -0.66)]));
    let mut sides = outer(&[
        (-0.45, -0.72),
        (-0.95 * s, -0.55),
        (-1.03 * s, -0.05),
        (-0.9 * s, 0.5),
        (-0.7 * s, 0.74),
    ]);
    sides.extend(inner(&[
        (-0.5, 0.6),
        (-0.34, 0.26),
        (-0.12, 0.02),
        (0.08, 0.02),
        (0.16, -0.3),
        (0.3, -0.6),
    ]));
    for (_, soft) in &mut sides {
        *soft = soft.min(0.4);
    }
    Hair::of(vec![piece(top, 1.0), piece(sides, 0.4)], 0.3)
}

/// A side parting: volume swept up and over from the front.
fn side_part(c: &Ctx) -> Hair {
    let mut hair = short(c, 1.0, false);
    let v = &mut hair.pieces[0].outline;
    // The quiff: the front rises and rolls over before the crown.
    v.insert(1, (c.top(0.5, -1.08), 0.6));
    v[0].0 = c.top(0.7, -0.82);
    hair.strands = vec![
        [(0.55, -0.8), (0.1, -1.12), (-0.55, -0.92)],
        [(0.4, -0.62), (-0.05, -0.9), (-0.65, -0.62)],
    ];
    hair
}

/// Close curls with volume: a ragged short mass with a curl at the forehead.
fn curly(c: &Ctx) -> Hair {
    let s = c.skull;
    let mut v = c.crown();
    v.extend(outer(&[
        ((-1.08 - c.volume * 0.6) * s, 0.2),
        (-0.95 * s, 0.62),
        (-0.72 * s, 0.8),
    ]));
    v.extend(inner(&c.short_inner()));
    v.extend(inner(&[(0.62, -0.56), (0.74, -0.7)]));
    Hair::of(vec![piece(v, 1.0)], 0.85)
}

/// A round cloud of hair well clear of the skull, from the hairline round to the nape.
fn afro(c: &Ctx) -> Hair {
    let size = 1.2 + 0.25 * c.rng.unit("hair.afro") - 0.1 * c.t.youth;
    let (cx, cy) = (-0.3, -0.4);
    // From the front over the top and round the back: a circle's arc, lobed.
    let arc: Vec<Pt> = (0..9)
        .map(|k| {
            let a = (-60.0 - 27.0 * f64::from(k)).to_radians();
            let r = size * (1.0 + c.j(&format!("afro.{k}"), 0.05));
            (cx + r * a.cos(), cy + r * a.sin() * 0.92)
        })
        .collect();
    let mut v = outer(&arc);
    v[0].1 = 0.5;
    v.extend(outer(&[(-0.9, 0.72)]));
    v.extend(inner(&c.short_inner()));
    v.extend(inner(&[(0.56, -0.6)]));
    Hair::of(vec![piece(v, 1.0)], 1.0)
}

/// Pulled back close to the head: the cap for a bun, a ponytail, cornrows.
fn sleek(c: &Ctx) -> Outline {
    let s = c.skull;
    let mut v = c.crown();
    v.extend(outer(&[
        (-1.05 * s, 0.12),
        (-0.9 * s, 0.52),
        (-0.68 * s, 0.74),
    ]));
    v.extend(inner(&c.short_inner()));
    v.extend(inner(&[(0.52, -0.66)]));
    v
}

/// A ring of `n` points round `(cx, cy)`, radii `r`, lobed by the seed.
fn ring(c: &Ctx, key: &str, (cx, cy): Pt, r: Pt, n: u32) -> Outline {
    (0..n)
        .map(|k| {
            let a = std::f64::consts::TAU * f64::from(k) / f64::from(n);
            let w = 1.0 + c.j(&format!("{key}.{k}"), 0.08);
            ((cx + r.0 * w * a.cos(), cy + r.1 * w * a.sin()), 0.6)
        })
        .collect()
}

/// Hair drawn back into a knot: high on the crown or low at the nape.
fn bun(c: &Ctx) -> Hair {
    let high = c.rng.chance("hair.bun.high", 0.55);
    let (at, r) = if high {
        ((-0.78 * c.skull, -c.skull), (0.34, 0.3))
    } else {
        ((-1.18 * c.skull, -0.05), (0.3, 0.34))
    };
    let knot = ring(c, "bun", at, r, 8);
    let sweep = [(0.5, -0.7), (-0.1, -1.02), (at.0 + 0.2, at.1 + 0.15)];
    Hair::of(vec![piece(sleek(c), 1.0), piece(knot, 1.0)], 0.2).with_strands(vec![sweep])
}

/// Hair drawn back and tied, the tail falling behind the neck.
fn ponytail(c: &Ctx) -> Hair {
    let s = c.skull;
    let lift = if c.rng.chance("hair.tail.high", 0.5) {
        -0.45
    } else {
        0.0
    };
    let fall = c.rng.range("hair.tail.fall", 1.2, 1.9);
    let tie = (-s, -0.3 + lift);
    let tail = vec![
        ((tie.0 + 0.1, tie.1 - 0.14), 0.5),
        ((tie.0 - 0.3, tie.1 + 0.05), 0.8),
        ((tie.0 - 0.38 + c.j("tail.swing", 0.1), tie.1 + 0.7), 0.9),
        ((tie.0 - 0.28, fall), 0.9),
        ((tie.0 - 0.05, fall + 0.1), 0.9),
        ((tie.0 + 0.02, tie.1 + 0.6), 0.7),
        ((tie.0 + 0.12, tie.1 + 0.12), 0.5),
    ];
    let sweep = [(0.5, -0.7), (-0.2, -1.0), (tie.0 + 0.05, tie.1)];
    let flow = [
        (tie.0 - 0.15, tie.1 + 0.2),
        (tie.0 - 0.3, tie.1 + 0.9),
        (tie.0 - 0.16, fall - 0.1),
    ];
    Hair::of(vec![piece(sleek(c), 1.0), piece(tail, 1.0)], 0.2).with_strands(vec![sweep, flow])
}

/// A rope of hair hanging from `root` to `tip`, `w` wide, its edge lobed every `lobe` units
/// (braids) or smooth (`lobe` 0: locs).
fn rope(root: Pt, tip: Pt, w: f64, lobe: f64) -> Outline {
    let (dx, dy) = (tip.0 - root.0, tip.1 - root.1);
    let len = (dx * dx + dy * dy).sqrt().max(1e-6);
    let (nx, ny) = (-dy / len, dx / len);
    let steps = if lobe > 0.0 {
        (len / lobe).ceil() as usize
    } else {
        4
    };
    let side = |sign: f64| -> Vec<(Pt, f64)> {
        (0..=steps)
            .map(|i| {
                let t = i as f64 / steps as f64;
                // Braids swell and pinch; every rope narrows to its tip.
                let bulge = if lobe > 0.0 && i % 2 == 1 { 1.35 } else { 1.0 };
                let half = 0.5 * w * bulge * (1.0 - 0.45 * t);
                let p = (root.0 + dx * t, root.1 + dy * t);
                ((p.0 + sign * nx * half, p.1 + sign * ny * half), 0.45)
            })
            .collect()
    };
    let mut v = side(1.0);
    v.extend(side(-1.0).into_iter().rev());
    v
}

/// Locs: ropes of even width from the crown and the back of the head to the shoulders.
fn locs(c: &Ctx) -> Hair {
    let s = c.skull;
    let fall = c.rng.range("hair.locs.fall", 1.4, 2.3);
    let mut pieces = vec![piece(sleek(c), 1.0)];
    let mut strands = Vec::new();
    for k in 0..5u32 {
        let f = f64::from(k) / 4.0;
        let root = ((-0.45 - 0.55 * f) * s, (-0.75 + 0.95 * f) * s);
        let tip = (
            root.0 - 0.3 + 0.2 * f + c.j(&format!("locs.{k}.x"), 0.12),
            fall - 0.3 * f + c.j(&format!("locs.{k}.y"), 0.2),
        );
        pieces.push(piece(rope(root, tip, 0.22, 0.0), 1.0));
        // Light along each rope keeps them apart.
        let mid = ((root.0 + tip.0) / 2.0 + 0.02, (root.1 + tip.1) / 2.0);
        strands.push([(root.0 + 0.03, root.1 + 0.1), mid, (tip.0, tip.1 - 0.15)]);
    }
    Hair::of(pieces, 0.35).with_strands(strands)
}

/// Braids: cornrows back over the skull into plaits that hang behind.
fn braids(c: &Ctx) -> Hair {
    let fall = c.rng.range("hair.braids.fall", 1.3, 2.2);
    let two = c.rng.chance("hair.braids.two", 0.4);
    let mut pieces = vec![piece(sleek(c), 1.0)];
    // The cornrows' parting lines, front to back, then each plait's crossings.
    let mut rows: Vec<[Pt; 3]> = (0..3)
        .map(|k| {
            let y = -0.55 + 0.22 * f64::from(k);
            [
                (0.4 - 0.1 * f64::from(k), y - 0.3),
                (-0.2, y - 0.45),
                (-0.85, y + 0.05),
            ]
        })
        .collect();
    let roots: &[Pt] = if two {
        &[(-0.95, -0.2), (-0.8, 0.15)]
    } else {
        &[(-0.9, -0.45), (-1.0, -0.15), (-0.95, 0.15), (-0.8, 0.4)]
    };
    for (k, root) in roots.iter().enumerate() {
        let root = (root.0 * c.skull, root.1);
        let tip = (
            root.0 - 0.2 + c.j(&format!("braids.{k}.x"), 0.1),
            fall + c.j(&format!("braids.{k}.y"), 0.15),
        );
        let w = if two { 0.3 } else { 0.22 };
        pieces.push(piece(rope(root, tip, w, 0.24), 1.0));
        plait_marks(&mut rows, root, tip, w, 0.24);
    }
    Hair::of(pieces, 0.3).with_strands(rows)
}

/// The crossings of a plait: a short slanted mark at every lobe.
fn plait_marks(out: &mut Vec<[Pt; 3]>, root: Pt, tip: Pt, w: f64, lobe: f64) {
    let (dx, dy) = (tip.0 - root.0, tip.1 - root.1);
    let len = (dx * dx + dy * dy).sqrt().max(1e-6);
    let (ux, uy) = (dx / len, dy / len);
    let (nx, ny) = (-uy, ux);
    let mut t = lobe;
    while t < len - lobe {
        let half = 0.45 * w * (1.0 - 0.45 * t / len);
        let p = (root.0 + ux * t, root.1 + uy * t);
        let a = (p.0 - nx * half, p.1 - ny * half);
        let b = (
            p.0 + nx * half + ux * 0.6 * lobe,
            p.1 + ny * half + uy * 0.6 * lobe,
        );
        let m = ((a.0 + b.0) / 2.0 + ux * 0.05, (a.1 + b.1) / 2.0 + uy * 0.05);
        out.push([a, m, b]);
        t += 2.0 * lobe;
    }
}

/// Chin to jaw length with a blunt end, over the ear.
fn bob(c: &Ctx, fringe: bool) -> Hair {
    let s = c.skull;
    let end = 1.02 + c.j("end", 0.06);
    let mut v = c.crown();
    v.extend(outer(&[
        ((-1.1 - c.volume) * s, 0.3),
        (-1.02 * s + c.j("tail", 0.05), 0.85),
        (-0.8 * s, end + 0.06),
        (-0.2, end),
    ]));
    v.extend(inner(&[
        (0.05, 0.62),
        (0.16, 0.18),
        (0.22, -0.24),
        (0.4, -0.48),
    ]));
    v.extend(inner(&c.hairline(fringe)));
    let flow = [(0.3, -0.85), (-0.6, -0.5), (-0.55, end - 0.05)];
    Hair::of(vec![piece(v, 1.0)], 0.2).with_strands(vec![flow])
}

/// The outline of hair falling to `fall` head units below the skull's centre.
fn long_mass(c: &Ctx, fringe: bool, fall: f64) -> Outline {
    let s = c.skull;
    let mut v = c.crown();
    v.extend(outer(&[
        ((-1.12 - c.volume) * s, 0.3),
        (-1.14 * s, 0.2 + 0.45 * fall),
        (-1.08 + c.j("back", 0.08), 0.75 * fall),
        (-0.92, fall),
        (-0.55 + c.j("tip", 0.08), fall + 0.08),
        (-0.36, fall - 0.45),
    ]));
    v.extend(inner(&[
        (-0.28, 0.5 + 0.4 * fall),
        (-0.05, 0.85),
        (0.12, 0.55),
        (0.18, 0.2),
        (0.26, -0.22),
        (0.42, -0.48),
    ]));
    v.extend(inner(&c.hairline(fringe)));
    v
}

/// Shoulder length or longer: straight, or in waves that ripple the back edge.
fn long(c: &Ctx, fringe: bool, fall: f64, wavy: bool) -> Hair {
    let mut v = long_mass(c, fringe, fall);
    let flow = |dx: f64| {
        [
            (0.2 + dx, -0.9),
            (-1.0 + dx, -0.2),
            (-0.75 + dx, fall - 0.1),
        ]
    };
    let mut strands = vec![flow(0.0), flow(0.25)];
    if wavy {
        // Ripple the fall: each point below the ear pushed out or in, alternately.
        for (k, (p, _)) in v.iter_mut().enumerate().skip(5).take(5) {
            p.0 += if k % 2 == 0 { 0.1 } else { -0.06 };
        }
        strands = vec![
            [(-0.4, -0.8), (-1.15, 0.1), (-0.85, 0.7)],
            [(-0.85, 0.7), (-0.6, 1.1), (-0.9, fall - 0.1)],
        ];
    }
    Hair::of(vec![piece(v, 1.0)], if wavy { 0.5 } else { 0.15 }).with_strands(strands)
}
