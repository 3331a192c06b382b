//! The person being drawn ([`Sitter`]) and its small value types.

use std::fmt;
use std::str::FromStr;

use crate::PaintError;

/// Who is being portrayed. Borrowed: the renderer keeps nothing.
///
/// Every field except `seed` is optional information; the renderer fills gaps from the seed, so
/// a sitter with only a seed still gets a complete, stable portrait.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sitter<'a> {
    /// Stable identity chosen by the caller (e.g. `"subjectid:style:version"`). All randomness
    /// derives from it: the same seed gives the same picture.
    pub seed: &'a str,
    /// Display name; may be empty or any Unicode. Only the initials style reads it.
    pub name: &'a str,
    pub presentation: Presentation,
    /// Age in years; `None` draws an adult.
    pub age: Option<u32>,
    /// `None`: picked from age and seed (grey and white become likely past 60).
    pub hair_color: Option<HairColor>,
    /// `None`: picked from presentation, age and seed.
    pub hair_length: Option<HairLength>,
    /// `None`: picked from the seed across the full human range.
    pub skin_tone: Option<Rgb>,
    /// `None`: picked from presentation, age, hair length and seed. Read by `poster`,
    /// `cartoon`, `watercolor`.
    pub hair_style: Option<HairStyle>,
    /// `None`: by seed, more likely with age. Read by `poster`, `cartoon`, `watercolor`.
    pub glasses: Option<bool>,
    /// `None`: by presentation, age and seed (never for children). Read by `poster`,
    /// `cartoon`, `watercolor`.
    pub facial_hair: Option<FacialHair>,
    /// `None`: occasionally one, by seed. Read by `poster`, `cartoon`, `watercolor`.
    pub head_covering: Option<HeadCovering>,
    /// The jersey / top colour (e.g. a team's primary). `None`: the recipe's palette or a
    /// built-in team palette, by seed. Read by `poster`, `cartoon` for its top, `watercolor`
    /// to tint a headband or beanie.
    pub jersey_color: Option<Rgb>,
    /// A second colour for trim (collar, panels). `None`: derived. Read by `poster`, `cartoon`.
    pub accent_color: Option<Rgb>,
    /// The persona's outlook, free text ("Tech optimist", "burnt out", …). Read by `cartoon`,
    /// which matches keywords for its palette and expression; never a demographic.
    pub worldview: Option<&'a str>,
}

impl<'a> Sitter<'a> {
    /// A sitter known only by its seed: an adult person, everything else from the seed.
    pub fn new(seed: &'a str) -> Sitter<'a> {
        Sitter {
            seed,
            name: "",
            presentation: Presentation::Person,
            age: None,
            hair_color: None,
            hair_length: None,
            skin_tone: None,
            hair_style: None,
            glasses: None,
            facial_hair: None,
            head_covering: None,
            jersey_color: None,
            accent_color: None,
            worldview: None,
        }
    }
}

/// How the sitter presents; drives hair and jaw defaults, never the seed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Presentation {
    Man,
    Woman,
    /// Unknown or neither: an androgynous default.
    #[default]
    Person,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HairColor {
    Black,
    DarkBrown,
    Brown,
    Auburn,
    Red,
    Blond,
    Grey,
    White,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HairLength {
    Bald,
    Short,
    Medium,
    Long,
}

/// A haircut (front-facing styles; `hair_length` only narrows the seeded choice).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HairStyle {
    Bald,
    /// Short on top, hairline pushed back at the temples: older men.
    Receding,
    Buzz,
    /// A short crop with a soft fringe.
    Crop,
    /// Tight sides, volume on top.
    Fade,
    SidePart,
    Curly,
    Afro,
    Locs,
    Braids,
    Bun,
    Ponytail,
    /// Chin-to-jaw length, wavy.
    Bob,
    /// Shoulder length, wavy.
    Wavy,
    /// Long and straight.
    Long,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FacialHair {
    None,
    Stubble,
    Moustache,
    Beard,
    Goatee,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HeadCovering {
    None,
    Headband,
    Beanie,
    /// A hijab-style scarf that covers hair, ears and neck.
    Headscarf,
}

/// An sRGB colour. Parses from and displays as `#rrggbb` (`#rgb` is accepted too).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Rgb(pub u8, pub u8, pub u8);

/// Lower-cases and maps `-`/space to `_` so "Dark-Brown", "dark brown" and "dark_brown" agree.
fn normalise(s: &str) -> String {
    s.trim()
        .chars()
        .map(|c| match c {
            '-' | ' ' => '_',
            c => c.to_ascii_lowercase(),
        })
        .collect()
}

fn bad(what: &'static str, value: &str) -> PaintError {
    PaintError::BadValue {
        what,
        value: value.to_owned(),
    }
}

impl FromStr for Presentation {
    type Err = PaintError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match normalise(s).as_str() {
            "man" | "male" | "m" => Presentation::Man,
            "woman" | "female" | "f" => Presentation::Woman,
            "person" | "other" | "unknown" | "" => Presentation::Person,
            _ => return Err(bad("presentation", s)),
        })
    }
}

impl fmt::Display for Presentation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Presentation::Man => "man",
            Presentation::Woman => "woman",
            Presentation::Person => "person",
        })
    }
}

impl HairColor {
    pub const ALL: [HairColor; 8] = [
        HairColor::Black,
        HairColor::DarkBrown,
        HairColor::Brown,
        HairColor::Auburn,
        HairColor::Red,
        HairColor::Blond,
        HairColor::Grey,
        HairColor::White,
    ];

    /// A representative natural colour for this hair colour.
    pub fn rgb(self) -> Rgb {
        match self {
            HairColor::Black => Rgb(0x1e, 0x1a, 0x18),
            HairColor::DarkBrown => Rgb(0x3a, 0x29, 0x1f),
            HairColor::Brown => Rgb(0x6b, 0x4a, 0x32),
            HairColor::Auburn => Rgb(0x86, 0x3c, 0x24),
            HairColor::Red => Rgb(0xb4, 0x55, 0x2c),
            HairColor::Blond => Rgb(0xd6, 0xb3, 0x6e),
            HairColor::Grey => Rgb(0xa2, 0xa2, 0x9e),
            HairColor::White => Rgb(0xe6, 0xe4, 0xde),
        }
    }
}

impl FromStr for HairColor {
    type Err = PaintError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match normalise(s).as_str() {
            "black" => HairColor::Black,
            "dark_brown" | "darkbrown" | "brunette" => HairColor::DarkBrown,
            "brown" | "light_brown" => HairColor::Brown,
            "auburn" => HairColor::Auburn,
            "red" | "ginger" => HairColor::Red,
            "blond" | "blonde" => HairColor::Blond,
            "grey" | "gray" => HairColor::Grey,
            "white" => HairColor::White,
            _ => return Err(bad("hair colour", s)),
        })
    }
}

impl fmt::Display for HairColor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            HairColor::Black => "black",
            HairColor::DarkBrown => "dark_brown",
            HairColor::Brown => "brown",
            HairColor::Auburn => "auburn",
            HairColor::Red => "red",
            HairColor::Blond => "blond",
            HairColor::Grey => "grey",
            HairColor::White => "white",
        })
    }
}

impl FromStr for HairLength {
    type Err = PaintError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match normalise(s).as_str() {
            "bald" | "none" | "shaved" => HairLength::Bald,
            "short" => HairLength::Short,
            "medium" | "mid" => HairLength::Medium,
            "long" => HairLength::Long,
            _ => return Err(bad("hair length", s)),
        })
    }
}

impl fmt::Display for HairLength {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            HairLength::Bald => "bald",
            HairLength::Short => "short",
            HairLength::Medium => "medium",
            HairLength::Long => "long",
        })
    }
}

/// `FromStr`/`Display`/`ALL` for a plain enum from `(variant, canonical name, aliases…)`.
macro_rules! named_enum {
    ($t:ident, $what:literal, [$(($v:ident, $name:literal $(, $alias:literal)*)),* $(,)?]) => {
        impl $t {
            pub const ALL: &'static [$t] = &[$($t::$v),*];
            /// The accepted values, for messages: `"a, b or c"`.
            pub fn expected() -> String {
                let names: Vec<&str> = vec![$($name),*];
                let (last, rest) = names.split_last().expect("non-empty");
                format!("{} or {last}", rest.join(", "))
            }
        }
        impl FromStr for $t {
            type Err = PaintError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Ok(match normalise(s).as_str() {
                    $($name $(| $alias)* => $t::$v,)*
                    _ => return Err(bad($what, s)),
                })
            }
        }
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(match self { $($t::$v => $name,)* })
            }
        }
    };
}

named_enum!(
    HairStyle,
    "hair style",
    [
        (Bald, "bald", "shaved"),
        (Receding, "receding"),
        (Buzz, "buzz", "buzz_cut", "buzzcut"),
        (Crop, "crop", "short", "short_crop", "pixie"),
        (Fade, "fade", "high_top"),
        (SidePart, "side_part", "sidepart", "parted"),
        (Curly, "curly", "curls"),
        (Afro, "afro"),
        (Locs, "locs", "dreadlocks", "dreads", "locks"),
        (Braids, "braids", "box_braids", "cornrows"),
        (Bun, "bun", "top_knot"),
        (Ponytail, "ponytail", "pony_tail"),
        (Bob, "bob", "wavy_bob"),
        (Wavy, "wavy"),
        (Long, "long", "long_straight", "straight"),
    ]
);

named_enum!(
    FacialHair,
    "facial hair",
    [
        (None, "none", "no", "clean_shaven", "shaved"),
        (Stubble, "stubble"),
        (Moustache, "moustache", "mustache"),
        (Beard, "beard", "full_beard"),
        (Goatee, "goatee"),
    ]
);

named_enum!(
    HeadCovering,
    "head covering",
    [
        (None, "none", "no"),
        (Headband, "headband", "sweatband"),
        (Beanie, "beanie", "knit_cap", "toque"),
        (Headscarf, "headscarf", "hijab", "scarf"),
    ]
);

impl FromStr for Rgb {
    type Err = PaintError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        let hex = t.strip_prefix('#').ok_or_else(|| bad("colour", s))?;
        if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(bad("colour", s));
        }
        let digit = |i: usize| u8::from_str_radix(&hex[i..i + 1], 16).unwrap_or(0);
        match hex.len() {
            6 => {
                let byte = |i: usize| digit(i) * 16 + digit(i + 1);
                Ok(Rgb(byte(0), byte(2), byte(4)))
            }
            3 => Ok(Rgb(digit(0) * 17, digit(1) * 17, digit(2) * 17)),
            _ => Err(bad("colour", s)),
        }
    }
}

impl fmt::Display for Rgb {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{:02x}{:02x}{:02x}", self.0, self.1, self.2)
    }
}

/// Serde through the string forms above, so recipes and configs say `"#2f5e52"`, `"dark-brown"`.
macro_rules! serde_via_str {
    ($($t:ty),*) => {$(
        impl serde::Serialize for $t {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }
        impl<'de> serde::Deserialize<'de> for $t {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                s.parse().map_err(serde::de::Error::custom)
            }
        }
    )*};
}
serde_via_str!(
    Rgb,
    HairColor,
    HairLength,
    Presentation,
    HairStyle,
    FacialHair,
    HeadCovering
);

// ---- colour arithmetic used by the styles ----

fn channel_to_linear(c: u8) -> f64 {
    let c = f64::from(c) / 255.0;
    if c <= 0.04045 {
        c / 12.92
    } else {
        ((c + 0.055) / 1.055).powf(2.4)
    }
}

fn clamp_u8(v: f64) -> u8 {
    v.round().clamp(0.0, 255.0) as u8
}

impl Rgb {
    /// WCAG relative luminance (0 = black, 1 = white).
    pub fn luminance(self) -> f64 {
        0.2126 * channel_to_linear(self.0)
            + 0.7152 * channel_to_linear(self.1)
            + 0.0722 * channel_to_linear(self.2)
    }

    /// WCAG contrast ratio, 1..=21.
    pub fn contrast(self, other: Rgb) -> f64 {
        let (a, b) = (self.luminance(), other.luminance());
        let (hi, lo) = if a > b { (a, b) } else { (b, a) };
        (hi + 0.05) / (lo + 0.05)
    }

    /// Linear mix in sRGB space: `t = 0` is `self`, `t = 1` is `other`.
    pub(crate) fn mix(self, other: Rgb, t: f64) -> Rgb {
        let m = |a: u8, b: u8| clamp_u8(f64::from(a) + (f64::from(b) - f64::from(a)) * t);
        Rgb(m(self.0, other.0), m(self.1, other.1), m(self.2, other.2))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_display_round_trip() {
        for c in HairColor::ALL {
            assert_eq!(c.to_string().parse::<HairColor>().unwrap(), c);
        }
        assert_eq!(
            "dark-brown".parse::<HairColor>().unwrap(),
            HairColor::DarkBrown
        );
        assert_eq!(
            "Dark_Brown".parse::<HairColor>().unwrap(),
            HairColor::DarkBrown
        );
        assert_eq!("gray".parse::<HairColor>().unwrap(), HairColor::Grey);
        assert_eq!("blonde".parse::<HairColor>().unwrap(), HairColor::Blond);
        let e = "purple".parse::<HairColor>().unwrap_err();
        assert_eq!(e.code(), "paint.bad_value");
        for l in ["bald", "short", "medium", "long"] {
            assert_eq!(l.parse::<HairLength>().unwrap().to_string(), l);
        }
        assert!("longish".parse::<HairLength>().is_err());
        assert_eq!(
            "female".parse::<Presentation>().unwrap(),
            Presentation::Woman
        );
    }

    #[test]
    fn look_enums_round_trip_and_list_their_values() {
        for v in HairStyle::ALL {
            assert_eq!(v.to_string().parse::<HairStyle>().unwrap(), *v);
        }
        for v in FacialHair::ALL {
            assert_eq!(v.to_string().parse::<FacialHair>().unwrap(), *v);
        }
        for v in HeadCovering::ALL {
            assert_eq!(v.to_string().parse::<HeadCovering>().unwrap(), *v);
        }
        assert_eq!(
            "Side-Part".parse::<HairStyle>().unwrap(),
            HairStyle::SidePart
        );
        assert_eq!(
            "hijab".parse::<HeadCovering>().unwrap(),
            HeadCovering::Headscarf
        );
        assert_eq!(
            "mustache".parse::<FacialHair>().unwrap(),
            FacialHair::Moustache
        );
        assert_eq!(
            "mullet".parse::<HairStyle>().unwrap_err().code(),
            "paint.bad_value"
        );
        assert_eq!(
            FacialHair::expected(),
            "none, stubble, moustache, beard or goatee"
        );
        assert!(HairStyle::expected().starts_with("bald, receding, buzz"));
    }

    #[test]
    fn rgb_parses_hex() {
        assert_eq!("#2F5E52".parse::<Rgb>().unwrap(), Rgb(0x2f, 0x5e, 0x52));
        assert_eq!("#fff".parse::<Rgb>().unwrap(), Rgb(255, 255, 255));
        assert_eq!(Rgb(0x2f, 0x5e, 0x52).to_string(), "#2f5e52");
        for bad in ["2f5e52", "#2f5e5", "#gggggg", "", "#", "#ééé"] {
            assert!(bad.parse::<Rgb>().is_err(), "{bad}");
        }
    }

    #[test]
    fn contrast_matches_wcag() {
        let black = Rgb(0, 0, 0);
        let white = Rgb(255, 255, 255);
        assert!((black.contrast(white) - 21.0).abs() < 1e-9);
        assert!((white.contrast(white) - 1.0).abs() < 1e-9);
        // #777777 on white is the classic 4.48:1.
        assert!((Rgb(0x77, 0x77, 0x77).contrast(white) - 4.48).abs() < 0.01);
    }
}
