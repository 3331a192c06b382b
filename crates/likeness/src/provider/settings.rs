//! `[providers.<name>]` in the config: one shape for every remote provider (endpoint, key,
//! pacing, retries, breaker, timeouts, prices), with per-provider defaults filled in by
//! [`ProviderSettings::resolve`]. Environment variables override the file for the key and the
//! endpoint, so a key never has to be written into a file.

use std::collections::BTreeMap;

use serde::Deserialize;

/// As written in the config file: every key optional.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ProviderConfig {
    /// API key (env GEMINI_API_KEY, OPENAI_API_KEY override it). Not used by ComfyUI.
    pub api_key: Option<String>,
    /// Endpoint (env GEMINI_BASE_URL, OPENAI_BASE_URL, COMFYUI_URL override it).
    pub base_url: Option<String>,
    /// Model used when a style's chain names none.
    pub model: Option<String>,
    pub requests_per_minute: Option<f64>,
    pub images_per_minute: Option<f64>,
    /// Tries per generation, the first included (429, 5xx, timeouts and cut answers retry).
    pub max_attempts: Option<u32>,
    pub timeout_seconds: Option<u64>,
    pub connect_timeout_seconds: Option<u64>,
    pub max_response_bytes: Option<usize>,
    /// Generations in flight at once in one process (they mostly wait on the network).
    pub concurrency: Option<usize>,
    /// Failures in a row (after retries) that switch the provider off for `breaker_cooldown_seconds`.
    pub breaker_failures: Option<u32>,
    pub breaker_cooldown_seconds: Option<u64>,
    /// USD per image by model, then by size label (`1K`, `2K`, `4K` for Gemini;
    /// `low`/`medium`/`high` × `1024x1024`… for OpenAI, e.g. `"medium:1024x1536"`; `*` for any).
    /// Merged over the built-in table.
    pub prices: BTreeMap<String, BTreeMap<String, f64>>,
    /// OpenAI: `quality` (low, medium, high, auto). ComfyUI: ignored.
    pub quality: Option<String>,
    /// OpenAI edits: `input_fidelity` (high, low); high keeps faces closer to the references.
    pub input_fidelity: Option<String>,
    /// ComfyUI: the API-format workflow template (a file path); default: the shipped
    /// FLUX.1 + PuLID-Flux template.
    pub workflow: Option<std::path::PathBuf>,
    /// ComfyUI: sampler steps and FLUX guidance when the request names none.
    pub steps: Option<u32>,
    pub guidance: Option<f64>,
}

/// Resolved settings: defaults filled in, environment applied.
#[derive(Debug, Clone)]
pub struct ProviderSettings {
    pub name: &'static str,
    pub api_key: Option<String>,
    /// Where the key would come from, for messages.
    pub key_env: &'static str,
    /// Where the endpoint can come from, for messages.
    pub url_env: &'static str,
    /// Whether the user pointed likeness at this provider. Cloud providers have a public
    /// default address (their key decides); a local one (ComfyUI) needs to be told where it is.
    pub configured: bool,
    pub base_url: String,
    pub model: String,
    pub requests_per_minute: f64,
    pub images_per_minute: f64,
    pub max_attempts: u32,
    pub timeout_seconds: u64,
    pub connect_timeout_seconds: u64,
    pub max_response_bytes: usize,
    pub concurrency: usize,
    pub breaker_failures: u32,
    pub breaker_cooldown_seconds: u64,
    pub prices: BTreeMap<String, BTreeMap<String, f64>>,
    pub quality: Option<String>,
    pub input_fidelity: Option<String>,
    pub workflow: Option<std::path::PathBuf>,
    pub steps: Option<u32>,
    pub guidance: Option<f64>,
}

/// The defaults that differ between providers.
struct Defaults {
    key_env: &'static str,
    url_env: &'static str,
    base_url: &'static str,
    model: &'static str,
    requests_per_minute: f64,
    concurrency: usize,
    timeout_seconds: u64,
    prices: &'static [(&'static str, &'static [(&'static str, f64)])],
}

/// Public list prices, USD per output image (see ../shared/research/provider-apis.md §1.6, §3.6).
const GEMINI_PRICES: &[(&str, &[(&str, f64)])] = &[
    ("gemini-2.5-flash-image", &[("*", 0.039)]),
    (
        "gemini-3-pro-image",
        &[("1K", 0.134), ("2K", 0.134), ("4K", 0.24)],
    ),
    (
        "gemini-3-pro-image-preview",
        &[("1K", 0.134), ("2K", 0.134), ("4K", 0.24)],
    ),
    (
        "gemini-3.1-flash-image",
        &[("512", 0.045), ("1K", 0.067), ("2K", 0.101), ("4K", 0.151)],
    ),
    (
        "gemini-3.1-flash-image-preview",
        &[("512", 0.045), ("1K", 0.067), ("2K", 0.101), ("4K", 0.151)],
    ),
];

const OPENAI_PRICES: &[(&str, &[(&str, f64)])] = &[
    (
        "gpt-image-1",
        &[
            ("low:1024x1024", 0.011),
            ("medium:1024x1024", 0.042),
            ("high:1024x1024", 0.167),
            ("low:1024x1536", 0.016),
            ("medium:1024x1536", 0.063),
            ("high:1024x1536", 0.25),
            ("low:1536x1024", 0.016),
            ("medium:1536x1024", 0.063),
            ("high:1536x1024", 0.25),
        ],
    ),
    (
        "gpt-image-1.5",
        &[
            ("low:1024x1024", 0.0087),
            ("medium:1024x1024", 0.034),
            ("high:1024x1024", 0.133),
        ],
    ),
    (
        "gpt-image-1-mini",
        &[
            ("low:1024x1024", 0.002),
            ("medium:1024x1024", 0.008),
            ("high:1024x1024", 0.033),
        ],
    ),
    (
        "gpt-image-2",
        &[
            ("low:1024x1024", 0.006),
            ("medium:1024x1024", 0.053),
            ("high:1024x1024", 0.211),
        ],
    ),
];

fn defaults(name: &str) -> Option<Defaults> {
    Some(match name {
        "gemini" => Defaults {
            key_env: "GEMINI_API_KEY",
            url_env: "GEMINI_BASE_URL",
            base_url: "https://generativelanguage.googleapis.com",
            model: "gemini-2.5-flash-image",
            requests_per_minute: 60.0,
            concurrency: 8,
            timeout_seconds: 60,
            prices: GEMINI_PRICES,
        },
        "openai" => Defaults {
            key_env: "OPENAI_API_KEY",
            url_env: "OPENAI_BASE_URL",
            base_url: "https://api.openai.com/v1",
            model: "gpt-image-1",
            // Tier-1 image limits are a handful per minute; the adaptive limiter finds more.
            requests_per_minute: 5.0,
            concurrency: 4,
            timeout_seconds: 120,
            prices: OPENAI_PRICES,
        },
        "comfyui" => Defaults {
            key_env: "",
            url_env: "COMFYUI_URL",
            base_url: "http://127.0.0.1:8188",
            model: "flux1-dev+pulid",
            requests_per_minute: 600.0,
            // One GPU: ComfyUI queues the rest anyway.
            concurrency: 2,
            timeout_seconds: 600,
            prices: &[],
        },
        _ => return None,
    })
}

/// The remote providers this build has, in the order `providers list` shows them.
pub const REMOTE: &[&str] = &["gemini", "openai", "comfyui"];

/// Settings of every remote provider, checked; an unknown section is an error naming it.
pub fn resolve_all(
    config: &BTreeMap<String, ProviderConfig>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Vec<ProviderSettings>, String> {
    if let Some(unknown) = config.keys().find(|k| !REMOTE.contains(&k.as_str())) {
        return Err(format!(
            "[providers.{unknown}] is not a provider; configurable: {}",
            REMOTE.join(", ")
        ));
    }
    REMOTE
        .iter()
        .map(|name| {
            let s = ProviderSettings::resolve(name, config.get(*name), env)
                .expect("REMOTE names have defaults");
            s.validate().map(|()| s)
        })
        .collect()
}

impl ProviderSettings {
    /// Settings for `name` from its config section (absent: all defaults), with `env` read for
    /// the key and endpoint. Returns None for a provider this build does not have.
    pub fn resolve(
        name: &str,
        config: Option<&ProviderConfig>,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Option<ProviderSettings> {
        let d = defaults(name)?;
        let name = REMOTE.iter().find(|n| **n == name)?;
        let empty = ProviderConfig::default();
        let c = config.unwrap_or(&empty);
        let non_empty = |v: Option<String>| v.filter(|s| !s.trim().is_empty());
        let api_key = if d.key_env.is_empty() {
            None
        } else {
            non_empty(env(d.key_env)).or_else(|| non_empty(c.api_key.clone()))
        };
        let given_url = non_empty(env(d.url_env)).or_else(|| non_empty(c.base_url.clone()));
        let configured = !d.key_env.is_empty() || given_url.is_some();
        let base_url = given_url.unwrap_or_else(|| d.base_url.to_string());
        let mut prices: BTreeMap<String, BTreeMap<String, f64>> = d
            .prices
            .iter()
            .map(|(m, sizes)| {
                (
                    m.to_string(),
                    sizes.iter().map(|(s, p)| (s.to_string(), *p)).collect(),
                )
            })
            .collect();
        for (model, sizes) in &c.prices {
            prices
                .entry(model.clone())
                .or_default()
                .extend(sizes.clone());
        }
        let rpm = c.requests_per_minute.unwrap_or(d.requests_per_minute);
        Some(ProviderSettings {
            name,
            api_key,
            key_env: d.key_env,
            url_env: d.url_env,
            configured,
            base_url: base_url.trim_end_matches('/').to_string(),
            model: c.model.clone().unwrap_or_else(|| d.model.to_string()),
            requests_per_minute: rpm,
            images_per_minute: c.images_per_minute.unwrap_or(rpm),
            max_attempts: c.max_attempts.unwrap_or(3),
            timeout_seconds: c.timeout_seconds.unwrap_or(d.timeout_seconds),
            connect_timeout_seconds: c.connect_timeout_seconds.unwrap_or(10),
            max_response_bytes: c.max_response_bytes.unwrap_or(64 * 1024 * 1024),
            concurrency: c.concurrency.unwrap_or(d.concurrency),
            breaker_failures: c.breaker_failures.unwrap_or(5),
            breaker_cooldown_seconds: c.breaker_cooldown_seconds.unwrap_or(60),
            prices,
            quality: c.quality.clone(),
            input_fidelity: c.input_fidelity.clone(),
            workflow: c.workflow.clone(),
            steps: c.steps,
            guidance: c.guidance,
        })
    }

    /// Checks values a file could get wrong, naming the key and the range.
    pub fn validate(&self) -> Result<(), String> {
        use crate::bounds::{check, check_f64, check_opt};
        let key = |k: &str| format!("providers.{}.{k}", self.name);
        check_f64(
            &key("requests_per_minute"),
            self.requests_per_minute,
            0.001..=1e6,
        )?;
        check_f64(
            &key("images_per_minute"),
            self.images_per_minute,
            0.001..=1e6,
        )?;
        check(&key("max_attempts"), self.max_attempts, 1..=20)?;
        check(&key("timeout_seconds"), self.timeout_seconds, 1..=3600)?;
        check(
            &key("connect_timeout_seconds"),
            self.connect_timeout_seconds,
            1..=600,
        )?;
        check(
            &key("max_response_bytes"),
            self.max_response_bytes,
            1024..=1 << 30,
        )?;
        check(
            &key("concurrency"),
            self.concurrency,
            1..=crate::bounds::MAX_CONCURRENCY,
        )?;
        check(&key("breaker_failures"), self.breaker_failures, 1..=1000)?;
        check(
            &key("breaker_cooldown_seconds"),
            self.breaker_cooldown_seconds,
            1..=86_400,
        )?;
        check_opt(&key("steps"), self.steps, 1..=200)?;
        if let Some(g) = self.guidance {
            check_f64(&key("guidance"), g, 0.0..=100.0)?;
        }
        if !self.base_url.starts_with("http://") && !self.base_url.starts_with("https://") {
            return Err(format!(
                "{} must start with http:// or https://, got {:?}",
                key("base_url"),
                self.base_url
            ));
        }
        for (model, sizes) in &self.prices {
            if let Some((size, p)) = sizes.iter().find(|(_, p)| !(**p >= 0.0 && p.is_finite())) {
                return Err(format!(
                    "{}: {model} {size} = {p} is not a price",
                    key("prices")
                ));
            }
        }
        Ok(())
    }

    /// The API key, or the error that says where to put one.
    pub fn key(&self) -> Result<&str, super::ProviderError> {
        self.api_key
            .as_deref()
            .ok_or_else(|| super::ProviderError::NoKey {
                provider: self.name.into(),
                env: self.key_env.into(),
            })
    }

    /// The list price of one image of `model` at size label `size`: the exact label, else
    /// `*`, else the dearest size of the model (so an estimate never undersells a run), else 0
    /// for a model without prices.
    pub fn price(&self, model: &str, size: &str) -> f64 {
        let Some(sizes) = self.prices.get(model) else {
            return 0.0;
        };
        sizes
            .get(size)
            .or_else(|| sizes.get("*"))
            .copied()
            .unwrap_or_else(|| sizes.values().copied().fold(0.0, f64::max))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_env(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn defaults_fill_in_and_the_environment_wins() {
        let s = ProviderSettings::resolve("gemini", None, &no_env).unwrap();
        assert_eq!(s.model, "gemini-2.5-flash-image");
        assert_eq!(s.api_key, None);
        assert_eq!(s.max_attempts, 3);
        let file = ProviderConfig {
            api_key: Some("from-file".into()),
            base_url: Some("http://proxy.example/".into()),
            ..Default::default()
        };
        let env = |k: &str| (k == "GEMINI_API_KEY").then(|| "from-env".to_string());
        let s = ProviderSettings::resolve("gemini", Some(&file), &env).unwrap();
        assert_eq!(s.api_key.as_deref(), Some("from-env"));
        assert_eq!(s.base_url, "http://proxy.example");
        assert!(ProviderSettings::resolve("dalle", None, &no_env).is_none());
    }

    #[test]
    fn prices_come_from_the_table_with_file_overrides() {
        let s = ProviderSettings::resolve("gemini", None, &no_env).unwrap();
        assert_eq!(s.price("gemini-2.5-flash-image", "1K"), 0.039);
        assert_eq!(s.price("gemini-3-pro-image", "2K"), 0.134);
        assert_eq!(s.price("gemini-3-pro-image", "4K"), 0.24);
        assert_eq!(
            s.price("gemini-3-pro-image", "8K"),
            0.24,
            "unknown size: dearest"
        );
        assert_eq!(s.price("someone-elses-model", "1K"), 0.0);
        let file = ProviderConfig {
            prices: [(
                "gemini-3-pro-image".to_string(),
                [("1K".to_string(), 0.1)].into(),
            )]
            .into(),
            ..Default::default()
        };
        let s = ProviderSettings::resolve("gemini", Some(&file), &no_env).unwrap();
        assert_eq!(s.price("gemini-3-pro-image", "1K"), 0.1);
        assert_eq!(s.price("gemini-3-pro-image", "4K"), 0.24);
    }

    #[test]
    fn bad_values_name_their_key() {
        let file = ProviderConfig {
            requests_per_minute: Some(0.0),
            ..Default::default()
        };
        let s = ProviderSettings::resolve("openai", Some(&file), &no_env).unwrap();
        assert!(
            s.validate()
                .unwrap_err()
                .contains("providers.openai.requests_per_minute")
        );
        let file = ProviderConfig {
            base_url: Some("ftp://x".into()),
            ..Default::default()
        };
        let s = ProviderSettings::resolve("comfyui", Some(&file), &no_env).unwrap();
        assert!(
            s.validate()
                .unwrap_err()
                .contains("providers.comfyui.base_url")
        );
    }
}
