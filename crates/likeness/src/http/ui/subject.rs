//! A subject's page: its current portraits, the full history as a timeline, compare, set an
//! older version current, and the regenerate and reference-photo forms (for admins).

use axum::Form;
use axum::extract::{Extension, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use likeness_ui::pages::{ActionLine, ComparePage, SubjectPage};
use serde::Deserialize;

use super::pages::{chrome, encode_query, error, from_api, render, when};
use super::session::UiUser;
use super::versions::{Context, diff_lines, versions};
use crate::db::admin::{NewAction, SetCurrent};

/// Admin actions shown on a subject page.
const ACTIONS_SHOWN: i64 = 50;

pub fn action_lines(actions: &[crate::db::admin::Action]) -> Vec<ActionLine> {
    actions
        .iter()
        .map(|a| ActionLine {
            at: when(&a.at),
            actor: a.actor.clone(),
            text: a.detail.clone(),
        })
        .collect()
}

pub async fn page(
    State(state): State<crate::http::State>,
    Extension(user): Extension<UiUser>,
    Path(id): Path<String>,
) -> Response {
    let app = &state.app;
    let subject = match super::pages::find_subject(app, &user, &id).await {
        Ok(s) => s,
        Err(r) => return *r,
    };
    let id = subject.id.to_string();
    let loaded = async {
        let rows = app.db.history(&id).await?;
        let actions = app.db.subject_actions(&id, ACTIONS_SHOWN).await?;
        let ctx = Context::load(app, &rows, &actions).await?;
        Ok::<_, crate::error::Error>((rows, actions, ctx))
    }
    .await;
    let (rows, actions, ctx) = match loaded {
        Ok(l) => l,
        Err(e) => return from_api(&user, e),
    };
    let name = subject.display_name().to_string();
    let all = versions(app, &rows, &ctx, &name, user.is_admin());
    // The current portraits larger than the timeline's thumbnails.
    let mut current: Vec<_> = all.iter().filter(|v| v.current).cloned().collect();
    for c in &mut current {
        if let Some(row) = rows.iter().find(|r| r.asset_id == c.asset_id) {
            let alt = c.img.as_ref().map(|i| i.alt.clone()).unwrap_or_default();
            c.img = super::versions::asset_img(app, row, 192, alt);
        }
    }
    let succeeded: Vec<_> = all.iter().filter(|v| v.img.is_some()).collect();
    let choice = |v: &likeness_ui::pages::Version, selected: bool| likeness_ui::pages::Choice {
        value: v.asset_id.clone(),
        label: format!("{} · {}", v.label, v.created),
        selected,
    };
    let compare = succeeded
        .iter()
        .enumerate()
        .map(|(i, v)| choice(v, i == 1))
        .collect();
    let compare_b = succeeded
        .iter()
        .enumerate()
        .map(|(i, v)| choice(v, i == 0))
        .collect();
    let regen = if user.is_admin() {
        match super::regenerate::form(app, &subject, &rows).await {
            Ok(f) => Some(f),
            Err(e) => return from_api(&user, e),
        }
    } else {
        None
    };
    let mut facts = vec![
        ("Id".to_string(), id.clone()),
        ("Source".to_string(), subject.source.as_str().to_string()),
    ];
    if !subject.cohorts.is_empty() {
        facts.push(("Cohorts".into(), subject.cohorts.join(", ")));
    }
    facts.push(("Versions".into(), rows.len().to_string()));
    render(&SubjectPage {
        chrome: chrome(Some(&user), name.clone(), "gallery"),
        id,
        name,
        facts,
        current,
        versions: all,
        compare,
        compare_b,
        actions: action_lines(&actions),
        regen,
        regen_error: None,
    })
}

#[derive(Deserialize)]
pub struct CompareQuery {
    a: String,
    b: String,
}

pub async fn compare(
    State(state): State<crate::http::State>,
    Extension(user): Extension<UiUser>,
    Path(id): Path<String>,
    Query(q): Query<CompareQuery>,
) -> Response {
    let app = &state.app;
    let subject = match super::pages::find_subject(app, &user, &id).await {
        Ok(s) => s,
        Err(r) => return *r,
    };
    let id = subject.id.to_string();
    let rows = match app.db.history(&id).await {
        Ok(r) => r,
        Err(e) => return from_api(&user, e),
    };
    let (Some(a), Some(b)) = (
        rows.iter().find(|r| r.asset_id == q.a),
        rows.iter().find(|r| r.asset_id == q.b),
    ) else {
        return error(
            Some(&user),
            StatusCode::NOT_FOUND,
            "Both versions must belong to this subject: pick them from its history.",
        );
    };
    let pair = [a.clone(), b.clone()];
    let ctx = match Context::load(app, &pair, &[]).await {
        Ok(c) => c,
        Err(e) => return from_api(&user, e),
    };
    let name = subject.display_name().to_string();
    let label = |r: &crate::db::assets::AssetRow| {
        let n = rows
            .iter()
            .filter(|x| x.style == r.style && x.created_at.millis() <= r.created_at.millis())
            .count();
        format!("{} #{n} · {}", r.style, when(&r.created_at))
    };
    let mut va = super::versions::version(app, a, &ctx, &name);
    let mut vb = super::versions::version(app, b, &ctx, &name);
    va.label = label(a);
    vb.label = label(b);
    // Side by side at the largest variant (there is none at twice that, so no 2× source).
    for (v, row) in [(&mut va, a), (&mut vb, b)] {
        let alt = v.img.as_ref().map(|i| i.alt.clone()).unwrap_or_default();
        v.img = super::versions::asset_img(app, row, 384, alt).map(|mut img| {
            img.srcset.clear();
            img
        });
    }
    render(&ComparePage {
        chrome: chrome(Some(&user), format!("Compare · {name}"), "gallery"),
        id,
        name,
        diff: diff_lines(&a.prompt, &b.prompt),
        a: va,
        b: vb,
    })
}

#[derive(Deserialize)]
pub struct SetCurrentForm {
    asset_id: String,
}

pub async fn set_current(
    State(state): State<crate::http::State>,
    Extension(user): Extension<UiUser>,
    Path(id): Path<String>,
    Form(form): Form<SetCurrentForm>,
) -> Response {
    let app = &state.app;
    let subject = match super::pages::find_subject(app, &user, &id).await {
        Ok(s) => s,
        Err(r) => return *r,
    };
    let id = subject.id.to_string();
    let asset = match app.db.asset(&form.asset_id).await {
        Ok(a) => a,
        Err(e) => return from_api(&user, e),
    };
    match app.db.set_current(&id, &form.asset_id).await {
        Ok(SetCurrent::Done) => {}
        Ok(SetCurrent::NoSuchVersion) => {
            return error(
                Some(&user),
                StatusCode::NOT_FOUND,
                "That version is not a stored image of this subject, so it cannot be current.",
            );
        }
        Err(e) => return from_api(&user, e),
    }
    let style = asset.map(|a| a.style).unwrap_or_default();
    let detail = format!("set {style} version {} as current", short(&form.asset_id));
    if let Err(e) = app
        .db
        .record_action(&NewAction {
            actor: &user.name,
            action: "set_current",
            subject_id: Some(&id),
            run_id: None,
            detail: &detail,
        })
        .await
    {
        return from_api(&user, e);
    }
    tracing::info!(token = %user.name, subject = %id, asset = %form.asset_id, "ui: set current");
    Redirect::to(&format!("/ui/subjects/{}", encode_query(&id))).into_response()
}

/// The first 8 characters of an id, for people.
pub fn short(id: &str) -> &str {
    id.get(..8).unwrap_or(id)
}
