//! Configuration: one TOML file, every key optional. Flags on the command line override a few
//! per-command settings; they never repeat the config surface.
//!
//! Lookup: `--config FILE` (must exist), else `<data-dir>/likeness.toml` if present, else defaults.

use std::path::{Path, PathBuf};

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::error::{Error, Result};
use crate::provider::settings::ProviderConfig;

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Style used when a command names none, and the fallback when resolving an image.
    pub default_style: String,
    /// Extra folders of style files. `<data-dir>/styles` is always read, after these.
    pub styles_dirs: Vec<PathBuf>,
    pub generate: GenerateConfig,
    pub queue: QueueConfig,
    pub server: ServerConfig,
    pub fetch: FetchConfig,
    pub faces: FacesConfig,
    /// `[providers.gemini]`, `[providers.openai]`, `[providers.comfyui]`: endpoints, keys,
    /// pacing, retries, breaker and prices (see `provider/settings.rs`).
    pub providers: BTreeMap<String, ProviderConfig>,
}

/// Downloading reference images from URLs given to the API.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FetchConfig {
    /// Networks (CIDR, e.g. "10.20.0.0/16") that may be fetched from although they are
    /// private, loopback or link-local. None by default: only public addresses.
    pub allow_networks: Vec<String>,
    /// Largest download accepted.
    pub max_bytes: usize,
    pub connect_timeout_seconds: u64,
    /// For the whole download.
    pub timeout_seconds: u64,
}

impl Default for FetchConfig {
    fn default() -> Self {
        FetchConfig {
            allow_networks: Vec::new(),
            max_bytes: 10 * 1024 * 1024,
            connect_timeout_seconds: 5,
            timeout_seconds: 20,
        }
    }
}

/// Face models and the rules for reference photos.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FacesConfig {
    /// The folder holding `centerface.onnx` and `dlib_face_recognition_resnet_model_v1.dat`
    /// (`scripts/fetch-models DIR` fills it). Env LIKENESS_MODELS overrides; default
    /// `<data-dir>/models`.
    pub models: Option<PathBuf>,
    /// The shortest side of a reference photo, in pixels.
    pub min_reference_side: u32,
    /// The narrowest face in a reference photo, in pixels.
    pub min_face: u32,
    /// The lowest sharpness of the face (variance of the Laplacian) in a reference photo.
    pub min_sharpness: f32,
}

impl Default for FacesConfig {
    fn default() -> Self {
        let rules = likeness_face::ReferenceRules::default();
        FacesConfig {
            models: None,
            min_reference_side: likeness_face::Limits::reference().min_side,
            min_face: rules.min_face,
            min_sharpness: rules.min_sharpness,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerConfig {
    /// Address `likeness serve` listens on (flag: --listen).
    pub listen: String,
    /// Bearer tokens accepted by the API (also env LIKENESS_API_TOKENS, comma-separated).
    /// With none, the server only starts on a loopback address.
    pub api_tokens: Vec<String>,
    /// Largest request body accepted, checked while reading. The default fits a 10 MiB image
    /// sent as base64 (which grows it by a third) with the JSON around it.
    pub max_body_bytes: usize,
    /// Generation requests per minute per API token (0: unlimited).
    pub generate_per_minute: u32,
    /// Browser origins allowed to call the API (CORS), e.g. "https://app.example.org".
    /// None by default: only same-origin pages and non-browser clients.
    pub cors_origins: Vec<String>,
    /// Memory for immutable images served from `/assets` (0: read the store every time).
    pub asset_cache_bytes: u64,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            listen: "127.0.0.1:8080".into(),
            api_tokens: Vec::new(),
            max_body_bytes: 14 * 1024 * 1024,
            generate_per_minute: 10,
            cors_origins: Vec::new(),
            asset_cache_bytes: 64 * 1024 * 1024,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GenerateConfig {
    /// Jobs worked on at once in one process; 0 means one per CPU core.
    pub concurrency: usize,
    /// Attempts per job before it is marked failed (retryable errors only).
    pub max_attempts: u32,
    /// oxipng preset (0–6): higher is smaller and slower. Measured on 512 px watercolors:
    /// preset 0 takes ~35 ms per image, preset 2 ~400 ms for files ~20 % smaller.
    pub png_optimization: u8,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct QueueConfig {
    /// A claimed job is handed to another worker when its lease runs out without a heartbeat.
    pub lease_seconds: u64,
    /// First retry delay; doubles per attempt, with jitter, up to `retry_max_seconds`.
    pub retry_base_ms: u64,
    pub retry_max_seconds: u64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            default_style: "watercolor".into(),
            styles_dirs: Vec::new(),
            generate: GenerateConfig::default(),
            queue: QueueConfig::default(),
            server: ServerConfig::default(),
            fetch: FetchConfig::default(),
            faces: FacesConfig::default(),
            providers: BTreeMap::new(),
        }
    }
}

impl Default for GenerateConfig {
    fn default() -> Self {
        GenerateConfig {
            concurrency: 0,
            max_attempts: 3,
            png_optimization: 0,
        }
    }
}

impl Default for QueueConfig {
    fn default() -> Self {
        QueueConfig {
            lease_seconds: 30,
            retry_base_ms: 500,
            retry_max_seconds: 60,
        }
    }
}

impl Config {
    /// The `[fetch]` section as the fetcher's policy; a bad network names the key.
    pub fn fetch_policy(&self) -> Result<crate::fetch::FetchPolicy> {
        let allow = self
            .fetch
            .allow_networks
            .iter()
            .map(|n| {
                n.parse()
                    .map_err(|e| Error::Config(format!("fetch.allow_networks: {e}")))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(crate::fetch::FetchPolicy {
            allow,
            max_bytes: self.fetch.max_bytes,
            connect_timeout: std::time::Duration::from_secs(self.fetch.connect_timeout_seconds),
            timeout: std::time::Duration::from_secs(self.fetch.timeout_seconds),
        })
    }

    /// Reads the config for `data_dir`, from `explicit` when given.
    pub fn load(explicit: Option<&Path>, data_dir: &Path) -> Result<Config> {
        let (path, required) = match explicit {
            Some(p) => (p.to_path_buf(), true),
            None => (data_dir.join("likeness.toml"), false),
        };
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if !required && e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Config::default());
            }
            Err(e) => {
                return Err(Error::Config(format!(
                    "cannot read {}: {e}",
                    path.display()
                )));
            }
        };
        Config::parse(&text).map_err(|m| Error::Config(format!("{}: {m}", path.display())))
    }

    pub fn parse(text: &str) -> std::result::Result<Config, String> {
        let config: Config = toml::from_str(text).map_err(|e| e.to_string())?;
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> std::result::Result<(), String> {
        if self.generate.max_attempts == 0 {
            return Err("generate.max_attempts must be at least 1".into());
        }
        if self.generate.png_optimization > 6 {
            return Err("generate.png_optimization must be 0..=6".into());
        }
        if self.faces.min_reference_side < 64 {
            return Err("faces.min_reference_side must be at least 64".into());
        }
        if self.faces.min_sharpness.is_nan() || self.faces.min_sharpness < 0.0 {
            return Err("faces.min_sharpness must be 0 or more".into());
        }
        if self.queue.lease_seconds < 2 {
            return Err("queue.lease_seconds must be at least 2".into());
        }
        // Provider sections are checked with the environment applied when they are built.
        crate::provider::settings::resolve_all(&self.providers, &|_| None).map(|_| ())
    }

    /// Worker count for this machine.
    pub fn concurrency(&self, flag: Option<usize>) -> usize {
        let n = flag.unwrap_or(self.generate.concurrency);
        if n > 0 {
            n
        } else {
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(2)
        }
    }

    /// Folders searched for user style files, in override order.
    pub fn style_dirs(&self, data_dir: &Path) -> Vec<PathBuf> {
        let mut dirs = self.styles_dirs.clone();
        dirs.push(data_dir.join("styles"));
        dirs
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_file_gives_defaults() {
        let c = Config::parse("").unwrap();
        assert_eq!(c.default_style, "watercolor");
        assert_eq!(c.generate.max_attempts, 3);
    }

    #[test]
    fn unknown_keys_are_named() {
        let err = Config::parse("[generate]\nconcurency = 4\n").unwrap_err();
        assert!(err.contains("concurency"), "{err}");
    }

    #[test]
    fn invalid_values_are_rejected() {
        assert!(Config::parse("[generate]\nmax_attempts = 0\n").is_err());
        assert!(Config::parse("[queue]\nlease_seconds = 1\n").is_err());
    }

    #[test]
    fn explicit_missing_file_is_an_error_but_implicit_is_not() {
        let dir = tempfile::tempdir().unwrap();
        assert!(Config::load(None, dir.path()).is_ok());
        let err = Config::load(Some(&dir.path().join("nope.toml")), dir.path()).unwrap_err();
        assert_eq!(err.code(), "config.invalid");
    }
}
