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
mod hair;
#[cfg(test)]
mod tests;
mod wear;

pub(crate) use hair::Hair;
pub(crate) use wear::{Covering, FacialHairShape, Spectacles};

use crate::look::{Frames, Look};
use crate::prng::Prng;
use crate::sitter::{FacialHair, HairColor, HairStyle, HeadCovering, Presentation, Rgb, Sitter};

pub(crate) type Pt = (f64, f64);

/// Resolved traits: the sitter's facts, with gaps filled from the seed. The person (skin,
/// hair, what is worn) is the one the poster and the cartoon draw for the same sitter
/// (`look.rs`), so a sitter is recognisably the same in every look; the proportions are the
/// profile's own.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Traits {
    /// 1 for a child up to 6, 0 from 15 years.
    pub youth: f64,
    /// 0 up to 55 years, 1 from 85.
    pub old: f64,
    /// 1 man, 0 woman, 0.5 person.
    pub masc: f64,
    pub hair_color: HairColor,
    pub hair_style: HairStyle,
    pub skin: Rgb,
    pub facial_hair: FacialHair,
    /// Round rims (or square ones) when the sitter wears glasses.
    pub glasses: Option<bool>,
    pub covering: HeadCovering,
}

impl Traits {
    pub(crate) fn resolve(sitter: &Sitter, look: &Look) -> Traits {
        let age = f64::from(sitter.age.unwrap_or(35).min(120));
        let masc = match sitter.presentation {
            Presentation::Man => 1.0,
            Presentation::Woman => 0.0,
            Presentation::Person => 0.5,
        };
        Traits {
            // Fully childlike to 6, fading out by 15.
            youth: ((15.0 - age) / 9.0).clamp(0.0, 1.0),
            old: ((age - 55.0) / 30.0).clamp(0.0, 1.0),
            masc,
            hair_color: look.hair_color,
            hair_style: look.style,
            skin: look.skin.base,
            facial_hair: look.facial,
            glasses: look.glasses.map(|g| g.frames == Frames::Round),
            covering: look.covering,
        }
    }
}

/// The eye's shape in head units, from its part (`face::Eye`).
#[derive(Clone, Copy, Debug)]
pub(crate) struct EyeShape {
    pub length: f64,
    pub above: f64,
    pub below: f64,
    pub lid: f64,
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
    /// The hair (`None`: a bare scalp, or hidden under a headscarf).
    pub hair: Option<Hair>,
    pub covering: Option<Covering>,
    pub glasses: Option<Spectacles>,
    pub facial_hair: Option<FacialHairShape>,
    /// Where the shoulder and arm mass sits: centre, rx, ry.
    pub shoulder: (Pt, f64, f64),
    pub eye: Pt,
    /// The eye's opening: half its length, its height above and below the line, and the
    /// weight of the lid over it (0 none .. 1 heavy).
    pub eye_shape: EyeShape,
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
    let [under_jaw, jaw_angle] = parts.jaw.points(masc);
    head.extend(
        [
            under_jaw,
            jaw_angle,
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

    let set_back = if parts.eye == face::Eye::DeepSet {
        0.04
    } else {
        0.0
    };
    let eye_h = (0.7 - 0.08 * youth - set_back, 0.12 * youth);
    let eye_shape = match parts.eye {
        face::Eye::Almond => (0.095, 0.09, 0.05, 0.0),
        face::Eye::Round => (0.09, 0.11, 0.065, 0.0),
        face::Eye::Hooded => (0.1, 0.06, 0.04, 0.8),
        face::Eye::DeepSet => (0.09, 0.08, 0.045, 0.4),
    };
    let eye_shape = EyeShape {
        length: eye_shape.0,
        above: eye_shape.1,
        below: eye_shape.2,
        lid: eye_shape.3,
    };
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
    let (ear_size, ear_low) = match parts.ear {
        face::Ear::Small => (0.86, 0.0),
        face::Ear::Even => (1.0, 0.0),
        face::Ear::Large => (1.16, 0.02),
        face::Ear::Low => (1.0, 0.1),
    };
    let ear = (
        -0.12 - 0.5 * ear_low + j("ear.x", 0.04),
        0.2 + ear_low + 0.08 * youth + j("ear.y", 0.05),
    );
    let place = |o: Outline| -> Outline { o.into_iter().map(|(p, s)| (hp(p), s)).collect() };
    let covering = wear::covering(t.covering, t, rng);
    // Under a headscarf there is no hair to see; under a beanie, nothing stands above it.
    let hair = match t.covering {
        HeadCovering::Headscarf => None,
        HeadCovering::Beanie => hair::build(t, under_beanie(t.hair_style), rng),
        _ => hair::build(t, t.hair_style, rng),
    };
    let glasses = t.glasses.map(|round| {
        let s = wear::spectacles(eye_h, ear, round);
        Spectacles {
            rim: (hp(s.rim.0), s.rim.1 * u, s.rim.2 * u),
            arm: s.arm.map(&hp),
        }
    });
    let facial_hair = wear::facial_hair(t.facial_hair, &face, rng).map(|f| FacialHairShape {
        pieces: f.pieces.into_iter().map(&place).collect(),
        density: f.density,
    });
    Figure {
        centre,
        u,
        tilt,
        torso,
        neck,
        head,
        shoulder,
        eye: hp(eye_h),
        eye_shape,
        brow: [
            hp((eye_h.0 - 0.2, eye_h.1 - 0.15)),
            hp((eye_h.0 - 0.02, eye_h.1 - 0.24 - 0.02 * masc)),
            hp((eye_h.0 + 0.13, eye_h.1 - 0.2)),
        ],
        ear: hp(ear),
        ear_size: ear_size + j("ear.size", 0.06) + 0.08 * old,
        nostril: hp((face[6].0 - 0.1, face[6].1 - 0.03)),
        mouth: [
            hp((face[9].0 - 0.16, face[9].1 + 0.01)),
            hp((face[9].0 + 0.02, face[9].1)),
        ],
        lines,
        lash,
        hair: hair.map(|h| h.place(rng, hp)),
        covering: covering.map(|c| Covering {
            shape: place(c.shape),
            band: c.band.map(&place),
            ..c
        }),
        glasses,
        facial_hair,
    }
}

/// The cut as it shows under a beanie: what stood above the crown is pressed flat, what hung
/// from it hangs below.
fn under_beanie(style: HairStyle) -> HairStyle {
    use HairStyle::*;
    match style {
        Afro => Curly,
        Bun | Fade | SidePart => Crop,
        other => other,
    }
}
