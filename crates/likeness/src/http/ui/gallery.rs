//! The gallery: subjects as tiles with their current portrait in one style, searchable and
//! filtered, a page at a time by keyset (`after` = the last id shown).

use std::collections::HashMap;

use axum::extract::{Extension, Query, State};
use axum::response::Response;
use likeness_ui::pages::{Choice, GalleryPage, Img, Tile};
use serde::Deserialize;

use super::pages::{chrome, encode_query, from_api, render};
use super::session::UiUser;
use super::versions::{THUMB, asset_img};
use crate::db::gallery::{GalleryFilter, TileStatus};

const PAGE: i64 = 48;
/// Tiles in the first row, loaded at once (the rest lazily).
const FIRST_ROW: usize = 8;

#[derive(Debug, Default, Deserialize)]
pub struct GalleryQuery {
    q: Option<String>,
    cohort: Option<String>,
    source: Option<String>,
    style: Option<String>,
    status: Option<String>,
    after: Option<String>,
}

fn non_empty(v: &Option<String>) -> Option<String> {
    v.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.chars().take(200).filter(|c| !c.is_control()).collect())
}

fn choices(values: impl IntoIterator<Item = String>, selected: Option<&str>) -> Vec<Choice> {
    values
        .into_iter()
        .map(|v| Choice {
            selected: Some(v.as_str()) == selected,
            label: v.clone(),
            value: v,
        })
        .collect()
}

pub async fn page(
    State(state): State<crate::http::State>,
    Extension(user): Extension<UiUser>,
    Query(q): Query<GalleryQuery>,
) -> Response {
    let app = &state.app;
    let style = non_empty(&q.style).unwrap_or_else(|| app.config.default_style.clone());
    let mut error = None;
    if app.catalog.get(&style).is_err() {
        error = Some(format!(
            "There is no style {style:?}; showing {}.",
            app.config.default_style
        ));
    }
    let style = if error.is_some() {
        app.config.default_style.clone()
    } else {
        style
    };
    let status = non_empty(&q.status).and_then(|s| TileStatus::parse(&s));
    let filter = GalleryFilter {
        text: non_empty(&q.q),
        cohort: non_empty(&q.cohort),
        source: non_empty(&q.source),
        style: Some(style.clone()),
        status,
    };
    let after = non_empty(&q.after);
    let found = match app.db.gallery_page(&filter, after.as_deref(), PAGE).await {
        Ok(f) => f,
        Err(e) => return from_api(&user, e),
    };
    let tiles = match tiles(app, &found.subjects, &style).await {
        Ok(t) => t,
        Err(e) => return from_api(&user, e),
    };
    let keep = |after: Option<&str>| page_url(&filter, after);
    let cohorts = app.db.cohorts().await.unwrap_or_default();
    let page = GalleryPage {
        chrome: chrome(Some(&user), "Gallery", "gallery"),
        q: filter.text.clone().unwrap_or_default(),
        cohorts: choices(cohorts, filter.cohort.as_deref()),
        sources: choices(
            ["fhir", "csv", "jsonl", "api"].map(String::from),
            filter.source.as_deref(),
        ),
        styles: choices(app.catalog.names().map(String::from), Some(&style)),
        statuses: [
            ("done", "has a portrait"),
            ("none", "no portrait"),
            ("running", "running"),
            ("failed", "failed"),
        ]
        .into_iter()
        .map(|(v, l)| Choice {
            value: v.into(),
            label: l.into(),
            selected: status.map(TileStatus::as_str) == Some(v),
        })
        .collect(),
        shown_style: style.clone(),
        next_url: found.next_after.as_deref().map(|a| keep(Some(a))),
        first_url: after.as_ref().map(|_| keep(None)),
        tiles,
        error,
    };
    render(&page)
}

/// The gallery's URL for `filter` (its style always named), from `after` on.
fn page_url(filter: &GalleryFilter, after: Option<&str>) -> String {
    let mut parts = Vec::new();
    for (k, v) in [
        ("q", &filter.text),
        ("cohort", &filter.cohort),
        ("source", &filter.source),
        ("style", &filter.style),
    ] {
        if let Some(v) = v {
            parts.push(format!("{k}={}", encode_query(v)));
        }
    }
    if let Some(s) = filter.status {
        parts.push(format!("status={}", s.as_str()));
    }
    if let Some(a) = after {
        parts.push(format!("after={}", encode_query(a)));
    }
    format!("/ui/?{}", parts.join("&"))
}

/// A page's tiles: each subject's current portrait in `style` (else its stand-in) and a
/// badge when its newest job in the style failed or is under way. Two queries per page.
async fn tiles(
    app: &crate::app::App,
    subjects: &[likeness_subjects::Subject],
    style: &str,
) -> crate::error::Result<Vec<Tile>> {
    let ids: Vec<&str> = subjects.iter().map(|s| s.id.as_ref()).collect();
    let current = app.db.current_assets(&ids).await?;
    let latest = app.db.latest_jobs(&ids).await?;
    let current: HashMap<&str, &crate::db::assets::AssetRow> = current
        .iter()
        .filter(|a| a.style == style)
        .map(|a| (a.subject_id.as_str(), a))
        .collect();
    let mut badges: HashMap<&str, &'static str> = HashMap::new();
    for j in latest.iter().filter(|j| j.style == style) {
        let badge = match j.status.as_str() {
            "queued" | "running" => "running",
            "failed" => "failed",
            _ => continue,
        };
        badges.insert(j.subject_id.as_str(), badge);
    }
    let mut tiles = Vec::with_capacity(subjects.len());
    for (i, s) in subjects.iter().enumerate() {
        let id = s.id.to_string();
        let name = s.display_name().to_string();
        let alt = format!("{name}, {style} portrait");
        let (img, placeholder) = match current
            .get(id.as_str())
            .and_then(|a| asset_img(app, a, THUMB, alt.clone()))
        {
            Some(img) => (img, false),
            None => (stand_in(s, style, alt), true),
        };
        tiles.push(Tile {
            href: format!("/ui/subjects/{}", encode_query(&id)),
            badge: badges.get(id.as_str()).copied(),
            name,
            id,
            img,
            placeholder,
            eager: i < FIRST_ROW,
        });
    }
    Ok(tiles)
}

/// The image that stands for a subject without a current portrait: its stable name, which
/// `/assets` resolves when the browser asks (legacy file, the default style's portrait, else
/// the placeholder), so a page costs no store lookups and off-screen tiles none at all.
fn stand_in(subject: &likeness_subjects::Subject, style: &str, alt: String) -> Img {
    let name = format!("{}_{}_{style}.png", subject.id, subject.slug());
    Img {
        src: format!("/assets/{}", encode_query(&name)),
        srcset: String::new(),
        alt,
        width: THUMB,
        height: THUMB,
    }
}
