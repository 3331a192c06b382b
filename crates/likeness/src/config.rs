//! Configuration: one TOML file, every key optional. Flags on the command line override a few
//! per-command settings; they never repeat the config surface.
//!
//! Lookup: `--config FILE` (must exist), else `<data-dir>/likeness.toml` if present, else defaults.

use std::path::{Path, PathBuf};

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::access::{ApiToken, Role};
use crate::error::{Error, Result};
use crate::provider::settings::ProviderConfig;

mod avatar;
mod dicebear;
mod webhooks;
pub use avatar::AvatarConfig;
pub use dicebear::DicebearConfig;
pub use webhooks::{EndpointConfig, WebhooksConfig};

/// A config file is a few kilobytes; anything near this is not one.
const MAX_CONFIG_BYTES: u64 = 1 << 20;

/// The shortest API token accepted: 16 characters (a random hex token of 64 bits; use more).
pub const MIN_TOKEN_CHARS: usize = 16;

/// A token as configured: no surrounding or inner white space, no control characters, at
/// least [`MIN_TOKEN_CHARS`] long. `key` names where it came from.
fn check_token(key: &str, token: &str) -> std::result::Result<(), String> {
    if token.trim().is_empty() {
        return Err(format!(
            "{key} is empty: remove it, or set a random token (e.g. `openssl rand -hex 24`)"
        ));
    }
    if token.trim() != token && !key.starts_with("LIKENESS_") {
        return Err(format!("{key} has white space around it: remove it"));
    }
    let token = token.trim();
    if token.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!(
            "{key} contains white space or control characters: a bearer token is one word"
        ));
    }
    let n = token.chars().count();
    if n < MIN_TOKEN_CHARS {
        return Err(format!(
            "{key} is {n} characters; use at least {MIN_TOKEN_CHARS} random characters (e.g. \
             `openssl rand -hex 24`)"
        ));
    }
    Ok(())
}

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
    pub database: DatabaseConfig,
    /// `[providers.gemini]`, `[providers.openai]`, `[providers.comfyui]`: endpoints, keys,
    /// pacing, retries, breaker and prices (see `provider/settings.rs`).
    pub providers: BTreeMap<String, ProviderConfig>,
    /// `[storage]`: where images and private objects live, S3 settings, `public_base_url`
    /// (see `store/settings.rs`).
    pub storage: crate::store::StorageConfig,
    /// `[avatar]`: the Gravatar-compatible routes (see `config/avatar.rs`).
    pub avatar: AvatarConfig,
    /// `[dicebear]`: the DiceBear-compatible routes (see `config/dicebear.rs`).
    pub dicebear: DicebearConfig,
    /// `[webhooks]`: delivery settings and endpoints declared here (see `config/webhooks.rs`).
    pub webhooks: WebhooksConfig,
}

/// Where the metadata and the queue live.
#[derive(Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DatabaseConfig {
    /// `sqlite://PATH` (default: `<data-dir>/likeness.db`; a relative path is inside the data
    /// directory) or `postgres://USER:PASSWORD@HOST:PORT/DB` for several processes on several
    /// machines. Env LIKENESS_DATABASE_URL and the flag `--database-url` override it.
    pub url: Option<String>,
    /// Connections per process; 0 (the default): the process's workers plus 4.
    pub max_connections: u32,
    /// PostgreSQL: a statement running longer than this is cancelled.
    pub statement_timeout_seconds: u64,
    /// PostgreSQL: a session idle inside a transaction this long is ended by the server, so a
    /// stalled process cannot hold locks (or hold back VACUUM on the queue table) for ever.
    pub idle_in_transaction_timeout_seconds: u64,
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        DatabaseConfig {
            url: None,
            max_connections: 0,
            statement_timeout_seconds: 60,
            idle_in_transaction_timeout_seconds: 60,
        }
    }
}

// By hand: the URL may hold a password.
impl std::fmt::Debug for DatabaseConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DatabaseConfig")
            .field("url", &self.url.as_deref().map(crate::db::mask_password))
            .field("max_connections", &self.max_connections)
            .field("statement_timeout_seconds", &self.statement_timeout_seconds)
            .field(
                "idle_in_transaction_timeout_seconds",
                &self.idle_in_transaction_timeout_seconds,
            )
            .finish()
    }
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
    /// Memory for decoding uploaded photos at once, in MiB: a decode waits until its share
    /// (from the image header) is free, so parallel uploads cannot add up past it.
    pub decode_budget_mib: u32,
}

impl Default for FacesConfig {
    fn default() -> Self {
        let rules = likeness_face::ReferenceRules::default();
        FacesConfig {
            models: None,
            min_reference_side: likeness_face::Limits::reference().min_side,
            min_face: rules.min_face,
            min_sharpness: rules.min_sharpness,
            decode_budget_mib: 512,
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
    /// Tokens with a role (`admin` or `viewer`: reads only) and a name for the audit trail:
    /// `[[server.tokens]]` with `token`, `role` and optionally `name`.
    pub tokens: Vec<crate::access::TokenEntry>,
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
    /// A token for `/metrics` alone (also env LIKENESS_METRICS_TOKEN), for a scraper that
    /// should not hold an API token. `/metrics` also accepts the API tokens; with no token of
    /// either kind (a loopback server) it is open.
    pub metrics_token: Option<String>,
    /// Connections served at once; more are answered 503 and closed. Each holds a file
    /// descriptor, and the soft limit is raised to the hard one at start-up.
    pub max_connections: usize,
    /// A connection that has not sent a complete request head within this time is closed: a
    /// new connection (slow headers) or an idle keep-alive one alike.
    pub header_timeout_seconds: u64,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            listen: "127.0.0.1:8080".into(),
            api_tokens: Vec::new(),
            tokens: Vec::new(),
            max_body_bytes: 14 * 1024 * 1024,
            generate_per_minute: 10,
            cors_origins: Vec::new(),
            asset_cache_bytes: 64 * 1024 * 1024,
            metrics_token: None,
            max_connections: 1024,
            header_timeout_seconds: 10,
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
            database: DatabaseConfig::default(),
            providers: BTreeMap::new(),
            storage: crate::store::StorageConfig::default(),
            avatar: AvatarConfig::default(),
            dicebear: DicebearConfig::default(),
            webhooks: WebhooksConfig::default(),
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
    /// How to open the database: `flag` (`--database-url`) over env LIKENESS_DATABASE_URL
    /// over `[database] url` over `<data-dir>/likeness.db`. `workers` sizes the pool.
    pub fn database_options(
        &self,
        data_dir: &Path,
        flag: Option<&str>,
        env: &dyn Fn(&str) -> Option<String>,
        workers: usize,
    ) -> Result<crate::db::Options> {
        let given = flag
            .map(str::to_string)
            .or_else(|| env("LIKENESS_DATABASE_URL").filter(|u| !u.trim().is_empty()))
            .or_else(|| self.database.url.clone());
        let url = match given {
            Some(text) => crate::db::DatabaseUrl::parse(&text, data_dir)?,
            None => crate::db::DatabaseUrl::default_for(data_dir),
        };
        let max_connections = match self.database.max_connections {
            0 => workers as u32 + 4,
            n => n,
        };
        Ok(crate::db::Options {
            url,
            max_connections,
            statement_timeout: std::time::Duration::from_secs(
                self.database.statement_timeout_seconds,
            ),
            idle_in_transaction_timeout: std::time::Duration::from_secs(
                self.database.idle_in_transaction_timeout_seconds,
            ),
        })
    }

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
        if !required && !path.exists() {
            return Ok(Config::default());
        }
        // A FIFO or /dev/zero given as --config is refused, never waited on.
        let bytes = crate::local_file::read_regular(&path, MAX_CONFIG_BYTES)
            .map_err(|e| Error::Config(e.to_string()))?;
        let text = String::from_utf8(bytes)
            .map_err(|_| Error::Config(format!("{} is not UTF-8 text", path.display())))?;
        Config::parse(&text).map_err(|m| Error::Config(format!("{}: {m}", path.display())))
    }

    pub fn parse(text: &str) -> std::result::Result<Config, String> {
        let config: Config =
            toml::from_str(text).map_err(|e| hide_secret_values(&e.to_string(), text))?;
        config.validate()?;
        Ok(config)
    }

    /// Every key a typo could make dangerous, checked at load with the key and the range in
    /// the message (a huge `concurrency` would otherwise size pools and buffers from it).
    fn validate(&self) -> std::result::Result<(), String> {
        use crate::bounds::{check, check_f64};
        let g = &self.generate;
        check(
            "generate.concurrency",
            g.concurrency,
            0..=crate::bounds::MAX_CONCURRENCY,
        )?;
        check("generate.max_attempts", g.max_attempts, 1..=20)?;
        check("generate.png_optimization", g.png_optimization, 0..=6)?;
        let q = &self.queue;
        check("queue.lease_seconds", q.lease_seconds, 2..=86_400)?;
        check("queue.retry_base_ms", q.retry_base_ms, 1..=600_000)?;
        check("queue.retry_max_seconds", q.retry_max_seconds, 1..=86_400)?;
        let d = &self.database;
        check("database.max_connections", d.max_connections, 0..=1000)?;
        check(
            "database.statement_timeout_seconds",
            d.statement_timeout_seconds,
            1..=86_400,
        )?;
        check(
            "database.idle_in_transaction_timeout_seconds",
            d.idle_in_transaction_timeout_seconds,
            1..=86_400,
        )?;
        let s = &self.server;
        check("server.max_body_bytes", s.max_body_bytes, 1024..=1 << 30)?;
        check(
            "server.generate_per_minute",
            s.generate_per_minute,
            0..=100_000,
        )?;
        check(
            "server.asset_cache_bytes",
            s.asset_cache_bytes,
            0..=16 << 30,
        )?;
        check("server.max_connections", s.max_connections, 8..=65_536)?;
        check(
            "server.header_timeout_seconds",
            s.header_timeout_seconds,
            1..=300,
        )?;
        for (i, token) in s.api_tokens.iter().enumerate() {
            check_token(&format!("server.api_tokens[{i}]"), token)?;
        }
        for (i, entry) in s.tokens.iter().enumerate() {
            check_token(&format!("server.tokens[{i}].token"), &entry.token)?;
            if let Some(name) = &entry.name {
                crate::access::check_name(&format!("server.tokens[{i}].name"), name)?;
            }
        }
        if let Some(token) = &s.metrics_token {
            check_token("server.metrics_token", token)?;
        }
        let f = &self.fetch;
        check("fetch.max_bytes", f.max_bytes, 1024..=100 << 20)?;
        check(
            "fetch.connect_timeout_seconds",
            f.connect_timeout_seconds,
            1..=120,
        )?;
        check("fetch.timeout_seconds", f.timeout_seconds, 1..=600)?;
        let faces = &self.faces;
        check(
            "faces.min_reference_side",
            faces.min_reference_side,
            64..=8192,
        )?;
        check("faces.min_face", faces.min_face, 16..=4096)?;
        check(
            "faces.decode_budget_mib",
            faces.decode_budget_mib,
            64..=65_536,
        )?;
        check_f64(
            "faces.min_sharpness",
            f64::from(faces.min_sharpness),
            0.0..=10_000.0,
        )?;
        self.storage.validate()?;
        self.avatar.validate()?;
        self.webhooks.validate()?;
        self.dicebear.validate()?;
        // Provider sections are checked with the environment applied when they are built.
        crate::provider::settings::resolve_all(&self.providers, &|_| None).map(|_| ())
    }

    /// The API tokens: the config's `api_tokens` (admins), then `env` (LIKENESS_API_TOKENS,
    /// comma-separated, admins; empty items are ignored), then `[[server.tokens]]` with their
    /// roles. Every token is checked here, the one place tokens are accepted, so the exposure
    /// check and the auth middleware see the same list: an empty list means "loopback only",
    /// never "open to the world". Unnamed tokens are `token-N` by their place in this list.
    pub fn api_tokens(&self, env: Option<&str>) -> Result<Vec<ApiToken>> {
        let mut secrets = self.server.api_tokens.clone();
        for (i, item) in env.unwrap_or("").split(',').enumerate() {
            if item.trim().is_empty() {
                continue;
            }
            check_token(&format!("LIKENESS_API_TOKENS item {}", i + 1), item)
                .map_err(Error::Config)?;
            secrets.push(item.trim().to_string());
        }
        let admins = secrets
            .into_iter()
            .map(|secret| (secret, Role::Admin, None));
        let entries =
            (self.server.tokens.iter()).map(|e| (e.token.clone(), e.role, e.name.clone()));
        let tokens: Vec<ApiToken> = admins
            .chain(entries)
            .enumerate()
            .map(|(i, (secret, role, name))| ApiToken {
                secret,
                role,
                name: name.unwrap_or_else(|| format!("token-{i}")),
            })
            .collect();
        for (i, t) in tokens.iter().enumerate() {
            let twice = tokens[..i]
                .iter()
                .any(|o| o.secret == t.secret || o.name == t.name);
            if twice {
                return Err(Error::Config(format!(
                    "API token {} is given twice (the same token or the same name): each token \
                     needs its own secret and name",
                    t.name
                )));
            }
        }
        Ok(tokens)
    }

    /// The `/metrics` token: `env` (LIKENESS_METRICS_TOKEN) over the config.
    pub fn metrics_token(&self, env: Option<&str>) -> Result<Option<String>> {
        match env.map(str::trim).filter(|t| !t.is_empty()) {
            Some(t) => {
                check_token("LIKENESS_METRICS_TOKEN", t).map_err(Error::Config)?;
                Ok(Some(t.to_string()))
            }
            None => Ok(self.server.metrics_token.clone()),
        }
    }

    /// Worker count for this machine (`flag` is bounded by its parser, see
    /// [`crate::bounds::MAX_CONCURRENCY`]).
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

/// Keys whose values are secrets.
const SECRET_KEYS: [&str; 5] = [
    "secret_access_key",
    "api_key",
    "api_tokens",
    "metrics_token",
    "token",
];

/// `message` (a TOML error, which quotes the offending line and sometimes the value) with the
/// values of secret keys in `source` replaced by `***`: a typo next to a secret must not print
/// it.
fn hide_secret_values(message: &str, source: &str) -> String {
    let mut message = message.to_string();
    for line in source.lines() {
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        if !SECRET_KEYS.contains(&key.trim()) {
            continue;
        }
        let value = value.trim();
        let inner = value.trim_matches(|c| c == '"' || c == '\'');
        for shown in [value, inner] {
            if shown.len() >= 4 {
                message = message.replace(shown, "***");
            }
        }
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toml_errors_never_quote_a_secret() {
        for text in [
            "[storage]\nsecret_access_key = \"hunter2-secret\nregion = \"x\"\n",
            "[storage]\nsecret_access_key = 12345678\n",
            "[storage]\nsecret_access_key = \"hunter2-secret\"\nnope = 1\n",
        ] {
            let err = Config::parse(text).unwrap_err();
            assert!(
                !err.contains("hunter2") && !err.contains("12345678"),
                "{err}"
            );
        }
    }

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
    fn numbers_out_of_range_name_the_key_and_the_range() {
        for (text, key) in [
            ("[generate]\nconcurrency = 100000\n", "generate.concurrency"),
            ("[server]\nmax_connections = 0\n", "server.max_connections"),
            ("[server]\nmax_body_bytes = 0\n", "server.max_body_bytes"),
            (
                "[queue]\nretry_max_seconds = 99999999\n",
                "queue.retry_max_seconds",
            ),
            ("[fetch]\ntimeout_seconds = 0\n", "fetch.timeout_seconds"),
            ("[faces]\nmin_sharpness = nan\n", "faces.min_sharpness"),
            ("[faces]\nmin_sharpness = inf\n", "faces.min_sharpness"),
        ] {
            let err = Config::parse(text).unwrap_err();
            assert!(
                err.contains(key) && err.contains("between"),
                "{text}: {err}"
            );
        }
    }

    #[test]
    fn empty_short_or_spaced_tokens_are_configuration_errors() {
        for (text, needle) in [
            (
                "[server]\napi_tokens = [\"\"]\n",
                "server.api_tokens[0] is empty",
            ),
            (
                "[server]\napi_tokens = [\"   \"]\n",
                "server.api_tokens[0] is empty",
            ),
            (
                "[server]\napi_tokens = [\"0123456789abcdef\", \"short\"]\n",
                "server.api_tokens[1] is 5 characters",
            ),
            (
                "[server]\napi_tokens = [\" 0123456789abcdef\"]\n",
                "white space",
            ),
            (
                "[server]\napi_tokens = [\"0123456789 abcdef\"]\n",
                "one word",
            ),
            (
                "[server]\nmetrics_token = \"\"\n",
                "server.metrics_token is empty",
            ),
        ] {
            let err = Config::parse(text).unwrap_err();
            assert!(err.contains(needle), "{text}: {err}");
        }
        let c = Config::parse("[server]\napi_tokens = [\"0123456789abcdef\"]\n").unwrap();
        assert_eq!(secrets(&c.api_tokens(None).unwrap()), ["0123456789abcdef"]);
    }

    fn secrets(tokens: &[ApiToken]) -> Vec<&str> {
        tokens.iter().map(|t| t.secret.as_str()).collect()
    }

    #[test]
    fn tokens_have_roles_and_names() {
        let c = Config::parse(
            "[server]\napi_tokens = [\"0123456789abcdef\"]\n\
             [[server.tokens]]\ntoken = \"fedcba9876543210\"\nrole = \"viewer\"\nname = \"desk\"\n\
             [[server.tokens]]\ntoken = \"aaaabbbbccccdddd\"\nrole = \"admin\"\n",
        )
        .unwrap();
        let tokens = c.api_tokens(Some("1111222233334444")).unwrap();
        let seen: Vec<(&str, Role, &str)> = tokens
            .iter()
            .map(|t| (t.secret.as_str(), t.role, t.name.as_str()))
            .collect();
        assert_eq!(
            seen,
            [
                ("0123456789abcdef", Role::Admin, "token-0"),
                ("1111222233334444", Role::Admin, "token-1"),
                ("fedcba9876543210", Role::Viewer, "desk"),
                ("aaaabbbbccccdddd", Role::Admin, "token-3"),
            ]
        );
        assert!(
            !format!("{tokens:?}").contains("fedcba9876543210"),
            "Debug hides secrets"
        );
        for (text, needle) in [
            (
                "[[server.tokens]]\ntoken = \"fedcba9876543210\"\nrole = \"editor\"\n",
                "expected `admin` or `viewer`",
            ),
            (
                "[[server.tokens]]\ntoken = \"fedcba9876543210\"\nrole = \"viewer\"\nname = \"a b\"\n",
                "server.tokens[0].name",
            ),
            (
                "[[server.tokens]]\ntoken = \"\"\nrole = \"viewer\"\n",
                "server.tokens[0].token is empty",
            ),
        ] {
            let err = Config::parse(text).unwrap_err();
            assert!(err.contains(needle), "{text}: {err}");
            assert!(!err.contains("fedcba9876543210"), "{err}");
        }
        let twice =
            Config::parse("[[server.tokens]]\ntoken = \"fedcba9876543210\"\nrole = \"viewer\"\n")
                .unwrap()
                .api_tokens(Some("fedcba9876543210"))
                .unwrap_err();
        assert!(twice.to_string().contains("given twice"), "{twice}");
    }

    #[test]
    fn env_tokens_skip_empty_items_and_check_the_rest() {
        let c = Config::default();
        assert!(c.api_tokens(Some("")).unwrap().is_empty());
        assert!(c.api_tokens(Some(" , ,")).unwrap().is_empty());
        assert_eq!(
            secrets(&c.api_tokens(Some(" 0123456789abcdef ,")).unwrap()),
            ["0123456789abcdef"]
        );
        let err = c.api_tokens(Some("0123456789abcdef,abc")).unwrap_err();
        assert!(
            err.to_string().contains("LIKENESS_API_TOKENS item 2"),
            "{err}"
        );
    }

    #[test]
    fn explicit_missing_file_is_an_error_but_implicit_is_not() {
        let dir = tempfile::tempdir().unwrap();
        assert!(Config::load(None, dir.path()).is_ok());
        let err = Config::load(Some(&dir.path().join("nope.toml")), dir.path()).unwrap_err();
        assert_eq!(err.code(), "config.invalid");
    }
}
