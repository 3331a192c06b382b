//! Remote providers behind the HTTP API, end to end: `likeness serve` against the fake ComfyUI
//! and Gemini servers. The doctor pipeline's request with a reference photo on ComfyUI, sampler
//! progress as job events, and the photo side of the PHI guard as seen on the wire.

use crate::util;

use std::time::Duration;

use base64::Engine;
use likeness_fakes::comfyui::{self, ComfyFake};
use likeness_fakes::gemini::{self, GeminiFake};
use reqwest::StatusCode;
use serde_json::{Value, json};
use util::TestDir;
use util::server::{Server, client};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// A reference photo of one face.
fn photo() -> Vec<u8> {
    util::face_jpeg(600, 700)
}

/// A data directory with `config` and a scenario `clinic` drawn by `chain`.
fn data_dir(config: &str, chain: &str, send_references: bool) -> TestDir {
    let t = TestDir::new();
    t.write(
        "data/likeness.toml",
        &format!("[server]\ngenerate_per_minute = 0\n{config}"),
    );
    t.write(
        "data/styles/clinic.toml",
        &format!(
            r#"name = "clinic"
version = 1
title = "Clinic"
description = "A photograph in a clinic."
kind = "scenario"
aspect_ratio = "4:5"
default_size = "512"
providers = [{chain}]
send_references = {send_references}
prompt = "A photograph of {{{{ person }}}} in a bright clinic."
"#
        ),
    );
    t
}

async fn post_generate(server: &Server, body: Value) -> reqwest::Response {
    client()
        .post(server.url("/api/generate"))
        .json(&body)
        .send()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_doctor_pipeline_runs_on_comfyui_with_the_reference_photo() {
    let fake = ComfyFake::start().await.unwrap();
    let t = data_dir(
        &format!("[providers.comfyui]\nbase_url = \"{}\"\n", fake.url()),
        r#""comfyui""#,
        false,
    );
    let server = Server::start(&t, None);
    let photo = photo();
    let r = post_generate(
        &server,
        json!({"reference_image": B64.encode(&photo), "scenario": "clinic",
               "settings": {"steps": 12, "identity_weight": 0.7, "seed": 7}}),
    )
    .await;
    let status = r.status();
    let answer: Value = r.json().await.unwrap();
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["metadata"]["provider"], "comfyui", "{answer}");
    let uploads = fake.uploaded_files();
    assert_eq!(uploads.len(), 1);
    let sent = image::load_from_memory(&uploads[0].bytes).unwrap();
    // Cropped square around the face by the reference check.
    assert_eq!(
        (sent.width(), sent.height()),
        (600, 600),
        "the checked reference went up"
    );
    let graph = &fake.posted_prompts()[0]["prompt"];
    let nodes: Vec<&Value> = graph.as_object().unwrap().values().collect();
    let pulid = nodes
        .iter()
        .find(|n| n["class_type"] == "ApplyPulidFlux")
        .unwrap();
    assert_eq!(pulid["inputs"]["weight"], 0.7, "{pulid}");
    let scheduler = nodes
        .iter()
        .find(|n| n["class_type"] == "BasicScheduler")
        .unwrap();
    assert_eq!(scheduler["inputs"]["steps"], 12, "{scheduler}");
}

#[tokio::test(flavor = "multi_thread")]
async fn comfyui_sampler_steps_arrive_as_job_progress_events() {
    let fake = ComfyFake::start().await.unwrap();
    // A template without a reference photo, so an ordinary subject can be drawn.
    let mut graph: Value =
        serde_json::from_str(include_str!("../../workflows/flux-pulid.json")).unwrap();
    let obj = graph.as_object_mut().unwrap();
    let pulid: Vec<String> = obj
        .iter()
        .filter(|(_, n)| {
            let class = n["class_type"].as_str().unwrap();
            class.contains("Pulid") || class == "LoadImage"
        })
        .map(|(id, _)| id.clone())
        .collect();
    for id in &pulid {
        obj.remove(id);
    }
    let unet = obj
        .iter()
        .find(|(_, n)| n["class_type"] == "UNETLoader")
        .map(|(id, _)| id.clone())
        .unwrap();
    for node in obj.values_mut() {
        if node["class_type"] == "BasicGuider" {
            node["inputs"]["model"] = json!([unet, 0]);
        }
    }
    let scratch = TestDir::new();
    let workflow = scratch.write("plain-flux.json", &graph.to_string());
    let t = data_dir(
        &format!(
            "[providers.comfyui]\nbase_url = \"{}\"\nworkflow = \"{}\"\nsteps = 8\n",
            fake.url(),
            workflow.display()
        ),
        r#""comfyui""#,
        false,
    );
    fake.set_default(comfyui::Reply::Slow(Duration::from_millis(60)));
    let server = Server::start(&t, None);
    let c = client();
    let r = c
        .post(server.url("/api/subjects?generate=false"))
        .json(&json!({"id": "d1", "name": "Dana Doctor", "gender": "female"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let job: Value = c
        .post(server.url("/api/avatars/generate/d1"))
        .json(&json!({"style": "clinic"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = job["id"].as_str().unwrap().to_string();
    let text = tokio::time::timeout(Duration::from_secs(60), async {
        c.get(server.url(&format!("/api/jobs/{id}/events")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    })
    .await
    .expect("the event stream ends when the job does");
    let mut progress = Vec::new();
    let mut event = "";
    for line in text.lines() {
        if let Some(e) = line.strip_prefix("event: ") {
            event = e;
        } else if let Some(d) = line.strip_prefix("data: ")
            && event == "progress"
        {
            let d: Value = serde_json::from_str(d).unwrap();
            assert_eq!(d["max"], 8, "{d}");
            progress.push(d["value"].as_u64().unwrap());
        }
    }
    assert!(text.contains("event: succeeded"), "{text}");
    assert!(
        progress.len() >= 3,
        "steps seen as they ran: {progress:?}\n{text}"
    );
    assert!(progress.windows(2).all(|w| w[0] < w[1]), "{progress:?}");
    assert_eq!(progress.last(), Some(&8), "{progress:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn reference_photos_reach_a_cloud_provider_only_when_the_style_allows() {
    let fake = GeminiFake::start().await;
    fake.set_default(gemini::Reply::Image);
    let config = format!(
        "[providers.gemini]\nbase_url = \"{}\"\napi_key = \"k\"\n",
        fake.server.url
    );
    let photo = photo();
    let body = json!({"reference_image": B64.encode(&photo), "scenario": "clinic"});

    let t = data_dir(&config, r#""gemini""#, false);
    let server = Server::start(&t, None);
    let r = post_generate(&server, body.clone()).await;
    let status = r.status();
    let e: Value = r.json().await.unwrap();
    assert_eq!(status, StatusCode::BAD_REQUEST, "{e}");
    assert_eq!(e["error"]["code"], "provider.references_not_allowed", "{e}");
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap()
            .contains("send_references"),
        "{e}"
    );
    assert!(fake.requests().is_empty(), "nothing went to the cloud");
    drop(server);

    let t = data_dir(&config, r#""gemini""#, true);
    let server = Server::start(&t, None);
    let r = post_generate(&server, body).await;
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    let sent = fake.requests()[0].json();
    let parts = sent["contents"][0]["parts"].as_array().unwrap();
    let inline: Vec<&Value> = parts
        .iter()
        .filter(|p| p.get("inlineData").is_some())
        .collect();
    assert_eq!(inline.len(), 1, "{sent}");
    let bytes = B64
        .decode(inline[0]["inlineData"]["data"].as_str().unwrap())
        .unwrap();
    let sent = image::load_from_memory(&bytes).unwrap();
    assert_eq!((sent.width(), sent.height()), (600, 600));
}
