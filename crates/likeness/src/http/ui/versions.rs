//! A recorded attempt as the UI shows it (`Version`): its image, facts, timings, who asked for
//! it, and its prompt's line diff against the version before it in the same style.

use std::collections::HashMap;

use likeness_ui::pages::{DiffLine, Img, Version};

use super::pages::{duration_ms, usd, when};
use crate::app::App;
use crate::db::assets::AssetRow;
use crate::db::queue::JobRow;
use crate::db::runs::Run;

/// Widths the tiles and timeline ask `/assets` for (`?w=`, from its fixed set).
pub const THUMB: u32 = 192;

/// An image of a stored asset, `width` CSS pixels wide, with a 2× source.
pub fn asset_img(app: &App, row: &AssetRow, width: u32, alt: String) -> Option<Img> {
    let key = row.storage_key.as_deref()?;
    let url = app.store.url(key)?;
    let (w, h) = (
        row.width.unwrap_or(512).max(1),
        row.height.unwrap_or(512).max(1),
    );
    let height = (width as i64 * h / w) as u32;
    // Variants are made by this server; under public_base_url the original is all there is.
    let local = url.starts_with("/assets/");
    Some(Img {
        src: if local {
            format!("{url}?w={width}")
        } else {
            url.clone()
        },
        srcset: if local {
            format!("{url}?w={width} 1x, {url}?w={} 2x", width * 2)
        } else {
            String::new()
        },
        alt,
        width,
        height,
    })
}

/// What the UI knows around a subject's attempts: their jobs and runs, and which admin
/// asked for which run.
#[derive(Default)]
pub struct Context {
    pub jobs: HashMap<String, JobRow>,
    pub runs: HashMap<String, Run>,
    pub asked_by: HashMap<String, String>,
}

impl Context {
    pub async fn load(
        app: &App,
        rows: &[AssetRow],
        actions: &[crate::db::admin::Action],
    ) -> crate::error::Result<Context> {
        let mut c = Context::default();
        for r in rows {
            if !c.jobs.contains_key(&r.job_id)
                && let Some(j) = app.db.job(&r.job_id).await?
            {
                c.jobs.insert(r.job_id.clone(), j);
            }
            if !c.runs.contains_key(&r.run_id)
                && let Some(run) = app.db.run(&r.run_id).await?
            {
                c.runs.insert(r.run_id.clone(), run);
            }
        }
        for a in actions {
            if let Some(run) = &a.run_id {
                c.asked_by.insert(run.clone(), a.actor.clone());
            }
        }
        Ok(c)
    }

    fn trigger(&self, row: &AssetRow) -> String {
        if let Some(actor) = self.asked_by.get(&row.run_id) {
            return format!("{actor}, in the admin UI");
        }
        match self.runs.get(&row.run_id) {
            Some(run) if run.run_key.starts_with("api:") => "the API".into(),
            Some(run) if run.run_key.starts_with("openai:") => "the OpenAI-compatible API".into(),
            Some(run) if run.run_key.starts_with("ui:") => "the admin UI".into(),
            Some(run) => format!("batch {} v{}", run.run_key, run.version),
            None => "unknown".into(),
        }
    }
}

/// Rows (oldest first) as versions, newest first, each with its diff against the previous
/// attempt in the same style.
pub fn versions(
    app: &App,
    rows: &[AssetRow],
    ctx: &Context,
    name: &str,
    admin: bool,
) -> Vec<Version> {
    let mut previous: HashMap<&str, &str> = HashMap::new();
    let mut out = Vec::with_capacity(rows.len());
    let mut per_style: HashMap<&str, usize> = HashMap::new();
    for row in rows {
        let n = per_style.entry(&row.style).or_default();
        *n += 1;
        let diff = previous
            .get(row.style.as_str())
            .map(|before| diff_lines(before, &row.prompt))
            .unwrap_or_default();
        previous.insert(&row.style, &row.prompt);
        let mut v = version(app, row, ctx, name);
        v.label = format!("{} #{}", row.style, n);
        v.diff = diff;
        v.can_set_current =
            admin && !row.current && row.status == "succeeded" && row.storage_key.is_some();
        out.push(v);
    }
    out.reverse();
    out
}

/// One attempt, without its diff.
pub fn version(app: &App, row: &AssetRow, ctx: &Context, name: &str) -> Version {
    let queue_wait = ctx.jobs.get(&row.job_id).map(|j| {
        let started = row.created_at.millis() - row.total_ms;
        duration_ms((started - j.created_at.millis()).max(0))
    });
    let details = row.details.as_ref();
    let identity = details
        .and_then(|d| d.pointer("/identity/score"))
        .and_then(serde_json::Value::as_f64)
        .map(|s| format!("{s:.2}"))
        .unwrap_or_default();
    let quality = details
        .and_then(|d| d.get("quality"))
        .and_then(serde_json::Value::as_object)
        .map(|q| {
            q.iter()
                .filter_map(|(k, v)| v.as_f64().map(|f| format!("{k} {f:.2}")))
                .take(4)
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default();
    let options = ctx
        .jobs
        .get(&row.job_id)
        .and_then(|j| serde_json::to_value(&j.options).ok())
        .filter(|v| v.as_object().is_some_and(|o| !o.is_empty()))
        .map(|v| v.to_string())
        .unwrap_or_default();
    Version {
        asset_id: row.asset_id.clone(),
        subject_id: row.subject_id.clone(),
        style: row.style.clone(),
        style_version: row.style_version,
        status: row.status.clone(),
        current: row.current,
        created: when(&row.created_at),
        prompt: row.prompt.clone(),
        diff: Vec::new(),
        provider: row.provider.clone(),
        model: row.model.clone(),
        seed: row.seed.clone(),
        options,
        cost: usd(row.cost_usd),
        queue_wait: queue_wait.unwrap_or_else(|| "–".into()),
        generation_time: duration_ms(row.total_ms),
        identity,
        quality,
        error_code: row.error_code.clone().unwrap_or_default(),
        error_message: row
            .error_message
            .as_deref()
            .map(|m| crate::http::redact_text(m, &app.store))
            .unwrap_or_default(),
        trigger: ctx.trigger(row),
        img: asset_img(app, row, 128, format!("{name}, {} portrait", row.style)),
        can_set_current: false,
        label: row.style.clone(),
    }
}

/// A line diff of two prompts (longest common subsequence; prompts are a few lines).
pub fn diff_lines(before: &str, after: &str) -> Vec<DiffLine> {
    let a: Vec<&str> = before.lines().collect();
    let b: Vec<&str> = after.lines().collect();
    // Prompts are short; refuse to spend quadratic time on a pathological one.
    if a.len() * b.len() > 250_000 {
        return vec![DiffLine {
            kind: "same",
            text: "(too long to compare)".into(),
        }];
    }
    let mut lcs = vec![vec![0u32; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    let mut out = Vec::new();
    let line = |kind, text: &str| DiffLine {
        kind,
        text: text.to_string(),
    };
    while i < a.len() && j < b.len() {
        if a[i] == b[j] {
            out.push(line("same", a[i]));
            i += 1;
            j += 1;
        } else if lcs[i + 1][j] >= lcs[i][j + 1] {
            out.push(line("removed", a[i]));
            i += 1;
        } else {
            out.push(line("added", b[j]));
            j += 1;
        }
    }
    out.extend(a[i..].iter().map(|t| line("removed", t)));
    out.extend(b[j..].iter().map(|t| line("added", t)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_changed_line_shows_as_removed_then_added() {
        let d = diff_lines("a\nb\nc", "a\nB\nc\nd");
        let kinds: Vec<(&str, &str)> = d.iter().map(|l| (l.kind, l.text.as_str())).collect();
        assert_eq!(
            kinds,
            [
                ("same", "a"),
                ("removed", "b"),
                ("added", "B"),
                ("same", "c"),
                ("added", "d")
            ]
        );
        assert!(diff_lines("x", "x").iter().all(|l| l.kind == "same"));
    }
}
