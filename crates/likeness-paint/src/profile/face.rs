//! The face in profile, from the top of the forehead to the throat, built from parts.
//!
//! People differ in profile by the shape of a few parts more than by their sizes: a sloped or
//! upright forehead, a brow ridge or none, a straight, hooked, upturned, broad or long nose,
//! thin or full or forward lips, a chin that recedes, stands square or juts. So the seed
//! chooses an archetype for each part (weighted by age and presentation, as they are among
//! people), and then a small jitter on top, so two sitters with the same parts still differ.
//! Age and presentation keep their old effect on top of the parts: a child's small face under a
//! big cranium, an older nose and lips.

use super::{Pt, Traits};
use crate::prng::Prng;

/// The forehead's line from the hairline to the brow.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Forehead {
    Upright,
    Sloped,
    Rounded,
}

/// How far the brow ridge stands out over the bridge of the nose.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Brow {
    Flat,
    Soft,
    Ridged,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Nose {
    Straight,
    /// A bump on the bridge and a tip that turns down: the "Roman" nose.
    Aquiline,
    /// A short nose whose tip turns up.
    Upturned,
    /// A low bridge and a wide, rounded tip.
    Broad,
    /// Long, with a tip that hangs.
    Long,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Lips {
    Thin,
    Even,
    Full,
    /// Both lips forward of the line from nose to chin.
    Forward,
}

/// The chin and the jaw line under it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Chin {
    Receding,
    Even,
    Square,
    Jutting,
    /// Soft under the chin: the jaw line sags into the throat.
    Soft,
}

/// The eye seen from the side.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Eye {
    Almond,
    /// Open and rounder.
    Round,
    /// A heavy upper lid over a narrow opening.
    Hooded,
    /// Set back under the brow, in its shadow.
    DeepSet,
}

/// The ear's size and set.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Ear {
    Small,
    Even,
    Large,
    /// Set lower and further back.
    Low,
}

/// The line of the jaw from under the ear to the chin.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Jaw {
    Soft,
    /// A marked angle under the ear, set low.
    Angular,
    /// A short jaw, high under the ear.
    Short,
}

/// The parts a sitter's profile is built from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Parts {
    pub forehead: Forehead,
    pub brow: Brow,
    pub nose: Nose,
    pub lips: Lips,
    pub chin: Chin,
    pub eye: Eye,
    pub ear: Ear,
    pub jaw: Jaw,
}

impl Jaw {
    /// Where the jaw's underside and its angle under the ear sit, in head space.
    pub(crate) fn points(self, masc: f64) -> [Pt; 2] {
        match self {
            Jaw::Soft => [(0.12, 0.86 - 0.04 * masc), (-0.3, 0.72)],
            Jaw::Angular => [(0.1, 0.9 - 0.03 * masc), (-0.28, 0.8)],
            Jaw::Short => [(0.14, 0.8 - 0.03 * masc), (-0.32, 0.66)],
        }
    }
}

impl Parts {
    /// The seed's choice, weighted by age and presentation.
    pub(crate) fn choose(t: &Traits, rng: &Prng) -> Parts {
        let (youth, old, masc) = (t.youth, t.old, t.masc);
        let adult = 1.0 - youth;
        let pick = |key: &str, weights: &[f64]| rng.weighted(&format!("part.{key}"), weights);
        let forehead = [Forehead::Upright, Forehead::Sloped, Forehead::Rounded][pick(
            "forehead",
            &[1.0, 0.3 + 0.7 * masc * adult, 0.5 + 2.0 * youth],
        )];
        let brow = [Brow::Flat, Brow::Soft, Brow::Ridged][pick(
            "brow",
            &[
                0.5 + 0.5 * (1.0 - masc) + 2.0 * youth,
                1.0,
                0.9 * masc * adult,
            ],
        )];
        let nose = [
            Nose::Straight,
            Nose::Aquiline,
            Nose::Upturned,
            Nose::Broad,
            Nose::Long,
        ][pick(
            "nose",
            &[
                1.0,
                (0.3 + 0.4 * masc + 0.4 * old) * adult,
                0.4 + 0.3 * (1.0 - masc) + 2.0 * youth,
                0.6,
                (0.2 + 0.6 * old) * adult,
            ],
        )];
        let lips = [Lips::Thin, Lips::Even, Lips::Full, Lips::Forward][pick(
            "lips",
            &[
                0.4 + 0.4 * masc + 0.8 * old,
                1.0,
                0.4 + 0.5 * (1.0 - masc),
                0.4,
            ],
        )];
        let chin = [
            Chin::Receding,
            Chin::Even,
            Chin::Square,
            Chin::Jutting,
            Chin::Soft,
        ][pick(
            "chin",
            &[
                0.5 + youth,
                1.0,
                (0.2 + 0.7 * masc) * adult,
                (0.1 + 0.4 * masc) * adult,
                (0.15 + 0.9 * old) * adult,
            ],
        )];
        let eye = [Eye::Almond, Eye::Round, Eye::Hooded, Eye::DeepSet][pick(
            "eye",
            &[
                1.0,
                0.5 + 1.5 * youth,
                (0.3 + 0.9 * old) * adult,
                0.35 * adult,
            ],
        )];
        let ear = [Ear::Small, Ear::Even, Ear::Large, Ear::Low][pick(
            "ear",
            &[0.6 + 0.3 * (1.0 - masc), 1.0, 0.4 + 0.5 * old, 0.4],
        )];
        let jaw = [Jaw::Soft, Jaw::Angular, Jaw::Short]
            [pick("jaw", &[1.0, (0.2 + 0.8 * masc) * adult, 0.5 + youth])];
        Parts {
            forehead,
            brow,
            nose,
            lips,
            chin,
            eye,
            ear,
            jaw,
        }
    }
}

/// Offsets a part gives the profile's points, in head units: `(index, dx, dy)`.
type Moves = &'static [(usize, f64, f64)];

fn forehead_moves(f: Forehead) -> Moves {
    match f {
        Forehead::Upright => &[(0, 0.06, 0.0), (1, 0.03, 0.0)],
        Forehead::Sloped => &[(0, -0.12, 0.02), (1, -0.07, 0.0)],
        Forehead::Rounded => &[(0, -0.03, 0.0), (1, 0.06, 0.02)],
    }
}

fn brow_moves(b: Brow) -> Moves {
    match b {
        Brow::Flat => &[(2, -0.03, 0.0), (3, 0.02, 0.0)],
        Brow::Soft => &[],
        Brow::Ridged => &[(2, 0.05, 0.01), (3, -0.03, 0.01)],
    }
}

fn nose_moves(n: Nose) -> Moves {
    match n {
        Nose::Straight => &[],
        Nose::Aquiline => &[(4, 0.07, -0.01), (5, 0.02, 0.03), (6, 0.0, 0.04)],
        Nose::Upturned => &[(4, -0.04, 0.0), (5, -0.05, -0.05), (6, -0.02, -0.04)],
        Nose::Broad => &[
            (4, -0.03, 0.0),
            (5, -0.04, 0.02),
            (6, 0.04, 0.02),
            (7, 0.02, 0.0),
        ],
        Nose::Long => &[
            (4, 0.03, 0.02),
            (5, 0.07, 0.06),
            (6, 0.04, 0.07),
            (7, 0.0, 0.03),
        ],
    }
}

fn lips_moves(l: Lips) -> Moves {
    match l {
        Lips::Thin => &[(8, -0.04, 0.0), (10, -0.035, 0.0)],
        Lips::Even => &[],
        Lips::Full => &[(8, 0.035, 0.0), (9, 0.0, 0.01), (10, 0.05, 0.02)],
        Lips::Forward => &[
            (7, 0.03, 0.0),
            (8, 0.05, 0.0),
            (9, 0.04, 0.0),
            (10, 0.05, 0.0),
        ],
    }
}

fn chin_moves(c: Chin) -> Moves {
    match c {
        Chin::Receding => &[(11, -0.03, 0.0), (12, -0.09, 0.0), (13, -0.07, -0.02)],
        Chin::Even => &[],
        Chin::Square => &[(12, 0.03, 0.02), (13, 0.04, 0.04), (14, 0.02, 0.04)],
        Chin::Jutting => &[(11, 0.02, 0.0), (12, 0.08, 0.01), (13, 0.06, 0.02)],
        Chin::Soft => &[(13, -0.04, 0.04), (14, 0.02, 0.1), (15, 0.0, 0.06)],
    }
}

/// The face profile in head space for `parts`, from the top of the forehead to the throat.
pub(crate) fn outline(t: &Traits, parts: &Parts, rng: &Prng) -> Vec<Pt> {
    let j = |key: &str, amount: f64| rng.jitter(&format!("profile.{key}"), amount);
    let (youth, old, masc) = (t.youth, t.old, t.masc);
    let nose = j("nose", 0.05) + 0.04 * masc + 0.05 * old - 0.16 * youth;
    // A child's nose is a small upturned button: low bridge, round tip.
    let snub = 0.08 * youth;
    let bridge = 0.6 - 0.25 * youth;
    let bulb = 0.05 * youth;
    let droop = j("droop", 0.03) + 0.04 * old;
    let chin = j("chin", 0.04) + 0.04 * masc - 0.08 * youth - 0.04 * old;
    let lips = j("lips", 0.025) + 0.025 * (1.0 - masc) - 0.03 * old + 0.03 * youth;
    let brow = 0.04 * masc - 0.03 * youth;
    let mut face: Vec<Pt> = vec![
        (0.55 + 0.08 * youth, -0.86),
        (0.83 + 0.11 * youth, -0.5),
        (0.9 + brow, -0.2),
        (0.85, -0.04),
        (0.98 + bridge * nose - 0.02 * youth, 0.15),
        (1.13 + nose, 0.33 + droop - snub),
        (1.04 + 0.7 * nose + bulb, 0.42 + droop - snub),
        (0.93, 0.46),
        (0.97 + lips, 0.55),
        (0.92, 0.61),
        (0.95 + lips, 0.67),
        (0.88, 0.75),
        (0.94 + chin, 0.87),
        (0.85 + 0.7 * chin, 0.98),
        (0.62, 1.04 + 0.06 * old),
        (0.5, 1.06 + 0.05 * old),
    ];
    // A child's parts are small and soft: the archetypes show at a third of their size.
    let weight = 1.0 - 0.65 * youth;
    let moves = [
        forehead_moves(parts.forehead),
        brow_moves(parts.brow),
        nose_moves(parts.nose),
        lips_moves(parts.lips),
        chin_moves(parts.chin),
    ];
    for &(i, dx, dy) in moves.iter().flat_map(|m| m.iter()) {
        face[i].0 += dx * weight;
        face[i].1 += dy * weight;
    }
    // A child's face is small and low under a big cranium: squeeze everything below the brow
    // towards the cheek.
    for p in face.iter_mut().skip(2) {
        p.0 = 0.45 + (p.0 - 0.45) * (1.0 - 0.25 * youth);
        p.1 = 0.14 * youth + p.1 * (1.0 - 0.2 * youth);
    }
    face
}
