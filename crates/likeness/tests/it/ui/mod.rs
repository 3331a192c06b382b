//! The admin web UI over real HTTP against `likeness serve`: sign-in and sessions, CSRF,
//! roles, every page's structure (labels, alt text, sizes, live regions, no inline code), and
//! every action with its audit record. The browser suite (`scripts/test-browser`) drives the
//! same pages in Chromium. `pages.rs`: what pages show; `actions.rs`: what admins and viewers
//! may change.

mod actions;
mod pages;

use reqwest::StatusCode;
use reqwest::header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY, LOCATION, SET_COOKIE};
use scraper::{Html, Selector};

use crate::util::TestDir;
use crate::util::server::Server;

pub(super) const ADMIN: &str = "admin-token-0123456789";
pub(super) const VIEWER: &str = "viewer-token-0123456789";

/// A data directory with an admin and a viewer token, 12 subjects (one that always fails in
/// `initials`), drawn once.
pub(super) fn seeded() -> TestDir {
    let t = TestDir::new();
    t.write(
        "data/likeness.toml",
        &format!(
            "[[server.tokens]]\ntoken = \"{ADMIN}\"\nrole = \"admin\"\nname = \"ui-admin\"\n\
             [[server.tokens]]\ntoken = \"{VIEWER}\"\nrole = \"viewer\"\nname = \"ui-viewer\"\n"
        ),
    );
    let mut lines = String::new();
    for i in 0..11 {
        lines.push_str(&format!(
            "{{\"id\":\"p-{i:02}\",\"name\":\"Person {i:02} Example\"}}\n"
        ));
    }
    // A pinned colour that is not one fails this subject in every drawn style.
    lines.push_str(
        "{\"id\":\"bad-1\",\"name\":\"Bo Bad\",\"attributes\":{\"skin_tone\":\"purple-ish\"}}\n",
    );
    let f = t.write("people.jsonl", &lines);
    t.run(&["import", f.to_str().unwrap(), "--cohort", "staff"])
        .ok();
    let r = t.run(&["generate", "--style", "initials"]);
    assert_eq!(r.status, 2, "one subject fails: {}", r.stderr);
    t
}

/// A browser's session: the cookie from signing in, redirects not followed.
pub(super) struct Browser {
    pub(super) http: reqwest::Client,
    pub(super) base: String,
    pub(super) cookie: String,
}

pub(super) fn http() -> reqwest::Client {
    crate::util::server::client()
}

impl Browser {
    pub(super) async fn sign_in(server: &Server, token: &str) -> Browser {
        let http = http();
        let r = http
            .post(server.url("/ui/login"))
            .form(&[("token", token), ("next", "/ui/")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let set = r.headers()[SET_COOKIE].to_str().unwrap().to_string();
        let cookie = set.split(';').next().unwrap().to_string();
        Browser {
            http,
            base: server.base.clone(),
            cookie,
        }
    }

    pub(super) async fn get(&self, path: &str) -> reqwest::Response {
        self.http
            .get(format!("{}{path}", self.base))
            .header("cookie", &self.cookie)
            .send()
            .await
            .unwrap()
    }

    /// A page that must render: its HTML, parsed.
    pub(super) async fn page(&self, path: &str) -> Html {
        let r = self.get(path).await;
        assert_eq!(r.status(), StatusCode::OK, "{path}");
        check_headers(&r, path);
        Html::parse_document(&r.text().await.unwrap())
    }

    pub(super) async fn post(&self, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        self.http
            .post(format!("{}{path}", self.base))
            .header("cookie", &self.cookie)
            .form(form)
            .send()
            .await
            .unwrap()
    }
}

pub(super) fn sel(s: &str) -> Selector {
    Selector::parse(s).unwrap()
}

pub(super) fn csrf(page: &Html) -> String {
    page.select(&sel("input[name=_csrf]"))
        .next()
        .and_then(|e| e.value().attr("value"))
        .expect("a form with the CSRF token")
        .to_string()
}

pub(super) fn texts(page: &Html, selector: &str) -> Vec<String> {
    page.select(&sel(selector))
        .map(|e| e.text().collect::<String>().trim().to_string())
        .collect()
}

pub(super) fn check_headers(r: &reqwest::Response, path: &str) {
    let csp = r.headers()[CONTENT_SECURITY_POLICY].to_str().unwrap();
    for part in [
        "script-src 'self'",
        "style-src 'self'",
        "frame-ancestors 'none'",
        "default-src 'none'",
    ] {
        assert!(csp.contains(part), "{path}: {csp}");
    }
    assert!(!csp.contains("unsafe"), "{path}: {csp}");
    assert_eq!(r.headers()["x-content-type-options"], "nosniff", "{path}");
    assert_eq!(r.headers()[CACHE_CONTROL], "no-store", "{path}");
}

/// What every page must be: labelled fields, described images, no inline code, one main.
pub(super) fn check_structure(page: &Html, path: &str) {
    assert_eq!(page.select(&sel("main#main")).count(), 1, "{path}");
    let first_link = page.select(&sel("a")).next().unwrap();
    assert_eq!(
        first_link.value().attr("href"),
        Some("#main"),
        "{path}: the skip link comes first"
    );
    for img in page.select(&sel("img")) {
        let v = img.value();
        assert!(v.attr("alt").is_some(), "{path}: {}", img.html());
        assert!(
            v.attr("width").is_some() && v.attr("height").is_some(),
            "{path}: {}",
            img.html()
        );
    }
    for field in page.select(&sel("input:not([type=hidden]), select, textarea")) {
        let id = field
            .value()
            .attr("id")
            .unwrap_or_else(|| panic!("{path}: {}", field.html()));
        let label = sel(&format!("label[for=\"{id}\"]"));
        assert_eq!(page.select(&label).count(), 1, "{path}: no label for #{id}");
    }
    for e in page.select(&sel("*")) {
        for (name, _) in e.value().attrs() {
            assert!(
                !name.starts_with("on") && name != "style",
                "{path}: inline {name} on {}",
                e.value().name()
            );
        }
    }
    for s in page.select(&sel("script")) {
        assert!(
            s.value()
                .attr("src")
                .is_some_and(|src| src.starts_with("/ui/static/")),
            "{path}"
        );
        assert!(
            s.text().collect::<String>().trim().is_empty(),
            "{path}: inline script"
        );
    }
}

pub(super) fn page_tiles(page: &Html) -> Vec<String> {
    page.select(&sel("li.tile a"))
        .map(|a| a.value().attr("href").unwrap().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn signing_in_sets_a_strict_session_cookie_and_a_bad_token_is_told_so() {
    let t = seeded();
    let server = Server::start(&t, None);
    let h = http();
    // `/` leads to the UI, the UI to the sign-in page, keeping where you were going.
    let r = h.get(server.url("/")).send().await.unwrap();
    assert_eq!(r.headers()[LOCATION], "/ui/");
    let r = h.get(server.url("/ui/runs")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()[LOCATION], "/ui/login?next=%2Fui%2Fruns");
    let login = Html::parse_document(
        &h.get(server.url("/ui/login"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    );
    assert_eq!(texts(&login, "label[for=token]"), ["API token"]);
    assert_eq!(texts(&login, "button[type=submit]"), ["Sign in"]);
    check_structure(&login, "/ui/login");

    let r = h
        .post(server.url("/ui/login"))
        .form(&[("token", "not-a-token-0123456789")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert!(r.headers().get(SET_COOKIE).is_none());
    let body = Html::parse_document(&r.text().await.unwrap());
    let alert = texts(&body, "[role=alert]").join(" ");
    assert!(alert.contains("not valid"), "{alert}");
    assert!(
        !alert.contains("not-a-token"),
        "the token is never echoed: {alert}"
    );

    // A sign-in posted from another site is refused.
    let r = h
        .post(server.url("/ui/login"))
        .header("origin", "https://evil.example")
        .form(&[("token", ADMIN)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);

    let r = h
        .post(server.url("/ui/login"))
        .form(&[("token", ADMIN), ("next", "https://evil.example/")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()[LOCATION], "/ui/", "no open redirect");
    let cookie = r.headers()[SET_COOKIE].to_str().unwrap().to_string();
    for part in ["HttpOnly", "SameSite=Strict", "Path=/ui"] {
        assert!(cookie.contains(part), "{cookie}");
    }
    assert!(
        !cookie.contains("Secure") && !cookie.contains(ADMIN),
        "{cookie}"
    );
    let r = h
        .post(server.url("/ui/login"))
        .header("x-forwarded-proto", "https")
        .form(&[("token", ADMIN)])
        .send()
        .await
        .unwrap();
    assert!(r.headers()[SET_COOKIE].to_str().unwrap().contains("Secure"));

    let b = Browser::sign_in(&server, ADMIN).await;
    let gallery = b.page("/ui/").await;
    assert!(texts(&gallery, ".who-name")[0].contains("ui-admin · admin"));
    // Signing out ends the cookie; an altered cookie is no session.
    let token = csrf(&gallery);
    let r = b.post("/ui/logout", &[("_csrf", &token)]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(
        r.headers()[SET_COOKIE]
            .to_str()
            .unwrap()
            .contains("Max-Age=0")
    );
    let forged = Browser {
        cookie: b.cookie.replace("ui-admin", "ui-viewer"),
        http: http(),
        base: b.base.clone(),
    };
    assert_eq!(forged.get("/ui/").await.status(), StatusCode::SEE_OTHER);
    // The JSON API keeps bearer auth: a session cookie is not a token there.
    let r = h
        .get(server.url("/api/subjects"))
        .header("cookie", &b.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
}
