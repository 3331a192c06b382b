//! The offline, deterministic provider: draws with `likeness-paint`.

use std::time::Instant;

use likeness_paint::{Painter, Presentation, Recipe, Sitter, Size};
use likeness_styles::Style;
use likeness_subjects::Gender;

use super::{GenerateFuture, GenerateRequest, Generated, Provider, ProviderError};

#[derive(Debug)]
pub struct Builtin {
    painter: std::sync::Arc<Painter>,
}

impl Builtin {
    pub fn new() -> Builtin {
        Builtin {
            painter: std::sync::Arc::new(Painter::new()),
        }
    }

    fn recipe(style: &Style) -> Result<Recipe, ProviderError> {
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
        toml::Value::Table(table.clone())
            .try_into()
            .map_err(|e: toml::de::Error| ProviderError::BadRecipe {
                style: style.name.clone(),
                message: e.message().to_string(),
            })
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
        Self::recipe(style).map(|_| ())
    }

    fn generate(&self, request: GenerateRequest) -> GenerateFuture<'_> {
        let painter = self.painter.clone();
        let model = self.default_model().to_string();
        Box::pin(async move {
            let recipe = Self::recipe(&request.style)?;
            let job = move || {
                let started = Instant::now();
                let d = &request.demographics;
                let sitter = Sitter {
                    seed: &request.seed,
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
                    skin_tone: pinned(
                        request
                            .subject
                            .attributes
                            .get("skin_tone")
                            .map(String::as_str),
                        "skin_tone",
                        "a colour as #rrggbb",
                    )?,
                };
                let size = Size {
                    width: request.width,
                    height: request.height,
                };
                let bytes = painter
                    .render_png(&recipe, &sitter, size)
                    .map_err(|e| ProviderError::Render(e.to_string()))?;
                Ok(Generated {
                    bytes,
                    content_type: "image/png",
                    width: request.width,
                    height: request.height,
                    model,
                    render_us: started.elapsed().as_micros() as i64,
                    cost_usd: 0.0,
                })
            };
            tokio::task::spawn_blocking(job)
                .await
                .map_err(|e| ProviderError::Render(format!("render task failed: {e}")))?
        })
    }
}
