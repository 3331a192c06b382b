//! The admin web UI under `/ui/`: server-rendered pages (`likeness-ui`'s templates) over the
//! same library calls as the JSON API, with htmx for live parts. Handlers read, fill a page
//! struct, and render; every change goes through the code the API and CLI use (`generation`
//! for regenerate, `references` for uploads, `Db` methods for the rest) and leaves an
//! `admin_actions` record with the token's name.
//!
//! Invariants, enforced in `guard` for every route but sign-in and static files:
//! - a valid session cookie, else a redirect to `/ui/login` (or 401 for a non-GET);
//! - every non-GET carries the session's CSRF token and, when the browser sends one, an
//!   `Origin` of this host; a viewer's non-GET is refused with 403 whatever it asks;
//! - every response has the strict CSP below and `nosniff`; pages are `no-store`.

mod costs;
mod gallery;
mod pages;
mod reference;
mod regenerate;
mod runs;
mod session;
mod styles;
mod subject;
mod versions;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};

pub use session::Sessions;
use session::UiUser;

/// The Content-Security-Policy of every UI response: scripts and styles only from this
/// server's files, no inline code, images from here (plus `data:` and the browser's own
/// `blob:` previews) and from `public_base_url` when assets live there.
fn csp(public_origin: Option<&str>) -> String {
    let extra = public_origin.map(|o| format!(" {o}")).unwrap_or_default();
    format!(
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:{extra}; \
         connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; \
         manifest-src 'self'"
    )
}

pub fn routes(state: super::State) -> Router<super::State> {
    let guarded = Router::new()
        .route("/ui/", get(gallery::page))
        .route("/ui/logout", post(pages::logout))
        .route("/ui/subjects/{id}", get(subject::page))
        .route("/ui/subjects/{id}/compare", get(subject::compare))
        .route("/ui/subjects/{id}/current", post(subject::set_current))
        .route("/ui/subjects/{id}/estimate", get(regenerate::estimate))
        .route("/ui/subjects/{id}/regenerate", post(regenerate::submit))
        .route("/ui/subjects/{id}/reference", post(reference::upload))
        .route("/ui/subjects/{id}/reference/{file}", get(reference::photo))
        .route("/ui/jobs/{id}", get(runs::job))
        .route("/ui/jobs/{id}/live", get(regenerate::live))
        .route("/ui/runs", get(runs::list))
        .route("/ui/runs/{id}", get(runs::page))
        .route("/ui/runs/{id}/live", get(runs::live))
        .route("/ui/runs/{id}/retry-failed", post(runs::retry_failed))
        .route("/ui/runs/{id}/cancel-queued", post(runs::cancel_queued))
        .route("/ui/styles", get(styles::list))
        .route("/ui/styles/{name}", get(styles::playground))
        .route("/ui/styles/{name}/preview", get(styles::preview_fragment))
        .route("/ui/styles/{name}/sample/{n}", get(styles::sample))
        .route("/ui/costs", get(costs::page))
        .route_layer(axum::middleware::from_fn_with_state(state.clone(), guard));
    Router::new()
        .route("/", get(|| async { Redirect::to("/ui/") }))
        .route("/ui", get(|| async { Redirect::permanent("/ui/") }))
        .route("/ui/login", get(pages::login_form).post(pages::login))
        .route("/ui/static/{file}", get(pages::static_file))
        .merge(guarded)
        .layer(axum::middleware::from_fn_with_state(state, headers))
}

/// Security headers on every UI response.
async fn headers(State(state): State<super::State>, request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let origin = state.app.store.public_origin();
    let h = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&csp(origin.as_deref())) {
        h.insert(header::CONTENT_SECURITY_POLICY, v);
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// Sessions, roles and CSRF for every guarded route (see the module's invariants).
async fn guard(State(state): State<super::State>, request: Request, next: Next) -> Response {
    let now = chrono::Utc::now().timestamp();
    let cookie = request
        .headers()
        .get(header::COOKIE)
        .and_then(|v| v.to_str().ok())
        .and_then(session::cookie_value)
        .map(str::to_string);
    let mut user = cookie.and_then(|c| state.sessions.verify(&c, now));
    let mut new_cookie = None;
    if user.is_none() {
        // A tokenless (loopback) server needs no sign-in: hand out the anonymous session.
        if let Some(c) = state.sessions.anonymous(now) {
            user = state.sessions.verify(&c, now);
            new_cookie = Some(c);
        }
    }
    let Some(user) = user else {
        if request.method() == Method::GET || request.method() == Method::HEAD {
            let next = request
                .uri()
                .path_and_query()
                .map(|p| p.as_str())
                .unwrap_or("/ui/");
            let to = format!("/ui/login?next={}", pages::encode_query(next));
            return Redirect::to(&to).into_response();
        }
        return pages::error(
            None,
            StatusCode::UNAUTHORIZED,
            "Your session has ended. Sign in again, then repeat what you were doing.",
        );
    };
    if request.method() != Method::GET && request.method() != Method::HEAD {
        if let Err(refusal) = check_change(&user, request.headers(), request.uri()) {
            return *refusal;
        }
        if !user.is_admin() && request.uri().path() != "/ui/logout" {
            return pages::error(
                Some(&user),
                StatusCode::FORBIDDEN,
                &format!(
                    "{} is a viewer: it can look at everything but change nothing. Sign in with \
                     an admin token to do this.",
                    user.name
                ),
            );
        }
    }
    let (request, csrf_ok) = check_csrf_body(&user, request).await;
    if !csrf_ok {
        return pages::error(
            Some(&user),
            StatusCode::FORBIDDEN,
            "This form has expired or did not come from this site (its CSRF token does not \
             match your session). Reload the page and try again.",
        );
    }
    let secure = pages::came_over_tls(request.headers());
    let mut request = request;
    request.extensions_mut().insert(user);
    let mut response = next.run(request).await;
    if let Some(c) = new_cookie
        && let Ok(v) = HeaderValue::from_str(&session::set_cookie(&c, secure))
    {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
    response
}

/// A state-changing request must come from this site: an `Origin` (when the browser sends
/// one) naming this host. Pages send `Referrer-Policy: same-origin`, so the browser names the
/// real origin on our own forms (under `no-referrer` it would send `null`).
fn check_change(
    user: &UiUser,
    headers: &HeaderMap,
    _uri: &axum::http::Uri,
) -> Result<(), Box<Response>> {
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    let origin = headers.get(header::ORIGIN).and_then(|h| h.to_str().ok());
    if let (Some(origin), Some(host)) = (origin, host) {
        let origin_host = origin.split_once("://").map(|(_, h)| h).unwrap_or(origin);
        if origin_host != host {
            return Err(Box::new(pages::error(
                Some(user),
                StatusCode::FORBIDDEN,
                "This request came from another site, so it was refused.",
            )));
        }
    }
    Ok(())
}

/// Largest form body read for its CSRF field; uploads carry the token in the URL instead.
const MAX_FORM_BYTES: usize = 256 * 1024;

/// For non-GET requests: finds `_csrf` in the `X-CSRF-Token` header, the query string, or a
/// url-encoded body (which is read and put back), and checks it against the session.
async fn check_csrf_body(user: &UiUser, request: Request) -> (Request, bool) {
    if request.method() == Method::GET || request.method() == Method::HEAD {
        return (request, true);
    }
    if let Some(t) = request
        .headers()
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
    {
        let ok = user.csrf_matches(t);
        return (request, ok);
    }
    if let Some(t) = request
        .uri()
        .query()
        .and_then(|q| pages::form_field(q, "_csrf"))
    {
        let ok = user.csrf_matches(&t);
        return (request, ok);
    }
    let is_form = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return (request, false);
    }
    let (parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_FORM_BYTES).await else {
        return (Request::from_parts(parts, Body::empty()), false);
    };
    let ok = std::str::from_utf8(&bytes)
        .ok()
        .and_then(|b| pages::form_field(b, "_csrf"))
        .is_some_and(|t| user.csrf_matches(&t));
    (Request::from_parts(parts, Body::from(bytes)), ok)
}
