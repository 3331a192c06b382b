//! The offline, deterministic provider: draws with `likeness-paint`.

use std::collections::BTreeMap;
use std::str::FromStr;
use std::time::Instant;

use likeness_paint::{FacialHair, HairStyle, HeadCovering, Painter, Presentation, Recipe, Rgb};
use likeness_paint::{Sitter, Size};
use likeness_styles::Style;
use likeness_subjects::{Demographics, Gender};

use super::{GenerateFuture, GenerateRequest, Generated, Provider, ProviderError};

#[derive(Debug)]
pub struct Builtin {
    painter: std::sync::Arc<Painter>,
}

/// The first key (dotted, with array indices) whose value is a NaN or infinite float.
fn non_finite_key(table: &toml::Table, prefix: &str) -> Option<String> {
    fn walk(value: &toml::Value, path: String) -> Option<String> {
        match value {
            toml::Value::Float(f) if !f.is_finite() => Some(path),
            toml::Value::Array(items) => items
                .iter()
                .enumerate()
                .find_map(|(i, v)| walk(v, format!("{path}[{i}]"))),
            toml::Value::Table(t) => non_finite_key(t, &path),
            _ => None,
        }
    }
    table.iter().find_map(|(k, v)| {
        let path = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        walk(v, path)
    })
}

impl Builtin {
    pub fn new() -> Builtin {
        Builtin {
            painter: std::sync::Arc::new(Painter::new()),
        }
    }

    /// The SVG the renderer draws for `request`, before rasterising (for `likeness render`).
    pub fn render_svg(&self, request: &GenerateRequest) -> Result<String, ProviderError> {
        let (recipe, sitter, size) = inputs(request)?;
        self.painter
            .render_svg(&recipe, &sitter, size)
            .map_err(|e| ProviderError::Render(e.to_string()))
    }

    /// The style's recipe with `options` laid over its `[renderer]` table: what the renderer
    /// would draw, checked, so callers can refuse bad options before queueing anything.
    pub fn recipe(
        style: &Style,
        options: &serde_json::Map<String, serde_json::Value>,
    ) -> Result<Recipe, ProviderError> {
        let Some(table) = &style.renderer else {
            return Err(ProviderError::UnsupportedStyle {
                provider: "builtin".into(),
                style: style.name.clone(),
                can_draw: likeness_paint::KINDS
                    .iter()
                    .map(|k| k.to_string())
                    .collect(),
            });
        };
        let bad = |message: String| ProviderError::BadRecipe {
            style: style.name.clone(),
            message,
        };
        // JSON has no NaN or infinity: converted, `rotate = nan` would become null and be
        // silently ignored. Refuse it by name instead.
        if let Some(key) = non_finite_key(table, "") {
            return Err(bad(format!(
                "{key} must be a finite number (the style file has nan or inf)"
            )));
        }
        let mut merged = match serde_json::to_value(table) {
            Ok(serde_json::Value::Object(m)) => m,
            _ => return Err(bad("the [renderer] table is not a table".into())),
        };
        if let Some(kind) = options.get("kind") {
            return Err(bad(format!(
                "options cannot change the kind (got {kind}); choose another style instead"
            )));
        }
        merged.extend(options.clone());
        let recipe: Recipe =
            serde_json::from_value(merged.into()).map_err(|e| bad(e.to_string()))?;
        // What serde cannot check (ranges, an unknown DiceBear style), so that a bad recipe
        // fails when the style is planned rather than on every subject.
        recipe.validate().map_err(|e| ProviderError::BadRecipe {
            style: style.name.clone(),
            message: match e {
                likeness_paint::PaintError::BadRecipe(m) => m,
                other => other.to_string(),
            },
        })?;
        Ok(recipe)
    }
}

const HAIR_COLORS: &str = "black, dark_brown, brown, auburn, red, blond, grey or white";

/// Parses an attribute that pins a feature. A value that does not parse fails the subject with
/// a message saying what is expected, rather than being silently ignored.
fn pinned<T: std::str::FromStr>(
    value: Option<&str>,
    name: &str,
    expected: &str,
) -> Result<Option<T>, ProviderError> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => v
            .parse()
            .map(Some)
            .map_err(|_| ProviderError::BadAttribute {
                name: name.to_string(),
                value: v.to_string(),
                expected: expected.to_string(),
            }),
    }
}

/// `yes`/`no` (also `true`/`false`, `1`/`0`, `none`).
struct YesNo(bool);

impl FromStr for YesNo {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        match s.trim().to_ascii_lowercase().as_str() {
            "yes" | "y" | "true" | "1" => Ok(YesNo(true)),
            "no" | "n" | "false" | "0" | "none" => Ok(YesNo(false)),
            _ => Err(()),
        }
    }
}

/// One or two colours, `"#rrggbb,#rrggbb"` (primary, secondary; `/`, `;` or spaces also
/// separate them).
struct TeamColors(Rgb, Option<Rgb>);

impl FromStr for TeamColors {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        let parts: Vec<&str> = s
            .split([',', '/', ';', ' '])
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .collect();
        let colour = |p: &str| p.parse::<Rgb>().map_err(|_| ());
        match parts.as_slice() {
            [a] => Ok(TeamColors(colour(a)?, None)),
            [a, b] => Ok(TeamColors(colour(a)?, Some(colour(b)?))),
            _ => Err(()),
        }
    }
}

/// What the painter needs for `request`: the style's recipe, the sitter and the size.
fn inputs(request: &GenerateRequest) -> Result<(Recipe, Sitter<'_>, Size), ProviderError> {
    let recipe = Builtin::recipe(&request.style, &request.renderer_options)?;
    let sitter = sitter(
        &request.seed,
        &request.demographics,
        &request.subject.attributes,
    )?;
    let size = Size {
        width: request.width,
        height: request.height,
    };
    Ok((recipe, sitter, size))
}

/// The sitter for a subject: demographics, plus the attributes that pin features. A value that
/// does not parse is a `provider.bad_attribute` naming the values allowed.
fn sitter<'a>(
    seed: &'a str,
    d: &'a Demographics,
    attributes: &'a BTreeMap<String, String>,
) -> Result<Sitter<'a>, ProviderError> {
    let attr = |name: &str| attributes.get(name).map(String::as_str);
    let team: Option<TeamColors> = pinned(
        attr("team_colors"),
        "team_colors",
        "one or two colours as \"#rrggbb,#rrggbb\" (primary, secondary)",
    )?;
    let jersey: Option<Rgb> = pinned(attr("jersey_color"), "jersey_color", "a colour as #rrggbb")?;
    let (primary, secondary) = match team {
        Some(TeamColors(a, b)) => (Some(a), b),
        None => (None, None),
    };
    let accent = match (jersey, primary) {
        // A jersey colour of its own: the team's primary becomes the trim if it differs.
        (Some(j), Some(p)) if j != p => secondary.or(Some(p)),
        _ => secondary,
    };
    Ok(Sitter {
        seed,
        name: &d.display_name,
        presentation: match d.gender {
            Gender::Man => Presentation::Man,
            Gender::Woman => Presentation::Woman,
            Gender::Person => Presentation::Person,
        },
        age: d.age,
        hair_color: pinned(d.hair.color.as_deref(), "hair_color", HAIR_COLORS)?,
        hair_length: pinned(
            d.hair.length.as_deref(),
            "hair_length",
            "bald, short, medium or long",
        )?,
        // The subject's own attribute, else the tone sampled from their reference photo.
        skin_tone: pinned(
            attr("skin_tone").or(attr("likeness_skin_tone")),
            "skin_tone",
            "a colour as #rrggbb",
        )?,
        hair_style: pinned(attr("hair_style"), "hair_style", &HairStyle::expected())?,
        glasses: pinned::<YesNo>(attr("glasses"), "glasses", "yes or no")?.map(|g| g.0),
        facial_hair: pinned(attr("facial_hair"), "facial_hair", &FacialHair::expected())?,
        head_covering: pinned(
            attr("head_covering"),
            "head_covering",
            &HeadCovering::expected(),
        )?,
        jersey_color: jersey.or(primary),
        accent_color: accent,
        worldview: attr("worldview"),
    })
}

impl Default for Builtin {
    fn default() -> Self {
        Builtin::new()
    }
}

impl Provider for Builtin {
    fn name(&self) -> &'static str {
        "builtin"
    }

    fn default_model(&self) -> &str {
        concat!("likeness-paint-", env!("CARGO_PKG_VERSION"))
    }

    fn audience(&self) -> likeness_styles::Audience {
        likeness_styles::Audience::Local
    }

    fn check_style(&self, style: &Style) -> Result<(), ProviderError> {
        Self::recipe(style, &serde_json::Map::new()).map(|_| ())
    }

    fn generate(&self, request: GenerateRequest) -> GenerateFuture<'_> {
        let painter = self.painter.clone();
        let model = self.default_model().to_string();
        Box::pin(async move {
            let job = move || {
                let started = Instant::now();
                let (recipe, sitter, size) = inputs(&request)?;
                let rendered = painter
                    .render_png_timed(&recipe, &sitter, size)
                    .map_err(|e| ProviderError::Render(e.to_string()))?;
                Ok(Generated {
                    bytes: rendered.png,
                    render_encode_us: rendered.encode.as_micros() as i64,
                    tones: Some(rendered.tones),
                    drawn_here: true,
                    content_type: "image/png",
                    width: request.width,
                    height: request.height,
                    provider: "builtin".into(),
                    model,
                    render_us: started.elapsed().as_micros() as i64,
                    ..Generated::default()
                })
            };
            tokio::task::spawn_blocking(job)
                .await
                .map_err(|e| ProviderError::Render(format!("render task failed: {e}")))?
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_finite_numbers_in_a_renderer_table_are_named() {
        let table: toml::Table =
            toml::from_str("kind = \"initials\"\nrotate = [0, inf]\n[x]\ny = nan\n").unwrap();
        assert_eq!(non_finite_key(&table, "").as_deref(), Some("rotate[1]"));
        let table: toml::Table = toml::from_str("[x]\ny = -nan\n").unwrap();
        assert_eq!(non_finite_key(&table, "").as_deref(), Some("x.y"));
        let table: toml::Table = toml::from_str("rotate = 1.5\n").unwrap();
        assert_eq!(non_finite_key(&table, ""), None);
    }

    fn demographics() -> Demographics {
        Demographics {
            display_name: "Ada".into(),
            gender: Gender::Woman,
            age: Some(30),
            age_band: None,
            hair: Default::default(),
            deceased: false,
        }
    }

    fn attrs(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn attributes_pin_the_look() {
        let d = demographics();
        let a = attrs(&[
            ("skin_tone", "#8d5524"),
            ("hair_style", "Box-Braids"),
            ("glasses", "yes"),
            ("facial_hair", "none"),
            ("head_covering", "hijab"),
            ("team_colors", "#1D428A, #FFC72C"),
        ]);
        let s = sitter("seed", &d, &a).unwrap();
        assert_eq!(s.presentation, Presentation::Woman);
        assert_eq!(s.skin_tone, Some(Rgb(0x8d, 0x55, 0x24)));
        assert_eq!(s.hair_style, Some(HairStyle::Braids));
        assert_eq!(s.glasses, Some(true));
        assert_eq!(s.facial_hair, Some(FacialHair::None));
        assert_eq!(s.head_covering, Some(HeadCovering::Headscarf));
        assert_eq!(s.jersey_color, Some(Rgb(0x1d, 0x42, 0x8a)));
        assert_eq!(s.accent_color, Some(Rgb(0xff, 0xc7, 0x2c)));

        // A jersey colour of its own wins; the team's primary becomes the trim.
        let a = attrs(&[
            ("team_colors", "#1d428a"),
            ("jersey_color", "#ffffff"),
            ("glasses", "no"),
        ]);
        let s = sitter("seed", &d, &a).unwrap();
        assert_eq!(s.jersey_color, Some(Rgb(255, 255, 255)));
        assert_eq!(s.accent_color, Some(Rgb(0x1d, 0x42, 0x8a)));
        assert_eq!(s.glasses, Some(false));

        // Nothing pinned: everything is the renderer's choice.
        let none = BTreeMap::new();
        let s = sitter("seed", &d, &none).unwrap();
        assert_eq!(
            (s.hair_style, s.glasses, s.jersey_color),
            (None, None, None)
        );
        let blank = attrs(&[("glasses", "  ")]);
        let s = sitter("seed", &d, &blank).unwrap();
        assert_eq!(s.glasses, None);
    }

    #[test]
    fn bad_attributes_name_the_allowed_values() {
        let d = demographics();
        let cases = [
            ("hair_style", "mullet", "afro"),
            ("glasses", "maybe", "yes or no"),
            (
                "facial_hair",
                "sideburns",
                "none, stubble, moustache, beard or goatee",
            ),
            (
                "head_covering",
                "crown",
                "none, headband, beanie or headscarf",
            ),
            ("team_colors", "blue,gold", "#rrggbb,#rrggbb"),
            ("team_colors", "#000000,#ffffff,#ff0000", "#rrggbb,#rrggbb"),
            ("jersey_color", "red", "#rrggbb"),
            ("skin_tone", "olive", "#rrggbb"),
        ];
        for (name, value, expected) in cases {
            let a = attrs(&[(name, value)]);
            let e = sitter("seed", &d, &a).unwrap_err();
            assert_eq!(e.code(), "provider.bad_attribute", "{name}");
            let ProviderError::BadAttribute {
                name: n,
                value: v,
                expected: x,
            } = &e
            else {
                panic!("{e:?}")
            };
            assert_eq!((n.as_str(), v.as_str()), (name, value));
            assert!(x.contains(expected), "{name}: {x}");
        }
    }
}
