//! `generate --fetch-likeness`: a vision model (Gemini, text output) describes each subject's
//! photo in neutral terms, and the description is cached on the subject as the attribute
//! `likeness_description`, which prompt templates see as `subject.likeness_description`. The
//! sports pipeline did this for player headshots.
//!
//! The photo comes from `--likeness-url TEMPLATE` (`{id}` and `{slug}` filled in, e.g.
//! `https://cdn.example.org/headshots/{id}.png`) or the subject's `photo_url` attribute. It is
//! downloaded through the SSRF-safe fetcher and checked by likeness-face's intake before it is
//! sent anywhere. A cached description is reused while the photo's URL is unchanged.

use futures::StreamExt;
use serde::Serialize;

use likeness_subjects::Subject;

use crate::app::App;
use crate::error::{Error, Result};
use crate::hash::hex_sha256;
use crate::provider::gemini::DESCRIBE_MODEL;
use crate::provider::{ProviderError, Reference};

pub const DESCRIPTION: &str = "likeness_description";
/// What the cached description was made from: `<sha256 of the URL, 16 hex> <model>`.
pub const SOURCE: &str = "likeness_description_source";
/// The subject attribute read when no `--likeness-url` is given.
pub const PHOTO_URL: &str = "photo_url";

#[derive(Debug, Clone, Default)]
pub struct DescribeOptions {
    pub url_template: Option<String>,
    /// Describe again even when a description of the same photo is cached.
    pub refresh: bool,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct DescribeReport {
    pub described: u64,
    pub cached: u64,
    pub without_photo: u64,
    pub failed: Vec<DescribeFailure>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DescribeFailure {
    pub subject_id: String,
    pub code: String,
    pub message: String,
}

/// The photo URL of a subject: the template filled in, else its `photo_url` attribute.
pub fn photo_url(subject: &Subject, template: Option<&str>) -> Option<String> {
    match template {
        Some(t) => Some(
            t.replace("{id}", &encode(subject.id.as_ref()))
                .replace("{slug}", &encode(&subject.slug())),
        ),
        None => subject
            .attributes
            .get(PHOTO_URL)
            .filter(|u| !u.trim().is_empty())
            .cloned(),
    }
}

/// Percent-encodes everything but unreserved characters (ids are already `[A-Za-z0-9._-]`,
/// but a slug or a future id rule must not be able to change the URL's shape).
fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Describes the photos of `subjects`, four at a time, caching each description.
pub async fn describe_subjects(
    app: &App,
    subjects: Vec<Subject>,
    options: &DescribeOptions,
) -> Result<DescribeReport> {
    let describer = app.providers.describer()?;
    let model = DESCRIBE_MODEL.to_string();
    let fetcher = crate::fetch::Fetcher::new(app.config.fetch_policy()?)
        .map_err(|e| Error::Config(format!("cannot set up downloads: {e}")))?;
    let mut report = DescribeReport::default();
    let work = subjects.into_iter().map(|subject| {
        let (describer, fetcher, model) = (&describer, &fetcher, &model);
        async move {
            let Some(url) = photo_url(&subject, options.url_template.as_deref()) else {
                return (subject, Outcome::NoPhoto);
            };
            let source = format!("{} {model}", &hex_sha256(url.as_bytes())[..16]);
            let cached = subject.attributes.get(SOURCE) == Some(&source)
                && subject.attributes.contains_key(DESCRIPTION);
            if cached && !options.refresh {
                return (subject, Outcome::Cached);
            }
            let outcome = match describe_one(fetcher, describer, &url).await {
                Ok(text) => Outcome::Described(text, source),
                Err((code, message)) => Outcome::Failed(code, message),
            };
            (subject, outcome)
        }
    });
    let mut results = futures::stream::iter(work).buffer_unordered(4);
    while let Some((subject, outcome)) = results.next().await {
        match outcome {
            Outcome::NoPhoto => report.without_photo += 1,
            Outcome::Cached => report.cached += 1,
            Outcome::Described(text, source) => {
                app.db
                    .set_derived(
                        subject.id.as_ref(),
                        &[(DESCRIPTION, text), (SOURCE, source)],
                    )
                    .await?;
                report.described += 1;
            }
            Outcome::Failed(code, message) => report.failed.push(DescribeFailure {
                subject_id: subject.id.to_string(),
                code,
                message,
            }),
        }
    }
    Ok(report)
}

enum Outcome {
    NoPhoto,
    Cached,
    Described(String, String),
    Failed(String, String),
}

async fn describe_one(
    fetcher: &crate::fetch::Fetcher,
    describer: &crate::provider::gemini::Gemini,
    url: &str,
) -> std::result::Result<String, (String, String)> {
    let fetched = fetcher
        .get(url)
        .await
        .map_err(|e| (e.code().to_string(), format!("{url}: {e}")))?;
    let bytes = fetched.bytes.to_vec();
    let checked = tokio::task::spawn_blocking(move || {
        likeness_face::intake(&bytes, &likeness_face::Limits::default())
    })
    .await
    .map_err(|e| ("image.check_failed".to_string(), e.to_string()))?
    .map_err(|e| (e.code().to_string(), format!("{url}: {e}")))?;
    let reference = Reference {
        content_type: checked.format.mime(),
        bytes: checked.bytes.into(),
    };
    describer
        .describe(&reference, Some(DESCRIBE_MODEL))
        .await
        .map_err(|e: ProviderError| (e.code().to_string(), e.to_string()))
}
