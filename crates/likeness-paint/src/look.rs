//! The resolved look of a front-facing portrait: the sitter's facts and pins, with every gap
//! filled from the seed. Pure decisions and colours; no geometry, no SVG.
//!
//! Keys are namespaced `poster.*` and never reused, so adding a decision does not reshuffle
//! existing portraits. Demographics (presentation, age) and the skin tone weight the choices;
//! names never do. Every pin wins over every tendency.

use crate::prng::Prng;
use crate::sitter::{FacialHair, HairColor, HairLength, HairStyle, HeadCovering};
use crate::sitter::{Presentation, Rgb, Sitter};

const fn hex(v: u32) -> Rgb {
    Rgb((v >> 16) as u8, (v >> 8) as u8, v as u8)
}

/// Three tones of one material: flat base, a shadow block, a highlight block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Tones {
    pub base: Rgb,
    pub shadow: Rgb,
    pub light: Rgb,
}

/// The skin ramp, very light to very deep: base, shadow, highlight. Warm throughout; shadows
/// lean red-brown rather than grey so deep tones stay rich.
pub(crate) const SKIN: [Tones; 10] = [
    skin(0xf8dfce, 0xe7bca6, 0xfff0e6),
    skin(0xf2cfb3, 0xdcaa8c, 0xfce3cf),
    skin(0xe9be9a, 0xd09b76, 0xf6d4b6),
    skin(0xdca780, 0xc08760, 0xecc09e),
    skin(0xc99268, 0xab734c, 0xdeac86),
    skin(0xb07950, 0x935f3c, 0xc89169),
    skin(0x95623e, 0x7b4e31, 0xae7a55),
    skin(0x7a4e31, 0x653f27, 0x956447),
    skin(0x5f3b25, 0x4d2f1d, 0x7d5338),
    skin(0x4a2b1b, 0x3b2115, 0x6a4530),
];

const fn skin(b: u32, s: u32, l: u32) -> Tones {
    Tones {
        base: hex(b),
        shadow: hex(s),
        light: hex(l),
    }
}

/// Built-in jersey pairs (primary, trim): team-like, saturated but not neon.
pub(crate) const TEAMS: [(Rgb, Rgb); 16] = [
    (hex(0x1f2f4f), hex(0xe0a526)),
    (hex(0xc8102e), hex(0xf4f1ea)),
    (hex(0x1d4fa3), hex(0xf4f1ea)),
    (hex(0x1f5236), hex(0xefe3c2)),
    (hex(0x1e1e22), hex(0xf26b1d)),
    (hex(0x4b2a7b), hex(0xf2b632)),
    (hex(0x0e7c7b), hex(0x16181c)),
    (hex(0x6e1f2e), hex(0xd9a63e)),
    (hex(0xe4632a), hex(0x1c2841)),
    (hex(0x1e8c45), hex(0xf4f1ea)),
    (hex(0x4f9bd9), hex(0x15294a)),
    (hex(0x9e1b32), hex(0xf1e7d0)),
    (hex(0x3a3f47), hex(0xe34b3d)),
    (hex(0xe2b33c), hex(0x1c2841)),
    (hex(0xf1efe8), hex(0x1f3a6e)),
    (hex(0x2d6a8f), hex(0xf2c14e)),
];

/// Eye (iris) colours.
const IRIS: [Rgb; 6] = [
    hex(0x3b2416),
    hex(0x5a3a22),
    hex(0x6d5a2c),
    hex(0x4f6b3a),
    hex(0x3f6a8c),
    hex(0x6b7680),
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Frames {
    Round,
    Square,
    /// Heavier on top (browline / clubmaster).
    Browline,
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct Glasses {
    pub frames: Frames,
    pub color: Rgb,
}

/// Everything decided about the person.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Look {
    /// Age in years (35 when unknown).
    pub age: f64,
    /// 1 for a small child (≤ 4), 0 from 14.
    pub youth: f64,
    /// 0 up to 50, 1 from 85.
    pub old: f64,
    /// 1 man, 0 woman, 0.5 person.
    pub masc: f64,
    pub skin: Tones,
    /// 0 (lightest) .. 1 (deepest).
    pub depth: f64,
    pub hair_color: HairColor,
    pub hair: Tones,
    pub style: HairStyle,
    pub facial: FacialHair,
    pub glasses: Option<Glasses>,
    pub covering: HeadCovering,
    pub iris: Rgb,
    /// -1..1, a three-quarter turn (0 front-facing).
    pub turn: f64,
    /// 0 a calm closed smile .. 1 a broad one; `open` shows teeth.
    pub smile: f64,
    pub open: bool,
    pub blush: bool,
    pub jersey: Rgb,
    pub trim: Rgb,
}

/// The three tones for a skin colour: a ramp entry, or a pinned colour shaded the way the
/// nearest ramp entry (by luminance) is shaded.
pub(crate) fn skin_tones(pinned: Option<Rgb>, rng: &Prng) -> (Tones, f64) {
    let pick = |i: usize| (SKIN[i], i as f64 / (SKIN.len() - 1) as f64);
    let Some(c) = pinned else {
        return pick(rng.below("poster.skin", SKIN.len()));
    };
    let l = c.luminance();
    let (i, _) = SKIN
        .iter()
        .enumerate()
        .map(|(i, t)| (i, (t.base.luminance() - l).abs()))
        .fold((0, f64::MAX), |a, b| if b.1 < a.1 { b } else { a });
    let t = SKIN[i];
    let shade = |from: Rgb, to: Rgb| {
        let ch = |v: u8, a: u8, b: u8| {
            let k = ((f64::from(b) + 8.0) / (f64::from(a) + 8.0)).min(2.0);
            ((f64::from(v) + 8.0) * k - 8.0).round().clamp(0.0, 255.0) as u8
        };
        Rgb(
            ch(c.0, from.0, to.0),
            ch(c.1, from.1, to.1),
            ch(c.2, from.2, to.2),
        )
    };
    let tones = Tones {
        base: c,
        shadow: shade(t.base, t.shadow),
        light: shade(t.base, t.light),
    };
    let depth = (1.0 - (l / 0.75)).clamp(0.0, 1.0);
    (tones, depth)
}

/// Flat hair tones: shadow for the mass behind the head and partings, highlight for sheen.
pub(crate) fn hair_tones(c: HairColor) -> Tones {
    let (b, s, l) = match c {
        HairColor::Black => (0x211f25, 0x131216, 0x4a4858),
        HairColor::DarkBrown => (0x3d2a1f, 0x271a13, 0x5c4232),
        HairColor::Brown => (0x6b4a32, 0x4c3322, 0x8a6547),
        HairColor::Auburn => (0x8a3f25, 0x652c1a, 0xa9593a),
        HairColor::Red => (0xc0632f, 0x98461f, 0xdc8550),
        HairColor::Blond => (0xd9b46e, 0xb8904f, 0xeed39a),
        HairColor::Grey => (0xa3a29e, 0x82817e, 0xc4c3bf),
        HairColor::White => (0xe4e1da, 0xc4c0b8, 0xf5f3ee),
    };
    Tones {
        base: hex(b),
        shadow: hex(s),
        light: hex(l),
    }
}

fn hair_length_of(s: HairStyle) -> HairLength {
    use HairStyle::*;
    match s {
        Bald => HairLength::Bald,
        Receding | Buzz | Crop | Fade | SidePart | Curly => HairLength::Short,
        Bob | Wavy | Afro => HairLength::Medium,
        Locs | Braids | Bun | Ponytail | Long => HairLength::Long,
    }
}

fn pick_style(sitter: &Sitter, l: &Look, rng: &Prng) -> HairStyle {
    use HairStyle::*;
    const ORDER: [HairStyle; 15] = [
        Bald, Receding, Buzz, Crop, Fade, SidePart, Curly, Afro, Locs, Braids, Bun, Ponytail, Bob,
        Wavy, Long,
    ];
    let (man, woman) = (
        [
            0.05, 0.0, 0.14, 0.24, 0.16, 0.12, 0.1, 0.05, 0.06, 0.03, 0.02, 0.01, 0.0, 0.03, 0.03,
        ],
        [
            0.0, 0.0, 0.01, 0.06, 0.01, 0.04, 0.09, 0.06, 0.05, 0.07, 0.11, 0.11, 0.12, 0.11, 0.15,
        ],
    );
    let (old_man, old_woman) = (
        [
            0.25, 0.3, 0.08, 0.17, 0.0, 0.15, 0.05, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
        ],
        [
            0.0, 0.0, 0.0, 0.25, 0.0, 0.06, 0.15, 0.04, 0.0, 0.0, 0.16, 0.0, 0.26, 0.08, 0.0,
        ],
    );
    let mut w = [0.0; 15];
    for (i, wi) in w.iter_mut().enumerate() {
        let oldish = (l.old * 1.4).min(1.0);
        let m = lerp(man[i], old_man[i], oldish);
        let f = lerp(woman[i], old_woman[i], oldish);
        *wi = l.masc * m + (1.0 - l.masc) * f;
        // Curl-and-coil styles lean on deeper skin, straight styles on lighter, mildly: every
        // style stays possible for everyone.
        let s = ORDER[i];
        if matches!(s, Afro | Locs | Braids) {
            *wi *= 0.35 + 1.3 * l.depth;
        }
        if matches!(s, Long | Wavy | Bob | SidePart) {
            *wi *= 1.25 - 0.5 * l.depth;
        }
        // Children: no hair loss, fewer locs.
        if l.youth > 0.0 && matches!(s, Bald | Receding) {
            *wi = 0.0;
        }
        if l.age < 40.0 && s == Receding {
            *wi = 0.0;
        }
    }
    if let Some(len) = sitter.hair_length {
        for (i, wi) in w.iter_mut().enumerate() {
            if hair_length_of(ORDER[i]) != len {
                *wi = 0.0;
            }
        }
        if len == HairLength::Short && l.old > 0.3 && l.masc > 0.7 {
            w[1] += 0.3;
        }
        if w.iter().sum::<f64>() <= 0.0 {
            // Lengths whose every style was ruled out (e.g. short for a child): any of them.
            for (i, wi) in w.iter_mut().enumerate() {
                if hair_length_of(ORDER[i]) == len {
                    *wi = 1.0;
                }
            }
        }
    }
    ORDER[rng.weighted("poster.hair_style", &w)]
}

fn lerp(a: f64, b: f64, t: f64) -> f64 {
    a + (b - a) * t
}

impl Look {
    pub(crate) fn resolve(sitter: &Sitter, palette: &[Rgb], rng: &Prng) -> Look {
        let age = f64::from(sitter.age.unwrap_or(35).min(120));
        let youth = ((14.0 - age) / 10.0).clamp(0.0, 1.0);
        let old = ((age - 50.0) / 35.0).clamp(0.0, 1.0);
        let masc = match sitter.presentation {
            Presentation::Man => 1.0,
            Presentation::Woman => 0.0,
            Presentation::Person => 0.5,
        };
        let (skin, depth) = skin_tones(sitter.skin_tone, rng);

        let hair_color = sitter.hair_color.unwrap_or_else(|| {
            use HairColor::*;
            let grey_p = ((age - 42.0) / 30.0).clamp(0.0, 1.0);
            if rng.chance("poster.hair_grey", grey_p) {
                return if age >= 68.0 && rng.chance("poster.hair_white", 0.5) {
                    White
                } else {
                    Grey
                };
            }
            let fair = (1.0 - 1.6 * depth).max(0.08);
            let blond = if youth > 0.0 { 0.2 } else { 0.1 };
            let opts = [Black, DarkBrown, Brown, Blond, Auburn, Red];
            let w = [0.3, 0.3, 0.2, blond * fair, 0.06 * fair, 0.05 * fair];
            opts[rng.weighted("poster.hair_color", &w)]
        });

        let mut look = Look {
            age,
            youth,
            old,
            masc,
            skin,
            depth,
            hair_color,
            hair: legible_hair(hair_color, hair_tones(hair_color), skin.base),
            style: HairStyle::Crop,
            facial: FacialHair::None,
            glasses: None,
            covering: HeadCovering::None,
            iris: IRIS[0],
            turn: 0.0,
            smile: 0.0,
            open: false,
            blush: false,
            jersey: TEAMS[0].0,
            trim: TEAMS[0].1,
        };
        look.style = sitter
            .hair_style
            .unwrap_or_else(|| pick_style(sitter, &look, rng));

        look.facial = sitter.facial_hair.unwrap_or_else(|| {
            use FacialHair::*;
            if age < 16.0 || masc < 0.7 {
                return None;
            }
            let w: [f64; 5] = if age < 20.0 {
                [0.8, 0.2, 0.0, 0.0, 0.0]
            } else {
                [0.44, 0.2, 0.06 + 0.06 * old, 0.18, 0.1]
            };
            [None, Stubble, Moustache, Beard, Goatee][rng.weighted("poster.facial_hair", &w)]
        });

        let glasses_p = if youth > 0.0 { 0.07 } else { 0.13 + 0.5 * old };
        if sitter
            .glasses
            .unwrap_or_else(|| rng.chance("poster.glasses", glasses_p))
        {
            let frames = [Frames::Round, Frames::Square, Frames::Browline]
                [rng.weighted("poster.glasses.frames", &[0.4, 0.45, 0.15 + 0.2 * old])];
            let colors = [hex(0x1c1a1c), hex(0x5b3a26), hex(0xb08d57), hex(0x8c8f96)];
            let color = colors[rng.weighted("poster.glasses.color", &[0.45, 0.25, 0.15, 0.15])];
            look.glasses = Some(Glasses { frames, color });
        }

        look.covering = sitter.head_covering.unwrap_or_else(|| {
            use HeadCovering::*;
            let scarf = if youth > 0.5 {
                0.0
            } else {
                0.06 * (1.0 - masc)
            };
            let w = [1.0, 0.035, 0.035, scarf];
            [None, Headband, Beanie, Headscarf][rng.weighted("poster.head_covering", &w)]
        });

        let iw = [
            0.5,
            0.2,
            0.1,
            0.06 * (1.0 - depth),
            0.1 * (1.0 - depth) * (1.0 - depth),
            0.04 * (1.0 - depth),
        ];
        look.iris = IRIS[rng.weighted("poster.iris", &iw)];
        look.turn = if rng.chance("poster.front", 0.35) {
            0.0
        } else {
            rng.range("poster.turn", 0.3, 1.0)
                * if rng.chance("poster.turn_side", 0.5) {
                    1.0
                } else {
                    -1.0
                }
        };
        look.smile = rng.range("poster.smile", 0.15, 0.85);
        look.open = rng.chance("poster.smile_open", 0.28);
        look.blush = rng.chance("poster.blush", 0.35 + 0.5 * youth - 0.25 * masc);

        let (jersey, trim) = match (sitter.jersey_color, palette) {
            (Some(j), _) => (j, sitter.accent_color.unwrap_or_else(|| auto_trim(j))),
            (None, []) => {
                let (j, t) = TEAMS[rng.below("poster.team", TEAMS.len())];
                (j, sitter.accent_color.unwrap_or(t))
            }
            (None, p) => {
                let i = rng.below("poster.team", p.len());
                let j = p[i];
                let t = if p.len() > 1 {
                    p[(i + 1 + rng.below("poster.team_trim", p.len() - 1)) % p.len()]
                } else {
                    auto_trim(j)
                };
                (j, sitter.accent_color.unwrap_or(t))
            }
        };
        look.jersey = jersey;
        look.trim = trim;
        look
    }
}

/// Dark hair on skin of nearly the same value would vanish: deepen it towards a cool near-black
/// (still the same colour name), so the silhouette reads.
fn legible_hair(c: HairColor, h: Tones, skin: Rgb) -> Tones {
    let dark = matches!(
        c,
        HairColor::Black | HairColor::DarkBrown | HairColor::Brown | HairColor::Auburn
    );
    let (lh, ls) = (h.base.luminance(), skin.luminance());
    if !dark || lh > ls || h.base.contrast(skin) >= 1.6 {
        return h;
    }
    let ink = hex(0x17161c);
    let k = 0.65;
    Tones {
        base: h.base.mix(ink, k),
        shadow: h.shadow.mix(ink, k),
        light: h.light.mix(ink, k * 0.4),
    }
}

/// A trim for a lone jersey colour: a light cream on dark jerseys, a deep shade on light ones.
fn auto_trim(j: Rgb) -> Rgb {
    if j.luminance() > 0.45 {
        j.mix(Rgb(0x18, 0x1c, 0x28), 0.7)
    } else {
        Rgb(0xf4, 0xf1, 0xea)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_skin_ramp_runs_light_to_deep_with_ordered_tones() {
        for w in SKIN.windows(2) {
            assert!(w[0].base.luminance() > w[1].base.luminance());
        }
        for t in SKIN {
            assert!(t.shadow.luminance() < t.base.luminance());
            assert!(t.light.luminance() > t.base.luminance());
        }
    }

    #[test]
    fn a_pinned_skin_keeps_its_base_and_gets_ordered_tones() {
        let rng = Prng::new("x");
        for c in [
            Rgb(0xff, 0xe0, 0xd0),
            Rgb(0x8d, 0x55, 0x24),
            Rgb(0x20, 0x10, 0x08),
        ] {
            let (t, _) = skin_tones(Some(c), &rng);
            assert_eq!(t.base, c);
            assert!(t.shadow.luminance() < c.luminance(), "{c}");
            assert!(t.light.luminance() > c.luminance(), "{c}");
        }
    }

    #[test]
    fn choices_follow_age_and_presentation() {
        let n = 400;
        let mut kids_facial = 0;
        let mut old_grey = 0;
        let mut styles = std::collections::BTreeSet::new();
        for i in 0..n {
            let seed = format!("s{i}");
            let rng = Prng::new(&seed);
            let kid = Sitter {
                presentation: Presentation::Man,
                age: Some(8),
                ..Sitter::new(&seed)
            };
            let l = Look::resolve(&kid, &[], &rng);
            kids_facial += usize::from(l.facial != FacialHair::None);
            assert!(!matches!(l.style, HairStyle::Bald | HairStyle::Receding));
            let old = Sitter {
                age: Some(82),
                ..kid
            };
            let l = Look::resolve(&old, &[], &rng);
            old_grey += usize::from(matches!(l.hair_color, HairColor::Grey | HairColor::White));
            for p in [Presentation::Woman, Presentation::Person] {
                let s = Sitter {
                    presentation: p,
                    age: Some(30),
                    ..kid
                };
                styles.insert(format!("{}", Look::resolve(&s, &[], &rng).style));
            }
        }
        assert_eq!(kids_facial, 0);
        assert!(old_grey > n * 6 / 10, "{old_grey}");
        assert!(styles.len() >= 12, "{styles:?}");
    }
}
