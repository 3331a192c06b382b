//! Recipes: what a style's `[renderer]` TOML table says about how to draw.
//!
//! Every field has a default, so `kind = "watercolor"` alone is a complete recipe. Unknown fields
//! are rejected (serde's own message names the field) so typos in style files are caught at load
//! time rather than silently ignored.

use serde::{Deserialize, Serialize};

use crate::PaintError;
use crate::dicebear::DicebearRecipe;
use crate::sitter::Rgb;

/// The names accepted in `kind = "…"`.
pub const KINDS: &[&str] = &["initials", "geometric", "watercolor", "poster", "dicebear"];

/// How to draw: one variant per renderer kind, tagged by `kind`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Recipe {
    Initials(InitialsRecipe),
    Geometric(GeometricRecipe),
    Watercolor(WatercolorRecipe),
    Poster(PosterRecipe),
    Dicebear(DicebearRecipe),
}

impl Recipe {
    /// The `kind` string of this recipe (one of [`KINDS`]).
    pub fn kind(&self) -> &'static str {
        match self {
            Recipe::Initials(_) => "initials",
            Recipe::Geometric(_) => "geometric",
            Recipe::Watercolor(_) => "watercolor",
            Recipe::Poster(_) => "poster",
            Recipe::Dicebear(_) => "dicebear",
        }
    }

    /// Checks value ranges serde cannot express. The painter calls this before drawing.
    pub fn validate(&self) -> Result<(), PaintError> {
        let bad = |m: String| Err(PaintError::BadRecipe(m));
        let radius = |r: Option<f64>| match r {
            Some(r) if !(0.0..=50.0).contains(&r) => bad(format!(
                "radius must be 0..=50 (percent of the side), got {r}"
            )),
            _ => Ok(()),
        };
        match self {
            Recipe::Initials(r) => {
                radius(r.radius)?;
                if let Some(s) = r.font_scale
                    && !(0.1..=0.9).contains(&s)
                {
                    return bad(format!("font_scale must be 0.1..=0.9, got {s}"));
                }
                if r.max_chars == 0 || r.max_chars > 2 {
                    return bad(format!("max_chars must be 1 or 2, got {}", r.max_chars));
                }
                Ok(())
            }
            Recipe::Geometric(r) => {
                radius(r.radius)?;
                if r.palette.len() == 1 {
                    return bad(
                        "palette needs at least 2 colours (or none for the built-in ones)".into(),
                    );
                }
                Ok(())
            }
            Recipe::Watercolor(r) => {
                if let Some(t) = r.skin_tint
                    && !(0.0..=1.0).contains(&t)
                {
                    return bad(format!("skin_tint must be 0..=1, got {t}"));
                }
                Ok(())
            }
            Recipe::Poster(r) => radius(r.radius),
            Recipe::Dicebear(r) => r.validate(),
        }
    }
}

/// Outline of the avatar: full-bleed square, rounded square or circle (transparent corners).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Shape {
    #[default]
    Square,
    Rounded,
    Circle,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FontWeight {
    Normal,
    #[default]
    Bold,
}

/// `kind = "initials"`: one or two letters on a coloured ground.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct InitialsRecipe {
    /// Background colours; the seed picks one. Empty: a built-in palette of 16.
    pub background: Vec<Rgb>,
    /// Text colour. `None`: near-white or a deep shade of the background, whichever has the
    /// higher WCAG contrast.
    pub text_color: Option<Rgb>,
    pub font_weight: FontWeight,
    /// Letter height as a fraction of the shorter side (cap height is ~0.73 of this). `None`:
    /// 0.46 for one letter, 0.40 for two.
    pub font_scale: Option<f64>,
    /// 1 or 2 letters.
    pub max_chars: u8,
    pub shape: Shape,
    /// Corner radius in percent of the shorter side, for `shape = "rounded"` (default 16).
    pub radius: Option<f64>,
}

impl Default for InitialsRecipe {
    fn default() -> Self {
        InitialsRecipe {
            background: Vec::new(),
            text_color: None,
            font_weight: FontWeight::Bold,
            font_scale: None,
            max_chars: 2,
            shape: Shape::Square,
            radius: None,
        }
    }
}

/// The abstract families of `kind = "geometric"` (after boring-avatars).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GeometricVariant {
    Marble,
    Beam,
    Sunset,
    Ring,
    Bauhaus,
    Pixel,
}

impl GeometricVariant {
    pub const ALL: [GeometricVariant; 6] = [
        GeometricVariant::Marble,
        GeometricVariant::Beam,
        GeometricVariant::Sunset,
        GeometricVariant::Ring,
        GeometricVariant::Bauhaus,
        GeometricVariant::Pixel,
    ];
}

/// `kind = "geometric"`: abstract avatars from a five-colour palette.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GeometricRecipe {
    /// `None`: the seed picks one of the six.
    pub variant: Option<GeometricVariant>,
    /// Up to five colours (more are ignored, fewer are cycled). Empty: the seed picks one of
    /// the built-in palettes.
    pub palette: Vec<Rgb>,
    pub shape: Shape,
    /// Corner radius in percent of the shorter side, for `shape = "rounded"` (default 16).
    pub radius: Option<f64>,
}

/// `kind = "watercolor"`: a soft side-profile portrait in washes on textured paper.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WatercolorRecipe {
    /// Paper colour (default `#F0EAD6`).
    pub paper: Option<Rgb>,
    /// The deep wash: shadows, hair, shoulders (default `#2F5E52`).
    pub wash_dark: Option<Rgb>,
    /// The light wash: face and highlights (default `#5A7D7C`).
    pub wash_light: Option<Rgb>,
    /// The warm glow near the eye (default `#D9A036`).
    pub glow: Option<Rgb>,
    /// How much of the sitter's skin tone tints the face wash, 0..=1 (default 0.25).
    pub skin_tint: Option<f64>,
}

/// The shape behind the figure in `kind = "poster"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Backdrop {
    /// The background colour alone.
    Plain,
    /// A large disc behind the head.
    Circle,
    /// A tall arch behind the figure.
    Arch,
    /// The background split diagonally into two tints.
    Split,
}

/// The jersey's neckline in `kind = "poster"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Neckline {
    Crew,
    V,
}

/// `kind = "poster"`: a flat vector head-and-shoulders poster portrait in a plain jersey.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PosterRecipe {
    /// Background colour. `None`: a muted tint of the jersey (or, for a light jersey, the trim).
    pub background: Option<Rgb>,
    /// Jersey colours for sitters without their own: the seed picks the jersey from these and
    /// the trim from the others. Empty: built-in team pairs.
    pub palette: Vec<Rgb>,
    /// `None`: the seed picks.
    pub backdrop: Option<Backdrop>,
    /// `None`: the seed picks (mostly crew).
    pub neckline: Option<Neckline>,
    pub shape: Shape,
    /// Corner radius in percent of the shorter side, for `shape = "rounded"` (default 16).
    pub radius: Option<f64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<Recipe, toml::de::Error> {
        toml::from_str(s)
    }

    #[test]
    fn kind_alone_is_a_complete_recipe() {
        assert_eq!(
            parse(r#"kind = "watercolor""#).unwrap(),
            Recipe::Watercolor(WatercolorRecipe::default())
        );
        assert_eq!(
            parse(r#"kind = "initials""#).unwrap(),
            Recipe::Initials(InitialsRecipe::default())
        );
        assert_eq!(
            parse(r#"kind = "geometric""#).unwrap(),
            Recipe::Geometric(GeometricRecipe::default())
        );
        for k in KINDS {
            let r = parse(&format!("kind = \"{k}\"")).unwrap();
            assert_eq!(r.kind(), *k);
            r.validate().unwrap();
        }
    }

    #[test]
    fn fields_parse() {
        let r = parse(
            r##"
            kind = "initials"
            background = ["#264653", "#2a9d8f"]
            text_color = "#ffffff"
            font_weight = "normal"
            shape = "rounded"
            radius = 20
            max_chars = 1
            "##,
        )
        .unwrap();
        let Recipe::Initials(i) = r else { panic!() };
        assert_eq!(
            i.background,
            vec![Rgb(0x26, 0x46, 0x53), Rgb(0x2a, 0x9d, 0x8f)]
        );
        assert_eq!(i.text_color, Some(Rgb(255, 255, 255)));
        assert_eq!(i.font_weight, FontWeight::Normal);
        assert_eq!(i.shape, Shape::Rounded);
        assert_eq!(i.radius, Some(20.0));
        assert_eq!(i.max_chars, 1);

        let r = parse(
            r##"
            kind = "geometric"
            variant = "bauhaus"
            palette = ["#92A1C6", "#146A7C", "#F0AB3D", "#C271B4", "#C20D90"]
            "##,
        )
        .unwrap();
        let Recipe::Geometric(g) = r else { panic!() };
        assert_eq!(g.variant, Some(GeometricVariant::Bauhaus));
        assert_eq!(g.palette.len(), 5);

        let r = parse(
            r##"
            kind = "poster"
            background = "#eeeeee"
            palette = ["#1f2f4f", "#e0a526"]
            backdrop = "arch"
            neckline = "v"
            shape = "rounded"
            "##,
        )
        .unwrap();
        let Recipe::Poster(p) = r else { panic!() };
        assert_eq!(p.background, Some(Rgb(0xee, 0xee, 0xee)));
        assert_eq!(p.palette.len(), 2);
        assert_eq!(p.backdrop, Some(Backdrop::Arch));
        assert_eq!(p.neckline, Some(Neckline::V));

        let r = parse("kind = \"watercolor\"\npaper = \"#ffffff\"\nskin_tint = 0.5").unwrap();
        let Recipe::Watercolor(w) = r else { panic!() };
        assert_eq!(w.paper, Some(Rgb(255, 255, 255)));
    }

    #[test]
    fn typos_and_bad_values_are_rejected() {
        let e = parse("kind = \"initials\"\nbackgrund = [\"#ffffff\"]").unwrap_err();
        assert!(e.to_string().contains("backgrund"), "{e}");
        let e = parse("kind = \"geometric\"\nvariant = \"marbel\"").unwrap_err();
        assert!(e.to_string().contains("marbel"), "{e}");
        let e = parse("kind = \"cubist\"").unwrap_err();
        assert!(e.to_string().contains("cubist"), "{e}");
        let e = parse("kind = \"initials\"\ntext_color = \"white\"").unwrap_err();
        assert!(e.to_string().contains("white"), "{e}");
        assert!(parse("background = []").is_err());

        let r = parse("kind = \"initials\"\nradius = 80").unwrap();
        assert_eq!(r.validate().unwrap_err().code(), "paint.bad_recipe");
        let r = parse("kind = \"geometric\"\npalette = [\"#000000\"]").unwrap();
        assert_eq!(r.validate().unwrap_err().code(), "paint.bad_recipe");
        let r = parse("kind = \"initials\"\nmax_chars = 3").unwrap();
        assert!(r.validate().is_err());
        let e = parse("kind = \"poster\"\nbackdrop = \"stadium\"").unwrap_err();
        assert!(e.to_string().contains("stadium"), "{e}");
        let e = parse("kind = \"poster\"\njersey = \"#ffffff\"").unwrap_err();
        assert!(e.to_string().contains("jersey"), "{e}");
        let r = parse("kind = \"poster\"\nradius = 51").unwrap();
        assert_eq!(r.validate().unwrap_err().code(), "paint.bad_recipe");
    }
}
