//! The pipeline around remote providers, end to end: the real `likeness` binary against the
//! in-repo fake Gemini server. Fallback chains, a dead provider stopping a batch that then
//! resumes, the cost budget, cost records and projections, and the PHI guard as seen on the
//! wire. The wire format itself is tested in `provider_gemini.rs`.

use crate::util;

use likeness_fakes::gemini::{GeminiFake, Reply};
use serde_json::Value;
use util::TestDir;

/// Runs the binary off the async runtime, so the fake keeps answering.
async fn run(t: &TestDir, args: &[&str]) -> util::Run {
    let mut cmd = t.command(args);
    cmd.env("GEMINI_API_KEY", "test-key");
    tokio::task::spawn_blocking(move || {
        let out = cmd.output().expect("run likeness");
        util::Run {
            status: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    })
    .await
    .unwrap()
}

/// A data directory with `n` subjects, a config pointing Gemini at `fake`, and a style
/// `cloudy` whose chain is `chain`.
async fn setup(fake: &GeminiFake, n: usize, chain: &str, extra_config: &str) -> TestDir {
    let t = TestDir::new();
    let subjects = t.write("subjects.jsonl", &util::synthetic_subjects(n));
    run(&t, &["import", subjects.to_str().unwrap()]).await.ok();
    t.write(
        "data/likeness.toml",
        &format!(
            "[providers.gemini]\nbase_url = \"{}\"\nmax_attempts = 1\n{extra_config}\n",
            fake.server.url
        ),
    );
    t.write(
        "data/styles/cloudy.toml",
        &format!(
            r#"name = "cloudy"
version = 1
title = "Cloudy"
description = "A portrait from a cloud model, with the built-in initials as a last resort."
kind = "portrait"
aspect_ratio = "1:1"
default_size = "1K"
providers = [{chain}]
prompt = "A calm portrait of {{{{ person }}}}, soft light.{{% if subject.likeness_description %}} Features: {{{{ subject.likeness_description }}}}{{% endif %}}"

[renderer]
kind = "initials"
"#
        ),
    );
    t
}

/// `generate --style cloudy ARGS --json`, which must stop early (exit 2); its report.
async fn stopped_early(t: &TestDir, args: &[&str]) -> Value {
    let mut all = vec!["--json", "generate", "--style", "cloudy"];
    all.extend_from_slice(args);
    let r = run(t, &all).await;
    assert_eq!(r.status, 2, "{}", r.stderr);
    r.json()
}

fn history(t: &TestDir, subject: &str) -> Vec<Value> {
    let r = t.run(&["--json", "history", subject]).ok();
    r.json()
        .as_array()
        .cloned()
        .expect("history --json is an array of attempts")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_chain_falls_back_link_by_link_and_the_asset_says_why() {
    let fake = GeminiFake::start().await;
    let t = setup(
        &fake,
        1,
        r#""gemini:gemini-3-pro-image", "gemini:gemini-2.5-flash-image", "builtin""#,
        "",
    )
    .await;
    // Pro refuses the prompt; flash draws it.
    fake.push(Reply::PromptBlocked("PROHIBITED_CONTENT".into()));
    fake.push(Reply::Image);
    run(&t, &["generate", "--style", "cloudy"]).await.ok();
    let assets = history(&t, "s00000");
    let a = &assets[0];
    assert_eq!(
        (a["provider"].as_str(), a["status"].as_str()),
        (Some("gemini"), Some("succeeded")),
        "{a}"
    );
    assert_eq!(a["model"], "gemini-2.5-flash-image", "{a}");
    assert!(
        (a["cost_usd"].as_f64().unwrap() - 0.039).abs() < 1e-9,
        "{a}"
    );
    let fallback = a["details"]["fallback"].as_array().unwrap();
    assert_eq!(fallback.len(), 1, "{a}");
    assert!(
        fallback[0]
            .as_str()
            .unwrap()
            .starts_with("gemini:gemini-3-pro-image: provider.content_filtered"),
        "{fallback:?}"
    );
    let calls = fake.requests();
    assert!(
        calls[0].path.contains("gemini-3-pro-image:generateContent"),
        "{}",
        calls[0].path
    );
    assert!(
        calls[1]
            .path
            .contains("gemini-2.5-flash-image:generateContent"),
        "{}",
        calls[1].path
    );

    // Gemini down for both models: the built-in renderer makes it, and says why.
    fake.set_default(Reply::Overloaded);
    run(&t, &["generate", "--style", "cloudy", "--force"])
        .await
        .ok();
    let a = history(&t, "s00000").pop().unwrap();
    assert_eq!(
        (a["provider"].as_str(), a["cost_usd"].as_f64()),
        (Some("builtin"), Some(0.0)),
        "{a}"
    );
    let fallback = a["details"]["fallback"].as_array().unwrap();
    assert_eq!(fallback.len(), 2, "{a}");
    assert!(
        fallback
            .iter()
            .all(|f| f.as_str().unwrap().contains("provider.unavailable")),
        "{a}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dead_provider_stops_the_batch_with_every_job_queued_then_it_resumes() {
    let fake = GeminiFake::start().await;
    let t = setup(&fake, 4, r#""gemini""#, "").await;
    fake.set_default(Reply::Overloaded);
    let report = stopped_early(&t, &["--concurrency", "1"]).await;
    assert_eq!(report["failed"], 0, "an outage fails nobody: {report}");
    assert_eq!(report["remaining"], 4, "{report}");
    let stopped = report["stopped"].as_str().unwrap();
    assert!(stopped.contains("provider.unavailable"), "{stopped}");
    assert_eq!(fake.requests().len(), 1, "stopped at the first outage");

    fake.set_default(Reply::Image);
    let r = run(&t, &["--json", "generate", "--style", "cloudy"])
        .await
        .ok();
    let report = r.json();
    assert_eq!(report["resumed"], true, "{report}");
    assert_eq!(report["succeeded"], 4, "{report}");
    assert_eq!(report["remaining"], 0, "{report}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bad_key_stops_the_batch_with_a_clear_message() {
    let fake = GeminiFake::start().await;
    let t = setup(&fake, 3, r#""gemini""#, "").await;
    fake.set_default(Reply::BadKey);
    let r = run(&t, &["generate", "--style", "cloudy", "--concurrency", "1"]).await;
    assert_eq!(r.status, 2);
    assert!(r.stdout.contains("provider.auth"), "{}", r.stdout);
    assert!(
        r.stdout.contains("GEMINI_API_KEY"),
        "says what to fix: {}",
        r.stdout
    );
    assert!(r.stdout.contains("3 jobs remain queued"), "{}", r.stdout);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_budget_stops_a_batch_before_it_would_be_exceeded() {
    let fake = GeminiFake::start().await;
    let t = setup(&fake, 5, r#""gemini:gemini-2.5-flash-image""#, "").await;
    let dry = run(
        &t,
        &["--json", "generate", "--style", "cloudy", "--dry-run"],
    )
    .await
    .ok();
    let estimate = dry.json()["estimated_cost_usd"].as_f64().unwrap();
    assert!((estimate - 5.0 * 0.039).abs() < 1e-9, "{estimate}");
    let dry = run(
        &t,
        &[
            "generate",
            "--style",
            "cloudy",
            "--dry-run",
            "--max-cost",
            "0.1",
        ],
    )
    .await
    .ok();
    assert!(
        dry.stdout.contains("about 2 of 5 images fit"),
        "{}",
        dry.stdout
    );

    let report = stopped_early(&t, &["--max-cost", "0.1"]).await;
    assert_eq!(report["succeeded"], 2, "{report}");
    assert_eq!(report["remaining"], 3, "{report}");
    assert!(
        (report["spent_usd"].as_f64().unwrap() - 0.078).abs() < 1e-9,
        "{report}"
    );
    assert!(
        report["stopped"].as_str().unwrap().contains("--max-cost"),
        "{report}"
    );
    assert_eq!(fake.requests().len(), 2, "no request beyond the budget");

    let costs = t.run(&["--json", "runs", "--costs"]).ok().json();
    assert!(
        (costs["total_usd"].as_f64().unwrap() - 0.078).abs() < 1e-9,
        "{costs}"
    );
    assert_eq!(
        costs["by_model"][0]["model"], "gemini-2.5-flash-image",
        "{costs}"
    );
    assert_eq!(costs["by_model"][0]["images"], 2, "{costs}");
    assert!(
        costs["projected_month_usd"].as_f64().unwrap() >= 0.078,
        "{costs}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn cloud_prompts_carry_no_names_or_birth_dates() {
    let fake = GeminiFake::start().await;
    let t = setup(&fake, 0, r#""gemini""#, "").await;
    let people = t.write(
        "people.jsonl",
        r#"{"id": "p-ada", "name": "Ada Lovelace", "gender": "female", "birth_date": "1815-12-10", "attributes": {"mrn": "MRN-0042"}}"#,
    );
    run(&t, &["import", people.to_str().unwrap()]).await.ok();
    run(&t, &["generate", "--style", "cloudy"]).await.ok();
    let body = String::from_utf8_lossy(&fake.requests()[0].body).to_string();
    for secret in ["Ada", "Lovelace", "1815", "p-ada", "MRN-0042"] {
        assert!(!body.contains(secret), "{secret} went to the cloud: {body}");
    }
    assert!(body.contains("woman"), "demographics still go: {body}");

    // `styles prompt` shows exactly this text and where it would go.
    let shown = t
        .run(&["--json", "styles", "prompt", "cloudy", "--subject", "p-ada"])
        .ok()
        .json();
    assert!(
        body.contains(shown["prompt"].as_str().unwrap()),
        "{shown} vs {body}"
    );
    assert_eq!(shown["audience"], "cloud");
    assert!(
        shown["chain"][0]["references"]
            .as_str()
            .unwrap()
            .starts_with("never sent"),
        "{shown}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_chain_without_a_usable_provider_is_refused_before_planning() {
    let fake = GeminiFake::start().await;
    let t = setup(&fake, 1, r#""gemini", "openai""#, "").await;
    let mut cmd = t.command(&["generate", "--style", "cloudy"]);
    cmd.env_remove("GEMINI_API_KEY");
    let out = cmd.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("GEMINI_API_KEY") && stderr.contains("OPENAI_API_KEY"),
        "{stderr}"
    );
    assert!(fake.requests().is_empty());
    assert!(
        t.run(&["--json", "runs"])
            .ok()
            .json()
            .as_array()
            .unwrap()
            .is_empty(),
        "nothing planned"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn fetch_likeness_describes_each_photo_once_and_prompts_use_it() {
    let fake = GeminiFake::start().await;
    let photos = likeness_fakes::Server::start(axum::Router::new().route(
        "/headshots/{name}",
        axum::routing::get(|| async {
            (
                [("content-type", "image/png")],
                likeness_fakes::png(96, 120),
            )
        }),
    ))
    .await
    .unwrap();
    let t = setup(
        &fake,
        2,
        r#""gemini""#,
        "[fetch]\nallow_networks = [\"127.0.0.0/8\"]",
    )
    .await;
    let template = format!("{}/headshots/{{id}}.png", photos.url);
    let args = [
        "generate",
        "--style",
        "cloudy",
        "--likeness-url",
        template.as_str(),
    ];
    let r = run(&t, &args).await.ok();
    assert!(r.stderr.contains("2 new, 0 cached"), "{}", r.stderr);
    let calls = fake.requests();
    let describes: Vec<_> = calls
        .iter()
        .filter(|c| {
            c.json()["generationConfig"]["responseModalities"] == serde_json::json!(["TEXT"])
        })
        .collect();
    assert_eq!(describes.len(), 2, "one description per photo");
    assert!(
        describes[0]
            .path
            .contains("gemini-2.5-flash:generateContent"),
        "{}",
        describes[0].path
    );
    let shown = t.run(&["--json", "subjects", "show", "s00001"]).ok().json();
    let description = likeness_fakes::gemini::DESCRIPTION;
    assert_eq!(
        shown["attributes"]["likeness_description"], description,
        "{shown}"
    );
    let images: Vec<_> = calls
        .iter()
        .filter(|c| {
            c.json()["generationConfig"]["responseModalities"] == serde_json::json!(["IMAGE"])
        })
        .collect();
    assert_eq!(images.len(), 2);
    assert!(
        String::from_utf8_lossy(&images[0].body).contains(description),
        "the prompt carries the description"
    );

    // Cached while the photo is the same: no second description.
    let mut again = args.to_vec();
    again.push("--force");
    let r = run(&t, &again).await.ok();
    assert!(r.stderr.contains("0 new, 2 cached"), "{}", r.stderr);
    let describes = fake
        .requests()
        .iter()
        .filter(|c| {
            c.json()["generationConfig"]["responseModalities"] == serde_json::json!(["TEXT"])
        })
        .count();
    assert_eq!(describes, 2);
}
