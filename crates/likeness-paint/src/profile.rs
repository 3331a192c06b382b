//! Geometry of a head-and-shoulders side profile facing right, conditioned on age and
//! presentation and varied by the seed: the face from parts it chooses (`face.rs`), the
//! carriage of the head, the crop, the shoulder line, neck and ear. Pure geometry: no colours,
//! no SVG. The variety is measured in `tests.rs` (silhouette masks at 96 px).
//!
//! Coordinates: the figure lives in a 100×100 box (y down) whose bottom edge is the canvas
//! bottom. The head is described in *head space*: origin at the skull centre, unit `u` (about
//! half the skull height), +x towards the face. [`Figure::head_pt`] maps head space to the box,
//! applying the head's forward tilt (an elderly stoop).

mod face;
#[cfg(test)]
mod tests;

use crate::prng::Prng;
use crate::sitter::{HairColor, HairLength, Presentation, Rgb, Sitter};

pub(crate) type Pt = (f64, f64);

/// Resolved traits: the sitter's facts, with gaps filled from the seed.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Traits {
    /// 1 for a child up to 6, 0 from 15 years.
    pub youth: f64,
    /// 0 up to 55 years, 1 from 85.
    pub old: f64,
    /// 1 man, 0 woman, 0.5 person.
    pub masc: f64,
    pub hair_color: HairColor,
    pub hair_length: HairLength,
    pub skin: Rgb,
    /// Elderly hair that has receded from the forehead.
    pub receding: bool,
}

/// The human skin range, light to deep; the seed picks a point along it.
const SKIN_RAMP: [Rgb; 8] = [
    Rgb(0xf7, 0xdf, 0xcb),
    Rgb(0xef, 0xc8, 0xa6),
    Rgb(0xe0, 0xac, 0x84),
    Rgb(0xc8, 0x8e, 0x62),
    Rgb(0xa8, 0x6d, 0x45),
    Rgb(0x86, 0x53, 0x33),
    Rgb(0x66, 0x3e, 0x26),
    Rgb(0x47, 0x2b, 0x1b),
];

fn ramp(t: f64) -> Rgb {
    let x = t.clamp(0.0, 1.0) * (SKIN_RAMP.len() - 1) as f64;
    let i = (x.floor() as usize).min(SKIN_RAMP.len() - 2);
    SKIN_RAMP[i].mix(SKIN_RAMP[i + 1], x - i as f64)
}

impl Traits {
    pub(crate) fn resolve(sitter: &Sitter, rng: &Prng) -> Traits {
        let age = f64::from(sitter.age.unwrap_or(35).min(120));
        // Fully childlike to 6, fading out by 15.
        let youth = ((15.0 - age) / 9.0).clamp(0.0, 1.0);
        let old = ((age - 55.0) / 30.0).clamp(0.0, 1.0);
        let masc = match sitter.presentation {
            Presentation::Man => 1.0,
            Presentation::Woman => 0.0,
            Presentation::Person => 0.5,
        };
        let skin = sitter
            .skin_tone
            .unwrap_or_else(|| ramp(rng.unit("trait.skin")));

        let hair_color = sitter.hair_color.unwrap_or_else(|| {
            use HairColor::*;
            let grey_p = ((age - 45.0) / 30.0).clamp(0.0, 1.0);
            if rng.chance("trait.hair-grey", grey_p) {
                return if age >= 70.0 && rng.chance("trait.hair-white", 0.5) {
                    White
                } else {
                    Grey
                };
            }
            let dark_skin = skin.luminance() < 0.2;
            let light_mult = if dark_skin { 0.15 } else { 1.0 };
            let blond = if youth > 0.0 { 0.22 } else { 0.1 };
            let opts = [Black, DarkBrown, Brown, Blond, Auburn, Red];
            let w = [0.3, 0.3, 0.2, blond * light_mult, 0.06, 0.04 * light_mult];
            opts[rng.weighted("trait.hair-color", &w)]
        });

        let hair_length = sitter.hair_length.unwrap_or_else(|| {
            use HairLength::*;
            let opts = [Bald, Short, Medium, Long];
            let w: [f64; 4] = match sitter.presentation {
                Presentation::Man if old > 0.3 => [0.45, 0.5, 0.05, 0.0],
                Presentation::Man if youth > 0.0 => [0.0, 0.8, 0.2, 0.0],
                Presentation::Man => [0.1, 0.7, 0.17, 0.03],
                Presentation::Woman if old > 0.3 => [0.0, 0.45, 0.45, 0.1],
                Presentation::Woman => [0.0, 0.1, 0.35, 0.55],
                Presentation::Person => [0.03, 0.45, 0.42, 0.1],
            };
            opts[rng.weighted("trait.hair-length", &w)]
        });
        let receding = hair_length == HairLength::Short
            && masc > 0.7
            && rng.chance("trait.receding", old * 0.9);

        Traits {
            youth,
            old,
            masc,
            hair_color,
            hair_length,
            skin,
            receding,
        }
    }
}

/// A closed outline: control points of a smooth curve, each with an edge softness (0 crisp,
/// 1 very feathery) that the painter turns into how far the wash may bleed there.
pub(crate) type Outline = Vec<(Pt, f64)>;

/// Everything the painter needs, in figure-box coordinates.
pub(crate) struct Figure {
    pub centre: Pt,
    pub u: f64,
    /// Forward tilt of the head in degrees (clockwise: chin down).
    pub tilt: f64,
    pub torso: Outline,
    pub neck: Outline,
    pub head: Outline,
    /// The hair mass (`None`: bald).
    pub hair: Option<Outline>,
    /// Where the shoulder and arm mass sits: centre, rx, ry.
    pub shoulder: (Pt, f64, f64),
    pub eye: Pt,
    pub brow: [Pt; 3],
    pub ear: Pt,
    /// The ear's size, 1 for the usual.
    pub ear_size: f64,
    pub nostril: Pt,
    pub mouth: [Pt; 2],
    /// Age lines as quadratic curves (start, control, end): crow's feet, the fold from nose to
    /// mouth, the forehead, under the eye and the jaw. Empty before old age sets in.
    pub lines: Vec<[Pt; 3]>,
    /// A lash flick at the front of the eye, for a feminine face.
    pub lash: Option<[Pt; 3]>,
}

impl Figure {
    /// Head space → figure box.
    pub(crate) fn head_pt(&self, p: Pt) -> Pt {
        head_to_box(self.centre, self.u, self.tilt, p)
    }
}

fn head_to_box(centre: Pt, u: f64, tilt: f64, p: Pt) -> Pt {
    let (s, c) = tilt.to_radians().sin_cos();
    let (x, y) = (p.0 * u, p.1 * u);
    (centre.0 + x * c - y * s, centre.1 + x * s + y * c)
}

fn lerp(a: f64, b: f64, t: f64) -> f64 {
    a + (b - a) * t
}

fn lerp_pt(a: Pt, b: Pt, t: f64) -> Pt {
    (lerp(a.0, b.0, t), lerp(a.1, b.1, t))
}

pub(crate) fn build(t: &Traits, rng: &Prng) -> Figure {
    let j = |key: &str, amount: f64| rng.jitter(&format!("profile.{key}"), amount);
    let (youth, old, masc) = (t.youth, t.old, t.masc);

    // --- head placement and size ---
    // The crop: some sitters come closer than others.
    let zoom = 1.0 + j("crop", 0.05);
    let u = (lerp(20.0, 20.5, youth) + 0.5 * masc + j("u", 0.4)) * zoom;
    let centre = (
        40.0 + 6.0 * old + j("hx", 0.8),
        lerp(37.5, 41.0, youth) + 3.5 * old + j("hy", 0.8),
    );
    // Posture: an adult's chin carried higher or lower; the old stoop.
    let tilt = 10.0 * old + j("tilt", 2.0) + (1.0 - youth) * j("posture", 4.0);
    let hp = |p: Pt| head_to_box(centre, u, tilt, p);
    // A child's cranium is large for the face (about 1.2 times the adult proportion).
    let skull = 1.0 + 0.14 * youth;

    let parts = face::Parts::choose(t, rng);
    let face = face::outline(t, &parts, rng);
    let mut head: Outline = face
        .iter()
        .enumerate()
        .map(|(i, p)| (*p, if i < 2 { 0.3 } else { 0.12 }))
        .collect();
    head.extend(
        [
            (0.12, 0.86 - 0.04 * masc),
            (-0.3, 0.72),
            (-0.62 * skull, 0.7),
            (-0.93 * skull, 0.36),
            (-skull, -0.06),
            (-0.88 * skull, -0.56 * skull),
            (-0.5 * skull, -0.93 * skull),
            (0.05, -1.02 * skull),
        ]
        .map(|p| (p, 0.45)),
    );
    let head: Outline = head.into_iter().map(|(p, s)| (hp(p), s)).collect();

    // --- neck and shoulders, hung from the head: short for a child, stooped when old ---
    let nape = hp((-0.62 * skull, 0.72));
    let throat = hp(face[face.len() - 1]);
    // A child's shoulders are about 0.62 of an adult's, the neck short and thin.
    let width = lerp(1.0, 0.62, youth) * (1.0 - 0.06 * (1.0 - masc)) + j("width", 0.03);
    let sx = |x: f64| 40.0 + (x - 40.0) * width;
    let slim = 1.5 * (1.0 - masc);
    let collar_back = (
        nape.0 - 2.0 + slim + 2.0 * old + 1.5 * youth,
        nape.1 + lerp(13.0, 6.0, youth) - 2.0 * old,
    );
    let collar_front = (
        throat.0 + 3.0 - 0.5 * slim - 2.0 * old - 1.5 * youth,
        throat.1 + lerp(12.5, 5.5, youth) + 1.0 * old,
    );
    let (cb, cf) = (collar_back, collar_front);
    let hump = 6.0 * old;
    let dip = |t: f64| {
        let p = lerp_pt(cb, cf, t);
        (p.0, p.1 + 3.0 * (t * std::f64::consts::PI).sin())
    };
    let mut torso: Outline = vec![
        ((sx(2.0), 102.0), 1.0),
        ((sx(4.0 - hump * 0.3), cb.1 + 24.0 - hump), 0.9),
        ((sx(10.0) - 0.4 * hump, cb.1 + 12.0 - 1.2 * hump), 0.8),
        ((sx(18.0) - 0.2 * hump, cb.1 + 4.0 - 0.9 * hump), 0.7),
        ((lerp(sx(18.0), cb.0, 0.5), cb.1 + 1.0 - 0.6 * hump), 0.6),
        (cb, 0.5),
        (dip(0.35), 0.5),
        (dip(0.7), 0.5),
        (cf, 0.5),
        ((cf.0 + 6.0, cf.1 + 1.5), 0.6),
        ((sx(cf.0 + 11.0), cf.1 + 7.0), 0.7),
        ((sx(68.0), cf.1 + 17.0), 0.9),
        ((sx(70.0), 102.0), 1.0),
    ];
    // The shoulder line: square or sloping.
    let slope = j("shoulders", 2.5) * (1.0 - 0.5 * youth);
    for (i, (p, _)) in torso.iter_mut().enumerate() {
        match i {
            1..=3 => p.1 += slope,
            10 | 11 => p.1 -= 0.5 * slope,
            _ => {}
        }
    }
    let shoulder = (
        (lerp(cb.0, cf.0, 0.4), cb.1 + 17.0 + 2.0 * youth),
        14.0 * width,
        10.0,
    );

    let adams = 0.05 * masc * (1.0 - youth);
    let thick = j("neck", 0.06) + 0.03 * masc;
    let neck: Outline = vec![
        (throat, 0.3),
        (hp((0.5 + adams + thick, 1.32)), 0.3),
        ((cf.0, cf.1 + 1.5), 0.4),
        ((dip(0.5).0, dip(0.5).1 + 2.0), 0.4),
        ((cb.0 - 0.5, cb.1 + 1.5), 0.4),
        (lerp_pt(cb, nape, 0.5), 0.35),
        (nape, 0.35),
        (hp((-0.2, 0.55)), 0.3),
        (hp((0.3, 0.8)), 0.3),
    ];

    let eye_h = (0.7 - 0.08 * youth, 0.12 * youth);
    let (ex, ey) = eye_h;
    // Lines deepen from about 60: drawn in order of appearance, more of them with age.
    let all_lines = [
        [
            (ex - 0.12, ey - 0.03),
            (ex - 0.2, ey - 0.07),
            (ex - 0.27, ey - 0.08),
        ],
        [
            (ex - 0.12, ey + 0.03),
            (ex - 0.19, ey + 0.07),
            (ex - 0.25, ey + 0.1),
        ],
        [
            (face[6].0 - 0.17, face[6].1 - 0.05),
            (face[8].0 - 0.26, face[8].1 - 0.03),
            (face[10].0 - 0.26, face[10].1 + 0.03),
        ],
        [
            (ex - 0.06, ey + 0.11),
            (ex + 0.02, ey + 0.15),
            (ex + 0.09, ey + 0.12),
        ],
        [(0.5, -0.47), (0.63, -0.53), (0.76, -0.48)],
        [(0.72, 1.0), (0.56, 1.14), (0.36, 1.2)],
        [(0.52, -0.33), (0.63, -0.37), (0.74, -0.33)],
    ];
    let n_lines = (old * 8.0).round() as usize;
    let lines = all_lines
        .iter()
        .take(n_lines.min(all_lines.len()))
        .map(|c| c.map(&hp))
        .collect();
    let lash = (masc < 0.5).then(|| {
        [
            (ex + 0.06, ey - 0.04),
            (ex + 0.11, ey - 0.09),
            (ex + 0.16, ey - 0.09),
        ]
        .map(&hp)
    });
    let fig = Figure {
        centre,
        u,
        tilt,
        torso,
        neck,
        head,
        hair: None,
        shoulder,
        eye: hp(eye_h),
        brow: [
            hp((eye_h.0 - 0.2, eye_h.1 - 0.15)),
            hp((eye_h.0 - 0.02, eye_h.1 - 0.24 - 0.02 * masc)),
            hp((eye_h.0 + 0.13, eye_h.1 - 0.2)),
        ],
        ear: hp((
            -0.12 + j("ear.x", 0.04),
            0.2 + 0.08 * youth + j("ear.y", 0.05),
        )),
        ear_size: 1.0 + j("ear.size", 0.15) + 0.08 * old,
        nostril: hp((face[6].0 - 0.1, face[6].1 - 0.03)),
        mouth: [
            hp((face[9].0 - 0.16, face[9].1 + 0.01)),
            hp((face[9].0 + 0.02, face[9].1)),
        ],
        lines,
        lash,
    };
    Figure {
        hair: hair(t, rng, &fig),
        ..fig
    }
}

/// The hair mass outline in figure-box coordinates.
fn hair(t: &Traits, rng: &Prng, fig: &Figure) -> Option<Outline> {
    let j = |key: &str, amount: f64| rng.jitter(&format!("hair.{key}"), amount);
    let skull = 1.0 + 0.14 * t.youth;
    let volume = rng.range("hair.volume", 0.02, 0.1) + 0.03 * (1.0 - t.masc) - 0.03 * t.old;
    let top = |dx: f64, dy: f64| (dx * skull, dy * skull - volume);
    // Outer edge over the crown and down the back, shared by every length: feathery.
    let crown: Outline = vec![
        (top(0.62 + j("front", 0.05), -0.86), 0.5),
        (top(0.25, -1.08), 0.8),
        (top(-0.3, -1.07), 0.9),
        (top(-0.78, -0.8), 0.9),
        (((-1.04 - volume) * skull, -0.35), 0.9),
    ];
    let fringe = rng.chance("hair.fringe", 0.25 + 0.35 * (1.0 - t.masc));
    // The inner edge (hairline, around the ear) is crisper than the outer one.
    let inner = |pts: &[Pt]| pts.iter().map(|p| (*p, 0.35)).collect::<Outline>();
    let outer = |pts: &[Pt]| pts.iter().map(|p| (*p, 0.9)).collect::<Outline>();
    let mut v: Outline = match t.hair_length {
        HairLength::Bald if t.old > 0.3 => {
            // What is left: a horseshoe around the back of the head at ear level.
            let mut v = outer(&[
                (-0.35, -0.4),
                (-0.85 * skull, -0.42),
                (-1.07 * skull, 0.05),
                (-0.95 * skull, 0.5),
                (-0.66 * skull, 0.74),
            ]);
            v.extend(inner(&[
                (-0.5, 0.6),
                (-0.5, 0.2),
                (-0.3, -0.02),
                (0.05, -0.08),
                (0.12, 0.12),
                (0.02, -0.22),
            ]));
            v
        }
        HairLength::Bald => return None,
        HairLength::Short => {
            let mut v = crown;
            if t.receding {
                v[0].0 = top(0.22, -0.98);
            }
            v.extend(outer(&[
                ((-1.06 - volume * 0.5) * skull, 0.15),
                (-0.92 * skull, 0.55),
                (-0.7 * skull, 0.76),
            ]));
            v.extend(inner(&[
                (-0.5, 0.62),
                (-0.34, 0.28),
                (-0.12, 0.02),
                (0.08, 0.06),
                (0.16, -0.26),
                (0.34, -0.48),
            ]));
            if t.receding {
                v.extend(inner(&[(0.12, -0.55), (0.08, -0.85)]));
            } else {
                v.extend(inner(&[(0.5 + j("hairline", 0.04), -0.64)]));
            }
            v
        }
        HairLength::Medium => {
            let mut v = crown;
            v.extend(outer(&[
                ((-1.1 - volume) * skull, 0.3),
                (-1.02 * skull + j("tail", 0.05), 0.85),
                (-0.8 * skull, 1.1 + j("end", 0.06)),
                (-0.45, 1.02),
            ]));
            v.extend(inner(&[
                (-0.2, 0.7),
                (0.05, 0.5),
                (0.16, 0.18),
                (0.22, -0.24),
                (0.4, -0.48),
            ]));
            if fringe {
                v.extend(inner(&[(0.72, -0.5), (0.86, -0.62)]));
            } else {
                v.extend(inner(&[(0.55, -0.64)]));
            }
            v
        }
        HairLength::Long => {
            let mut v = crown;
            let fall = rng.range("hair.fall", 2.0, 2.5);
            v.extend(outer(&[
                ((-1.12 - volume) * skull, 0.3),
                (-1.14 * skull, 1.0),
                (-1.08 + j("back", 0.08), 1.7),
                (-0.92, fall),
                (-0.55 + j("tip", 0.08), fall + 0.08),
                (-0.36, fall - 0.45),
            ]));
            v.extend(inner(&[
                (-0.28, 1.35),
                (-0.05, 0.85),
                (0.12, 0.55),
                (0.18, 0.2),
                (0.26, -0.22),
                (0.42, -0.48),
            ]));
            if fringe {
                v.extend(inner(&[(0.74, -0.48), (0.86, -0.6)]));
            } else {
                v.extend(inner(&[(0.56, -0.64)]));
            }
            v
        }
    };
    // Seeded irregularity so no two heads of hair are the same.
    for (i, (p, _)) in v.iter_mut().enumerate() {
        let k = format!("hair.pt.{i}");
        p.0 += rng.jitter(&format!("{k}.x"), 0.035);
        p.1 += rng.jitter(&format!("{k}.y"), 0.035);
        *p = fig.head_pt(*p);
    }

    Some(v)
}
