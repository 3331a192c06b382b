//! What every UI handler shares: rendering a page with its chrome, error pages, sign-in and
//! sign-out, the static files, and small form and URL helpers.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use likeness_ui::Template;
use likeness_ui::pages::{Chrome, ErrorPage, LoginPage};
use serde::Deserialize;

use super::session::{self, UiUser};

/// The chrome of a page for `user`.
pub fn chrome(user: Option<&UiUser>, title: impl Into<String>, section: &'static str) -> Chrome {
    Chrome {
        title: title.into(),
        section,
        who: user.map(|u| u.name.clone()).unwrap_or_default(),
        role: user.map(|u| u.role.as_str()).unwrap_or(""),
        is_admin: user.is_some_and(UiUser::is_admin),
        csrf: user.map(|u| u.csrf.clone()).unwrap_or_default(),
    }
}

/// A rendered template as a response (`status` 200 unless said otherwise).
pub fn render(template: &impl Template) -> Response {
    render_with(StatusCode::OK, template)
}

pub fn render_with(status: StatusCode, template: &impl Template) -> Response {
    match template.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "a UI template failed to render");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "the page could not be rendered",
            )
                .into_response()
        }
    }
}

/// An error page (or, for htmx, the alert alone) saying what to do.
pub fn error(user: Option<&UiUser>, status: StatusCode, message: &str) -> Response {
    let title = match status {
        StatusCode::NOT_FOUND => "Not found",
        StatusCode::FORBIDDEN => "Not allowed",
        StatusCode::UNAUTHORIZED => "Signed out",
        s if s.is_client_error() => "Cannot do that",
        _ => "Something went wrong",
    };
    render_with(
        status,
        &ErrorPage {
            chrome: chrome(user, title, ""),
            status: status.as_u16(),
            message: message.to_string(),
        },
    )
}

/// A library error as an error page, with the status its code has in the API.
pub fn from_api(user: &UiUser, e: impl Into<crate::http::ApiError>) -> Response {
    let e: crate::http::ApiError = e.into();
    error(Some(user), e.status, &e.message)
}

/// The subject an id or slug names, or the page that says there is none.
pub async fn find_subject(
    app: &crate::app::App,
    user: &UiUser,
    id: &str,
) -> Result<likeness_subjects::Subject, Box<Response>> {
    app.db
        .find_subject(id)
        .await
        .map_err(|e| Box::new(from_api(user, e)))
}

/// Whether the request came through htmx (it then gets a fragment, not a page).
pub fn is_htmx(headers: &HeaderMap) -> bool {
    headers.get("hx-request").is_some()
}

/// Whether the client reached us over TLS (directly or through a proxy that says so).
pub fn came_over_tls(headers: &HeaderMap) -> bool {
    headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|p| p.eq_ignore_ascii_case("https"))
}

/// One field of a url-encoded form or query.
pub fn form_field(encoded: &str, name: &str) -> Option<String> {
    form_urlencoded::parse(encoded.as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// `text` encoded for a query string.
pub fn encode_query(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// Where to go after signing in: only a path under `/ui/` (no open redirect).
fn safe_next(next: Option<&str>) -> String {
    next.filter(|n| n.starts_with("/ui/") && !n.starts_with("//") && !n.contains('\\'))
        .unwrap_or("/ui/")
        .to_string()
}

#[derive(Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
}

pub async fn login_form(
    State(state): State<crate::http::State>,
    Query(q): Query<LoginQuery>,
) -> Response {
    if state.sessions.open() {
        return Redirect::to(&safe_next(q.next.as_deref())).into_response();
    }
    render(&LoginPage {
        chrome: chrome(None, "Sign in", ""),
        error: None,
        next: safe_next(q.next.as_deref()),
    })
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    token: String,
    next: Option<String>,
}

pub async fn login(
    State(state): State<crate::http::State>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    let next = safe_next(form.next.as_deref());
    // A sign-in posted from another site is refused (login CSRF).
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    let origin = headers.get(header::ORIGIN).and_then(|h| h.to_str().ok());
    if let (Some(o), Some(h)) = (origin, host)
        && o.split_once("://").map(|(_, x)| x) != Some(h)
    {
        return error(
            None,
            StatusCode::FORBIDDEN,
            "This sign-in came from another site.",
        );
    }
    let now = chrono::Utc::now().timestamp();
    let Some(cookie) = state.sessions.sign_in(&form.token, now) else {
        // Never echo the token; say what to check.
        let message = if form.token.trim().is_empty() {
            "Enter an API token."
        } else {
            "That API token is not valid on this server. Check server.api_tokens or \
             [[server.tokens]] in its config."
        };
        tracing::info!("ui sign-in refused");
        return render_with(
            StatusCode::UNAUTHORIZED,
            &LoginPage {
                chrome: chrome(None, "Sign in", ""),
                error: Some(message.into()),
                next,
            },
        );
    };
    let name = state
        .sessions
        .verify(&cookie, now)
        .map(|u| u.name)
        .unwrap_or_default();
    tracing::info!(token = %name, "ui sign-in");
    let mut response = Redirect::to(&next).into_response();
    if let Ok(v) = HeaderValue::from_str(&session::set_cookie(&cookie, came_over_tls(&headers))) {
        response.headers_mut().insert(header::SET_COOKIE, v);
    }
    response
}

pub async fn logout(headers: HeaderMap) -> Response {
    let mut response = Redirect::to("/ui/login").into_response();
    if let Ok(v) = HeaderValue::from_str(&session::clear_cookie(came_over_tls(&headers))) {
        response.headers_mut().insert(header::SET_COOKIE, v);
    }
    response
}

/// An embedded static file by its hashed name: cached for a year, never revalidated.
pub async fn static_file(Path(file): Path<String>) -> Response {
    let Some(asset) = likeness_ui::assets::by_hashed_name(&file) else {
        return (StatusCode::NOT_FOUND, "no such file").into_response();
    };
    (
        [
            (header::CONTENT_TYPE, asset.content_type),
            (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
        ],
        asset.bytes,
    )
        .into_response()
}

/// `text` safe inside HTML text or a quoted attribute.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Money as people read it: `$0.04`, `$0.0012`, `$0`.
pub fn usd(v: f64) -> String {
    if v == 0.0 {
        "$0".into()
    } else if v.abs() < 0.01 {
        format!("${v:.4}")
    } else {
        format!("${v:.2}")
    }
}

/// Milliseconds as people read them: `850 ms`, `3.2 s`, `4 min 10 s`.
pub fn duration_ms(ms: i64) -> String {
    if ms < 1000 {
        format!("{ms} ms")
    } else if ms < 60_000 {
        format!("{:.1} s", ms as f64 / 1000.0)
    } else {
        format!("{} min {} s", ms / 60_000, (ms % 60_000) / 1000)
    }
}

/// A stamp as `2026-12-07 14:03 UTC`.
pub fn when(stamp: &crate::db::Stamp) -> String {
    stamp.datetime().format("%Y-%m-%d %H:%M UTC").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_stays_on_the_ui() {
        assert_eq!(safe_next(Some("/ui/runs")), "/ui/runs");
        assert_eq!(safe_next(Some("https://evil.example/")), "/ui/");
        assert_eq!(safe_next(Some("//evil.example/ui/")), "/ui/");
        assert_eq!(safe_next(None), "/ui/");
    }
}
