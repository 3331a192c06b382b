//! The cartoon's visual themes: the persona's worldview → palette, background motif, clothes
//! and expression. Pure decisions; no geometry.

use serde::{Deserialize, Serialize};

use crate::look::Look;
use crate::prng::Prng;
use crate::sitter::Rgb;

const fn hex(v: u32) -> Rgb {
    Rgb((v >> 16) as u8, (v >> 8) as u8, v as u8)
}

/// A cartoon theme. From the sitter's worldview by keyword, or forced by the recipe.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CartoonTheme {
    /// No worldview: a friendly balanced palette, chosen by seed.
    Cheerful,
    /// Bold red and black, determined brows.
    Revolutionary,
    /// Calm neutrals, a relaxed smile.
    Moderate,
    /// Red, white and blue accents, a proud grin.
    Patriot,
    /// Mysterious indigo and teal, one raised eyebrow and a half-smile.
    Skeptic,
    /// Electric blue and purple, bright wide eyes.
    Tech,
    /// Muted tones, tired eyes with bags, a coffee cup.
    #[serde(alias = "burnout")]
    BurntOut,
}

impl CartoonTheme {
    pub const ALL: [CartoonTheme; 7] = [
        CartoonTheme::Cheerful,
        CartoonTheme::Revolutionary,
        CartoonTheme::Moderate,
        CartoonTheme::Patriot,
        CartoonTheme::Skeptic,
        CartoonTheme::Tech,
        CartoonTheme::BurntOut,
    ];

    /// The theme a free-text worldview asks for ("Tech optimist", "burnt out", …), matched
    /// case-insensitively by keyword in the same order as the `cartoon` style's prompt
    /// template, so the offline picture and a model's agree. `None` when no keyword matches.
    pub fn from_worldview(worldview: &str) -> Option<CartoonTheme> {
        let w = worldview.to_lowercase();
        let has = |k: &str| w.contains(k);
        Some(if has("revolution") {
            CartoonTheme::Revolutionary
        } else if has("moderate") {
            CartoonTheme::Moderate
        } else if has("patriot") {
            CartoonTheme::Patriot
        } else if has("skeptic") || has("sceptic") {
            CartoonTheme::Skeptic
        } else if has("tech") {
            CartoonTheme::Tech
        } else if has("burn") || has("coffee") {
            CartoonTheme::BurntOut
        } else {
            return None;
        })
    }
}

/// The background's one simple shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Motif {
    /// A soft disc behind the head.
    Disc,
    /// A sunburst of wedges from behind the head.
    Rays,
    /// A few small five-point stars near the edges.
    Stars,
    /// Four-point sparkles and dots.
    Sparkles,
    /// A large pale moon off to one side, two faint stars.
    Moon,
    /// A few round dots of confetti.
    Confetti,
}

/// Colours of one cartoon: background, its motif, the top and its accent, and the outline.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Palette {
    pub bg: Rgb,
    pub motif: Rgb,
    pub top: Rgb,
    pub accent: Rgb,
    pub ink: Rgb,
}

const fn pal(bg: u32, motif: u32, top: u32, accent: u32, ink: u32) -> Palette {
    Palette {
        bg: hex(bg),
        motif: hex(motif),
        top: hex(top),
        accent: hex(accent),
        ink: hex(ink),
    }
}

const INK: u32 = 0x2a2230;

const CHEERFUL: [Palette; 6] = [
    pal(0xb6e3f4, 0xd4eef8, 0xf26b5b, 0xffd166, INK),
    pal(0xc9b8e8, 0xddd1f1, 0x2ec4b6, 0xfff3b0, INK),
    pal(0xffdfbf, 0xffecd8, 0x4d96ff, 0xff6b6b, INK),
    pal(0xffd5dc, 0xffe6ea, 0x3fa66b, 0xffd93d, INK),
    pal(0xc7f0d8, 0xdff7e9, 0xff8c42, 0x5c4b99, INK),
    pal(0xfff1a8, 0xfff7cf, 0x7b61c9, 0x2ec4b6, INK),
];
const REVOLUTIONARY: [Palette; 3] = [
    pal(0xd62839, 0xb81f30, 0x1b1b1f, 0xd62839, 0x1a1416),
    pal(0x1d1b1e, 0xa3142b, 0xc8102e, 0x1d1b1e, 0x120e10),
    pal(0xe63946, 0xc92a38, 0x222225, 0xf1ede4, 0x1a1416),
];
const MODERATE: [Palette; 3] = [
    pal(0xe6e0d4, 0xd8d0c1, 0x7d9ab3, 0xd9ccb4, 0x3a3530),
    pal(0xdde3e6, 0xccd5da, 0xa89f91, 0x5f7a8a, 0x33383c),
    pal(0xede4d6, 0xe0d4c2, 0x8a9a84, 0xf4efe6, 0x3a3530),
];
// Each has all three: a white, blue or red ground, stars in another, the top in the third.
const PATRIOT: [Palette; 3] = [
    pal(0xf3efe6, 0x1f3a8a, 0xb22234, 0x1f3a8a, 0x1c2340),
    pal(0x1f3a8a, 0xf5f3ee, 0xb22234, 0xf5f3ee, 0x141a33),
    pal(0xb22234, 0xf5f3ee, 0x1f3a8a, 0xf5f3ee, 0x1c1820),
];
const SKEPTIC: [Palette; 3] = [
    pal(0x2b2d42, 0x3d4060, 0x1f5c63, 0x8d99ae, 0x14131c),
    pal(0x22223b, 0x4a4e69, 0x2a6f73, 0xc9ada7, 0x121220),
    pal(0x1b3a40, 0x2b5259, 0x3b2f4f, 0x9fb8ad, 0x0f1416),
];
const TECH: [Palette; 3] = [
    pal(0x5b5fef, 0x8ec5ff, 0x7209b7, 0x4cc9f0, 0x1e1b3a),
    pal(0x4361ee, 0x9bb4ff, 0x3a0ca3, 0x4cc9f0, 0x17153a),
    pal(0x7b2ff7, 0xc59bff, 0x1e3a8a, 0x22d3ee, 0x1b1433),
];
const BURNT_OUT: [Palette; 3] = [
    pal(0xd8d2c4, 0xc9c0ae, 0x8c8a84, 0xb5a38a, 0x3b3531),
    pal(0xcfcbd6, 0xbfbac8, 0x6f7b83, 0xd9c9a3, 0x36343a),
    pal(0xd6cfc0, 0xc4bba8, 0x9a8f7d, 0x7c8c94, 0x3b3531),
];

/// The theme's palette (one of its variants, by seed) and background motif.
pub(crate) fn palette(theme: CartoonTheme, rng: &Prng) -> (Palette, Motif) {
    use CartoonTheme::*;
    let set: &[Palette] = match theme {
        Cheerful => &CHEERFUL,
        Revolutionary => &REVOLUTIONARY,
        Moderate => &MODERATE,
        Patriot => &PATRIOT,
        Skeptic => &SKEPTIC,
        Tech => &TECH,
        BurntOut => &BURNT_OUT,
    };
    let p = *rng.pick("cartoon.palette", set);
    let motif = match theme {
        Cheerful => *rng.pick(
            "cartoon.motif",
            &[Motif::Disc, Motif::Disc, Motif::Confetti],
        ),
        Revolutionary => Motif::Rays,
        Moderate | BurntOut => Motif::Disc,
        Patriot => Motif::Stars,
        Skeptic => Motif::Moon,
        Tech => Motif::Sparkles,
    };
    (p, motif)
}

/// What the top is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Top {
    Crew,
    V,
    Hoodie,
    /// A shirt collar with a placket.
    Collar,
    Turtleneck,
}

pub(crate) fn top(theme: CartoonTheme, rng: &Prng) -> Top {
    use CartoonTheme::*;
    use Top::*;
    const ORDER: [Top; 5] = [Crew, V, Hoodie, Collar, Turtleneck];
    let w: [f64; 5] = match theme {
        Cheerful => [0.45, 0.15, 0.25, 0.15, 0.0],
        Revolutionary => [0.3, 0.0, 0.3, 0.4, 0.0],
        Moderate => [0.25, 0.25, 0.0, 0.5, 0.0],
        Patriot => [0.4, 0.2, 0.0, 0.4, 0.0],
        Skeptic => [0.0, 0.0, 0.2, 0.35, 0.45],
        Tech => [0.35, 0.0, 0.5, 0.0, 0.15],
        BurntOut => [0.35, 0.25, 0.4, 0.0, 0.0],
    };
    ORDER[rng.weighted("cartoon.top", &w)]
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mouth {
    /// A closed upturned curve.
    Smile,
    /// Open, upper teeth showing.
    Grin,
    /// Open and round-bottomed, no teeth: delight.
    Open,
    /// One corner up.
    Smirk,
    /// A flat, slightly wobbly line: tired.
    Flat,
    /// Clenched teeth: determination.
    Grit,
    /// A firm straight line.
    Set,
}

/// The expression. Per-eye values are `[viewer's left, viewer's right]`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Mood {
    /// How far each brow is lifted (head units; negative lowers it).
    pub brow_raise: [f64; 2],
    /// Positive: the inner end down (cross, determined); negative: inner end up (weary).
    pub brow_tilt: [f64; 2],
    /// How much of each eye the upper lid covers, 0..1.
    pub lid: [f64; 2],
    /// Positive: the lid's inner end lower (a glare).
    pub lid_tilt: f64,
    pub eye_scale: f64,
    /// Closed, upturned "^ ^" eyes of a big laugh.
    pub happy_eyes: bool,
    /// Bags under the eyes, 0..1.
    pub bags: f64,
    pub mouth: Mouth,
    /// Which corner a smirk lifts: -1 the viewer's left, +1 right.
    pub side: f64,
    /// Horizontal glance of the irises (head units).
    pub gaze: f64,
    pub blush: bool,
    /// A second, larger highlight in the eyes.
    pub sparkle: bool,
    pub cup: bool,
}

pub(crate) fn mood(theme: CartoonTheme, worldview: &str, l: &Look, rng: &Prng) -> Mood {
    use CartoonTheme::*;
    use Mouth::*;
    let pick = |opts: &[(Mouth, f64)]| {
        let w: Vec<f64> = opts.iter().map(|o| o.1).collect();
        opts[rng.weighted("cartoon.mouth", &w)].0
    };
    let side = if rng.chance("cartoon.side", 0.5) {
        1.0
    } else {
        -1.0
    };
    let mut m = Mood {
        brow_raise: [0.0; 2],
        brow_tilt: [0.0; 2],
        lid: [0.0; 2],
        lid_tilt: 0.0,
        eye_scale: 1.0,
        happy_eyes: false,
        bags: 0.0,
        mouth: Smile,
        side,
        gaze: rng.jitter("cartoon.gaze", 0.025),
        blush: false,
        sparkle: false,
        cup: theme == BurntOut || worldview.to_lowercase().contains("coffee"),
    };
    let both = |v: f64| [v, v];
    match theme {
        Cheerful => {
            m.mouth = pick(&[(Smile, 0.4), (Grin, 0.35), (Smirk, 0.1), (Open, 0.15)]);
            m.happy_eyes = m.mouth == Grin && rng.chance("cartoon.happy_eyes", 0.3);
            m.brow_raise = both(0.03);
            m.blush = rng.chance("cartoon.blush", 0.6);
        }
        Revolutionary => {
            m.mouth = pick(&[(Grit, 0.4), (Smirk, 0.3), (Set, 0.3)]);
            m.brow_tilt = both(0.1);
            m.brow_raise = both(-0.03);
            m.lid = both(0.24);
            m.lid_tilt = 0.1;
        }
        Moderate => {
            m.mouth = pick(&[(Smile, 0.7), (Smirk, 0.3)]);
            m.lid = both(0.14);
            m.blush = rng.chance("cartoon.blush", 0.3);
        }
        Patriot => {
            m.mouth = pick(&[(Grin, 0.6), (Smile, 0.4)]);
            m.brow_raise = both(0.05);
            m.blush = rng.chance("cartoon.blush", 0.4);
        }
        Skeptic => {
            m.mouth = pick(&[(Smirk, 0.75), (Set, 0.25)]);
            // One brow up, the other down and in; the eye under it narrows.
            let (up, down) = if side > 0.0 { (1, 0) } else { (0, 1) };
            m.brow_raise[up] = 0.13;
            m.brow_raise[down] = -0.03;
            m.brow_tilt[down] = 0.07;
            m.lid[up] = 0.06;
            m.lid[down] = 0.34;
            m.gaze = -side * 0.045;
            // The half-smile lifts on the side away from the raised brow.
            m.side = -side;
        }
        Tech => {
            m.mouth = pick(&[(Open, 0.45), (Grin, 0.35), (Smile, 0.2)]);
            m.eye_scale = 1.12;
            m.sparkle = true;
            m.brow_raise = both(0.07);
            m.blush = rng.chance("cartoon.blush", 0.5);
        }
        BurntOut => {
            m.mouth = pick(&[(Flat, 0.5), (Smirk, 0.5)]);
            m.lid = both(0.44);
            m.bags = 1.0;
            m.brow_tilt = both(-0.05);
        }
    }
    // Age: children's eyes are bigger and their mouths never clench; older eyes are a little
    // hooded and bagged.
    if l.youth > 0.3 {
        m.mouth = match m.mouth {
            Grit => Grin,
            Set => Smile,
            other => other,
        };
    }
    m.eye_scale *= 1.0 + 0.14 * l.youth - 0.08 * l.old;
    for v in &mut m.lid {
        *v = (*v + 0.14 * l.old).min(0.6);
    }
    m.bags = m.bags.max(0.6 * l.old);
    m.blush |= l.youth > 0.3 && theme != Skeptic;
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worldviews_map_by_keyword_in_template_order() {
        use CartoonTheme::*;
        for (w, t) in [
            ("Revolutionary", Some(Revolutionary)),
            ("a quiet revolution", Some(Revolutionary)),
            ("Moderate", Some(Moderate)),
            ("PATRIOT", Some(Patriot)),
            ("sceptical", Some(Skeptic)),
            ("Skeptic", Some(Skeptic)),
            ("Tech optimist", Some(Tech)),
            ("burnt out", Some(BurntOut)),
            ("Burned-out nurse", Some(BurntOut)),
            ("runs on coffee", Some(BurntOut)),
            ("tech, runs on coffee", Some(Tech)),
            ("", None),
            ("gardener", None),
        ] {
            assert_eq!(CartoonTheme::from_worldview(w), t, "{w}");
        }
    }

    #[test]
    fn every_theme_has_readable_outlines() {
        for t in CartoonTheme::ALL {
            for i in 0..12 {
                let (p, _) = palette(t, &Prng::new(&format!("s{i}")));
                assert!(p.ink.luminance() < 0.05, "{t:?}");
                assert!(p.top.contrast(p.ink) > 1.5 || p.accent.contrast(p.ink) > 3.0);
            }
        }
    }
}
