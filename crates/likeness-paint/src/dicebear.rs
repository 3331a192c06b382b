//! `kind = "dicebear"`: DiceBear's own avatar styles, drawn by the official Rust port.
//!
//! The SVG comes from [`dicebear_core`] (byte-identical to the DiceBear JS library for the same
//! seed, style and options) with a style definition from [`dicebear_styles`]; the PNG goes
//! through this crate's rasteriser like every other kind, with the bundled fonts only.
//!
//! # Which styles
//!
//! Only the styles whose licence is CC0 1.0 are compiled in ([`dicebear_styles()`] lists them
//! with their creators), and only their cargo features of `dicebear-styles` are enabled. The
//! others are left out on purpose: adventurer, big-ears, big-smile, croodles, dylan,
//! fun-emoji, glyphs, micah, miniavs, personas and toon-head (and their `-neutral` variants)
//! are CC BY 4.0, which obliges every use of a picture to credit the artist, something a
//! generated avatar stored and served by likeness cannot guarantee; avataaars and bottts are
//! under custom licences ("free for personal and commercial use", no licence text to comply
//! with); icons is MIT (Bootstrap Icons), which asks for its notice to travel with copies.
//! CC0 asks for nothing, so those avatars can go anywhere.
//!
//! # Seed
//!
//! DiceBear's seed is the [`Sitter`]'s seed, so a subject keeps its avatar. The two styles
//! that write letters (`initials`, `initial-face`) take them from DiceBear's seed, which would
//! spell out the letters of an opaque id; for those, the seed handed to DiceBear is the
//! sitter's initials (the same rules as [`crate::initials()`]) followed by a number derived
//! from the sitter's seed (DiceBear reads only letters for the text), so the letters come from
//! the name and the colours still from the seed. A name without letters draws no text.
//!
//! # Options
//!
//! [`DicebearRecipe`] passes DiceBear's options through under this crate's names
//! (`background` → `backgroundColor`, `radius` → `borderRadius`, …), checked against the
//! style: a colour, component or variant name the style does not have is an error, where
//! DiceBear itself would silently ignore it. Text always uses the bundled fonts (the
//! `fontFamily` option is set by the renderer, never by a style file).

use std::collections::BTreeMap;
use std::sync::OnceLock;

use dicebear_core::{Avatar, OptionsDescriptor, Style};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use unicode_segmentation::UnicodeSegmentation;

use crate::frame::{ColorFill, Flip, Span};
use crate::prng::Prng;
use crate::sitter::{Rgb, Sitter};
use crate::{PaintError, Size, fonts};

/// One DiceBear style compiled into this build, with what its licence asks to be shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DicebearStyle {
    /// DiceBear's name, used in `style = "…"` (`"notionists"`).
    pub name: &'static str,
    /// Display name (`"Notionists"`).
    pub title: &'static str,
    /// SPDX identifier of the artwork's licence (`"CC0-1.0"` for every shipped style).
    pub license: &'static str,
    pub license_url: &'static str,
    /// Who made the artwork DiceBear's definition is based on.
    pub creator: &'static str,
    pub creator_url: &'static str,
    /// Where the artwork comes from.
    pub source_url: &'static str,
    /// A one-line credit, e.g. "Notionists by Zoish, via DiceBear (dicebear.com)". CC0 does not
    /// require it; it is courteous to show.
    pub attribution: &'static str,
    /// The style definition (DiceBear's JSON).
    definition: &'static str,
}

const CC0: &str = "CC0-1.0";
const CC0_URL: &str = "https://creativecommons.org/publicdomain/zero/1.0/";
const DICEBEAR_URL: &str = "https://www.dicebear.com";

/// A style drawn by DiceBear's own team.
macro_rules! own {
    ($name:literal, $title:literal, $def:ident) => {
        own!($name, $title, $def, "https://www.dicebear.com")
    };
    ($name:literal, $title:literal, $def:ident, $source:expr) => {
        DicebearStyle {
            name: $name,
            title: $title,
            license: CC0,
            license_url: CC0_URL,
            creator: "DiceBear",
            creator_url: DICEBEAR_URL,
            source_url: $source,
            attribution: concat!($title, " by DiceBear (dicebear.com)"),
            definition: dicebear_styles::$def,
        }
    };
}

/// A DiceBear remix of another artist's CC0 work.
macro_rules! remix {
    ($name:literal, $title:literal, $def:ident, $creator:literal, $creator_url:expr, $source:expr) => {
        DicebearStyle {
            name: $name,
            title: $title,
            license: CC0,
            license_url: CC0_URL,
            creator: $creator,
            creator_url: $creator_url,
            source_url: $source,
            attribution: concat!($title, " by ", $creator, ", via DiceBear (dicebear.com)"),
            definition: dicebear_styles::$def,
        }
    };
}

const LISA: &str = "https://www.instagram.com/lischi_art/";
const LORELEI_SRC: &str = "https://www.figma.com/community/file/1198749693280469639";
const PIXEL_ART_SRC: &str = "https://www.figma.com/community/file/1198754108850888330";

/// Every CC0 style of `dicebear-styles`, by name. Checked against each definition's own `meta`
/// block by a test, and against the enabled cargo features.
static STYLES: [DicebearStyle; 44] = [
    own!("blobs", "Blobs", BLOBS),
    own!("cameo", "Cameo", CAMEO),
    own!("cats", "Cats", CATS),
    own!("clay", "Clay", CLAY),
    own!("constellation", "Constellation", CONSTELLATION),
    own!("critters", "Critters", CRITTERS),
    own!("cutouts", "Cutouts", CUTOUTS),
    own!("disco", "Disco", DISCO),
    own!("dogs", "Dogs", DOGS),
    own!("gaze", "Gaze", GAZE),
    own!("glass", "Glass", GLASS),
    own!("identicon", "Identicon", IDENTICON),
    own!("initial-face", "Initial Face", INITIAL_FACE),
    own!("initials", "Initials", INITIALS),
    own!("landscape", "Landscape", LANDSCAPE),
    own!("line-face", "Line Face", LINE_FACE),
    own!("loops", "Loops", LOOPS),
    remix!(
        "lorelei",
        "Lorelei",
        LORELEI,
        "Lisa Wischofsky",
        LISA,
        LORELEI_SRC
    ),
    remix!(
        "lorelei-neutral",
        "Lorelei Neutral",
        LORELEI_NEUTRAL,
        "Lisa Wischofsky",
        LISA,
        LORELEI_SRC
    ),
    own!("marbles", "Marbles", MARBLES),
    own!("moods", "Moods", MOODS),
    remix!(
        "notionists",
        "Notionists",
        NOTIONISTS,
        "Zoish",
        "https://bio.link/heyzoish",
        "https://heyzoish.gumroad.com/l/notionists"
    ),
    remix!(
        "notionists-neutral",
        "Notionists Neutral",
        NOTIONISTS_NEUTRAL,
        "Zoish",
        "https://bio.link/heyzoish",
        "https://heyzoish.gumroad.com/l/notionists"
    ),
    remix!(
        "open-peeps",
        "Open Peeps",
        OPEN_PEEPS,
        "Pablo Stanley",
        "https://twitter.com/pablostanley",
        "https://www.openpeeps.com/"
    ),
    own!("patchwork", "Patchwork", PATCHWORK),
    own!("pixel-art", "Pixel Art", PIXEL_ART, PIXEL_ART_SRC),
    own!(
        "pixel-art-neutral",
        "Pixel Art Neutral",
        PIXEL_ART_NEUTRAL,
        PIXEL_ART_SRC
    ),
    own!("pixelbot", "Pixelbot", PIXELBOT),
    own!("planets", "Planets", PLANETS),
    own!("rings", "Rings", RINGS),
    own!("shadows", "Shadows", SHADOWS),
    own!("shape-grid", "Shape Grid", SHAPE_GRID),
    own!("shapes", "Shapes", SHAPES),
    own!("slice", "Slice", SLICE),
    own!("sprouts", "Sprouts", SPROUTS),
    own!("squircles", "Squircles", SQUIRCLES),
    own!("stack", "Stack", STACK),
    own!("stripes", "Stripes", STRIPES),
    own!("thumbs", "Thumbs", THUMBS),
    own!("triangles", "Triangles", TRIANGLES),
    own!("voxel-art", "Voxel Art", VOXEL_ART),
    own!("voxel-bot", "Voxel Bot", VOXEL_BOT),
    own!("waves", "Waves", WAVES),
    own!("weave", "Weave", WEAVE),
];

/// The styles that write letters derived from DiceBear's seed (see the module docs).
const LETTER_STYLES: [&str; 2] = ["initials", "initial-face"];

/// The DiceBear styles compiled into this build (all CC0 1.0), sorted by name.
pub fn dicebear_styles() -> &'static [DicebearStyle] {
    &STYLES
}

/// The compiled-in DiceBear style called `name`.
pub fn dicebear_style(name: &str) -> Option<&'static DicebearStyle> {
    STYLES.iter().find(|s| s.name == name)
}

/// Parsed definitions, one per entry of [`STYLES`], parsed on first use (a few ms each).
fn parsed(index: usize) -> Result<&'static Style, PaintError> {
    static PARSED: [OnceLock<Result<Style, String>>; 44] = [const { OnceLock::new() }; 44];
    PARSED[index]
        .get_or_init(|| Style::from_str(STYLES[index].definition).map_err(|e| e.to_string()))
        .as_ref()
        .map_err(|e| {
            PaintError::BadRecipe(format!(
                "the DiceBear style `{}` does not load: {e}",
                STYLES[index].name
            ))
        })
}

pub(crate) fn lookup(name: &str) -> Result<(usize, &'static Style), PaintError> {
    let Some(index) = STYLES.iter().position(|s| s.name == name) else {
        let names: Vec<&str> = STYLES.iter().map(|s| s.name).collect();
        return Err(PaintError::BadRecipe(format!(
            "unknown DiceBear style `{name}`; available: {}",
            names.join(", ")
        )));
    };
    Ok((index, parsed(index)?))
}

fn span_json(span: Span) -> Value {
    match span {
        Span::Fixed(v) => json!(v),
        Span::Range(a, b) => json!([a, b]),
    }
}

/// How a DiceBear picture (square) fills a non-square image.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Fit {
    /// Fill the image, cropping the longer side (centred).
    #[default]
    Cover,
    /// Show all of it, centred, with transparent bands.
    Contain,
}

/// `kind = "dicebear"`: one of DiceBear's CC0 styles. Every field but `style` maps to a
/// DiceBear option and is left to the style when absent.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DicebearRecipe {
    /// The DiceBear style, one of [`dicebear_styles()`] (default `"notionists"`).
    pub style: String,
    /// `backgroundColor`: the seed picks one (or they form a gradient, see
    /// `background_fill`). Empty: the style's own (often none: transparent).
    pub background: Vec<Rgb>,
    /// `backgroundColorFill`.
    pub background_fill: Option<ColorFill>,
    /// `flip`.
    pub flip: Option<Flip>,
    /// `rotate`, degrees, -360..=360.
    pub rotate: Option<Span>,
    /// `scale`, 0..=10 (1 is the style's own size; the excess is clipped).
    pub scale: Option<Span>,
    /// `borderRadius`, percent of the side, 0..=50 (50 is a circle).
    pub radius: Option<Span>,
    /// `translateX`, percent of the width, -100..=100.
    pub translate_x: Option<Span>,
    /// `translateY`, percent of the height, -100..=100.
    pub translate_y: Option<Span>,
    /// `fontWeight` of text (styles with letters), 1..=1000; the bundled faces are regular and
    /// bold.
    pub font_weight: Option<u16>,
    /// `<name>Color` for the style's colour names (e.g. `skin`, `hair`).
    pub colors: BTreeMap<String, Vec<Rgb>>,
    /// `<component>Variant`: which variants the seed may pick for a component.
    pub variants: BTreeMap<String, Vec<String>>,
    /// `<component>Probability`: percent chance that an optional component is drawn.
    pub probabilities: BTreeMap<String, f64>,
    /// For non-square images.
    pub fit: Fit,
}

impl Default for DicebearRecipe {
    fn default() -> Self {
        DicebearRecipe {
            style: "notionists".into(),
            background: Vec::new(),
            background_fill: None,
            flip: None,
            rotate: None,
            scale: None,
            radius: None,
            translate_x: None,
            translate_y: None,
            font_weight: None,
            colors: BTreeMap::new(),
            variants: BTreeMap::new(),
            probabilities: BTreeMap::new(),
            fit: Fit::Cover,
        }
    }
}

fn hex(colors: &[Rgb]) -> Value {
    Value::Array(colors.iter().map(|c| json!(c.to_string())).collect())
}

impl DicebearRecipe {
    /// Checks the style name, value ranges and that every colour, component and variant named
    /// exists in the style.
    pub(crate) fn validate(&self) -> Result<(), PaintError> {
        let bad = |m: String| Err(PaintError::BadRecipe(m));
        let (_, style) = lookup(&self.style)?;
        let checks = [
            (self.rotate, "rotate", -360.0, 360.0),
            (self.scale, "scale", 0.0, 10.0),
            (self.radius, "radius", 0.0, 50.0),
            (self.translate_x, "translate_x", -100.0, 100.0),
            (self.translate_y, "translate_y", -100.0, 100.0),
        ];
        for (span, what, lo, hi) in checks {
            if let Some(s) = span {
                s.check(what, lo, hi)?;
            }
        }
        if let Some(w) = self.font_weight
            && !(1..=1000).contains(&w)
        {
            return bad(format!("font_weight must be 1..=1000, got {w}"));
        }
        if self.colors.is_empty() && self.variants.is_empty() && self.probabilities.is_empty() {
            return Ok(());
        }
        let descriptor = OptionsDescriptor::new(style).to_json();
        let names = |suffix: &str| -> Vec<String> {
            let mut v: Vec<String> = descriptor
                .as_object()
                .into_iter()
                .flat_map(|o| o.keys())
                .filter_map(|k| k.strip_suffix(suffix))
                .filter(|n| !n.is_empty())
                .map(str::to_owned)
                .collect();
            v.sort();
            v
        };
        let unknown = |what: &str, name: &str, known: Vec<String>| {
            bad(format!(
                "the DiceBear style `{}` has no {what} `{name}`; it has: {}",
                self.style,
                known.join(", ")
            ))
        };
        let color_names = names("Color");
        for (name, list) in &self.colors {
            if name == "background" {
                return bad("set the background with `background = [...]`, not in colors".into());
            }
            if !color_names.contains(name) {
                return unknown("colour", name, color_names);
            }
            if list.is_empty() {
                return bad(format!("colors.{name} must list at least one colour"));
            }
        }
        let components = names("Variant");
        for (component, wanted) in &self.variants {
            let Some(known) = descriptor
                .get(format!("{component}Variant"))
                .and_then(|d| d.get("values"))
                .and_then(Value::as_array)
            else {
                return unknown("component", component, components);
            };
            let known: Vec<String> = known
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect();
            if wanted.is_empty() {
                return bad(format!(
                    "variants.{component} must list at least one variant"
                ));
            }
            for w in wanted {
                if !known.contains(w) {
                    return bad(format!(
                        "component `{component}` of the DiceBear style `{}` has no variant `{w}`; it has: {}",
                        self.style,
                        known.join(", ")
                    ));
                }
            }
        }
        for (component, p) in &self.probabilities {
            if !components.contains(component) {
                return unknown("component", component, components);
            }
            if !(0.0..=100.0).contains(p) {
                return bad(format!(
                    "probabilities.{component} must be 0..=100 (percent), got {p}"
                ));
            }
        }
        Ok(())
    }

    /// DiceBear's options object for `sitter` at `size`.
    fn options(&self, sitter: &Sitter, size: Size) -> Value {
        let mut o = Map::new();
        let letter_style = LETTER_STYLES.contains(&self.style.as_str());
        let letters = if letter_style {
            crate::initials(sitter.name, 2)
        } else {
            None
        };
        let seed = if letter_style {
            // DiceBear spells the initials of the letter-words of its seed: give it the
            // sitter's initials as one-letter words, then a number (no letters) from the seed.
            let words: Vec<&str> = letters.as_deref().unwrap_or("").graphemes(true).collect();
            let n = Prng::new(sitter.seed).bits("dicebear-seed");
            format!("{} {n}", words.join(" ")).trim_start().to_owned()
        } else {
            sitter.seed.to_owned()
        };
        o.insert("seed".into(), json!(seed));
        if size.width == size.height {
            o.insert("size".into(), json!(size.width));
        }
        o.insert(
            "fontFamily".into(),
            json!(fonts::family_for(letters.as_deref().unwrap_or(""))),
        );
        if let Some(w) = self.font_weight {
            o.insert("fontWeight".into(), json!(w));
        }
        if !self.background.is_empty() {
            o.insert("backgroundColor".into(), hex(&self.background));
        }
        if let Some(f) = self.background_fill {
            o.insert(
                "backgroundColorFill".into(),
                serde_json::to_value(f).unwrap_or_default(),
            );
        }
        if let Some(f) = self.flip {
            o.insert("flip".into(), serde_json::to_value(f).unwrap_or_default());
        }
        for (key, span) in [
            ("rotate", self.rotate),
            ("scale", self.scale),
            ("borderRadius", self.radius),
            ("translateX", self.translate_x),
            ("translateY", self.translate_y),
        ] {
            if let Some(s) = span {
                o.insert(key.into(), span_json(s));
            }
        }
        for (name, list) in &self.colors {
            o.insert(format!("{name}Color"), hex(list));
        }
        for (component, list) in &self.variants {
            o.insert(format!("{component}Variant"), json!(list));
        }
        for (component, p) in &self.probabilities {
            o.insert(format!("{component}Probability"), json!(p));
        }
        Value::Object(o)
    }
}

/// Draws the avatar: DiceBear's SVG as it is for a square `size`; for other sizes, the same
/// picture sized to fill (or fit) the rectangle.
pub(crate) fn draw(r: &DicebearRecipe, sitter: &Sitter, size: Size) -> Result<String, PaintError> {
    let (_, style) = lookup(&r.style)?;
    let avatar = Avatar::new(style, r.options(sitter, size))
        .map_err(|e| PaintError::BadRecipe(format!("DiceBear refused the options: {e}")))?;
    let svg = avatar.to_svg();
    if size.width == size.height {
        return Ok(svg.to_owned());
    }
    let rest = svg
        .strip_prefix("<svg ")
        .ok_or_else(|| PaintError::Svg("DiceBear's SVG does not start with <svg".into()))?;
    let aspect = match r.fit {
        Fit::Cover => "xMidYMid slice",
        Fit::Contain => "xMidYMid meet",
    };
    Ok(format!(
        "<svg width=\"{}\" height=\"{}\" preserveAspectRatio=\"{aspect}\" {rest}",
        size.width, size.height
    ))
}

#[cfg(test)]
mod tests {

    use resvg::tiny_skia::Pixmap;
    use sha2::{Digest, Sha256};

    use super::*;
    use crate::{Painter, Recipe};

    fn recipe(style: &str) -> Recipe {
        Recipe::Dicebear(DicebearRecipe {
            style: style.into(),
            ..DicebearRecipe::default()
        })
    }

    fn parse(s: &str) -> Result<Recipe, toml::de::Error> {
        toml::from_str(s)
    }

    fn svg(p: &Painter, r: &Recipe, seed: &str, name: &str) -> String {
        let sitter = Sitter {
            name,
            ..Sitter::new(seed)
        };
        p.render_svg(r, &sitter, Size::square(128)).unwrap()
    }

    #[test]
    fn the_table_matches_each_definitions_licence_and_the_enabled_features() {
        let names: Vec<&str> = dicebear_styles().iter().map(|s| s.name).collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(names, sorted, "sorted and unique");
        // Exactly the styles whose cargo features are on: none shipped without a table entry.
        let mut enabled = dicebear_styles::all();
        enabled.sort_unstable();
        assert_eq!(names, enabled);
        for s in dicebear_styles() {
            let def: Value = serde_json::from_str(s.definition).unwrap();
            let meta = &def["meta"];
            let n = s.name;
            assert_eq!(meta["license"]["name"], "CC0 1.0", "{n}");
            assert_eq!(meta["license"]["url"], s.license_url, "{n}");
            assert_eq!(s.license, "CC0-1.0", "{n}");
            assert_eq!(meta["creator"]["name"], s.creator, "{n}");
            assert_eq!(meta["creator"]["url"], s.creator_url, "{n}");
            assert_eq!(meta["source"]["url"], s.source_url, "{n}");
            assert!(s.attribution.starts_with(s.title), "{n}");
            assert!(s.attribution.contains(s.creator), "{n}");
            assert_eq!(dicebear_style(n), Some(s));
            // Every shipped canvas is square (the non-square path relies on it).
            let canvas = &def["canvas"];
            assert_eq!(canvas["width"], canvas["height"], "{n}");
        }
        assert_eq!(dicebear_style("adventurer"), None, "CC BY 4.0: not shipped");
        assert_eq!(
            dicebear_style("avataaars"),
            None,
            "custom licence: not shipped"
        );
    }

    /// Decodes a PNG and checks size, coverage and that it is a picture, not a flat tile.
    fn assert_visible(png: &[u8], w: u32, h: u32, what: &str) {
        let pm = Pixmap::decode_png(png).unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_eq!((pm.width(), pm.height()), (w, h), "{what}");
        let px: Vec<[u8; 4]> = pm
            .pixels()
            .iter()
            .map(|p| {
                let c = p.demultiply();
                [c.red(), c.green(), c.blue(), c.alpha()]
            })
            .collect();
        let painted = px.iter().filter(|p| p[3] > 0).count();
        assert!(
            painted * 20 > px.len(),
            "{what}: only {painted} of {} pixels painted",
            px.len()
        );
        let lum: Vec<f64> = px
            .iter()
            .filter(|p| p[3] > 0)
            .map(|p| 0.2126 * f64::from(p[0]) + 0.7152 * f64::from(p[1]) + 0.0722 * f64::from(p[2]))
            .collect();
        let mean = lum.iter().sum::<f64>() / lum.len() as f64;
        let var = lum.iter().map(|l| (l - mean).powi(2)).sum::<f64>() / lum.len() as f64;
        let alpha_varies = px.iter().any(|p| p[3] == 0) && painted < px.len();
        assert!(
            var.sqrt() > 4.0 || alpha_varies,
            "{what}: flat image (luminance sd {:.2})",
            var.sqrt()
        );
    }

    #[test]
    fn every_style_renders_a_visible_png_of_the_requested_size() {
        let p = Painter::new();
        for s in dicebear_styles() {
            let r = recipe(s.name);
            let sitter = Sitter {
                name: "Tomás Oquendo",
                ..Sitter::new("subject-7:dicebear:1")
            };
            let png = p.render_png(&r, &sitter, Size::square(96)).unwrap();
            assert_visible(&png, 96, 96, s.name);
        }
        // Non-square: covered by default, or contained.
        let sitter = Sitter::new("wide");
        let size = Size {
            width: 120,
            height: 72,
        };
        let png = p.render_png(&recipe("shapes"), &sitter, size).unwrap();
        assert_visible(&png, 120, 72, "shapes 120x72");
        let pm = Pixmap::decode_png(&png).unwrap();
        assert!(pm.pixels().iter().all(|c| c.alpha() == 255), "cover fills");
        let contain = Recipe::Dicebear(DicebearRecipe {
            style: "shapes".into(),
            fit: Fit::Contain,
            ..DicebearRecipe::default()
        });
        let png = p.render_png(&contain, &sitter, size).unwrap();
        let pm = Pixmap::decode_png(&png).unwrap();
        assert_eq!(pm.pixel(2, 36).unwrap().alpha(), 0, "contain leaves bands");
        assert_eq!(pm.pixel(60, 36).unwrap().alpha(), 255);
    }

    #[test]
    fn same_seed_same_bytes_other_seed_other_picture() {
        let (a, b) = (Painter::new(), Painter::new());
        for s in dicebear_styles() {
            let r = recipe(s.name);
            let one = svg(&a, &r, "subject-1:dicebear:1", "Ada Lovelace");
            assert_eq!(
                one,
                svg(&b, &r, "subject-1:dicebear:1", "Ada Lovelace"),
                "{}",
                s.name
            );
            let two = svg(&a, &r, "subject-2:dicebear:1", "Ada Lovelace");
            assert_ne!(one, two, "{}: seeds 1 and 2 drew the same", s.name);
        }
        let r = recipe("notionists");
        let sitter = Sitter::new("png-determinism");
        let png = a.render_png(&r, &sitter, Size::square(80)).unwrap();
        let handles: Vec<_> = (0..4)
            .map(|_| {
                let (b, r) = (b.clone(), r.clone());
                std::thread::spawn(move || {
                    b.render_png(&r, &Sitter::new("png-determinism"), Size::square(80))
                        .unwrap()
                })
            })
            .collect();
        for h in handles {
            assert_eq!(h.join().unwrap(), png);
        }
    }

    /// Pinned: the same seed must keep giving the same avatar. A change here means DiceBear (or
    /// its definitions) changed the drawing: bump the versions of the `dicebear-*` styles.
    #[test]
    fn golden_svg_is_stable() {
        let p = Painter::new();
        let sitter = Sitter::new("golden-subject:dicebear-notionists:1");
        let svg = p
            .render_svg(&recipe("notionists"), &sitter, Size::square(256))
            .unwrap();
        let hash: String = Sha256::digest(svg.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        // Checked against DiceBear JS 11.0.0-rc.2 (`new Avatar(new Style(notionists), options)`
        // with the options this renderer passes): the same bytes.
        assert_eq!(
            hash,
            "f5669565c745a1a028624ea0edbe04c9597aaf2c0b9c793763b65ccb642a3534"
        );
    }

    #[test]
    fn unknown_styles_and_bad_options_are_clear_errors() {
        let p = Painter::new();
        let sitter = Sitter::new("x");
        let e = p
            .render_svg(&recipe("adventurer"), &sitter, Size::square(64))
            .unwrap_err();
        assert_eq!(e.code(), "paint.bad_recipe");
        let m = e.to_string();
        assert!(m.contains("unknown DiceBear style `adventurer`"), "{m}");
        assert!(
            m.contains("notionists") && m.contains("lorelei, lorelei-neutral"),
            "{m}"
        );
        assert!(
            p.render_png(&recipe("nope"), &sitter, Size::square(64))
                .is_err()
        );

        let invalid = |toml: &str| -> String {
            let r = parse(toml).unwrap_or_else(|e| panic!("{toml}: {e}"));
            r.validate().unwrap_err().to_string()
        };
        let m = invalid("kind = \"dicebear\"\nstyle = \"notionist\"");
        assert!(m.contains("notionist`") && m.contains("available:"), "{m}");
        let m = invalid("kind = \"dicebear\"\nstyle = \"lorelei\"\ncolors.hat = [\"#000000\"]");
        assert!(m.contains("no colour `hat`") && m.contains("hair"), "{m}");
        let m = invalid("kind = \"dicebear\"\nvariants.nose = [\"variant99\"]");
        assert!(
            m.contains("no variant `variant99`") && m.contains("variant01"),
            "{m}"
        );
        let m = invalid("kind = \"dicebear\"\nvariants.tail = [\"variant01\"]");
        assert!(m.contains("no component `tail`"), "{m}");
        let m = invalid("kind = \"dicebear\"\nprobabilities.glasses = 150");
        assert!(m.contains("0..=100"), "{m}");
        let m = invalid("kind = \"dicebear\"\nrotate = 400");
        assert!(m.contains("rotate must be -360..=360"), "{m}");
        let m = invalid("kind = \"dicebear\"\nscale = [2, 1]");
        assert!(m.contains("[min, max]"), "{m}");
        let m = invalid("kind = \"dicebear\"\nradius = 60");
        assert!(m.contains("radius"), "{m}");
        let m = invalid("kind = \"dicebear\"\ncolors.background = [\"#000000\"]");
        assert!(m.contains("background = [...]"), "{m}");
        // Typos are caught by serde.
        let e = parse("kind = \"dicebear\"\nbackground_color = [\"#ffffff\"]").unwrap_err();
        assert!(e.to_string().contains("background_color"), "{e}");
        let e = parse("kind = \"dicebear\"\nflip = \"sideways\"").unwrap_err();
        assert!(e.to_string().contains("sideways"), "{e}");
    }

    #[test]
    fn options_reach_dicebear() {
        let p = Painter::new();
        let r = parse(
            r##"
            kind = "dicebear"
            style = "lorelei"
            background = ["#123456"]
            flip = "horizontal"
            rotate = 10
            scale = [0.9, 0.9]
            radius = 50
            colors.hair = ["#ff0000"]
            variants.glasses = ["variant01"]
            probabilities.glasses = 100
            "##,
        )
        .unwrap();
        r.validate().unwrap();
        let s = svg(&p, &r, "options", "");
        for want in [
            "fill=\"#123456\"",
            "scale(-1, 1)",
            "rotate(10, ",
            "scale(0.9)",
            "rx=\"490\"",
            "#ff0000",
            "glasses-variant01-",
        ] {
            assert!(s.contains(want), "missing {want:?} in {s}");
        }
        let plain = svg(&p, &recipe("lorelei"), "options", "");
        assert!(!plain.contains("#123456") && !plain.contains("scale(-1, 1)"));
        // Round-trips through serde (the provider turns TOML tables into recipes).
        let back: Recipe = toml::from_str(&toml::to_string(&r).unwrap()).unwrap();
        assert_eq!(back, r);
    }

    #[test]
    fn svgs_are_self_contained() {
        let p = Painter::new();
        for s in dicebear_styles() {
            let svg = svg(&p, &recipe(s.name), "self-contained", "Ada Lovelace");
            let n = s.name;
            assert!(!svg.contains("<image"), "{n}");
            assert!(!svg.contains("@import") && !svg.contains("url(http"), "{n}");
            for attr in ["href=\"", "xlink:href=\""] {
                for rest in svg.split(attr).skip(1) {
                    let id = &rest[..rest.find('"').unwrap()];
                    let id = id
                        .strip_prefix('#')
                        .unwrap_or_else(|| panic!("{n}: external {id}"));
                    assert!(
                        svg.contains(&format!(" id=\"{id}\"")),
                        "{n}: dangling #{id}"
                    );
                }
            }
            for rest in svg.split("url(#").skip(1) {
                let id = &rest[..rest.find(')').unwrap()];
                assert!(
                    svg.contains(&format!(" id=\"{id}\"")),
                    "{n}: dangling #{id}"
                );
            }
        }
    }

    /// Every glyph usvg lays out for `svg`, as (family, glyph id).
    fn glyphs(p: &Painter, svg: &str) -> Vec<(String, u32)> {
        crate::raster::tests::laid_out(p, svg)
            .into_iter()
            .map(|g| (g.family, g.id))
            .collect()
    }

    #[test]
    fn letters_come_from_the_name_in_bundled_fonts_and_colours_from_the_seed() {
        let p = Painter::new();
        let initials = recipe("initials");
        let s = svg(&p, &initials, "76003:dicebear-initials:1", "Tomás Oquendo");
        assert!(s.contains(">TO</text>"), "{s}");
        assert!(s.contains("font-family=\"DejaVu Sans, "), "{s}");
        assert!(!s.contains("system-ui"));
        // The seed picks the colours: same letters, other seeds, not all alike.
        let others: std::collections::BTreeSet<String> = (0..6)
            .map(|i| svg(&p, &initials, &format!("subject-{i}"), "Tomás Oquendo"))
            .collect();
        assert!(others.len() > 1);
        assert!(others.iter().all(|s| s.contains(">TO</text>")));
        // One word: one letter; no letters: no text at all (never the seed's letters).
        assert!(svg(&p, &initials, "x", "Madonna").contains(">M</text>"));
        let none = svg(&p, &initials, "seed-with-letters", "1234");
        assert!(!none.contains("<text"), "{none}");
        let face = svg(&p, &recipe("initial-face"), "x", "Ada Lovelace");
        assert!(face.contains(">A</text>"), "{face}");
        // Every script gets real glyphs (not .notdef) from a bundled face.
        for (name, family) in [
            ("Tomás Oquendo", "DejaVu Sans"),
            ("Δημήτρης Παπαδόπουλος", "DejaVu Sans"),
            ("牧野 爛漫", "Droid Sans Fallback"),
            ("김 민준", "NanumSquare"),
        ] {
            let g = glyphs(&p, &svg(&p, &initials, "glyphs", name));
            // The default variant draws the letters twice (overlay and a faded copy).
            assert!(!g.is_empty(), "{name}");
            for (f, id) in &g {
                assert_ne!(*id, 0, "{name}: .notdef");
                assert_eq!(f, family, "{name}");
            }
        }
    }

    #[test]
    fn kind_alone_is_notionists_and_parses_from_toml() {
        let r = parse("kind = \"dicebear\"").unwrap();
        assert_eq!(r, Recipe::Dicebear(DicebearRecipe::default()));
        r.validate().unwrap();
        let Recipe::Dicebear(d) =
            parse("kind = \"dicebear\"\nstyle = \"pixel-art\"\nfit = \"contain\"").unwrap()
        else {
            panic!()
        };
        assert_eq!((d.style.as_str(), d.fit), ("pixel-art", Fit::Contain));
    }
}
