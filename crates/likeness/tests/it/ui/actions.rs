//! What admins may change and viewers may not: CSRF, roles, set current, retry, cancel,
//! reference uploads, and the audit record each leaves.

use reqwest::StatusCode;
use reqwest::header::CACHE_CONTROL;
use scraper::Html;

use super::{ADMIN, Browser, VIEWER, csrf, http, seeded, sel, texts};
use crate::util::face_photo;
use crate::util::server::Server;

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
