//! What the sitter wears on the head, and facial hair, in profile: geometry only, in head
//! space like the face it follows (`face.rs` numbers the profile's points from the forehead to
//! the throat; the constants below name the ones used here).
//!
//! - A headscarf hides the hair, the ear and the neck: a hood that frames the face, wraps
//!   under the chin and falls over the shoulders.
//! - A beanie is a dome over the crown with a folded cuff; a headband a strip round the head
//!   at the top of the forehead. Both lie over the hair.
//! - Glasses, seen from the side: the rim in front of the eye almost edge-on, and the arm back
//!   over the ear.
//! - Facial hair follows the jaw and the lip: a beard from the sideburn round the jaw and chin,
//!   a goatee on the chin, a moustache on the upper lip, stubble as a thin beard.

use super::{Outline, Pt, Traits};
use crate::prng::Prng;
use crate::sitter::{FacialHair, HeadCovering};

/// Indices into the face profile (`face::outline`).
const UNDER_NOSE: usize = 7;
const UPPER_LIP: usize = 8;
const MOUTH: usize = 9;
const UNDER_LIP: usize = 11;
const CHIN: usize = 12;
const CHIN_BOTTOM: usize = 13;

/// A head covering's washes: the main shape and, for a beanie, its cuff.
#[derive(Clone, Debug)]
pub(crate) struct Covering {
    pub kind: HeadCovering,
    pub shape: Outline,
    pub band: Option<Outline>,
}

/// Spectacles from the side: the rim (centre, half width, half height) and the arm.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Spectacles {
    pub rim: (Pt, f64, f64),
    /// From the top of the rim back to over the ear.
    pub arm: [Pt; 3],
}

/// Facial hair: its washes (a beard and a moustache are two) and how thick it grows.
#[derive(Clone, Debug)]
pub(crate) struct FacialHairShape {
    pub pieces: Vec<Outline>,
    pub density: f64,
}

pub(crate) fn covering(kind: HeadCovering, t: &Traits, rng: &Prng) -> Option<Covering> {
    let skull = 1.0 + 0.14 * t.youth;
    let j = |key: &str, amount: f64| rng.jitter(&format!("wear.{key}"), amount);
    let soft = |pts: &[Pt], s: f64| pts.iter().map(|p| (*p, s)).collect::<Outline>();
    match kind {
        HeadCovering::None => None,
        HeadCovering::Headscarf => {
            let drape = 2.45 + j("scarf.drape", 0.15);
            let mut shape = soft(
                &[
                    (0.66, -0.74),
                    (0.32, -1.16 * skull),
                    (-0.4, -1.18 * skull),
                    (-1.1 * skull, -0.7),
                    (-1.18 * skull, 0.2),
                    (-1.05 * skull, 1.0),
                    (-1.3 * skull, drape - 0.35),
                    (-1.45, drape + 0.4),
                    (0.9, drape + 0.45),
                ],
                0.5,
            );
            // The front edge frames the face: forehead, cheek in front of the ear, under the
            // chin and down the throat.
            shape.extend(soft(
                &[
                    (1.05, drape - 0.1),
                    (0.78, 1.2),
                    (0.55, 1.1),
                    (0.35, 0.75),
                    (0.28, 0.3),
                    (0.34, -0.2),
                    (0.5 + j("scarf.front", 0.04), -0.58),
                ],
                0.25,
            ));
            Some(Covering {
                kind,
                shape,
                band: None,
            })
        }
        HeadCovering::Beanie => {
            let lift = 0.15 + j("beanie.lift", 0.08);
            let shape = soft(
                &[
                    (0.72, -0.52),
                    (0.6, -0.95),
                    (0.15, -1.12 * skull - lift),
                    (-0.5, -1.1 * skull - lift),
                    (-1.05 * skull, -0.72),
                    (-1.14 * skull, -0.05),
                    (-0.4, -0.25),
                ],
                0.35,
            );
            let band = soft(
                &[
                    (0.74, -0.74),
                    (0.76, -0.5),
                    (-0.4, -0.22),
                    (-1.15 * skull, -0.02),
                    (-1.13 * skull, -0.32),
                    (-0.4, -0.5),
                ],
                0.3,
            );
            Some(Covering {
                kind,
                shape,
                band: Some(band),
            })
        }
        HeadCovering::Headband => {
            let y = -0.66 + j("band.y", 0.05);
            let shape = soft(
                &[
                    (0.7, y - 0.13),
                    (0.1, y - 0.26),
                    (-0.6, y - 0.16),
                    (-1.1 * skull, y + 0.12),
                    (-1.1 * skull, y + 0.36),
                    (-0.6, y + 0.1),
                    (0.1, y + 0.0),
                    (0.74, y + 0.1),
                ],
                0.3,
            );
            Some(Covering {
                kind,
                shape,
                band: None,
            })
        }
    }
}

/// Glasses for the eye at `eye`, the arm reaching back to the top of the ear at `ear`.
pub(crate) fn spectacles(eye: Pt, ear: Pt, round: bool) -> Spectacles {
    // Nearly edge-on: a narrow upright ellipse in front of the eye.
    let (rx, ry) = if round { (0.04, 0.16) } else { (0.03, 0.14) };
    let front = (eye.0 + 0.17, eye.1 + 0.02);
    let hinge = (front.0 - 0.02, eye.1 - 0.1);
    Spectacles {
        rim: (front, rx, ry),
        arm: [
            hinge,
            ((hinge.0 + ear.0) / 2.0, hinge.1 - 0.03),
            (ear.0 + 0.06, ear.1 - 0.22),
        ],
    }
}

/// The facial hair `kind` on the face profile `face` (head space).
pub(crate) fn facial_hair(kind: FacialHair, face: &[Pt], rng: &Prng) -> Option<FacialHairShape> {
    let j = |key: &str, amount: f64| rng.jitter(&format!("wear.beard.{key}"), amount);
    let at = |i: usize, dx: f64, dy: f64| (face[i].0 + dx, face[i].1 + dy);
    let soft = |pts: &[Pt], s: f64| pts.iter().map(|p| (*p, s)).collect::<Outline>();
    let moustache = || {
        soft(
            &[
                at(UNDER_NOSE, -0.02, 0.0),
                at(UPPER_LIP, 0.03, -0.02),
                at(MOUTH, -0.06, -0.03),
                at(MOUTH, -0.2, 0.03),
                at(UNDER_NOSE, -0.24, 0.03),
            ],
            0.35,
        )
    };
    let beard = |full: f64| {
        let hang = 0.12 * full + j("hang", 0.05) * full;
        soft(
            &[
                (0.04, -0.04),
                (0.18, 0.0),
                (0.3, 0.3),
                (0.55, 0.45),
                at(MOUTH, -0.14, 0.07),
                at(UNDER_LIP, 0.02, 0.0),
                at(CHIN, 0.04 + 0.06 * full, 0.02),
                at(CHIN_BOTTOM, 0.02 + 0.04 * full, 0.04 + hang),
                (0.5, 1.12 + hang),
                (0.2, 1.0 + 0.5 * hang),
                (-0.05, 0.62),
                (-0.02, 0.2),
            ],
            0.5,
        )
    };
    let (pieces, density) = match kind {
        FacialHair::None => return None,
        FacialHair::Stubble => (vec![beard(0.0)], 0.3),
        FacialHair::Moustache => (vec![moustache()], 0.9),
        FacialHair::Beard => (vec![beard(1.0), moustache()], 0.9),
        FacialHair::Goatee => {
            let chin = soft(
                &[
                    at(MOUTH, -0.06, 0.08),
                    at(UNDER_LIP, 0.03, 0.0),
                    at(CHIN, 0.05, 0.02),
                    at(CHIN_BOTTOM, 0.02, 0.08 + j("goatee", 0.04)),
                    at(CHIN_BOTTOM, -0.2, 0.04),
                    at(UNDER_LIP, -0.14, 0.02),
                ],
                0.4,
            );
            (vec![chin, moustache()], 0.85)
        }
    };
    Some(FacialHairShape { pieces, density })
}
