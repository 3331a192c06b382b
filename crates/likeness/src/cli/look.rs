//! The renderer options users know from DiceBear, as flags shared by `render` and `sheet`.
//! They become keys laid over the style's `[renderer]` table, so the recipe's own checks
//! (ranges, unknown keys for a kind) apply to flags and style files alike.

use anyhow::{Context, bail};
use serde_json::{Map, Value, json};

#[derive(Debug, Default, clap::Args)]
#[command(next_help_heading = "Look (laid over the style's [renderer] table)")]
pub struct LookArgs {
    /// Mirror the figure: none, horizontal, vertical or both.
    #[arg(long, value_name = "HOW")]
    pub flip: Option<String>,
    /// Turn the figure, degrees (-360 to 360), or MIN,MAX for the seed to pick from.
    #[arg(long, value_name = "DEG", allow_hyphen_values = true)]
    pub rotate: Option<String>,
    /// Size the figure (1 is its own size; 0.1 to 10), or MIN,MAX.
    #[arg(long, value_name = "X", allow_hyphen_values = true)]
    pub scale: Option<String>,
    /// Move the figure, percent of the width (-100 to 100), or MIN,MAX.
    #[arg(long, value_name = "PCT", allow_hyphen_values = true)]
    pub translate_x: Option<String>,
    /// Move the figure, percent of the height (-100 to 100), or MIN,MAX.
    #[arg(long, value_name = "PCT", allow_hyphen_values = true)]
    pub translate_y: Option<String>,
    /// Corner radius, percent of the side (0 to 50; 50 on a square is a circle).
    #[arg(long, value_name = "PCT", allow_hyphen_values = true)]
    pub radius: Option<String>,
    /// Outline: square, rounded or circle.
    #[arg(long)]
    pub shape: Option<String>,
    /// Background colours, comma-separated: the seed picks one, or two make a gradient.
    #[arg(long, value_name = "#RRGGBB,…")]
    pub background: Option<String>,
    /// How several background colours fill: solid, linear or radial.
    #[arg(long, value_name = "FILL")]
    pub background_fill: Option<String>,
    /// The style's colours, comma-separated (geometric, flat-poster and cartoon palettes).
    #[arg(long, value_name = "#RRGGBB,…")]
    pub palette: Option<String>,
    /// Any other [renderer] key, as a TOML value or a word: --option variant=marble (repeatable).
    #[arg(long = "option", value_name = "KEY=VALUE")]
    pub options: Vec<String>,
}

impl LookArgs {
    /// The options as `[renderer]` keys.
    pub fn to_options(&self) -> anyhow::Result<Map<String, Value>> {
        let mut map = Map::new();
        let words = [
            ("flip", &self.flip),
            ("shape", &self.shape),
            ("background_fill", &self.background_fill),
        ];
        for (key, v) in words {
            if let Some(v) = v {
                map.insert(key.into(), json!(v.trim()));
            }
        }
        let spans = [
            ("rotate", &self.rotate),
            ("scale", &self.scale),
            ("translate_x", &self.translate_x),
            ("translate_y", &self.translate_y),
            ("radius", &self.radius),
        ];
        for (key, v) in spans {
            if let Some(v) = v {
                map.insert(key.into(), span(key, v)?);
            }
        }
        for (key, v) in [("background", &self.background), ("palette", &self.palette)] {
            if let Some(v) = v {
                let colors: Vec<&str> = v.split(',').map(str::trim).collect();
                map.insert(key.into(), json!(colors));
            }
        }
        for pair in &self.options {
            let Some((key, text)) = pair.split_once('=') else {
                bail!("--option {pair:?} is not KEY=VALUE, e.g. --option variant=\"marble\"");
            };
            map.insert(key.trim().to_string(), toml_value(text.trim()));
        }
        Ok(map)
    }
}

/// `10` → 10, `-10,10` → [-10, 10].
fn span(key: &str, text: &str) -> anyhow::Result<Value> {
    let flag = key.replace('_', "-");
    let number = |t: &str| -> anyhow::Result<f64> {
        let v = t
            .trim()
            .parse::<f64>()
            .with_context(|| format!("--{flag}: {text:?} is not a number or MIN,MAX"))?;
        // `NaN`, `inf` and `1e309` parse as floats; JSON would quietly turn them into null.
        if !v.is_finite() {
            anyhow::bail!("--{flag}: {t:?} is not a finite number");
        }
        Ok(v)
    };
    Ok(match text.split_once(',') {
        Some((a, b)) => json!([number(a)?, number(b)?]),
        None => json!(number(text)?),
    })
}

/// A TOML value (`"marble"`, `3`, `["#fff", "#000"]`, `true`); anything else is a plain string,
/// so `--option variant=marble` works without shell-quoted quotes.
fn toml_value(text: &str) -> Value {
    toml::from_str::<toml::Table>(&format!("v = {text}"))
        .ok()
        .and_then(|mut t| t.remove("v"))
        .and_then(|v| serde_json::to_value(v).ok())
        .unwrap_or_else(|| json!(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_become_renderer_keys() {
        let look = LookArgs {
            flip: Some("horizontal".into()),
            rotate: Some("-10,10".into()),
            scale: Some("0.8".into()),
            background: Some("#ff0000, #0000ff".into()),
            options: vec!["variant=marble".into(), "max_chars = 1".into()],
            ..LookArgs::default()
        };
        let m = look.to_options().unwrap();
        assert_eq!(m["flip"], json!("horizontal"));
        assert_eq!(m["rotate"], json!([-10.0, 10.0]));
        assert_eq!(m["scale"], json!(0.8));
        assert_eq!(m["background"], json!(["#ff0000", "#0000ff"]));
        assert_eq!(m["variant"], json!("marble"));
        assert_eq!(m["max_chars"], json!(1));
    }

    #[test]
    fn non_finite_numbers_are_refused() {
        for text in ["NaN", "inf", "-inf", "1e309", "0,1e400"] {
            let look = LookArgs {
                rotate: Some(text.into()),
                ..LookArgs::default()
            };
            let e = look.to_options().unwrap_err().to_string();
            assert!(
                e.contains("--rotate") && e.contains("finite"),
                "{text}: {e}"
            );
        }
    }

    #[test]
    fn bad_flags_say_what_to_write() {
        let look = LookArgs {
            rotate: Some("left".into()),
            ..LookArgs::default()
        };
        let e = look.to_options().unwrap_err().to_string();
        assert!(e.contains("--rotate") && e.contains("MIN,MAX"), "{e}");
        let look = LookArgs {
            options: vec!["variant".into()],
            ..LookArgs::default()
        };
        assert!(
            look.to_options()
                .unwrap_err()
                .to_string()
                .contains("KEY=VALUE")
        );
    }
}
