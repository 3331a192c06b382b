//! Recipes: what a style's `[renderer]` TOML table says about how to draw.
//!
//! Every field has a default, so `kind = "watercolor"` alone is a complete recipe. Unknown fields
//! are rejected (serde's own message names the field) so typos in style files are caught at load
//! time rather than silently ignored.

use serde::{Deserialize, Serialize};

use crate::PaintError;
use crate::cartoon::CartoonRecipe;
use crate::dicebear::DicebearRecipe;
use crate::frame::Frame;
use crate::sitter::Rgb;

/// The names accepted in `kind = "…"`.
pub const KINDS: &[&str] = &[
    "initials",
    "geometric",
    "watercolor",
    "poster",
    "cartoon",
    "dicebear",
];

/// How to draw: one variant per renderer kind, tagged by `kind`. The drawn kinds carry a
/// [`Frame`], whose keys sit beside the kind's own in the same table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(into = "Table", try_from = "Table")]
pub enum Recipe {
    Initials(InitialsRecipe),
    Geometric(GeometricRecipe),
    Watercolor(WatercolorRecipe),
    Poster(PosterRecipe),
    Cartoon(CartoonRecipe),
    Dicebear(DicebearRecipe),
}

/// The wire form of a [`Recipe`]: the table as written, split into the kind's fields and the
/// frame's before either is checked, so both keep serde's own "unknown field" messages.
#[derive(Serialize, Deserialize)]
#[serde(transparent)]
struct Table(serde_json::Map<String, serde_json::Value>);

/// [`Recipe`] as serde derives it, without the frames.
#[derive(Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
enum Tagged {
    Initials(InitialsRecipe),
    Geometric(GeometricRecipe),
    Watercolor(WatercolorRecipe),
    Poster(PosterRecipe),
    Cartoon(CartoonRecipe),
    Dicebear(DicebearRecipe),
}

impl TryFrom<Table> for Recipe {
    type Error = serde_json::Error;

    fn try_from(Table(mut table): Table) -> Result<Recipe, serde_json::Error> {
        let mut frame = serde_json::Map::new();
        let kind = table.get("kind").cloned();
        if kind.as_ref().and_then(|k| k.as_str()) != Some("dicebear") {
            for key in Frame::KEYS {
                if let Some(v) = table.remove(*key) {
                    frame.insert((*key).to_owned(), v);
                }
            }
        }
        let tagged: Tagged = naming_the_key(table, kind.map(|k| ("kind", k)))?;
        let frame: Frame = naming_the_key(frame, None)?;
        let mut recipe = match tagged {
            Tagged::Initials(r) => Recipe::Initials(r),
            Tagged::Geometric(r) => Recipe::Geometric(r),
            Tagged::Watercolor(r) => Recipe::Watercolor(r),
            Tagged::Poster(r) => Recipe::Poster(r),
            Tagged::Cartoon(r) => Recipe::Cartoon(r),
            Tagged::Dicebear(r) => Recipe::Dicebear(r),
        };
        if let Some(f) = recipe.frame_mut() {
            *f = frame;
        }
        Ok(recipe)
    }
}

/// Deserialises `table`; on a failure, finds the key that causes it (with `fixed` beside it)
/// and names it, since an error from a JSON value carries no path.
fn naming_the_key<T: serde::de::DeserializeOwned>(
    table: serde_json::Map<String, serde_json::Value>,
    fixed: Option<(&str, serde_json::Value)>,
) -> Result<T, serde_json::Error> {
    let whole = serde_json::from_value(table.clone().into());
    let Err(e) = whole else { return whole };
    if e.to_string().starts_with("unknown") {
        return Err(e); // serde's own message names the field or variant already
    }
    for (key, value) in &table {
        let mut one = serde_json::Map::new();
        if let Some((k, v)) = &fixed {
            if k == key {
                continue;
            }
            one.insert((*k).to_owned(), v.clone());
        }
        one.insert(key.clone(), value.clone());
        if let Err(e) = serde_json::from_value::<T>(one.into()) {
            return Err(serde::de::Error::custom(format!("{key}: {e}")));
        }
    }
    Err(e)
}

impl From<Recipe> for Table {
    fn from(recipe: Recipe) -> Table {
        let frame = recipe.frame().cloned();
        let tagged = match recipe {
            Recipe::Initials(r) => Tagged::Initials(r),
            Recipe::Geometric(r) => Tagged::Geometric(r),
            Recipe::Watercolor(r) => Tagged::Watercolor(r),
            Recipe::Poster(r) => Tagged::Poster(r),
            Recipe::Cartoon(r) => Tagged::Cartoon(r),
            Recipe::Dicebear(r) => Tagged::Dicebear(r),
        };
        // Neither can fail: every map in them is keyed by strings.
        let mut table = match serde_json::to_value(tagged) {
            Ok(serde_json::Value::Object(m)) => m,
            _ => serde_json::Map::new(),
        };
        table.retain(|_, v| !v.is_null()); // TOML has no null: unset options are left out
        if let Some(Ok(serde_json::Value::Object(f))) = frame.map(serde_json::to_value) {
            // Only what is set, so a round trip writes what was read.
            let unset = |v: &serde_json::Value| {
                v.is_null() || v.as_array().is_some_and(Vec::is_empty) || v == "square"
            };
            table.extend(f.into_iter().filter(|(_, v)| !unset(v)));
        }
        Table(table)
    }
}

impl Recipe {
    /// The `kind` string of this recipe (one of [`KINDS`]).
    pub fn kind(&self) -> &'static str {
        match self {
            Recipe::Initials(_) => "initials",
            Recipe::Geometric(_) => "geometric",
            Recipe::Watercolor(_) => "watercolor",
            Recipe::Poster(_) => "poster",
            Recipe::Cartoon(_) => "cartoon",
            Recipe::Dicebear(_) => "dicebear",
        }
    }

    /// The shared options, for the kinds that draw their own pictures (not `dicebear`).
    pub fn frame(&self) -> Option<&Frame> {
        match self {
            Recipe::Initials(r) => Some(&r.frame),
            Recipe::Geometric(r) => Some(&r.frame),
            Recipe::Watercolor(r) => Some(&r.frame),
            Recipe::Poster(r) => Some(&r.frame),
            Recipe::Cartoon(r) => Some(&r.frame),
            Recipe::Dicebear(_) => None,
        }
    }

    pub fn frame_mut(&mut self) -> Option<&mut Frame> {
        match self {
            Recipe::Initials(r) => Some(&mut r.frame),
            Recipe::Geometric(r) => Some(&mut r.frame),
            Recipe::Watercolor(r) => Some(&mut r.frame),
            Recipe::Poster(r) => Some(&mut r.frame),
            Recipe::Cartoon(r) => Some(&mut r.frame),
            Recipe::Dicebear(_) => None,
        }
    }

    /// Checks value ranges serde cannot express. The painter calls this before drawing.
    pub fn validate(&self) -> Result<(), PaintError> {
        let bad = |m: String| Err(PaintError::BadRecipe(m));
        if let Some(f) = self.frame() {
            f.validate()?;
        }
        match self {
            Recipe::Initials(r) => {
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
            Recipe::Poster(_) => Ok(()),
            Recipe::Cartoon(r) => r.validate(),
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
    /// Text colour. `None`: near-white or a deep shade of the background, whichever has the
    /// higher WCAG contrast.
    pub text_color: Option<Rgb>,
    pub font_weight: FontWeight,
    /// Letter height as a fraction of the shorter side (cap height is ~0.73 of this). `None`:
    /// 0.46 for one letter, 0.40 for two.
    pub font_scale: Option<f64>,
    /// 1 or 2 letters.
    pub max_chars: u8,
    /// `shape`, `radius`, `background`, `flip`, `rotate`, … (see [`Frame`]).
    #[serde(skip)]
    pub frame: Frame,
}

impl Default for InitialsRecipe {
    fn default() -> Self {
        InitialsRecipe {
            text_color: None,
            font_weight: FontWeight::Bold,
            font_scale: None,
            max_chars: 2,
            frame: Frame::default(),
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
    /// `shape`, `radius`, `background`, `flip`, `rotate`, … (see [`Frame`]).
    #[serde(skip)]
    pub frame: Frame,
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
    /// `shape`, `radius`, `background`, `flip`, `rotate`, … (see [`Frame`]).
    #[serde(skip)]
    pub frame: Frame,
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
    /// Jersey colours for sitters without their own: the seed picks the jersey from these and
    /// the trim from the others. Empty: built-in team pairs.
    pub palette: Vec<Rgb>,
    /// `None`: the seed picks.
    pub backdrop: Option<Backdrop>,
    /// `None`: the seed picks (mostly crew).
    pub neckline: Option<Neckline>,
    /// `shape`, `radius`, `background`, `flip`, `rotate`, … (see [`Frame`]).
    #[serde(skip)]
    pub frame: Frame,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frame::{Flip, Span};

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
            i.frame.background,
            vec![Rgb(0x26, 0x46, 0x53), Rgb(0x2a, 0x9d, 0x8f)]
        );
        assert_eq!(i.text_color, Some(Rgb(255, 255, 255)));
        assert_eq!(i.font_weight, FontWeight::Normal);
        assert_eq!(i.frame.shape, Shape::Rounded);
        assert_eq!(i.frame.radius, Some(Span::Fixed(20.0)));
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
        assert_eq!(p.frame.background, vec![Rgb(0xee, 0xee, 0xee)]);
        assert_eq!(p.palette.len(), 2);
        assert_eq!(p.backdrop, Some(Backdrop::Arch));
        assert_eq!(p.neckline, Some(Neckline::V));

        let r = parse("kind = \"watercolor\"\npaper = \"#ffffff\"\nskin_tint = 0.5").unwrap();
        let Recipe::Watercolor(w) = r else { panic!() };
        assert_eq!(w.paper, Some(Rgb(255, 255, 255)));
    }

    #[test]
    fn frame_keys_sit_beside_the_kinds_own_and_round_trip() {
        let text = r##"
            kind = "poster"
            neckline = "v"
            flip = "horizontal"
            rotate = [-10, 10]
            scale = 0.9
            background = ["#fde2e4", "#cddafd"]
            background_fill = "linear"
            "##;
        let r = parse(text).unwrap();
        let Recipe::Poster(p) = &r else { panic!() };
        assert_eq!(p.neckline, Some(Neckline::V));
        assert_eq!(p.frame.flip, Some(Flip::Horizontal));
        assert_eq!(p.frame.rotate, Some(Span::Range(-10.0, 10.0)));
        assert_eq!(p.frame.background.len(), 2);
        r.validate().unwrap();
        let written = toml::to_string(&r).unwrap();
        assert_eq!(parse(&written).unwrap(), r, "{written}");
        assert!(
            !written.contains("shape"),
            "unset keys are not written: {written}"
        );

        // DiceBear has the same names as its own options, not as a frame.
        let Recipe::Dicebear(d) = parse("kind = \"dicebear\"\nflip = \"vertical\"").unwrap() else {
            panic!()
        };
        assert_eq!(d.flip, Some(Flip::Vertical));
        assert!(parse("kind = \"dicebear\"\nshape = \"circle\"").is_err());
    }

    #[test]
    fn typos_and_bad_values_are_rejected() {
        let e = parse("kind = \"poster\"\nflipp = \"horizontal\"").unwrap_err();
        assert!(e.to_string().contains("flipp"), "{e}");
        let e = parse("kind = \"poster\"\nrotate = \"left\"").unwrap_err();
        assert!(
            e.to_string().contains("rotate") || e.to_string().contains("left"),
            "{e}"
        );
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
