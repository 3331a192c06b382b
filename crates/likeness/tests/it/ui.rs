//! The admin web UI over real HTTP against `likeness serve`: sign-in and sessions, CSRF,
//! roles, every page's structure (labels, alt text, sizes, live regions, no inline code), and
//! every action with its audit record. The browser suite (`scripts/test-browser`) drives the
//! same pages in Chromium.

use reqwest::StatusCode;
use reqwest::header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY, LOCATION, SET_COOKIE};
use scraper::{Html, Selector};

use crate::util::server::Server;
use crate::util::{TestDir, face_photo};

const ADMIN: &str = "admin-token-0123456789";
const VIEWER: &str = "viewer-token-0123456789";

/// A data directory with an admin and a viewer token, 12 subjects (one that always fails in
/// `initials`), drawn once.
fn seeded() -> TestDir {
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
struct Browser {
    http: reqwest::Client,
    base: String,
    cookie: String,
}

fn http() -> reqwest::Client {
    crate::util::server::client()
}

impl Browser {
    async fn sign_in(server: &Server, token: &str) -> Browser {
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

    async fn get(&self, path: &str) -> reqwest::Response {
        self.http
            .get(format!("{}{path}", self.base))
            .header("cookie", &self.cookie)
            .send()
            .await
            .unwrap()
    }

    /// A page that must render: its HTML, parsed.
    async fn page(&self, path: &str) -> Html {
        let r = self.get(path).await;
        assert_eq!(r.status(), StatusCode::OK, "{path}");
        check_headers(&r, path);
        Html::parse_document(&r.text().await.unwrap())
    }

    async fn post(&self, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        self.http
            .post(format!("{}{path}", self.base))
            .header("cookie", &self.cookie)
            .form(form)
            .send()
            .await
            .unwrap()
    }
}

fn sel(s: &str) -> Selector {
    Selector::parse(s).unwrap()
}

fn csrf(page: &Html) -> String {
    page.select(&sel("input[name=_csrf]"))
        .next()
        .and_then(|e| e.value().attr("value"))
        .expect("a form with the CSRF token")
        .to_string()
}

fn texts(page: &Html, selector: &str) -> Vec<String> {
    page.select(&sel(selector))
        .map(|e| e.text().collect::<String>().trim().to_string())
        .collect()
}

fn check_headers(r: &reqwest::Response, path: &str) {
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
fn check_structure(page: &Html, path: &str) {
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

#[tokio::test(flavor = "multi_thread")]
async fn every_page_is_labelled_described_and_free_of_inline_code() {
    let t = seeded();
    let server = Server::start(&t, None);
    let b = Browser::sign_in(&server, ADMIN).await;
    let gallery = b.page("/ui/?style=initials").await;
    check_structure(&gallery, "/ui/");
    assert_eq!(page_tiles(&gallery).len(), 12);
    for label in ["Search", "Cohort", "Source", "Style", "Status"] {
        assert!(
            texts(&gallery, "form[role=search] label").contains(&label.to_string()),
            "{label}"
        );
    }
    // Tiles show the current portrait through a resized variant; the failed one a badge.
    let imgs: Vec<_> = gallery.select(&sel("ul.tiles img")).collect();
    assert!(
        imgs.iter()
            .filter(|i| i.value().attr("src").unwrap().contains("?w=192"))
            .count()
            >= 11
    );
    assert!(
        imgs.iter()
            .skip(8)
            .all(|i| i.value().attr("loading") == Some("lazy"))
    );
    assert_eq!(texts(&gallery, "span.badge.failed"), ["failed"]);
    // A subject without a portrait shows its stable name, which /assets resolves (here: the
    // default style has none either, so the placeholder).
    let stand_in = imgs
        .iter()
        .map(|i| i.value().attr("src").unwrap())
        .find(|s| s.starts_with("/assets/bad-1_"))
        .unwrap();
    assert_eq!(stand_in, "/assets/bad-1_bo-bad_initials.png");
    let r = b.get(stand_in).await;
    assert_eq!(r.status(), StatusCode::TEMPORARY_REDIRECT);
    assert!(
        r.headers()[LOCATION]
            .to_str()
            .unwrap()
            .ends_with("_placeholder.png")
    );
    // The images are real: a tile's source decodes as a PNG of its variant width.
    let src = imgs[1].value().attr("src").unwrap();
    let png = b.get(src).await.bytes().await.unwrap();
    assert_eq!(crate::util::png_dimensions_of(&png).0, 192);

    let subject = b.page("/ui/subjects/p-01").await;
    check_structure(&subject, "/ui/subjects/p-01");
    assert_eq!(texts(&subject, "h1"), ["Person 01 Example"]);
    assert_eq!(
        subject
            .select(&sel("#current figure[data-style=initials] img"))
            .count(),
        1
    );
    assert_eq!(subject.select(&sel("#timeline li.version")).count(), 1);
    let live = subject.select(&sel("#live")).next().unwrap();
    assert_eq!(live.value().attr("aria-live"), Some("polite"));
    for label in ["Style", "Prompt", "Seed", "Provider", "Reference photo"] {
        assert!(
            texts(&subject, "label").contains(&label.to_string()),
            "{label}"
        );
    }
    assert!(
        subject
            .root_element()
            .text()
            .collect::<String>()
            .contains("Estimated cost")
    );

    // The estimate follows the chosen style; a bad one is said, escaped.
    let r = b.get("/ui/subjects/p-01/estimate?style=initials").await;
    assert_eq!(r.text().await.unwrap(), "$0");
    let r = b.get("/ui/subjects/p-01/estimate?style=%3Cscript%3E").await;
    assert!(r.status().is_client_error());
    let text = r.text().await.unwrap();
    assert!(
        text.starts_with("not available") && !text.contains("<script>"),
        "{text}"
    );

    let runs = b.page("/ui/runs").await;
    check_structure(&runs, "/ui/runs");
    let run_href = runs
        .select(&sel("table a"))
        .next()
        .unwrap()
        .value()
        .attr("href")
        .unwrap()
        .to_string();
    let run = b.page(&run_href).await;
    check_structure(&run, &run_href);
    assert_eq!(run.select(&sel("#counts[aria-live=polite]")).count(), 1);
    assert!(texts(&run, "#failures summary")[0].contains("provider.bad_attribute"));
    assert_eq!(
        texts(&run, "button"),
        ["Sign out", "Pause live updates", "Retry failed"]
    );
    let job_href = run
        .select(&sel("a[href^=\"/ui/jobs/\"]"))
        .next()
        .unwrap()
        .value()
        .attr("href")
        .unwrap()
        .to_string();
    check_structure(&b.page(&job_href).await, &job_href);
    for path in ["/ui/styles", "/ui/styles/initials", "/ui/costs"] {
        check_structure(&b.page(path).await, path);
    }
    let costs = b.page("/ui/costs").await;
    assert_eq!(costs.select(&sel("svg[role=img][aria-label]")).count(), 1);
    // The playground's samples are real images drawn with the options.
    let playground = b.page("/ui/styles/initials?radius=50&flip=true").await;
    let sample = playground
        .select(&sel("#preview img"))
        .next()
        .unwrap()
        .value()
        .attr("src")
        .unwrap()
        .to_string();
    assert!(sample.contains("radius=50"), "{sample}");
    let png = b.get(&sample).await.bytes().await.unwrap();
    assert_eq!(crate::util::png_dimensions_of(&png), (256, 256));
    assert!(texts(&playground, "pre.toml")[0].contains("radius = 50"));
    // Kinds with a palette of their own get the field; bad options are said, not drawn.
    let geometric = b
        .page("/ui/styles/geometric?palette=%23264653,%232a9d8f")
        .await;
    check_structure(&geometric, "/ui/styles/geometric");
    assert!(texts(&geometric, "label").contains(&"Palette".to_string()));
    assert!(texts(&geometric, "pre.toml")[0].contains("#264653"));
    let bad = Html::parse_fragment(
        &b.get("/ui/styles/initials/preview?background=nope")
            .await
            .text()
            .await
            .unwrap(),
    );
    assert!(texts(&bad, "[role=alert]")[0].contains("do not work"));
    assert_eq!(bad.select(&sel("img")).count(), 0);
    // Static files: hashed names, immutable, and nothing else under their folder.
    let css = gallery
        .select(&sel("link[rel=stylesheet]"))
        .next()
        .unwrap()
        .value()
        .attr("href")
        .unwrap()
        .to_string();
    let r = b.get(&css).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        r.headers()[CACHE_CONTROL]
            .to_str()
            .unwrap()
            .contains("immutable")
    );
    assert_eq!(
        b.get("/ui/static/ui.css").await.status(),
        StatusCode::NOT_FOUND
    );
    // Unknown things are plain 404 pages.
    assert_eq!(
        b.get("/ui/subjects/nobody-here").await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        b.get("/ui/runs/nothing").await.status(),
        StatusCode::NOT_FOUND
    );
}

fn page_tiles(page: &Html) -> Vec<String> {
    page.select(&sel("li.tile a"))
        .map(|a| a.value().attr("href").unwrap().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_gallery_searches_filters_and_pages_by_keyset() {
    let t = TestDir::new();
    t.write(
        "data/likeness.toml",
        &format!("[server]\napi_tokens = [\"{ADMIN}\"]\n"),
    );
    let f = t.write("many.jsonl", &crate::util::synthetic_subjects(130));
    t.run(&["import", f.to_str().unwrap(), "--cohort", "many"])
        .ok();
    let server = Server::start(&t, None);
    let b = Browser::sign_in(&server, ADMIN).await;
    let mut seen = Vec::new();
    let mut path = "/ui/?style=initials".to_string();
    loop {
        let page = b.page(&path).await;
        let tiles = page_tiles(&page);
        assert!(tiles.len() <= 48);
        seen.extend(tiles);
        match page.select(&sel("a[rel=next]")).next() {
            Some(a) => path = a.value().attr("href").unwrap().to_string(),
            None => break,
        }
    }
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!((seen.len(), unique.len()), (130, 130), "every subject once");
    assert!(seen.windows(2).all(|w| w[0] < w[1]), "in id order");
    // Nothing drawn yet: all are "no portrait", none "has a portrait".
    assert_eq!(page_tiles(&b.page("/ui/?status=done").await).len(), 0);
    assert_eq!(page_tiles(&b.page("/ui/?status=none").await).len(), 48);
    // Search by a name's part, case-insensitively; wildcards are literal.
    let one = seen[7].rsplit('/').next().unwrap().to_string();
    let page = b.page(&format!("/ui/?q={}", one.to_uppercase())).await;
    assert_eq!(page_tiles(&page), [format!("/ui/subjects/{one}")]);
    assert_eq!(page_tiles(&b.page("/ui/?q=%25%25").await).len(), 0);
    assert_eq!(page_tiles(&b.page("/ui/?cohort=nobody").await).len(), 0);
    // An unknown style is said, not an error.
    let page = b.page("/ui/?style=nope").await;
    assert!(texts(&page, "[role=alert]")[0].contains("no style"));
}

#[tokio::test(flavor = "multi_thread")]
async fn changes_need_the_session_csrf_token_from_this_site() {
    let t = seeded();
    let server = Server::start_with(&t, None, &["--workers", "0"]);
    let b = Browser::sign_in(&server, ADMIN).await;
    let page = b.page("/ui/subjects/p-02").await;
    let token = csrf(&page);
    let form = |csrf: &'static str| {
        vec![
            ("style", "initials"),
            ("seed", "s2"),
            ("prompt", ""),
            ("provider", ""),
            ("_csrf", csrf),
        ]
    };
    let r = b.post("/ui/subjects/p-02/regenerate", &form("")).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = b
        .post(
            "/ui/subjects/p-02/regenerate",
            &form("0123456789abcdef0123456789abcdef"),
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let leaked: &'static str = Box::leak(token.clone().into_boxed_str());
    let r = b
        .http
        .post(format!("{}/ui/subjects/p-02/regenerate", b.base))
        .header("cookie", &b.cookie)
        .header("origin", "https://evil.example")
        .form(&form(leaked))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // Another session's token does not do either.
    let other = Browser::sign_in(&server, ADMIN).await;
    let other_token = csrf(&other.page("/ui/").await);
    assert_ne!(other_token, token);
    let r = b
        .post(
            "/ui/subjects/p-02/regenerate",
            &form(Box::leak(other_token.into_boxed_str())),
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // Nothing was queued by the refused ones; the right one queues one job.
    let r = b.post("/ui/subjects/p-02/regenerate", &form(leaked)).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let db = t.open_db().await;
    assert_eq!(db.unfinished_jobs().await.unwrap(), 1);
    let actions = db.subject_actions("p-02", 10).await.unwrap();
    assert_eq!(actions.len(), 1);
    assert_eq!(
        (actions[0].actor.as_str(), actions[0].action.as_str()),
        ("ui-admin", "regenerate")
    );
    db.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_viewer_sees_no_action_and_is_refused_every_one() {
    let t = seeded();
    let server = Server::start_with(&t, None, &["--workers", "0"]);
    let v = Browser::sign_in(&server, VIEWER).await;
    let subject = v.page("/ui/subjects/p-03").await;
    assert!(texts(&subject, ".who-name")[0].contains("ui-viewer · viewer"));
    let buttons = texts(&subject, "button");
    assert_eq!(
        buttons,
        ["Sign out", "Compare"]
            .iter()
            .filter(|b| **b != "Compare")
            .map(|s| s.to_string())
            .collect::<Vec<_>>(),
        "only signing out"
    );
    assert_eq!(
        subject.select(&sel("input[type=file], textarea")).count(),
        0
    );
    let runs = v.page("/ui/runs").await;
    let run_href = runs
        .select(&sel("table a"))
        .next()
        .unwrap()
        .value()
        .attr("href")
        .unwrap()
        .to_string();
    let run = v.page(&run_href).await;
    assert_eq!(texts(&run, "button"), ["Sign out", "Pause live updates"]);
    let token = csrf(&subject);
    let db = t.open_db().await;
    let asset = db.history("p-03").await.unwrap()[0].asset_id.clone();
    let tries: Vec<(String, Vec<(&str, &str)>)> = vec![
        (
            "/ui/subjects/p-03/regenerate".into(),
            vec![("style", "initials"), ("_csrf", &token)],
        ),
        (
            "/ui/subjects/p-03/current".into(),
            vec![("asset_id", &asset), ("_csrf", &token)],
        ),
        (format!("{run_href}/retry-failed"), vec![("_csrf", &token)]),
        (format!("{run_href}/cancel-queued"), vec![("_csrf", &token)]),
        (format!("/ui/subjects/p-03/reference?_csrf={token}"), vec![]),
    ];
    for (path, form) in &tries {
        let r = v.post(path, form).await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{path}");
        let body = r.text().await.unwrap();
        assert!(body.contains("ui-viewer is a viewer"), "{body}");
    }
    assert_eq!(db.unfinished_jobs().await.unwrap(), 0, "nothing queued");
    assert!(db.subject_actions("p-03", 10).await.unwrap().is_empty());
    db.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn set_current_retry_and_cancel_are_done_and_recorded_with_the_token_name() {
    let t = seeded();
    // A second version of p-04, so there is an older one to go back to.
    t.run(&[
        "generate",
        "--style",
        "initials",
        "--subject",
        "p-04",
        "--force",
    ])
    .ok();
    let server = Server::start_with(&t, None, &["--workers", "0"]);
    let b = Browser::sign_in(&server, ADMIN).await;
    let db = t.open_db().await;
    let history = db.history("p-04").await.unwrap();
    assert_eq!(history.len(), 2);
    let older = &history[0];
    assert!(!older.current);
    let page = b.page("/ui/subjects/p-04").await;
    assert_eq!(
        texts(&page, "button"),
        [
            "Sign out",
            "Regenerate",
            "Upload",
            "Compare",
            "Set as current"
        ]
    );
    let token = csrf(&page);
    let r = b
        .post(
            "/ui/subjects/p-04/current",
            &[("asset_id", &older.asset_id), ("_csrf", &token)],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        db.current_asset("p-04", "initials")
            .await
            .unwrap()
            .unwrap()
            .asset_id,
        older.asset_id
    );
    // Another subject's version cannot be made current here.
    let foreign = db.history("p-05").await.unwrap()[0].asset_id.clone();
    let r = b
        .post(
            "/ui/subjects/p-04/current",
            &[("asset_id", &foreign), ("_csrf", &token)],
        )
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    // Compare the two versions side by side.
    let compare = b
        .page(&format!(
            "/ui/subjects/p-04/compare?a={}&b={}",
            history[0].asset_id, history[1].asset_id
        ))
        .await;
    assert_eq!(compare.select(&sel(".compare figure img")).count(), 2);

    // Retry the failed job: it is queued again (only the failures there were).
    let failed_job = db.history("bad-1").await.unwrap()[0].job_id.clone();
    let run_id = db.job(&failed_job).await.unwrap().unwrap().run_id;
    let r = b
        .post(
            &format!("/ui/runs/{run_id}/retry-failed"),
            &[("_csrf", &token)],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let job = db.job(&failed_job).await.unwrap().unwrap();
    assert_eq!(job.status, "queued");
    assert!(job.max_attempts > job.attempts, "{job:?}");
    assert_eq!(db.run(&run_id).await.unwrap().unwrap().status, "running");
    // Cancel what is queued: the retried job.
    let r = b
        .post(
            &format!("/ui/runs/{run_id}/cancel-queued"),
            &[("_csrf", &token)],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let job = db.job(&failed_job).await.unwrap().unwrap();
    assert_eq!(
        (job.status.as_str(), job.skip_reason.as_deref()),
        ("skipped", Some("cancelled by ui-admin"))
    );
    assert_eq!(db.unfinished_jobs().await.unwrap(), 0);

    let run = b.page(&format!("/ui/runs/{run_id}")).await;
    let audit = texts(&run, "#audit li").join("\n");
    assert!(audit.contains("ui-admin retried 1 failed job"), "{audit}");
    assert!(audit.contains("ui-admin cancelled 1 queued job"), "{audit}");
    let subject = b.page("/ui/subjects/p-04").await;
    let audit = texts(&subject, "#audit li").join("\n");
    assert!(audit.contains("ui-admin set initials version"), "{audit}");
    db.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reference_photo_is_checked_shown_with_its_face_and_a_group_is_refused() {
    let t = seeded();
    let server = Server::start_with(&t, None, &["--workers", "0"]);
    let b = Browser::sign_in(&server, ADMIN).await;
    let page = b.page("/ui/subjects/p-06").await;
    let token = csrf(&page);
    let upload = |name: &'static str, bytes: Vec<u8>| {
        let part = reqwest::multipart::Part::bytes(bytes)
            .file_name(name)
            .mime_str("image/png")
            .unwrap();
        b.http
            .post(format!(
                "{}/ui/subjects/p-06/reference?_csrf={token}",
                b.base
            ))
            .header("cookie", &b.cookie)
            .header("hx-request", "true")
            .multipart(reqwest::multipart::Form::new().part("photo", part))
            .send()
    };
    let r = upload("group.png", face_photo("solvay.png")).await.unwrap();
    assert!(r.status().is_client_error(), "{}", r.status());
    let html = Html::parse_fragment(&r.text().await.unwrap());
    let alert = texts(&html, "[role=alert]").join(" ");
    let faces: usize = alert
        .split(" faces")
        .next()
        .unwrap()
        .rsplit(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap_or(0);
    assert!(faces > 1, "{alert}");
    assert_eq!(
        html.select(&sel(".face-box")).count(),
        faces,
        "a box per face"
    );
    assert!(
        t.private_files().is_empty(),
        "nothing stored: {:?}",
        t.private_files()
    );

    let r = upload("one.png", face_photo("astronaut.png"))
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let html = Html::parse_fragment(&r.text().await.unwrap());
    assert_eq!(html.select(&sel("figure.reference .face-box")).count(), 1);
    let src = html
        .select(&sel("figure.reference image"))
        .next()
        .unwrap()
        .value()
        .attr("href")
        .unwrap()
        .to_string();
    // The stored copy is private: shown to a signed-in user only, never under /assets.
    let photo = b.get(&src).await;
    assert_eq!(photo.status(), StatusCode::OK);
    assert_eq!(photo.headers()[CACHE_CONTROL], "private, no-store");
    assert_eq!(
        http()
            .get(format!("{}{src}", b.base))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(t.private_files().len(), 1);
    let subject = b.page("/ui/subjects/p-06").await;
    assert!(
        texts(&subject, "#audit li")
            .join(" ")
            .contains("ui-admin uploaded a reference photo")
    );
    // The next regeneration carries the photo.
    let r = b
        .post(
            "/ui/subjects/p-06/regenerate",
            &[("style", "initials"), ("_csrf", &token)],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let db = t.open_db().await;
    let run = db.runs().await.unwrap().remove(0);
    let job = db
        .job(&db.job_ids(&run.id).await.unwrap()[0])
        .await
        .unwrap()
        .unwrap();
    assert_eq!(job.options.references.len(), 1, "{:?}", job.options);
    db.close().await;
}
