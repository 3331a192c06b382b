//! `likeness-paint`: the built-in, offline portrait renderer of likeness.
//!
//! It turns *who* ([`Sitter`]) and *how* ([`Recipe`]) into a picture: an SVG string, or a PNG
//! rasterised from that SVG with resvg.
//!
//! - A [`Sitter`] is the person: a caller-chosen `seed` (stable identity, e.g.
//!   `"subjectid:style:version"`), a display name, and optional demographics (presentation, age,
//!   hair colour and length, skin tone). Demographics *constrain* the drawing (an 85-year-old gets
//!   grey hair and stooped shoulders); the seed only chooses within those constraints, and fills
//!   anything unknown.
//! - A [`Recipe`] is a style's `[renderer]` table from TOML: `kind = "initials" | "geometric" |
//!   "watercolor" | "poster" | "cartoon" | "dicebear"` plus optional fields, all defaulted,
//!   unknown fields rejected.
//! - A [`Painter`] holds the font database (bundled fonts only, built once in [`Painter::new`])
//!   and renders. It is `Send + Sync`; share one per process.
//!
//! # The kinds
//!
//! - `initials`: one or two letters from the name (grapheme-aware, any script: see
//!   [`initials()`]) on a seeded background, text colour picked for WCAG contrast; a neutral
//!   silhouette when the name has no letters.
//! - `geometric`: boring-avatars-style abstract avatars (marble, beam, sunset, ring, bauhaus,
//!   pixel) from a five-colour palette.
//! - `watercolor`: a head-and-shoulders side profile facing right in soft teal washes on
//!   textured paper, with a warm glow at the eye; age, presentation and the seed shape the
//!   face, carriage and crop; the poster's person (skin, fifteen haircuts drawn in profile,
//!   facial hair, glasses, headband, beanie or headscarf; the same pins) wears it.
//! - `poster`: a flat vector head-and-shoulders poster, front-facing or slightly turned: a
//!   three-tone skin ramp (ten tones, or the sitter's own), fifteen haircuts, facial hair,
//!   glasses, headband, beanie or headscarf, age lines; a plain crew or V-neck jersey in the
//!   sitter's team colours; a muted tinted background with a soft backdrop shape. Never text,
//!   numbers or logos. The sitter's `hair_style`, `glasses`, `facial_hair`, `head_covering`,
//!   `jersey_color` and `accent_color` pin those features.
//! - `cartoon`: a whimsical, expressive front-facing cartoon on a clean background: the poster's
//!   person (skin, hair, facial hair, glasses, coverings, age; the same pins) with a bigger head,
//!   big eyes, one dark outline and cel shading. The sitter's `worldview` picks the theme by
//!   keyword (revolutionary, moderate, patriot, skeptic, tech, burnt out / coffee; none:
//!   cheerful), which sets the palette, background motif, clothes and expression. See
//!   [`CartoonRecipe`] and [`CartoonTheme`].
//! - `dicebear`: one of DiceBear's own CC0 styles (`style = "notionists"`, `"lorelei"`,
//!   `"initials"`, …: [`dicebear_styles()`] lists them with their licence and creator), drawn by
//!   the official Rust port from the sitter's seed, byte-identical to DiceBear JS for the same
//!   options; demographics are not used. See [`DicebearRecipe`].
//!
//! For DiceBear-compatible URLs, [`dicebear_query`] reads DiceBear's HTTP query string into the
//! options DiceBear JS takes, [`dicebear_svg`] draws them (byte-identical to DiceBear JS) and
//! [`Painter::rasterise_png`] draws any finished SVG at a given side.
//!
//! Any aspect ratio works: the shorter side is 100 user units; geometric art covers and crops,
//! initials stay centred, the watercolor bust stays bottom-centred on more paper; DiceBear's
//! square pictures cover and crop (or, with `fit = "contain"`, sit centred between transparent
//! bands).
//!
//! # Determinism
//!
//! The same `(recipe, sitter, size)` gives byte-identical SVG and PNG, run after run and across
//! threads (tested, with golden SVG hashes). Across platforms the SVG is stable too in practice:
//! all coordinates are rounded to 0.01 (0.1 in dense wash outlines), so the last-bit differences
//! a platform's `sin`/`ln` may show do not surface; PNG bytes additionally depend on the
//! resvg/tiny-skia versions pinned by the lock file. Randomness is keyed and
//! order-independent: each decision's value is a hash of `seed + ":" + key` (FNV-1a 64 +
//! SplitMix64, see `prng.rs`), so adding a feature later does not reshuffle existing portraits.
//! Numbers are written with fixed precision, no hash-map order is ever observed, and fonts are
//! compiled in. Every id inside an SVG carries a prefix derived from the seed, kind and size
//! (DiceBear's: a hash of its style and seed), so many portraits can be inlined in one page
//! without id collisions. Changing drawing code does change output: callers version their
//! styles for that.
//!
//! # No I/O
//!
//! The crate never touches files or the network: fonts are `include_bytes!` (DejaVu Sans,
//! Droid Sans Fallback for CJK, NanumSquare for Hangul; licences in `fonts/`), SVGs are
//! self-contained (no external hrefs, no embedded rasters), and the rasteriser is configured with
//! every resource loader off. PNGs are encoded fast rather than small; recompress downstream.
//!
//! ```
//! use likeness_paint::{InitialsRecipe, Painter, Presentation, Recipe, Sitter, Size};
//!
//! let painter = Painter::new();
//! let recipe = Recipe::Initials(InitialsRecipe::default()); // or from a style's TOML
//! let sitter = Sitter { name: "Tomás Oquendo", presentation: Presentation::Man, ..Sitter::new("p-1") };
//! let png = painter.render_png(&recipe, &sitter, Size { width: 64, height: 64 }).unwrap();
//! assert_eq!(&png[1..4], b"PNG");
//! ```

use std::sync::Arc;

use resvg::usvg::fontdb;

mod cartoon;
mod dicebear;
mod dicebear_api;
mod dicebear_query;
mod face;
mod face_parts;
mod fonts;
mod frame;
mod geometric;
mod hair;
mod indexed;
mod initials;
mod look;
mod paper;
mod parts;
mod pen;
mod pigment;
mod poster;
mod prng;
mod profile;
mod raster;
mod recipe;
mod sitter;
mod soft;
mod svg;
mod tones;
mod wash;
mod watercolor;
mod wear;

pub use cartoon::{CartoonRecipe, CartoonTheme};
pub use dicebear::{DicebearRecipe, DicebearStyle, Fit, dicebear_style, dicebear_styles};
pub use dicebear_api::{
    DicebearError, dicebear_descriptor, dicebear_json, dicebear_raster_svg, dicebear_svg,
    frame_keys, look_descriptor,
};
pub use dicebear_query::{MAX_QUERY_BYTES, dicebear_query};
pub use frame::{ColorFill, Flip, Frame, Span};
pub use indexed::PaletteCounts;
pub use initials::initials;
pub use raster::{RenderedPng, resize_png};
pub use recipe::{Backdrop, Neckline, PosterRecipe};
pub use recipe::{
    FontWeight, GeometricRecipe, GeometricVariant, InitialsRecipe, KINDS, Recipe, Shape,
    WatercolorRecipe,
};
pub use sitter::{FacialHair, HairStyle, HeadCovering};
pub use sitter::{HairColor, HairLength, Presentation, Rgb, Sitter};
pub use tones::{Tones, luma};

use prng::Prng;
use svg::Canvas;

/// Output size in pixels; each side 16..=4096.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Size {
    pub width: u32,
    pub height: u32,
}

impl Size {
    pub const MIN: u32 = 16;
    pub const MAX: u32 = 4096;

    /// A square size.
    pub fn square(side: u32) -> Size {
        Size {
            width: side,
            height: side,
        }
    }

    fn check(self) -> Result<(), PaintError> {
        let ok = |v: u32| (Size::MIN..=Size::MAX).contains(&v);
        if ok(self.width) && ok(self.height) {
            Ok(())
        } else {
            Err(PaintError::BadSize {
                width: self.width,
                height: self.height,
            })
        }
    }
}

/// Why a render failed. [`PaintError::code`] gives a stable machine code.
#[derive(thiserror::Error, Debug)]
#[non_exhaustive]
pub enum PaintError {
    #[error("image size {width}x{height} is out of range: each side must be 16..=4096 pixels")]
    BadSize { width: u32, height: u32 },
    #[error("invalid recipe: {0}")]
    BadRecipe(String),
    #[error("invalid {what}: {value:?}")]
    BadValue { what: &'static str, value: String },
    #[error("the generated SVG could not be parsed: {0}")]
    Svg(String),
    #[error("rasterisation failed: {0}")]
    Raster(String),
}

impl PaintError {
    /// A stable machine-readable code: `paint.bad_size`, `paint.bad_recipe`, `paint.bad_value`,
    /// `paint.svg` or `paint.raster`.
    pub fn code(&self) -> &'static str {
        match self {
            PaintError::BadSize { .. } => "paint.bad_size",
            PaintError::BadRecipe(_) => "paint.bad_recipe",
            PaintError::BadValue { .. } => "paint.bad_value",
            PaintError::Svg(_) => "paint.svg",
            PaintError::Raster(_) => "paint.raster",
        }
    }
}

/// The renderer. Holds the bundled-font database; cheap to share across threads.
#[derive(Clone)]
pub struct Painter {
    fontdb: Arc<fontdb::Database>,
}

impl std::fmt::Debug for Painter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Painter")
            .field("faces", &self.fontdb.len())
            .finish()
    }
}

impl Default for Painter {
    fn default() -> Self {
        Painter::new()
    }
}

impl Painter {
    /// Builds the font database from the bundled fonts (never system fonts).
    pub fn new() -> Painter {
        Painter {
            fontdb: Arc::new(fonts::database()),
        }
    }

    /// Draws the portrait as a self-contained SVG document of `size` pixels.
    pub fn render_svg(
        &self,
        recipe: &Recipe,
        sitter: &Sitter,
        size: Size,
    ) -> Result<String, PaintError> {
        size.check()?;
        recipe.validate()?;
        let rng = Prng::new(sitter.seed);
        let prefix = format!(
            "lk{}",
            rng.hex8(&format!(
                "svg-id:{}:{}x{}",
                recipe.kind(),
                size.width,
                size.height
            ))
        );
        let canvas = Canvas::new(size, prefix);
        Ok(match recipe {
            Recipe::Initials(r) => initials::draw(r, sitter, &rng, &canvas, size),
            Recipe::Geometric(r) => geometric::draw(r, &rng, &canvas, size),
            Recipe::Watercolor(r) => watercolor::draw(r, sitter, &rng, &canvas, size),
            Recipe::Poster(r) => poster::draw(r, sitter, &rng, &canvas, size),
            Recipe::Cartoon(r) => cartoon::draw(r, sitter, &rng, &canvas, size),
            Recipe::Dicebear(r) => dicebear::draw(r, sitter, size)?,
        })
    }

    /// Draws the portrait and rasterises it with resvg into a PNG of exactly `size` pixels
    /// (plain encoding; recompress downstream if bytes matter).
    pub fn render_png(
        &self,
        recipe: &Recipe,
        sitter: &Sitter,
        size: Size,
    ) -> Result<Vec<u8>, PaintError> {
        self.render_png_timed(recipe, sitter, size).map(|r| r.png)
    }

    /// [`Painter::render_png`], saying how long the PNG encode took (the rest is drawing and
    /// rasterising), so a pipeline can tell the two apart.
    pub fn render_png_timed(
        &self,
        recipe: &Recipe,
        sitter: &Sitter,
        size: Size,
    ) -> Result<RenderedPng, PaintError> {
        let svg = self.render_svg(recipe, sitter, size)?;
        raster::render_png(&self.fontdb, &svg, size)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn _assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn painter_is_send_sync() {
        _assert_send_sync::<Painter>();
    }

    #[test]
    fn bad_sizes_are_errors_not_panics() {
        let p = Painter::new();
        let r = Recipe::Initials(InitialsRecipe::default());
        let s = Sitter::new("x");
        for (w, h) in [
            (0, 64),
            (15, 64),
            (64, 15),
            (4097, 64),
            (64, 4097),
            (0, 0),
            (u32::MAX, 16),
        ] {
            let size = Size {
                width: w,
                height: h,
            };
            let e = p.render_svg(&r, &s, size).unwrap_err();
            assert_eq!(e.code(), "paint.bad_size");
            assert!(e.to_string().contains(&format!("{w}x{h}")));
            assert_eq!(
                p.render_png(&r, &s, size).unwrap_err().code(),
                "paint.bad_size"
            );
        }
        for (w, h) in [(16, 16), (16, 4096)] {
            p.render_svg(
                &r,
                &s,
                Size {
                    width: w,
                    height: h,
                },
            )
            .unwrap();
        }
    }

    #[test]
    fn error_codes_are_stable() {
        assert_eq!(PaintError::Svg("x".into()).code(), "paint.svg");
        assert_eq!(PaintError::Raster("x".into()).code(), "paint.raster");
        assert_eq!(PaintError::BadRecipe("x".into()).code(), "paint.bad_recipe");
    }
}
