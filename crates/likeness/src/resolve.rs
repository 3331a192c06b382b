//! Which image stands for a subject in a style: the current asset, else a legacy file from an
//! older pipeline (`{id}_{style}.jpg`, `{id}.png`, ...), else the current asset of the default
//! style, else the placeholder.

use bytes::Bytes;
use likeness_paint::{Painter, Presentation, Recipe, Sitter, Size};
use likeness_subjects::SubjectId;
use serde::Serialize;

use crate::app::App;
use crate::error::{Error, Result};

pub use crate::store::PLACEHOLDER_KEY;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    Current,
    Legacy,
    DefaultStyle,
    Placeholder,
}

#[derive(Debug, Clone, Serialize)]
pub struct Resolved {
    pub subject_id: String,
    pub style: String,
    pub rule: Rule,
    pub key: String,
    /// The image's file when the store is a local folder; `null` otherwise (use `url`).
    pub path: Option<String>,
    /// `{public_base_url}/{key}`, else `/assets/{key}` on the server.
    pub url: String,
    pub asset_id: Option<String>,
}

/// A stable name `{subject_id}_{slug}_{style}.png`, split.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StableName<'a> {
    pub id: &'a str,
    pub slug: &'a str,
    pub style: String,
}

/// Splits a stable name `{subject_id}_{slug}_{style}.png`, checking the style against the
/// catalog. Slugs never contain `_`, ids and styles may.
pub fn parse_stable_name<'a>(app: &App, name: &'a str) -> Option<StableName<'a>> {
    let stem = name.strip_suffix(".png")?;
    app.catalog.list().find_map(|style| {
        let rest = stem.strip_suffix(&style.name)?.strip_suffix('_')?;
        let (id, slug) = rest.rsplit_once('_')?;
        (!id.is_empty() && !slug.is_empty()).then(|| StableName {
            id,
            slug,
            style: style.name.clone(),
        })
    })
}

/// Resolves `id_or_slug` (a subject that need not be imported: legacy files may exist for it),
/// or a stable name such as `76003_kareem-abdul-jabbar_watercolor.png`.
pub async fn resolve(app: &App, id_or_slug: &str, style: Option<&str>) -> Result<Resolved> {
    let given = id_or_slug;
    let (id_or_slug, slug, style) = match (parse_stable_name(app, id_or_slug), style) {
        (Some(name), None) => (name.id, Some(name.slug), name.style),
        _ => (
            id_or_slug,
            None,
            style.unwrap_or(&app.config.default_style).to_string(),
        ),
    };
    app.catalog.get(&style)?;
    let subject_id = match app.db.find_subject(id_or_slug).await {
        // A stable name must carry the subject's own slug: a wrong one is "not found", never
        // a pointer to the right one (which would tie an id to a name-derived slug).
        Ok(s) if slug.is_some_and(|slug| slug != s.slug() || s.id.as_ref() != id_or_slug) => {
            return Err(Error::SubjectNotFound(given.to_string()));
        }
        Ok(s) => s.id.to_string(),
        Err(Error::SubjectNotFound(_)) => id_or_slug
            .parse::<SubjectId>()
            .map_err(|e| Error::Usage(format!("{id_or_slug:?} is not a subject id: {e}")))?
            .to_string(),
        Err(e) => return Err(e),
    };
    let found = |rule: Rule, key: String, asset_id: Option<String>| Resolved {
        subject_id: subject_id.clone(),
        style: style.clone(),
        rule,
        path: app.store.path(&key).map(|p| p.display().to_string()),
        url: app
            .store
            .url(&key)
            .unwrap_or_else(|| format!("/assets/{key}")),
        key,
        asset_id,
    };
    if let Some(a) = app.db.current_asset(&subject_id, &style).await?
        && let Some(key) = a.storage_key
    {
        return Ok(found(Rule::Current, key, Some(a.asset_id)));
    }
    for key in [
        format!("{subject_id}_{style}.png"),
        format!("{subject_id}_{style}.jpg"),
        format!("{subject_id}.png"),
        format!("{subject_id}.jpg"),
    ] {
        if app.store.exists(&key).await? {
            return Ok(found(Rule::Legacy, key, None));
        }
    }
    if style != app.config.default_style
        && let Some(a) = app
            .db
            .current_asset(&subject_id, &app.config.default_style)
            .await?
        && let Some(key) = a.storage_key
    {
        return Ok(found(Rule::DefaultStyle, key, Some(a.asset_id)));
    }
    // Drawn once; a read-only data directory still gets the answer, without the file.
    if let Err(e) = ensure_placeholder(app).await {
        tracing::warn!(error = %e, "cannot store the placeholder image");
    }
    Ok(found(Rule::Placeholder, PLACEHOLDER_KEY.to_string(), None))
}

/// Draws the placeholder (a neutral initials tile with no name) the first time it is needed.
async fn ensure_placeholder(app: &App) -> Result<()> {
    if app.store.exists(PLACEHOLDER_KEY).await? {
        return Ok(());
    }
    let png = tokio::task::spawn_blocking(|| -> Result<Vec<u8>> {
        let recipe: Recipe = toml::from_str("kind = \"initials\"")
            .map_err(|e| Error::Corrupt(format!("placeholder recipe: {e}")))?;
        let sitter = Sitter {
            presentation: Presentation::Person,
            ..Sitter::new("placeholder")
        };
        Ok(Painter::new().render_png(
            &recipe,
            &sitter,
            Size {
                width: 512,
                height: 512,
            },
        )?)
    })
    .await
    .map_err(|e| Error::Corrupt(format!("placeholder render: {e}")))??;
    app.store.put(PLACEHOLDER_KEY, Bytes::from(png)).await
}
