//! `[storage]`: where image bytes and private objects live, and the S3 settings. Read in this
//! order: the `--storage-url` flag, then `LIKENESS_STORAGE_URL`, then `storage.url`, then
//! `<data-dir>/assets`; each S3 setting from the config, else the standard `AWS_*` variable.

use std::path::Path;

use serde::Deserialize;

use super::url::{Secret, StorageUrl, mask};

/// The `[storage]` section as written. Checked for syntax at load; the flag and the
/// environment are applied by [`StorageSettings::resolve`] when the store is opened.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StorageConfig {
    /// `file://PATH` (relative paths are inside the data directory) or `s3://BUCKET/PREFIX`.
    /// Default `file://<data-dir>/assets`.
    pub url: Option<String>,
    /// Reference photos and other private objects. Default: `private` beside `url`
    /// (`<data-dir>/private`, or `s3://BUCKET/…/private`). Never inside or around `url`.
    pub private_url: Option<String>,
    /// When set, asset URLs point here (a CDN or a public bucket) and `/assets/` redirects here.
    pub public_base_url: Option<String>,
    /// S3 endpoint, for anything that is not AWS (env AWS_ENDPOINT_URL).
    pub endpoint: Option<String>,
    /// Env AWS_REGION; default us-east-1.
    pub region: Option<String>,
    /// Env AWS_ACCESS_KEY_ID.
    pub access_key_id: Option<String>,
    /// Env AWS_SECRET_ACCESS_KEY.
    pub secret_access_key: Option<Secret>,
    /// Allow an `http://` endpoint (env AWS_ALLOW_HTTP); default false.
    pub allow_http: Option<bool>,
    /// `https://BUCKET.endpoint/key` rather than `https://endpoint/BUCKET/key`; default false.
    pub virtual_hosted_style: Option<bool>,
}

/// The longest setting accepted: URLs, names and keys are far shorter.
const MAX_SETTING_CHARS: usize = 2048;

impl StorageConfig {
    /// Syntax of every key, with the key in the message.
    pub fn validate(&self) -> Result<(), String> {
        if let Some(url) = &self.url {
            StorageUrl::parse("storage.url", url)?;
        }
        if let Some(url) = &self.private_url {
            StorageUrl::parse("storage.private_url", url)?;
        }
        if let Some(url) = &self.public_base_url {
            public_base_url("storage.public_base_url", url)?;
        }
        if let Some(endpoint) = &self.endpoint {
            endpoint_url("storage.endpoint", endpoint)?;
        }
        if let Some(region) = &self.region {
            check_region("storage.region", region)?;
        }
        if let Some(id) = &self.access_key_id {
            check_word("storage.access_key_id", id)?;
        }
        if let Some(secret) = &self.secret_access_key {
            check_word("storage.secret_access_key", secret.expose())?;
        }
        Ok(())
    }
}

/// Where the store is, with the flag and the environment applied: what `Store::open` needs.
#[derive(Debug, Clone)]
pub struct StorageSettings {
    pub public: StorageUrl,
    pub private: StorageUrl,
    /// Without a trailing slash.
    pub public_base_url: Option<String>,
    /// Present when either location is in S3.
    pub s3: Option<S3Settings>,
}

/// How to reach S3. `Debug` shows the secret as `***`.
#[derive(Debug, Clone)]
pub struct S3Settings {
    pub endpoint: Option<String>,
    pub region: String,
    pub access_key_id: String,
    pub secret_access_key: Secret,
    pub allow_http: bool,
    pub virtual_hosted_style: bool,
}

/// A location given on the command line or in the environment, with the name to blame.
#[derive(Debug, Clone, Copy)]
pub struct Given<'a> {
    pub setting: &'a str,
    pub url: &'a str,
}

impl StorageSettings {
    /// The configured store: `flag` (`--storage-url`), else `LIKENESS_STORAGE_URL`, else the
    /// config, else `<data-dir>/assets`; private objects at `storage.private_url` or beside.
    pub fn resolve(
        config: &StorageConfig,
        flag: Option<&str>,
        data_dir: &Path,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<StorageSettings, String> {
        let from_env = env("LIKENESS_STORAGE_URL").filter(|v| !v.trim().is_empty());
        let given = match (flag, &from_env, &config.url) {
            (Some(url), _, _) => Some(Given {
                setting: "--storage-url",
                url,
            }),
            (None, Some(url), _) => Some(Given {
                setting: "LIKENESS_STORAGE_URL",
                url,
            }),
            (None, None, Some(url)) => Some(Given {
                setting: "storage.url",
                url,
            }),
            (None, None, None) => None,
        };
        let private = config.private_url.as_deref().map(|url| Given {
            setting: "storage.private_url",
            url,
        });
        let mut settings = StorageSettings::at(config, given, private, data_dir, env)?;
        settings.public_base_url = config
            .public_base_url
            .as_deref()
            .map(|u| public_base_url("storage.public_base_url", u))
            .transpose()?;
        Ok(settings)
    }

    /// A store at `public` (default `<data-dir>/assets`) with private objects at `private`
    /// (default: beside), reached with the config's and the environment's S3 settings. Used
    /// for the configured store and for `migrate store --to`.
    pub fn at(
        config: &StorageConfig,
        public: Option<Given>,
        private: Option<Given>,
        data_dir: &Path,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<StorageSettings, String> {
        let public = match public {
            Some(g) => StorageUrl::parse(g.setting, g.url)?,
            None => StorageUrl::File("assets".into()),
        }
        .in_data_dir(data_dir);
        let private = match private {
            Some(g) => StorageUrl::parse(g.setting, g.url)?.in_data_dir(data_dir),
            None => public.private_beside()?,
        };
        if public.overlaps(&private) {
            return Err(format!(
                "private objects at {private} would be inside or around the public ones at \
                 {public}: reference photos must never share a public folder or prefix. Set \
                 storage.private_url to a location beside the public one"
            ));
        }
        let s3 = [&public, &private]
            .iter()
            .any(|u| matches!(u, StorageUrl::S3 { .. }))
            .then(|| S3Settings::resolve(config, env))
            .transpose()?;
        Ok(StorageSettings {
            public,
            private,
            public_base_url: None,
            s3,
        })
    }
}

impl S3Settings {
    /// Each setting from the config, else its `AWS_*` variable.
    fn resolve(
        config: &StorageConfig,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<S3Settings, String> {
        let env = |name: &str| env(name).filter(|v| !v.trim().is_empty());
        let endpoint = match (&config.endpoint, env("AWS_ENDPOINT_URL")) {
            (Some(e), _) => Some(endpoint_url("storage.endpoint", e)?),
            (None, Some(e)) => Some(endpoint_url("AWS_ENDPOINT_URL", &e)?),
            (None, None) => None,
        };
        let region = match (&config.region, env("AWS_REGION")) {
            (Some(r), _) => r.clone(),
            (None, Some(r)) => {
                check_region("AWS_REGION", r.trim())?;
                r.trim().to_string()
            }
            (None, None) => "us-east-1".to_string(),
        };
        let access_key_id = config
            .access_key_id
            .clone()
            .or_else(|| env("AWS_ACCESS_KEY_ID").map(|v| v.trim().to_string()));
        let secret_access_key = config
            .secret_access_key
            .clone()
            .or_else(|| env("AWS_SECRET_ACCESS_KEY").map(|v| Secret::new(v.trim())));
        let (Some(access_key_id), Some(secret_access_key)) = (access_key_id, secret_access_key)
        else {
            return Err(
                "the store is in S3 but has no credentials: set storage.access_key_id and \
                 storage.secret_access_key in the config, or the AWS_ACCESS_KEY_ID and \
                 AWS_SECRET_ACCESS_KEY environment variables"
                    .into(),
            );
        };
        check_word("AWS_ACCESS_KEY_ID", &access_key_id)?;
        check_word("AWS_SECRET_ACCESS_KEY", secret_access_key.expose())?;
        let allow_http = match (config.allow_http, env("AWS_ALLOW_HTTP")) {
            (Some(b), _) => b,
            (None, Some(v)) => parse_bool("AWS_ALLOW_HTTP", &v)?,
            (None, None) => false,
        };
        if let Some(e) = &endpoint
            && e.starts_with("http://")
            && !allow_http
        {
            return Err(format!(
                "the S3 endpoint {} is plain http: set storage.allow_http = true (or \
                 AWS_ALLOW_HTTP=true) to send requests to it unencrypted, or use https",
                mask(e)
            ));
        }
        Ok(S3Settings {
            endpoint,
            region,
            access_key_id,
            secret_access_key,
            allow_http,
            virtual_hosted_style: config.virtual_hosted_style.unwrap_or(false),
        })
    }
}

/// An `http(s)://` URL without a query or fragment, returned without a trailing slash.
fn http_url(setting: &str, text: &str, what: &str) -> Result<String, String> {
    let text = text.trim();
    let parsed = reqwest::Url::parse(text)
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
        .filter(|u| u.query().is_none() && u.fragment().is_none());
    if parsed.is_none() || text.len() > MAX_SETTING_CHARS {
        return Err(format!(
            "{setting} must be {what} (http:// or https://, no query), got {:?}",
            mask(&text.chars().take(200).collect::<String>())
        ));
    }
    Ok(text.trim_end_matches('/').to_string())
}

fn endpoint_url(setting: &str, text: &str) -> Result<String, String> {
    http_url(
        setting,
        text,
        "the S3 endpoint URL, e.g. https://s3.example.org",
    )
}

/// Where public objects are reachable from outside: `{public_base_url}/{key}`.
fn public_base_url(setting: &str, text: &str) -> Result<String, String> {
    let url = http_url(
        setting,
        text,
        "the URL the public objects are served from, e.g. https://cdn.example.org/avatars",
    )?;
    if url.contains('@') {
        return Err(format!(
            "{setting} {:?} carries credentials: it is shown to every client, so it must not",
            mask(&url)
        ));
    }
    Ok(url)
}

fn check_region(setting: &str, region: &str) -> Result<(), String> {
    let ok = (1..=64).contains(&region.len())
        && region
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{setting} must be a region name such as us-east-1, got {:?}",
            region.chars().take(80).collect::<String>()
        ))
    }
}

/// A key id or secret: one word, no white space or control characters. The value never
/// appears in the message.
fn check_word(setting: &str, value: &str) -> Result<(), String> {
    if value.is_empty() {
        return Err(format!("{setting} is empty"));
    }
    if value.len() > MAX_SETTING_CHARS || value.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(format!(
            "{setting} must be one word without white space or control characters, at most \
             {MAX_SETTING_CHARS} characters"
        ));
    }
    Ok(())
}

fn parse_bool(setting: &str, value: &str) -> Result<bool, String> {
    match value.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" => Ok(true),
        "false" | "0" | "no" => Ok(false),
        _ => Err(format!(
            "{setting} must be true or false, got {:?}",
            value.chars().take(20).collect::<String>()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| map.get(k).cloned()
    }

    fn config(text: &str) -> StorageConfig {
        let c: StorageConfig = toml::from_str(text).unwrap();
        c.validate().unwrap();
        c
    }

    const KEYS: [(&str, &str); 2] = [
        ("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"),
        ("AWS_SECRET_ACCESS_KEY", "hunter2-secret"),
    ];

    #[test]
    fn defaults_are_two_folders_in_the_data_directory() {
        let s = StorageSettings::resolve(&config(""), None, Path::new("/d"), &env(&[])).unwrap();
        assert_eq!(s.public, StorageUrl::File("/d/assets".into()));
        assert_eq!(s.private, StorageUrl::File("/d/private".into()));
        assert!(s.s3.is_none() && s.public_base_url.is_none());
    }

    #[test]
    fn flag_beats_environment_beats_config() {
        let c = config("url = \"s3://from-config/p\"\n");
        let e = env(&[
            ("LIKENESS_STORAGE_URL", "s3://from-env/p"),
            KEYS[0],
            KEYS[1],
        ]);
        let d = Path::new("/d");
        let bucket = |s: StorageSettings| match s.public {
            StorageUrl::S3 { bucket, .. } => bucket,
            other => panic!("{other}"),
        };
        let flag = StorageSettings::resolve(&c, Some("s3://from-flag/p"), d, &e).unwrap();
        assert_eq!(bucket(flag), "from-flag");
        assert_eq!(
            bucket(StorageSettings::resolve(&c, None, d, &e).unwrap()),
            "from-env"
        );
        let no_env = env(&KEYS);
        assert_eq!(
            bucket(StorageSettings::resolve(&c, None, d, &no_env).unwrap()),
            "from-config"
        );
        let err = StorageSettings::resolve(&c, Some("ftp://x"), d, &e).unwrap_err();
        assert!(err.starts_with("--storage-url must be"), "{err}");
    }

    #[test]
    fn s3_settings_come_from_the_config_then_aws_variables() {
        let e = env(&[
            KEYS[0],
            KEYS[1],
            ("AWS_ENDPOINT_URL", "http://127.0.0.1:8333/"),
            ("AWS_REGION", "eu-central-1"),
            ("AWS_ALLOW_HTTP", "true"),
        ]);
        let s = StorageSettings::resolve(
            &config("url = \"s3://bkt/public\""),
            None,
            Path::new("/d"),
            &e,
        )
        .unwrap();
        assert_eq!(
            s.private,
            StorageUrl::S3 {
                bucket: "bkt".into(),
                prefix: "private".into()
            }
        );
        let s3 = s.s3.unwrap();
        assert_eq!(s3.endpoint.as_deref(), Some("http://127.0.0.1:8333"));
        assert_eq!(s3.region, "eu-central-1");
        assert!(s3.allow_http);
        assert_eq!(s3.access_key_id, "AKIDEXAMPLE");
        assert!(!format!("{s3:?}").contains("hunter2"), "{s3:?}");

        let c = config(
            "url = \"s3://bkt/public\"\nregion = \"us-west-2\"\naccess_key_id = \"CFG\"\n\
             secret_access_key = \"cfg-secret\"\nallow_http = false\nendpoint = \"https://s3.example.org\"\n",
        );
        let s3 = StorageSettings::resolve(&c, None, Path::new("/d"), &e)
            .unwrap()
            .s3
            .unwrap();
        assert_eq!(
            (s3.region.as_str(), s3.access_key_id.as_str(), s3.allow_http),
            ("us-west-2", "CFG", false)
        );
        assert_eq!(s3.secret_access_key.expose(), "cfg-secret");
    }

    #[test]
    fn missing_credentials_and_plain_http_are_explained() {
        let c = config("url = \"s3://bkt/public\"\n");
        let err = StorageSettings::resolve(&c, None, Path::new("/d"), &env(&[])).unwrap_err();
        assert!(
            err.contains("storage.access_key_id") && err.contains("AWS_SECRET_ACCESS_KEY"),
            "{err}"
        );
        let e = env(&[KEYS[0], KEYS[1], ("AWS_ENDPOINT_URL", "http://minio:9000")]);
        let err = StorageSettings::resolve(&c, None, Path::new("/d"), &e).unwrap_err();
        assert!(err.contains("allow_http"), "{err}");
    }

    #[test]
    fn private_objects_never_share_the_public_location() {
        let e = env(&KEYS);
        for text in [
            "url = \"s3://bkt\"\n",
            "url = \"s3://bkt/x\"\nprivate_url = \"s3://bkt/x/private\"\n",
            "url = \"s3://bkt/x/y\"\nprivate_url = \"s3://bkt/x\"\n",
            "url = \"file:///d\"\nprivate_url = \"file:///d/private\"\n",
        ] {
            let err = StorageSettings::resolve(&config(text), None, Path::new("/d"), &e);
            assert!(err.is_err(), "{text}");
        }
        let ok = config("url = \"s3://bkt\"\nprivate_url = \"s3://bkt-private\"\n");
        assert!(StorageSettings::resolve(&ok, None, Path::new("/d"), &e).is_ok());
    }

    #[test]
    fn bad_settings_name_their_key_without_the_secret() {
        for (text, needle) in [
            ("url = \"/srv/x\"\n", "storage.url must be file://PATH"),
            ("private_url = \"x\"\n", "storage.private_url must be"),
            (
                "public_base_url = \"cdn.example.org\"\n",
                "storage.public_base_url",
            ),
            (
                "public_base_url = \"https://u:pw@cdn.example.org\"\n",
                "carries credentials",
            ),
            ("endpoint = \"s3.example.org\"\n", "storage.endpoint"),
            ("region = \"us east\"\n", "storage.region"),
            (
                "secret_access_key = \"two words\"\n",
                "storage.secret_access_key",
            ),
            (
                "secret_access_key = \"\"\n",
                "storage.secret_access_key is empty",
            ),
        ] {
            let c: StorageConfig = toml::from_str(text).unwrap();
            let err = c.validate().unwrap_err();
            assert!(err.contains(needle), "{text}: {err}");
            assert!(!err.contains("two words") && !err.contains(":pw@"), "{err}");
        }
        assert!(toml::from_str::<StorageConfig>("bucket = \"x\"\n").is_err());
    }
}
