//! The style catalog, and a playground that draws a built-in style over a spread of sample
//! sitters while its options change, with the TOML to paste into a style file.

use std::sync::Arc;

use axum::extract::{Extension, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use likeness_styles::Style;
use likeness_ui::Template;
use likeness_ui::pages::{
    Img, OptionField, PlaygroundPage, PlaygroundPreview, StyleLine, StylesPage,
};
use serde_json::{Map, Value, json};

use super::pages::{chrome, encode_query, error, render};
use super::session::UiUser;
use crate::provider::Provider;
use crate::provider::builtin::Builtin;

/// The sample sitters: (name, gender, age).
const SITTERS: [(&str, &str, u32); 6] = [
    ("Ada Okafor", "woman", 36),
    ("Mateo Rossi", "man", 8),
    ("Mei Lin", "woman", 71),
    ("Sam Ortega", "person", 24),
    ("Kwame Mensah", "man", 52),
    ("Lena Fischer", "woman", 15),
];
const PREVIEW_PX: u32 = 128;

fn is_builtin(style: &Style) -> bool {
    style.renderer.is_some()
        && style
            .providers
            .first()
            .is_some_and(|p| p.provider == "builtin")
}

pub async fn list(
    State(state): State<crate::http::State>,
    Extension(user): Extension<UiUser>,
) -> Response {
    let styles = state
        .app
        .catalog
        .list()
        .map(|s| StyleLine {
            href: format!("/ui/styles/{}", encode_query(&s.name)),
            name: s.name.clone(),
            version: s.version,
            kind: kind(s).to_string(),
            provider: s
                .providers
                .iter()
                .map(|p| p.provider.clone())
                .collect::<Vec<_>>()
                .join(" → "),
            description: s.description.clone(),
            playground: is_builtin(s),
        })
        .collect();
    render(&StylesPage {
        chrome: chrome(Some(&user), "Styles", "styles"),
        styles,
    })
}

type OptionsQuery = Query<Vec<(String, String)>>;

/// The playground's options as renderer options (only the ones set).
fn options(query: &[(String, String)]) -> Map<String, Value> {
    let mut out = Map::new();
    for (k, v) in query {
        let v = v.trim();
        if v.is_empty() {
            continue;
        }
        match k.as_str() {
            "background" | "palette" => {
                let colors: Vec<&str> = v
                    .split(',')
                    .map(str::trim)
                    .filter(|c| !c.is_empty())
                    .collect();
                out.insert(k.clone(), json!(colors));
            }
            "flip" if v == "true" => {
                out.insert(k.clone(), json!("horizontal"));
            }
            "radius" | "rotate" | "scale" | "translate_x" | "translate_y" => {
                if let Ok(n) = v.parse::<f64>() {
                    out.insert(k.clone(), json!(n));
                }
            }
            _ => {}
        }
    }
    out
}

/// Kinds whose recipe takes a `palette` of their own.
const PALETTE_KINDS: [&str; 3] = ["geometric", "poster", "cartoon"];

fn kind(style: &Style) -> &str {
    style
        .renderer
        .as_ref()
        .and_then(|r| r.get("kind"))
        .and_then(|k| k.as_str())
        .unwrap_or_default()
}

fn fields(style: &Style, query: &[(String, String)]) -> Vec<OptionField> {
    let get = |k: &str| {
        query
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let number =
        |name: &str, label: &str, min: &str, max: &str, step: &str, help: &str| OptionField {
            name: name.into(),
            label: label.into(),
            input: "number",
            value: get(name),
            min: min.into(),
            max: max.into(),
            step: step.into(),
            checked: false,
            help: help.into(),
        };
    let mut fields = vec![
        OptionField {
            name: "background".into(),
            label: "Background".into(),
            input: "text",
            value: get("background"),
            min: String::new(),
            max: String::new(),
            step: String::new(),
            checked: false,
            help: "Colours such as #fde2e4, #cddafd (the seed picks one); empty keeps the style's."
                .into(),
        },
        number("radius", "Corner radius (%)", "0", "50", "1", ""),
        OptionField {
            name: "flip".into(),
            label: "Flip".into(),
            input: "checkbox",
            value: String::new(),
            min: String::new(),
            max: String::new(),
            step: String::new(),
            checked: get("flip") == "true",
            help: String::new(),
        },
        number("rotate", "Rotate (degrees)", "-360", "360", "1", ""),
        number(
            "scale",
            "Scale",
            "0.1",
            "10",
            "0.05",
            "1 is the figure's own size.",
        ),
        number("translate_x", "Move right (%)", "-100", "100", "1", ""),
        number("translate_y", "Move down (%)", "-100", "100", "1", ""),
    ];
    if PALETTE_KINDS.contains(&kind(style)) {
        fields.push(OptionField {
            name: "palette".into(),
            label: "Palette".into(),
            input: "text",
            value: get("palette"),
            min: String::new(),
            max: String::new(),
            step: String::new(),
            checked: false,
            help: "Colours such as #264653, #2a9d8f, #e9c46a; empty keeps the style's.".into(),
        });
    }
    fields
}

fn builtin_style(
    state: &crate::http::State,
    user: &UiUser,
    name: &str,
) -> Result<Arc<Style>, Box<Response>> {
    match state.app.style(name) {
        Ok(s) if is_builtin(&s) => Ok(s),
        Ok(_) => Err(Box::new(error(
            Some(user),
            StatusCode::NOT_FOUND,
            "The playground draws styles of the built-in renderer; this style is drawn by a provider.",
        ))),
        Err(e) => Err(Box::new(super::pages::from_api(user, e))),
    }
}

fn preview(user: &UiUser, style: &Style, query: &[(String, String)]) -> PlaygroundPreview {
    let opts = options(query);
    let error = Builtin::recipe(style, &opts)
        .err()
        .map(|e| format!("These options do not work: {e}"));
    let qs: String = query
        .iter()
        .filter(|(k, v)| !v.is_empty() && k != "_csrf")
        .map(|(k, v)| format!("&{}={}", encode_query(k), encode_query(v)))
        .collect();
    let images = if error.is_some() {
        Vec::new()
    } else {
        SITTERS
            .iter()
            .enumerate()
            .map(|(i, (name, _, age))| Img {
                src: format!(
                    "/ui/styles/{}/sample/{i}?v=1{qs}",
                    encode_query(&style.name)
                ),
                srcset: String::new(),
                alt: format!("{} drawn for {name}, {age}", style.name),
                width: PREVIEW_PX,
                height: PREVIEW_PX,
            })
            .collect()
    };
    let mut table = style.renderer.clone().unwrap_or_default();
    for (k, v) in &opts {
        if let Ok(t) = toml::Value::try_from(v) {
            table.insert(k.clone(), t);
        }
    }
    let mut doc = toml::Table::new();
    doc.insert("renderer".into(), toml::Value::Table(table));
    let toml = format!(
        "# Paste into a copy of the {} style file (bump its version).\n{}",
        style.name,
        toml::to_string(&doc).unwrap_or_default()
    );
    PlaygroundPreview {
        chrome: chrome(Some(user), "", ""),
        images,
        toml,
        error,
    }
}

pub async fn playground(
    State(state): State<crate::http::State>,
    Extension(user): Extension<UiUser>,
    Path(name): Path<String>,
    Query(query): OptionsQuery,
) -> Response {
    let style = match builtin_style(&state, &user, &name) {
        Ok(s) => s,
        Err(r) => return *r,
    };
    let preview_html = preview(&user, &style, &query).render().unwrap_or_default();
    render(&PlaygroundPage {
        chrome: chrome(Some(&user), format!("Playground · {name}"), "styles"),
        style: style.name.clone(),
        fields: fields(&style, &query),
        preview_html,
    })
}

/// The preview alone (htmx swaps it in as the options change).
pub async fn preview_fragment(
    State(state): State<crate::http::State>,
    Extension(user): Extension<UiUser>,
    Path(name): Path<String>,
    Query(query): OptionsQuery,
) -> Response {
    let style = match builtin_style(&state, &user, &name) {
        Ok(s) => s,
        Err(r) => return *r,
    };
    render(&preview(&user, &style, &query))
}

/// One sample sitter drawn with the options, as PNG.
pub async fn sample(
    State(state): State<crate::http::State>,
    Extension(user): Extension<UiUser>,
    Path((name, n)): Path<(String, usize)>,
    Query(query): OptionsQuery,
) -> Response {
    let style = match builtin_style(&state, &user, &name) {
        Ok(s) => s,
        Err(r) => return *r,
    };
    let Some((sitter, gender, age)) = SITTERS.get(n) else {
        return error(
            Some(&user),
            StatusCode::NOT_FOUND,
            "There is no such sample.",
        );
    };
    let opts = options(&query);
    let year = chrono::Utc::now()
        .date_naive()
        .format("%Y")
        .to_string()
        .parse::<i64>()
        .unwrap_or(2026)
        - *age as i64
        - 1;
    let fields = json!({"id": format!("sample-{n}"), "name": sitter, "gender": gender, "birth_date": format!("{year:04}-01-01")});
    let subject = match likeness_subjects::subject_from_json(
        fields.as_object().expect("an object"),
        likeness_subjects::Source::Api,
    ) {
        Ok(s) => s,
        Err(e) => {
            return error(
                Some(&user),
                StatusCode::INTERNAL_SERVER_ERROR,
                &e.to_string(),
            );
        }
    };
    let today = chrono::Utc::now().date_naive();
    let request = crate::provider::GenerateRequest {
        style: style.clone(),
        model: None,
        prompt: String::new(),
        negative_prompt: None,
        width: PREVIEW_PX * 2,
        height: PREVIEW_PX * 2,
        seed: sitter.to_string(),
        demographics: subject.demographics(today),
        subject,
        references: Vec::new(),
        steps: None,
        identity_weight: None,
        renderer_options: opts,
        progress: None,
    };
    match Builtin::new().generate(request).await {
        Ok(g) => (
            [
                (header::CONTENT_TYPE, "image/png"),
                (header::CACHE_CONTROL, "private, max-age=300"),
            ],
            g.bytes,
        )
            .into_response(),
        Err(e) => error(
            Some(&user),
            StatusCode::BAD_REQUEST,
            &format!("These options do not work: {e}"),
        ),
    }
}
