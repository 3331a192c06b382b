//! One style: its public shape, the TOML file schema, parsing and validation, and sizing.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::StyleError;
use crate::parse::parse_style;
use crate::prompt::Audience;

/// Longest edge, in pixels, a size preset may ask for.
pub const MAX_EDGE_PX: u32 = 8192;

/// Provider names a style's chain may use. `builtin` and `comfyui` run on the operator's own
/// machines ([`Audience::Local`]); the rest are cloud APIs ([`Audience::Cloud`]).
pub const KNOWN_PROVIDERS: &[&str] = &["builtin", "comfyui", "gemini", "imagen", "openai"];

/// Providers whose requests stay on infrastructure the operator runs.
const LOCAL_PROVIDERS: &[&str] = &["builtin", "comfyui"];

/// What a style produces.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StyleKind {
    /// A stylised portrait of the subject.
    Portrait,
    /// A scene-based portrait (the doctor pipeline's consultant, speaker, …).
    Scenario,
    /// A no-face fallback (initials, geometric pattern).
    Fallback,
}

impl StyleKind {
    pub fn as_str(self) -> &'static str {
        match self {
            StyleKind::Portrait => "portrait",
            StyleKind::Scenario => "scenario",
            StyleKind::Fallback => "fallback",
        }
    }
}

impl fmt::Display for StyleKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Width to height ratio, both terms in `1..=32`. Displays and parses as `"W:H"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct AspectRatio {
    pub w: u32,
    pub h: u32,
}

impl fmt::Display for AspectRatio {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.w, self.h)
    }
}

impl FromStr for AspectRatio {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || format!("aspect_ratio `{s}` must look like \"W:H\" with W and H in 1..=32");
        let (w, h) = s.split_once(':').ok_or_else(bad)?;
        let term = |t: &str| -> Result<u32, String> {
            if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad());
            }
            t.parse::<u32>()
                .ok()
                .filter(|v| (1..=32).contains(v))
                .ok_or_else(bad)
        };
        Ok(AspectRatio {
            w: term(w)?,
            h: term(h)?,
        })
    }
}

impl Serialize for AspectRatio {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for AspectRatio {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// One link of a provider chain: `"provider"` or `"provider:model"`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ProviderRef {
    pub provider: String,
    pub model: Option<String>,
}

impl ProviderRef {
    /// `Local` for providers on the operator's own machines (`builtin`, `comfyui`), `Cloud`
    /// for everything else, so unknown future providers are treated as cloud (the safe side).
    pub fn audience(&self) -> Audience {
        if LOCAL_PROVIDERS.contains(&self.provider.as_str()) {
            Audience::Local
        } else {
            Audience::Cloud
        }
    }
}

impl fmt::Display for ProviderRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.model {
            Some(model) => write!(f, "{}:{model}", self.provider),
            None => f.write_str(&self.provider),
        }
    }
}

impl FromStr for ProviderRef {
    type Err = String;

    /// Checks the shape only (`[a-z0-9][a-z0-9_-]*`, optional non-empty model without
    /// whitespace); whether the provider is known is checked when a style is loaded.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (provider, model) = match s.split_once(':') {
            Some((p, m)) => (p, Some(m)),
            None => (s, None),
        };
        let ok_provider = provider
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
            && provider
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
        if !ok_provider {
            return Err(format!(
                "provider `{s}` must be \"provider\" or \"provider:model\" with a lowercase provider name"
            ));
        }
        if let Some(m) = model
            && (m.is_empty() || m.chars().any(char::is_whitespace))
        {
            return Err(format!(
                "provider `{s}`: the model after `:` must be non-empty and have no spaces"
            ));
        }
        Ok(ProviderRef {
            provider: provider.to_string(),
            model: model.map(str::to_string),
        })
    }
}

impl Serialize for ProviderRef {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ProviderRef {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// Where a style came from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// Compiled into the binary from `crates/likeness-styles/styles/`.
    Builtin,
    /// A user file (which may replace a built-in of the same name).
    File(PathBuf),
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Builtin => f.write_str("built-in"),
            Origin::File(p) => write!(f, "{}", p.display()),
        }
    }
}

/// A named, versioned recipe. See the crate docs for the file format.
#[derive(Clone, Debug, Serialize)]
pub struct Style {
    pub name: String,
    pub version: u32,
    pub title: String,
    pub description: String,
    /// The licence of the style's look (its artwork), as an SPDX identifier or expression
    /// (`"CC0-1.0"`); `None` when the file does not say.
    pub license: Option<String>,
    /// Who to credit for the look, one line ("Notionists by Zoish, via DiceBear
    /// (dicebear.com)"), for showing beside the images.
    pub attribution: Option<String>,
    pub kind: StyleKind,
    pub aspect_ratio: AspectRatio,
    /// Size preset → long edge in pixels.
    pub sizes: BTreeMap<String, u32>,
    pub default_size: String,
    /// The provider chain; the first is preferred.
    pub providers: Vec<ProviderRef>,
    pub send_identifiers: bool,
    /// Reference photos may go to cloud providers (they are biometric data; off by default).
    /// Local providers (`comfyui`) always get them.
    pub send_references: bool,
    pub prompt: String,
    pub negative_prompt: Option<String>,
    /// The built-in renderer's recipe, kept opaque here (the service validates it).
    pub renderer: Option<toml::Table>,
    /// What an image must reach to be kept (`[gates]`); by default nothing is regenerated.
    pub gates: crate::gates::Gates,
    /// How the images are stored (`format`, `quality`); PNG by default.
    pub format: crate::format::OutputFormat,
    pub origin: Origin,
    /// SHA-256 (lowercase hex) of the style file's exact bytes.
    pub fingerprint: String,
}

impl Style {
    /// Parses and validates one style file. For [`Origin::File`] the style's `name` must equal
    /// the file stem. Templates are compiled and test-rendered against a few probe subjects,
    /// so a misspelled variable or a template that fails on missing demographics is rejected
    /// here, with its line. If the provider chain contains a cloud provider and the style
    /// does not set `send_identifiers = true`, [`Style::check_cloud_safe`] must pass too.
    pub fn from_toml_str(source: &str, origin: Origin) -> Result<Style, StyleError> {
        let label = origin.to_string();
        let stem = match &origin {
            Origin::File(p) => p.file_stem().map(|s| s.to_string_lossy().into_owned()),
            Origin::Builtin => None,
        };
        parse_style(source, origin, &label, stem.as_deref())
    }

    /// Parses a compiled-in style file `styles/<file_stem>.toml`.
    pub(crate) fn from_builtin(source: &str, file_stem: &str) -> Result<Style, StyleError> {
        let label = format!("built-in:styles/{file_stem}.toml");
        parse_style(source, Origin::Builtin, &label, Some(file_stem))
    }

    /// `(width, height)` in pixels for a size preset (`None` = `default_size`). The preset gives
    /// the long edge; the short edge is `long × short_term / long_term` rounded to the nearest
    /// even number (halves round up), never below 2. So `"512"` at 1:1 is 512×512 and `"1K"`
    /// at 4:5 is 820×1024 (819.2 → 820).
    pub fn dimensions(&self, preset: Option<&str>) -> Result<(u32, u32), StyleError> {
        let preset = preset.unwrap_or(&self.default_size);
        let Some(&long) = self.sizes.get(preset) else {
            let mut available: Vec<(&String, &u32)> = self.sizes.iter().collect();
            available.sort_by_key(|(name, px)| (**px, (*name).clone()));
            return Err(StyleError::BadSize {
                style: self.name.clone(),
                preset: preset.to_string(),
                available: available.into_iter().map(|(n, _)| n.clone()).collect(),
            });
        };
        let AspectRatio { w, h } = self.aspect_ratio;
        let short = |long_term: u32, short_term: u32| -> u32 {
            let (l, s, t) = (u64::from(long), u64::from(short_term), u64::from(long_term));
            // round(l*s/t / 2) * 2, halves up
            let even = (l * s + t) / (2 * t) * 2;
            u32::try_from(even.max(2)).unwrap_or(u32::MAX)
        };
        Ok(if w >= h {
            (long, short(w, h))
        } else {
            (short(h, w), long)
        })
    }

    /// Whether any provider in the chain is a cloud provider.
    pub fn uses_cloud(&self) -> bool {
        self.providers
            .iter()
            .any(|p| p.audience() == Audience::Cloud)
    }

    /// A short description of where the style came from, used in error messages.
    pub(crate) fn source_label(&self) -> String {
        match &self.origin {
            Origin::Builtin => format!("built-in:styles/{}.toml", self.name),
            Origin::File(p) => p.display().to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aspect_ratio_parses_and_displays() {
        let r: AspectRatio = "4:5".parse().unwrap();
        assert_eq!((r.w, r.h), (4, 5));
        assert_eq!(r.to_string(), "4:5");
        for bad in [
            "", "1", "0:1", "33:1", "1:-1", "a:b", "1:1:1", " 1:1", "+1:1",
        ] {
            assert!(bad.parse::<AspectRatio>().is_err(), "{bad:?} should fail");
        }
    }

    #[test]
    fn provider_ref_round_trips() {
        let p: ProviderRef = "gemini:gemini-2.5-flash-image".parse().unwrap();
        assert_eq!(p.provider, "gemini");
        assert_eq!(p.model.as_deref(), Some("gemini-2.5-flash-image"));
        assert_eq!(p.to_string(), "gemini:gemini-2.5-flash-image");
        assert_eq!(p.audience(), Audience::Cloud);
        let b: ProviderRef = "builtin".parse().unwrap();
        assert_eq!(b.model, None);
        assert_eq!(b.audience(), Audience::Local);
        assert_eq!(
            "comfyui:flux-pulid"
                .parse::<ProviderRef>()
                .unwrap()
                .audience(),
            Audience::Local
        );
        for bad in ["", "Gemini", "gemini:", "gemini:a b", ":model"] {
            assert!(bad.parse::<ProviderRef>().is_err(), "{bad:?} should fail");
        }
    }
}
