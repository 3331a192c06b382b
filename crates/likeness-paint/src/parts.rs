//! The face parts of a front-facing portrait: head shape, cheeks, ears, nose and eye set,
//! chosen by the seed and weighted by age and presentation. Pure decisions, no geometry: each
//! kind draws the parts in its own idiom (`cartoon/head.rs`, `face.rs`).
//!
//! Keys are `<kind>.head_shape`, `<kind>.ears`, … (`cartoon.*` or `poster.*`), new keys that
//! reshuffle nothing else. Sizes are three steps rather than a jitter, so a face is a small
//! tuple of named parts and variety can be counted.

use crate::look::Look;
use crate::prng::Prng;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum HeadShape {
    Round,
    Oval,
    Long,
    /// A square jaw with a broad chin.
    Square,
    /// Broad temples narrowing to a pointed chin.
    Heart,
    /// Broad cheeks on a short face.
    Wide,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Cheeks {
    /// Hollow under the cheekbone.
    Lean,
    Soft,
    /// Round, a child's.
    Full,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum EarShape {
    Round,
    /// Small and close to the head.
    Neat,
    /// Taller than wide, a long lobe.
    Tall,
    /// Sticking out.
    Jug,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum NoseShape {
    /// A small round tip.
    Button,
    /// A line down the bridge that hooks under.
    Hook,
    /// A triangle: a straight bridge and a flat base.
    Wedge,
    /// A round, fleshy tip with wings.
    Bulb,
    /// Short and upturned, nostrils showing.
    Snub,
    /// Long and straight, a sharp turn under the tip.
    Straight,
}

/// The chosen parts. Sizes are steps: 0 small, 1 middling, 2 large.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Parts {
    pub head: HeadShape,
    pub cheeks: Cheeks,
    pub ears: EarShape,
    pub ear_size: u8,
    pub nose: NoseShape,
    pub nose_size: u8,
    /// Eyes close-set (0), middling (1), wide-set (2).
    pub eye_set: u8,
    /// How much the face reads as a child's: 1 up to age 8, 0 from 16 (`Look::youth` fades
    /// by 14 and is only 0.2 at 12, too little for a twelve-year-old to look young).
    pub child: f64,
}

/// The discrete parts as one comparable value (what the variety tests count).
#[cfg(test)]
pub(crate) type Key = (HeadShape, Cheeks, EarShape, u8, NoseShape, u8, u8);

fn lerp(a: f64, b: f64, t: f64) -> f64 {
    a + (b - a) * t
}

/// Weights blended from feminine, masculine and child tables by presentation and childhood.
fn blend<const N: usize>(
    l: &Look,
    child: f64,
    woman: [f64; N],
    man: [f64; N],
    kid: [f64; N],
) -> [f64; N] {
    std::array::from_fn(|i| lerp(lerp(woman[i], man[i], l.masc), kid[i], child))
}

impl Parts {
    /// The parts of a face no kind has chosen for: the shared face's own.
    pub(crate) const PLAIN: Parts = Parts {
        head: HeadShape::Oval,
        cheeks: Cheeks::Soft,
        ears: EarShape::Round,
        ear_size: 1,
        nose: NoseShape::Button,
        nose_size: 1,
        eye_set: 1,
        child: 0.0,
    };

    pub(crate) fn choose(l: &Look, rng: &Prng, kind: &str) -> Parts {
        let key = |k: &str| format!("{kind}.{k}");
        let child = ((16.0 - l.age) / 8.0).clamp(0.0, 1.0);
        use HeadShape::*;
        let w = blend(
            l,
            child,
            [0.17, 0.26, 0.14, 0.09, 0.22, 0.12],
            [0.12, 0.19, 0.17, 0.26, 0.08, 0.18],
            [0.38, 0.2, 0.04, 0.04, 0.16, 0.18],
        );
        let head = [Round, Oval, Long, Square, Heart, Wide][rng.weighted(&key("head_shape"), &w)];
        // Cheeks fill out with childhood and (a little) with age; a long face is rarely full.
        let full = 0.25 + 0.6 * child + 0.15 * l.old - if head == Long { 0.15 } else { 0.0 };
        let lean = (0.3 * (1.0 - child) - 0.1 * l.old).max(0.02);
        let cheeks = [Cheeks::Lean, Cheeks::Soft, Cheeks::Full]
            [rng.weighted(&key("cheeks"), &[lean, 0.45, full])];
        let w = blend(
            l,
            child,
            [0.34, 0.34, 0.2, 0.12],
            [0.34, 0.24, 0.22, 0.2],
            [0.36, 0.24, 0.1, 0.3],
        );
        use EarShape as E;
        let ears = [E::Round, E::Neat, E::Tall, E::Jug][rng.weighted(&key("ears"), &w)];
        let ear_size = rng.weighted(&key("ear_size"), &[0.3, 0.4, 0.3]) as u8;
        use NoseShape as N;
        let w = blend(
            l,
            child,
            [0.26, 0.12, 0.16, 0.1, 0.22, 0.14],
            [0.14, 0.22, 0.18, 0.2, 0.08, 0.18],
            [0.46, 0.02, 0.06, 0.14, 0.3, 0.02],
        );
        let nose = [N::Button, N::Hook, N::Wedge, N::Bulb, N::Snub, N::Straight]
            [rng.weighted(&key("nose"), &w)];
        // Noses grow with age; a child's is mostly small.
        let big = 0.3 * (1.0 - child) + 0.1 * l.old + 0.1 * l.masc;
        let nose_size = rng.weighted(&key("nose_size"), &[0.3 + 0.5 * child, 0.4, big]) as u8;
        let eye_set = rng.weighted(&key("eye_set"), &[0.3, 0.4, 0.3]) as u8;
        Parts {
            head,
            cheeks,
            ears,
            ear_size,
            nose,
            nose_size,
            eye_set,
            child,
        }
    }

    #[cfg(test)]
    pub(crate) fn key(&self) -> Key {
        (
            self.head,
            self.cheeks,
            self.ears,
            self.ear_size,
            self.nose,
            self.nose_size,
            self.eye_set,
        )
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::sitter::{Presentation, Sitter};
    use std::collections::BTreeSet;

    /// Sitters for the seeds given: the three presentations in turn, ages from 5 to 85.
    pub(crate) fn sitters(seeds: &[String]) -> Vec<Sitter<'_>> {
        let ps = [Presentation::Woman, Presentation::Man, Presentation::Person];
        let ages = [5, 8, 10, 12, 17, 24, 31, 38, 46, 55, 67, 85];
        seeds
            .iter()
            .enumerate()
            .map(|(i, s)| Sitter {
                presentation: ps[i % 3],
                age: Some(ages[(i * 5) % ages.len()]),
                ..Sitter::new(s)
            })
            .collect()
    }

    pub(crate) fn seeds(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("s{i}")).collect()
    }

    fn parts_of(kind: &str, n: usize) -> Vec<Parts> {
        let seeds = seeds(n);
        sitters(&seeds)
            .iter()
            .zip(&seeds)
            .map(|(s, seed)| {
                let rng = Prng::new(seed);
                Parts::choose(&Look::resolve(s, &[], &rng), &rng, kind)
            })
            .collect()
    }

    #[test]
    fn no_two_of_48_sitters_share_their_parts_and_each_part_varies() {
        for kind in ["cartoon", "poster"] {
            let parts = parts_of(kind, 48);
            let keys: BTreeSet<Key> = parts.iter().map(Parts::key).collect();
            assert_eq!(keys.len(), 48, "{kind}: two sitters share their face parts");
            let count =
                |f: &dyn Fn(&Parts) -> String| parts.iter().map(f).collect::<BTreeSet<_>>().len();
            assert!(count(&|p| format!("{:?}", p.head)) >= 5, "{kind}: heads");
            assert_eq!(count(&|p| format!("{:?}", p.cheeks)), 3, "{kind}: cheeks");
            assert_eq!(count(&|p| format!("{:?}", p.ears)), 4, "{kind}: ears");
            assert!(count(&|p| format!("{:?}", p.nose)) >= 5, "{kind}: noses");
            for f in [
                (|p: &Parts| p.ear_size) as fn(&Parts) -> u8,
                |p| p.nose_size,
                |p| p.eye_set,
            ] {
                assert_eq!(parts.iter().map(f).collect::<BTreeSet<_>>().len(), 3);
            }
        }
    }

    #[test]
    fn the_kinds_choose_independently() {
        let (c, p) = (parts_of("cartoon", 48), parts_of("poster", 48));
        let same = c.iter().zip(&p).filter(|(a, b)| a.key() == b.key()).count();
        assert!(same < 3, "{same}");
    }

    #[test]
    fn children_get_childlike_parts() {
        let count = |age: u32, f: &dyn Fn(&Parts) -> bool| {
            (0..300)
                .filter(|i| {
                    let seed = format!("k{i}");
                    let rng = Prng::new(&seed);
                    let s = Sitter {
                        age: Some(age),
                        ..Sitter::new(&seed)
                    };
                    f(&Parts::choose(
                        &Look::resolve(&s, &[], &rng),
                        &rng,
                        "cartoon",
                    ))
                })
                .count()
        };
        let small_nose = |p: &Parts| p.nose_size == 0;
        let round = |p: &Parts| p.cheeks == Cheeks::Full || p.head == HeadShape::Round;
        assert!(count(9, &small_nose) > count(35, &small_nose) + 60);
        assert!(count(9, &round) > count(35, &round) + 60);
        // A child's nose is almost never hooked.
        assert!(count(9, &|p| p.nose == NoseShape::Hook) < 15);
    }
}
