//! Geometry of a head-and-shoulders side profile facing right, conditioned on age and
//! presentation, varied subtly by the seed. Pure geometry: no colours, no SVG.
//!
//! Coordinates: the figure lives in a 100×100 box (y down) whose bottom edge is the canvas
//! bottom. The head is described in *head space*: origin at the skull centre, unit `u` (about
//! half the skull height), +x towards the face. [`Figure::head_pt`] maps head space to the box,
//! applying the head's forward tilt (an elderly stoop).

use crate::prng::Prng;
use crate::sitter::{HairColor, HairLength, Presentation, Rgb, Sitter};

pub(crate) type Pt = (f64, f64);

/// Resolved traits: the sitter's facts, with gaps filled from the seed.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Traits {
    /// 1 for a small child (≤ 4), 0 from 13 years.
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
        let youth = ((13.0 - age) / 9.0).clamp(0.0, 1.0);
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
                return if age >= 70.0 && rng.chance("trait.hair-white", 0.5) { White } else { Grey };
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

/// Everything the painter needs, in figure-box coordinates.
pub(crate) struct Figure {
    pub centre: Pt,
    pub u: f64,
    /// Forward tilt of the head in degrees (clockwise: chin down).
    pub tilt: f64,
    pub torso: Vec<Pt>,
    pub neck: Vec<Pt>,
    pub head: Vec<Pt>,
    /// The hair mass outline (`None`: bald).
    pub hair: Option<Vec<Pt>>,
    /// Loose strand strokes over the hair mass (start, control, end).
    pub strands: Vec<[Pt; 3]>,
    pub eye: Pt,
    pub brow: [Pt; 3],
    pub ear: Pt,
    pub nostril: Pt,
    pub mouth: [Pt; 2],
    pub chin: Pt,
    /// Where the shoulder/arm mass sits (centre, rx, ry).
    pub shoulder: (Pt, f64, f64),
}

impl Figure {
    /// Head space → figure box.
    pub(crate) fn head_pt(&self, p: Pt) -> Pt {
        let (s, c) = self.tilt.to_radians().sin_cos();
        let (x, y) = (p.0 * self.u, p.1 * self.u);
        (self.centre.0 + x * c - y * s, self.centre.1 + x * s + y * c)
    }
}

fn lerp(a: f64, b: f64, t: f64) -> f64 {
    a + (b - a) * t
}

pub(crate) fn build(t: &Traits, rng: &Prng) -> Figure {
    let j = |key: &str, amount: f64| rng.jitter(&format!("profile.{key}"), amount);
    let (youth, old, masc) = (t.youth, t.old, t.masc);

    // --- head placement and size ---
    let u = lerp(17.5, 18.5, youth) + 0.4 * masc + j("u", 0.3);
    let forward = 5.5 * old;
    let centre = (
        41.0 + forward + j("hx", 0.8),
        lerp(40.0, 45.0, youth) + 3.5 * old + j("hy", 0.8),
    );
    let tilt = 9.0 * old + j("tilt", 2.0);

    // --- face profile (head space), forehead to throat ---
    let nose = j("nose", 0.05) + 0.04 * masc + 0.05 * old - 0.13 * youth;
    let chin = j("chin", 0.04) + 0.04 * masc - 0.07 * youth - 0.04 * old;
    let lips = j("lips", 0.025) + 0.02 * (1.0 - masc) - 0.03 * old;
    let brow = 0.04 * masc - 0.03 * youth;
    let mut face: Vec<Pt> = vec![
        (0.55 + 0.06 * youth, -0.86),
        (0.83 + 0.07 * youth, -0.5),
        (0.9 + brow, -0.2),
        (0.86, -0.04),
        (0.98 + 0.6 * nose, 0.15),
        (1.13 + nose, 0.33 + 0.03 * old),
        (1.04 + 0.7 * nose, 0.42 + 0.02 * old),
        (0.93, 0.46),
        (0.97 + lips, 0.55),
        (0.92, 0.61),
        (0.95 + lips, 0.67),
        (0.88, 0.75),
        (0.94 + chin, 0.87),
        (0.85 + 0.7 * chin, 0.98),
        (0.62, 1.04 + 0.05 * old),
        (0.5, 1.06 + 0.04 * old),
    ];
    // A child's face is small and low under a big cranium, its profile soft.
    for p in face.iter_mut().skip(2) {
        p.0 = 0.45 + (p.0 - 0.45) * (1.0 - 0.22 * youth);
        p.1 = 0.12 * youth + p.1 * (1.0 - 0.16 * youth);
    }
    let skull = 1.0 + 0.07 * youth;
    let mut head = face.clone();
    head.extend([
        (0.12, 0.86 - 0.04 * masc),
        (-0.3, 0.72),
        (-0.62 * skull, 0.7),
        (-0.93 * skull, 0.36),
        (-1.0 * skull, -0.06),
        (-0.88 * skull, -0.56 * skull),
        (-0.5 * skull, -0.93 * skull),
        (0.05, -1.02 * skull),
    ]);

    // --- torso (figure box): narrower for a child, stooped for the elderly ---
    let neck_y = lerp(lerp(75.0, 77.0, old), 81.0, youth);
    let width = lerp(1.0, 0.8, youth) * (1.0 - 0.05 * (1.0 - masc)) + j("width", 0.03);
    let sx = |x: f64| 41.0 + (x - 41.0) * width;
    let hump = 6.0 * old;
    let torso: Vec<Pt> = vec![
        (sx(6.0), 101.0),
        (sx(8.0 - hump * 0.3), 89.0),
        (sx(15.0 + hump * 0.2), 81.0 - hump * 0.6),
        (sx(24.0 + hump * 0.4), neck_y + 1.0 - hump * 0.9),
        (sx(30.0 + 2.0 * old), neck_y - 0.5),
        (sx(51.0 + 2.0 * old), neck_y + 0.5),
        (sx(58.0), neck_y + 3.5 + 2.0 * old),
        (sx(66.0), neck_y + 10.0 + 2.0 * old),
        (sx(72.0), 101.0),
    ];
    let shoulder = ((sx(36.0 + 2.0 * old), 90.0 + 1.5 * youth), 15.0 * width, 11.0);

    let fig = Figure {
        centre,
        u,
        tilt,
        torso,
        neck: Vec::new(),
        head: Vec::new(),
        hair: None,
        strands: Vec::new(),
        eye: (0.0, 0.0),
        brow: [(0.0, 0.0); 3],
        ear: (0.0, 0.0),
        nostril: (0.0, 0.0),
        mouth: [(0.0, 0.0); 2],
        chin: (0.0, 0.0),
        shoulder,
    };

    // --- neck: from the jaw down to the torso's neck base ---
    let slim = lerp(1.0, 0.86, 1.0 - masc);
    let neck_front_base = (sx(50.0 + 2.0 * old) - 2.0 * (1.0 - slim) * 10.0, neck_y + 2.0);
    let neck_back_base = (sx(30.5 + 2.0 * old), neck_y + 2.0);
    let neck = vec![
        fig.head_pt((0.55, 0.98)),
        fig.head_pt((0.48 + 0.05 * masc * (1.0 - youth), 1.3)),
        neck_front_base,
        (neck_front_base.0, neck_y + 8.0),
        (neck_back_base.0, neck_y + 8.0),
        neck_back_base,
        fig.head_pt((-0.6 * skull, 0.95)),
        fig.head_pt((-0.55 * skull, 0.55)),
        fig.head_pt((0.2, 0.5)),
    ];

    let eye_h = (0.7 - 0.06 * youth, 0.0 + 0.1 * youth);
    let fig = Figure {
        neck,
        head: head.iter().map(|p| fig.head_pt(*p)).collect(),
        eye: fig.head_pt(eye_h),
        brow: [
            fig.head_pt((eye_h.0 - 0.2, eye_h.1 - 0.15)),
            fig.head_pt((eye_h.0 - 0.02, eye_h.1 - 0.24 - 0.02 * masc)),
            fig.head_pt((eye_h.0 + 0.13, eye_h.1 - 0.2)),
        ],
        ear: fig.head_pt((-0.12, 0.2 + 0.06 * youth)),
        nostril: fig.head_pt((face[6].0 - 0.1, face[6].1 - 0.03)),
        mouth: [
            fig.head_pt((face[9].0 - 0.16, face[9].1 + 0.01)),
            fig.head_pt((face[9].0 + 0.02, face[9].1)),
        ],
        chin: fig.head_pt(face[12]),
        ..fig
    };
    let (hair, strands) = hair(t, rng, &fig);
    Figure {
        hair,
        strands,
        ..fig
    }
}

/// The hair mass outline and a few strand strokes, both in figure-box coordinates.
fn hair(t: &Traits, rng: &Prng, fig: &Figure) -> (Option<Vec<Pt>>, Vec<[Pt; 3]>) {
    let j = |key: &str, amount: f64| rng.jitter(&format!("hair.{key}"), amount);
    let skull = 1.0 + 0.07 * t.youth;
    let volume = rng.range("hair.volume", 0.04, 0.14) + 0.04 * (1.0 - t.masc) - 0.04 * t.old;
    let top = |dx: f64, dy: f64| (dx * skull, dy * skull - volume);
    // Outer edge over the crown and down the back, shared by every length.
    let crown: Vec<Pt> = vec![
        top(0.62 + j("front", 0.05), -0.86),
        top(0.25, -1.08),
        top(-0.3, -1.07),
        top(-0.78, -0.8),
        ((-1.04 - volume) * skull, -0.35),
    ];
    let fringe = rng.chance("hair.fringe", 0.25 + 0.35 * (1.0 - t.masc));
    let pts: Vec<Pt> = match t.hair_length {
        HairLength::Bald if t.old > 0.3 => {
            // A horseshoe fringe of remaining hair around the back, at ear level.
            vec![
                (-0.35, -0.4),
                (-0.85 * skull, -0.42),
                (-1.07 * skull, 0.05),
                (-0.95 * skull, 0.5),
                (-0.66 * skull, 0.74),
                (-0.5, 0.6),
                (-0.55, 0.2),
                (-0.3, -0.02),
                (0.05, -0.08),
                (0.12, 0.12),
                (0.02, -0.22),
            ]
        }
        HairLength::Bald => return (None, Vec::new()),
        HairLength::Short => {
            let mut v = crown;
            if t.receding {
                v[0] = top(0.2, -0.98);
            }
            v.extend([
                ((-1.06 - volume * 0.5) * skull, 0.15),
                (-0.92 * skull, 0.55),
                (-0.7 * skull, 0.76),
                (-0.5, 0.62),
                (-0.34, 0.28),
                (-0.12, 0.02),
                (0.08, 0.06),
                (0.16, -0.26),
                (0.34, -0.48),
            ]);
            if t.receding {
                v.extend([(0.1, -0.55), (0.05, -0.85)]);
            } else {
                v.push((0.5 + j("hairline", 0.04), -0.64));
            }
            v
        }
        HairLength::Medium => {
            let mut v = crown;
            v.extend([
                ((-1.1 - volume) * skull, 0.3),
                (-1.02 * skull + j("tail", 0.05), 0.85),
                (-0.8 * skull, 1.08 + j("end", 0.06)),
                (-0.45, 1.0),
                (-0.2, 0.7),
                (0.05, 0.5),
                (0.16, 0.18),
                (0.22, -0.24),
                (0.4, -0.48),
            ]);
            if fringe {
                v.extend([(0.72, -0.5), (0.86, -0.6)]);
            } else {
                v.push((0.55, -0.64));
            }
            v
        }
        HairLength::Long => {
            let mut v = crown;
            let fall = rng.range("hair.fall", 2.0, 2.5);
            v.extend([
                ((-1.12 - volume) * skull, 0.3),
                (-1.14 * skull, 1.0),
                (-1.08 + j("back", 0.08), 1.7),
                (-0.92, fall),
                (-0.55 + j("tip", 0.08), fall + 0.08),
                (-0.38, fall - 0.45),
                (-0.3, 1.35),
                (-0.05, 0.85),
                (0.12, 0.55),
                (0.18, 0.2),
                (0.26, -0.22),
                (0.42, -0.48),
            ]);
            if fringe {
                v.extend([(0.74, -0.48), (0.86, -0.6)]);
            } else {
                v.push((0.56, -0.64));
            }
            v
        }
    };
    // Seeded irregularity so no two heads of hair are the same.
    let pts: Vec<Pt> = pts
        .iter()
        .enumerate()
        .map(|(i, (x, y))| {
            let k = format!("hair.pt.{i}");
            (x + rng.jitter(&format!("{k}.x"), 0.035), y + rng.jitter(&format!("{k}.y"), 0.035))
        })
        .map(|p| fig.head_pt(p))
        .collect();

    // Strands follow the flow from the hairline back and down.
    let n = match t.hair_length {
        HairLength::Bald => 2,
        HairLength::Short => 3,
        _ => 5,
    };
    let reach = match t.hair_length {
        HairLength::Long => 1.9,
        HairLength::Medium => 0.9,
        _ => 0.45,
    };
    let strands = (0..n)
        .map(|i| {
            let f = i as f64 / n as f64;
            let k = |s: &str| format!("hair.strand.{i}.{s}");
            let start = (0.45 - 0.6 * f + rng.jitter(&k("sx"), 0.05), -0.92 + 0.12 * f);
            let ctrl = (-0.7 - 0.2 * f, -0.75 + 0.3 * f + rng.jitter(&k("cy"), 0.1));
            let end = (-0.85 + rng.jitter(&k("ex"), 0.1), reach * (0.5 + 0.5 * f));
            if t.hair_length == HairLength::Bald {
                [fig.head_pt((-0.5, -0.3 + 0.3 * f)), fig.head_pt((-0.95, 0.0 + 0.3 * f)), fig.head_pt((-0.75, 0.55))]
            } else {
                [fig.head_pt(start), fig.head_pt(ctrl), fig.head_pt(end)]
            }
        })
        .collect();
    (Some(pts), strands)
}
