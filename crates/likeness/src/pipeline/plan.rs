//! Planning: which subjects × styles a `generate` will work on, which it skips and why, what it
//! will cost. The same walk serves the dry run (counts only) and the real plan (job rows written
//! in the run's transaction), so the two cannot disagree.

use std::collections::BTreeMap;
use std::sync::Arc;

use likeness_styles::{Audience, Style};
use likeness_subjects::Subject;
use serde::{Deserialize, Serialize};

use crate::app::App;
use crate::db::queue::NewJob;
use crate::error::{Error, Result};
use crate::pipeline::prompt_subject;
use crate::provider::{Provider, ProviderError};

/// Which subjects a run is about, as the user asked. Stored on the run for the audit trail.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Selection {
    pub subjects: Vec<String>,
    pub cohort: Option<String>,
    pub filters: Vec<Filter>,
    pub limit: Option<u64>,
    pub force: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Filter {
    pub field: String,
    pub value: String,
}

impl std::str::FromStr for Filter {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s.split_once('=') {
            Some((f, v)) if !f.trim().is_empty() => Ok(Filter {
                field: f.trim().to_string(),
                value: v.trim().to_string(),
            }),
            _ => Err(format!(
                "expected FIELD=VALUE (e.g. gender=woman), got {s:?}"
            )),
        }
    }
}

/// One style of a run with the provider that will draw it.
#[derive(Debug, Clone)]
pub struct PlannedStyle {
    pub style: Arc<Style>,
    pub provider: Arc<dyn Provider>,
    pub model: Option<String>,
    pub size: Option<String>,
    pub width: u32,
    pub height: u32,
}

impl PlannedStyle {
    pub fn resolve(
        app: &App,
        name: &str,
        provider: Option<&str>,
        size: Option<&str>,
    ) -> Result<PlannedStyle> {
        let style = app.style(name)?;
        let (provider, model) = app.providers.for_style(&style, provider)?;
        provider.check_style(&style).map_err(|e| match e {
            // Name the styles of this catalog it can draw, not just recipe kinds.
            ProviderError::UnsupportedStyle {
                provider, style, ..
            } => ProviderError::UnsupportedStyle {
                provider,
                style,
                can_draw: app
                    .catalog
                    .list()
                    .filter(|s| s.renderer.is_some())
                    .map(|s| s.name.clone())
                    .collect(),
            },
            other => other,
        })?;
        // A chain none of whose providers can be used (no key, not set up) fails here, once,
        // naming what to set, rather than on every subject.
        provider.ready().map_err(|e| {
            let (reasons, last) = match e {
                ProviderError::ChainFailed { failures, last } => (failures, last),
                other => (vec![other.to_string()], Box::new(other)),
            };
            ProviderError::StyleUnusable {
                style: style.name.clone(),
                reasons,
                last,
            }
        })?;
        let (width, height) = style.dimensions(size)?;
        Ok(PlannedStyle {
            style,
            provider,
            model,
            size: size.map(str::to_string),
            width,
            height,
        })
    }

    pub fn audience(&self) -> Audience {
        self.provider.audience()
    }
}

/// Collects the walk's decisions as the jobs of a run (absent in a dry run), in plan order.
#[derive(Debug, Default)]
pub struct JobWriter {
    pub jobs: Vec<NewJob>,
}

impl JobWriter {
    fn write(&mut self, subject: &Subject, style: &PlannedStyle, skip_reason: Option<&str>) {
        self.jobs.push(NewJob {
            id: uuid::Uuid::now_v7().to_string(),
            seq: self.jobs.len() as i64 + 1,
            subject_id: subject.id.to_string(),
            style: style.style.name.clone(),
            skip_reason: skip_reason.map(str::to_string),
        });
    }
}

pub const SKIP_HAS_CURRENT: &str = "already has a current image";

/// Summary of a walk.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PlanSummary {
    /// Subjects matched by the selection.
    pub subjects: u64,
    /// Subject × style jobs to generate.
    pub planned: u64,
    pub skipped: u64,
    pub skipped_by_reason: BTreeMap<String, u64>,
    /// Subjects left out because of `--limit`.
    pub over_limit: u64,
    pub estimated_cost_usd: f64,
    pub estimated_cost_by_provider: BTreeMap<String, f64>,
    pub sample_prompt: Option<String>,
}

/// Walks the population in id order, page by page, deciding per subject × style, and writes
/// the jobs through `writer` when given.
pub async fn walk(
    app: &App,
    selection: &Selection,
    styles: &[PlannedStyle],
    mut writer: Option<&mut JobWriter>,
) -> Result<PlanSummary> {
    let mut summary = PlanSummary::default();
    let mut generating_subjects = 0u64;
    let mut pages = Pages::new(app, selection).await?;
    while let Some(page) = pages.next(app).await? {
        let ids: Vec<&str> = page.iter().map(|s| s.id.as_ref()).collect();
        let current = app.db.current_styles(&ids).await?;
        for subject in &page {
            if !matches(app, selection, subject) {
                continue;
            }
            summary.subjects += 1;
            let mut any_generate = false;
            let mut decisions = Vec::with_capacity(styles.len());
            for style in styles {
                let has = current.contains(&(subject.id.to_string(), style.style.name.clone()));
                if has && !selection.force {
                    decisions.push((style, Some(SKIP_HAS_CURRENT)));
                } else {
                    any_generate = true;
                    decisions.push((style, None));
                }
            }
            if any_generate && selection.limit.is_some_and(|l| generating_subjects >= l) {
                summary.over_limit += 1;
                continue;
            }
            if any_generate {
                generating_subjects += 1;
            }
            for (style, skip) in decisions {
                match skip {
                    Some(reason) => {
                        summary.skipped += 1;
                        *summary
                            .skipped_by_reason
                            .entry(reason.to_string())
                            .or_default() += 1;
                        if let Some(w) = writer.as_deref_mut() {
                            w.write(subject, style, Some(reason));
                        }
                    }
                    None => {
                        summary.planned += 1;
                        let cost = style.provider.estimate_usd(
                            style.provider.default_model(),
                            style.width,
                            style.height,
                        );
                        summary.estimated_cost_usd += cost;
                        *summary
                            .estimated_cost_by_provider
                            .entry(style.provider.name().to_string())
                            .or_default() += cost;
                        if summary.sample_prompt.is_none() {
                            let ps = prompt_subject(subject, app.today);
                            summary.sample_prompt =
                                Some(style.style.render_prompt(&ps, style.audience())?);
                        }
                        if let Some(w) = writer.as_deref_mut() {
                            w.write(subject, style, None);
                        }
                    }
                }
            }
        }
    }
    Ok(summary)
}

/// The selection's subjects page by page, in id order (or as named with `--subject`), before
/// the `--where` filters. Paging keeps memory flat however many subjects there are.
struct Pages<'s> {
    selection: &'s Selection,
    explicit: Option<Vec<Subject>>,
    after: Option<String>,
}

impl<'s> Pages<'s> {
    async fn new(app: &App, selection: &'s Selection) -> Result<Pages<'s>> {
        Ok(Pages {
            explicit: resolve_explicit(app, &selection.subjects).await?,
            selection,
            after: None,
        })
    }

    async fn next(&mut self, app: &App) -> Result<Option<Vec<Subject>>> {
        if let Some(list) = self.explicit.take() {
            self.after = Some(String::new());
            return Ok(Some(list));
        }
        if self.after.as_deref() == Some("") && !self.selection.subjects.is_empty() {
            return Ok(None);
        }
        let page = app
            .db
            .subjects_page(self.after.as_deref(), self.selection.cohort.as_deref(), 500)
            .await?;
        match page.last() {
            Some(last) => self.after = Some(last.id.to_string()),
            None => return Ok(None),
        }
        Ok(Some(page))
    }
}

/// Every subject of a selection (filters applied, `--limit` honoured), for work done before
/// planning such as fetching likeness descriptions.
pub async fn selected(app: &App, selection: &Selection) -> Result<Vec<Subject>> {
    let mut pages = Pages::new(app, selection).await?;
    let mut out = Vec::new();
    while let Some(page) = pages.next(app).await? {
        for s in page {
            if selection.limit.is_some_and(|l| out.len() as u64 >= l) {
                return Ok(out);
            }
            if matches(app, selection, &s) {
                out.push(s);
            }
        }
    }
    Ok(out)
}

fn matches(app: &App, selection: &Selection, subject: &Subject) -> bool {
    if let Some(c) = &selection.cohort
        && !subject.cohorts.iter().any(|x| x == c)
    {
        return false;
    }
    selection
        .filters
        .iter()
        .all(|f| subject.matches(&f.field, &f.value, app.today))
}

/// The subjects named with `--subject` (ids or slugs).
async fn resolve_explicit(app: &App, ids: &[String]) -> Result<Option<Vec<Subject>>> {
    if ids.is_empty() {
        return Ok(None);
    }
    let mut out: Vec<Subject> = Vec::with_capacity(ids.len());
    for id in ids {
        let s = app.db.find_subject(id).await?;
        if !out.iter().any(|o| o.id == s.id) {
            out.push(s);
        }
    }
    Ok(Some(out))
}

/// Checks a `--where` field name against what subjects can have, to catch typos early.
pub fn check_filters(filters: &[Filter]) -> Result<()> {
    for f in filters {
        if f.field.contains(char::is_whitespace) {
            return Err(Error::Usage(format!(
                "--where field {:?} has spaces",
                f.field
            )));
        }
    }
    Ok(())
}
