//! What the service's DiceBear-compatible URLs (`/11.x/{style}/{format}`) draw with: DiceBear
//! avatars from an options object exactly as DiceBear JS takes it, the options each style
//! accepts, the same options for likeness's own looks, and the rasteriser for a finished SVG.
//!
//! The SVG of [`dicebear_svg`] is DiceBear's, untouched: no font family is set unless the
//! options say so, so it is byte-identical to DiceBear JS 11 for the same options (tested
//! against it). A raster is likeness's own drawing of it: [`dicebear_raster_svg`] names the
//! bundled fonts for its text (DiceBear's default, `system-ui`, is no font this crate has) and
//! [`Painter::rasterise_png`] / [`Painter::rasterise_rgba`] draw it at any side from 1 to 4096.

use std::sync::OnceLock;

use dicebear_core::{Avatar, OptionsDescriptor};
use serde_json::{Map, Value, json};

use crate::dicebear::{dicebear_styles, lookup};
use crate::dicebear_query::NOT_OVER_HTTP;
use crate::{PaintError, Painter, Size, fonts, raster};

/// Why a DiceBear request cannot be drawn. [`DicebearError::code`] gives a stable code.
#[derive(thiserror::Error, Debug)]
#[non_exhaustive]
pub enum DicebearError {
    /// The query or one option in it: `dicebear.bad_query`, `dicebear.unknown_option` or
    /// `dicebear.bad_option`.
    #[error("{message}")]
    Query {
        code: &'static str,
        /// The option at fault, when there is one.
        option: Option<String>,
        message: String,
        /// What the option (or the style) takes instead.
        allowed: Vec<String>,
    },
    /// DiceBear's own validation refused the options (a range, a length): `dicebear.bad_option`.
    #[error("DiceBear refused the options: {0}")]
    Refused(String),
    /// A failure of the renderer, not of the request.
    #[error(transparent)]
    Paint(#[from] PaintError),
}

impl DicebearError {
    pub fn code(&self) -> &'static str {
        match self {
            DicebearError::Query { code, .. } => code,
            DicebearError::Refused(_) => "dicebear.bad_option",
            DicebearError::Paint(e) => e.code(),
        }
    }
}

/// The options the DiceBear style `style` takes over HTTP, as DiceBear's options descriptor
/// lists them (`{"seed": {"type": "string"}, "eyesVariant": {"type": "enum", "values": […],
/// "list": true, "weighted": true}, …}`), less those DiceBear's server does not take from a URL.
/// Built once per style.
pub fn dicebear_descriptor(style: &str) -> Result<&'static Map<String, Value>, PaintError> {
    static DESCRIPTORS: OnceLock<Vec<OnceLock<Map<String, Value>>>> = OnceLock::new();
    let (index, parsed) = lookup(style)?;
    let all =
        DESCRIPTORS.get_or_init(|| dicebear_styles().iter().map(|_| OnceLock::new()).collect());
    Ok(all[index].get_or_init(|| {
        let mut map = match OptionsDescriptor::new(parsed).to_json() {
            Value::Object(map) => map,
            _ => Map::new(),
        };
        map.retain(|k, _| !NOT_OVER_HTTP.contains(&k.as_str()));
        map
    }))
}

fn avatar(style: &str, options: &Map<String, Value>) -> Result<Avatar, DicebearError> {
    let (_, parsed) = lookup(style)?;
    Avatar::new(parsed, Value::Object(options.clone()))
        .map_err(|e| DicebearError::Refused(e.to_string()))
}

/// DiceBear's SVG for `options` (as DiceBear JS takes them), byte for byte.
pub fn dicebear_svg(style: &str, options: &Map<String, Value>) -> Result<String, DicebearError> {
    Ok(avatar(style, options)?.to_svg().to_owned())
}

/// DiceBear's JSON answer: `{"svg": …, "options": …}`, the options as resolved for the seed.
pub fn dicebear_json(style: &str, options: &Map<String, Value>) -> Result<Value, DicebearError> {
    Ok(avatar(style, options)?.to_json())
}

/// The SVG a raster of [`dicebear_svg`] is drawn from: the same, with the bundled fonts named
/// for its text (the letters come from the seed), so letters never fall back to a missing face.
pub fn dicebear_raster_svg(
    style: &str,
    options: &Map<String, Value>,
) -> Result<String, DicebearError> {
    let mut options = options.clone();
    let seed = options.get("seed").and_then(Value::as_str).unwrap_or("");
    let family = fonts::family_for(seed);
    options.insert("fontFamily".into(), json!(family));
    dicebear_svg(style, &options)
}

/// The options likeness's own looks take under the DiceBear URLs: the seed, the size and
/// DiceBear's frame options, in the shape of [`dicebear_descriptor`]. See [`frame_keys`].
pub fn look_descriptor() -> &'static Map<String, Value> {
    static LOOK: OnceLock<Map<String, Value>> = OnceLock::new();
    LOOK.get_or_init(|| {
        let range = |min: i32, max: i32| json!({"type": "range", "min": min, "max": max});
        let fields = json!({
            "seed": {"type": "string"},
            "size": {"type": "number", "min": 1, "max": 4096},
            "flip": {"type": "enum", "values": ["none", "horizontal", "vertical", "both"]},
            "rotate": range(-360, 360),
            "scale": range(0, 10),
            "borderRadius": range(0, 50),
            "translateX": range(-100, 100),
            "translateY": range(-100, 100),
            "backgroundColor": {"type": "color", "list": true},
            "backgroundColorFill": {"type": "enum", "values": ["solid", "linear", "radial"]},
        });
        match fields {
            Value::Object(map) => map,
            _ => Map::new(),
        }
    })
}

/// A look's options (from [`look_descriptor`]) as keys of a style's `[renderer]` table (the
/// frame's names: `borderRadius` → `radius`, `backgroundColor` → `background`, …), to lay over
/// it. `seed` and `size` are not renderer keys and are left out; a range's two ends may come in
/// any order, as in DiceBear.
pub fn frame_keys(options: &Map<String, Value>) -> Result<Map<String, Value>, DicebearError> {
    let mut keys = Map::new();
    for (name, value) in options {
        let key = match name.as_str() {
            "seed" | "size" => continue,
            "borderRadius" => "radius",
            "translateX" => "translate_x",
            "translateY" => "translate_y",
            "backgroundColor" => "background",
            "backgroundColorFill" => "background_fill",
            other => other,
        };
        let value = match value {
            // DiceBear reads an empty list as unset.
            Value::Array(items) if items.is_empty() => continue,
            Value::Array(items) if key != "background" => {
                let mut ends: Vec<f64> = items.iter().filter_map(Value::as_f64).collect();
                ends.sort_by(f64::total_cmp);
                json!(ends)
            }
            _ if key == "background" => colours(name, value)?,
            other => other.clone(),
        };
        keys.insert(key.to_string(), value);
    }
    Ok(keys)
}

/// DiceBear's colours (`b6e3f4`) as the renderer's (`#b6e3f4`); it has no alpha.
fn colours(name: &str, value: &Value) -> Result<Value, DicebearError> {
    let items = match value {
        Value::Array(items) => items.clone(),
        one => vec![one.clone()],
    };
    let mut out = Vec::new();
    for item in items.iter().filter_map(Value::as_str) {
        let hex = item.strip_prefix('#').unwrap_or(item);
        if !matches!(hex.len(), 3 | 6) {
            return Err(DicebearError::Query {
                code: "dicebear.bad_option",
                option: Some(name.to_string()),
                message: format!(
                    "{name}: likeness's own looks take colours of 3 or 6 hex digits, not {item:?}"
                ),
                allowed: Vec::new(),
            });
        }
        out.push(json!(format!("#{hex}")));
    }
    Ok(Value::Array(out))
}

/// A raster's side: 1 to [`Size::MAX`] pixels (DiceBear's sizes start at 1, the renderer's
/// drawings at 16; a raster of an SVG can be any size).
fn raster_side(side: u32) -> Result<Size, PaintError> {
    if (1..=Size::MAX).contains(&side) {
        Ok(Size::square(side))
    } else {
        Err(PaintError::BadSize {
            width: side,
            height: side,
        })
    }
}

impl Painter {
    /// Draws `svg` (any square SVG, e.g. from [`dicebear_raster_svg`] or
    /// [`Painter::render_svg`]) as a PNG of `side` × `side` pixels, with the bundled fonts
    /// only: the same rasteriser as [`Painter::render_png`].
    pub fn rasterise_png(&self, svg: &str, side: u32) -> Result<Vec<u8>, PaintError> {
        raster::render_png(&self.fontdb, svg, raster_side(side)?).map(|r| r.png)
    }

    /// Like [`Painter::rasterise_png`], as RGBA bytes (straight alpha, row by row), for other
    /// encoders.
    pub fn rasterise_rgba(&self, svg: &str, side: u32) -> Result<Vec<u8>, PaintError> {
        let (pixmap, _) = raster::rasterise(&self.fontdb, svg, raster_side(side)?)?;
        let mut rgba = Vec::with_capacity(pixmap.data().len());
        for p in pixmap.pixels() {
            let c = p.demultiply();
            rgba.extend_from_slice(&[c.red(), c.green(), c.blue(), c.alpha()]);
        }
        Ok(rgba)
    }
}

#[cfg(test)]
#[path = "dicebear_api_tests.rs"]
mod tests;
