//! The ComfyUI provider against the fake ComfyUI (likeness-fakes), over real HTTP and a real
//! websocket: what goes over the wire, in which order, and how every failure is typed.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::StreamExt;
use likeness::provider::comfyui::ComfyUi;
use likeness::provider::settings::{ProviderConfig, ProviderSettings};
use likeness::provider::{GenerateRequest, ProgressSink, Provider, Reference, sample_request};
use likeness_fakes::comfyui::{ComfyFake, Reply};
use serde_json::{Value, json};
use sha2::Digest;

fn provider(url: &str, edit: impl FnOnce(&mut ProviderConfig)) -> ComfyUi {
    let mut config = ProviderConfig {
        base_url: Some(url.into()),
        ..Default::default()
    };
    edit(&mut config);
    ComfyUi::new(ProviderSettings::resolve("comfyui", Some(&config), &|_| None).unwrap())
}

fn reference() -> Reference {
    Reference {
        bytes: likeness_fakes::png(64, 48).into(),
        content_type: "image/png",
    }
}

fn upload_name(bytes: &[u8]) -> String {
    let hash = sha2::Sha256::digest(bytes);
    let hex: String = hash.iter().map(|b| format!("{b:02x}")).collect();
    format!("likeness-{}.png", &hex[..16])
}

/// `(value, max)` progress reports, in order.
type Seen = Arc<Mutex<Vec<(u32, u32)>>>;

/// A request with a reference photo whose progress lands in the returned Vec.
fn request() -> (GenerateRequest, Seen) {
    let mut r = sample_request("consultant");
    r.references = vec![reference()];
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = seen.clone();
    r.progress = Some(ProgressSink(Arc::new(move |v, m| {
        sink.lock().unwrap().push((v, m))
    })));
    (r, seen)
}

fn paths(fake: &ComfyFake) -> Vec<String> {
    fake.requests().iter().map(|r| r.path.clone()).collect()
}

fn graph(fake: &ComfyFake, n: usize) -> Value {
    fake.posted_prompts()[n]["prompt"].clone()
}

#[tokio::test]
async fn the_whole_exchange_runs_in_the_reference_clients_order() {
    let fake = ComfyFake::start().await.unwrap();
    let p = provider(fake.url(), |_| {});
    assert_eq!(p.audience(), likeness_styles::Audience::Local);
    assert!(p.ready().is_ok());
    assert_eq!(p.estimate_usd("flux1-dev+pulid", 1024, 1024), 0.0);
    assert_eq!(p.concurrency(), 2);
    let (r, progress) = request();
    let g = p.generate(r).await.unwrap();

    let log = fake.requests();
    let prompt_id = g.details["prompt_id"].as_str().unwrap().to_string();
    assert_eq!(
        paths(&fake),
        [
            "/ws".to_string(),
            "/upload/image".into(),
            "/prompt".into(),
            format!("/history/{prompt_id}"),
            "/view".into()
        ]
    );
    let posted = &fake.posted_prompts()[0];
    let client_id = posted["client_id"].as_str().unwrap();
    assert_eq!(log[0].query, format!("clientId={client_id}"));
    assert!(
        log[1]
            .header("content-type")
            .unwrap()
            .starts_with("multipart/form-data")
    );

    let uploads = fake.uploaded_files();
    assert_eq!(uploads.len(), 1);
    assert_eq!(
        uploads[0].bytes,
        reference().bytes.to_vec(),
        "uploaded byte for byte"
    );
    assert_eq!(uploads[0].sent_name, upload_name(&reference().bytes));
    assert!(uploads[0].overwrite);
    assert_eq!(uploads[0].kind, "input");
    assert_eq!(posted["prompt"]["54"]["inputs"]["image"], uploads[0].name);
    assert!(
        log[4].query.contains("filename=likeness_00001_.png"),
        "{}",
        log[4].query
    );
    assert!(log[4].query.contains("type=output"));

    // 1024 × 1024 latent; the fake saves it 8× smaller.
    assert_eq!((g.width, g.height, g.content_type), (128, 128, "image/png"));
    assert_eq!(
        (g.provider.as_str(), g.model.as_str()),
        ("comfyui", "flux1-dev+pulid")
    );
    assert_eq!(g.cost_usd, 0.0);
    assert_eq!(g.details["number"], 1);
    assert_eq!(g.details["events"], "websocket");
    assert_eq!(g.details["output"]["node"], "9");
    assert_eq!(g.details["workflow"], "flux-pulid (built in)");
    let expected: Vec<(u32, u32)> = (1..=20).map(|v| (v, 20)).collect();
    assert_eq!(*progress.lock().unwrap(), expected);
}

#[tokio::test]
async fn the_graph_carries_every_value_with_its_json_type() {
    let fake = ComfyFake::start().await.unwrap();
    let p = provider(fake.url(), |c| c.guidance = Some(4.0));
    let text = "She said \"hold still\",\nthen {{seed}} \\ left: }\"]}";
    let (mut r, progress) = request();
    r.prompt = text.into();
    (r.width, r.height) = (1000, 1500);
    r.steps = Some(12);
    r.identity_weight = Some(0.8);
    p.generate(r.clone()).await.unwrap();
    p.generate(r.clone()).await.unwrap();
    r.seed = "ada-1:test:2".into();
    p.generate(r).await.unwrap();

    let body = fake
        .requests()
        .into_iter()
        .find(|x| x.path == "/prompt")
        .unwrap()
        .body;
    let parsed: Value = serde_json::from_slice(&body).expect("the posted body is JSON");
    let g = &parsed["prompt"];
    assert_eq!(g["6"]["inputs"]["text"], text, "the prompt arrives exactly");
    assert_eq!(
        g["6"]["inputs"]["clip"],
        json!(["64", 0]),
        "links stay links"
    );
    assert_eq!(g["27"]["inputs"]["width"], json!(1008));
    assert_eq!(g["27"]["inputs"]["height"], json!(1504));
    assert_eq!(g["17"]["inputs"]["steps"], json!(12));
    assert_eq!(g["26"]["inputs"]["guidance"], json!(4.0));
    assert!(g["26"]["inputs"]["guidance"].is_f64());
    assert_eq!(g["62"]["inputs"]["weight"], json!(0.8));
    assert!(g["62"]["inputs"]["start_at"].is_f64() && g["62"]["inputs"]["start_at"] == 0.0);
    assert_eq!(g["62"]["inputs"]["end_at"], json!(1.0));
    let seed = |n| {
        graph(&fake, n)["25"]["inputs"]["noise_seed"]
            .as_u64()
            .unwrap()
    };
    assert_eq!(seed(0), seed(1), "same request seed, same noise seed");
    assert_ne!(seed(0), seed(2));
    assert!(!String::from_utf8_lossy(&body).contains("{{width}}"));
    assert_eq!(progress.lock().unwrap().last(), Some(&(12, 12)));
    // Identical reference bytes reuse one file.
    let names: Vec<String> = fake.uploaded_files().into_iter().map(|u| u.name).collect();
    assert!(names.iter().all(|n| *n == names[0]), "{names:?}");
}

#[tokio::test]
async fn loadimage_uses_the_name_the_server_answers() {
    let fake = ComfyFake::start().await.unwrap();
    fake.ignore_overwrite(true);
    let name = upload_name(&reference().bytes);
    fake.put_input(&name, likeness_fakes::png(5, 5));
    let p = provider(fake.url(), |_| {});
    p.generate(request().0).await.unwrap();
    let renamed = name.replace(".png", " (1).png");
    assert_eq!(fake.uploaded_files()[0].name, renamed);
    assert_eq!(graph(&fake, 0)["54"]["inputs"]["image"], renamed.as_str());
}

#[tokio::test]
async fn runtime_errors_are_typed_with_the_exception() {
    let fake = ComfyFake::start().await.unwrap();
    let p = provider(fake.url(), |_| {});
    fake.push(Reply::ExecutionError {
        node_type: "ApplyPulidFlux".into(),
        exception_type: "RuntimeError".into(),
        message: "forward_orig() takes from 7 to 9 positional arguments but 10 were given".into(),
    });
    let e = p.generate(request().0).await.unwrap_err();
    assert_eq!(e.code(), "provider.bad_request", "{e}");
    let m = e.to_string();
    assert!(
        m.contains("ApplyPulidFlux") && m.contains("RuntimeError"),
        "{m}"
    );
    assert!(m.contains("forward_orig() takes from 7 to 9"), "{m}");

    fake.push(Reply::ExecutionError {
        node_type: "SamplerCustomAdvanced".into(),
        exception_type: "torch.OutOfMemoryError".into(),
        message: "Allocation on device".into(),
    });
    let e = p.generate(request().0).await.unwrap_err();
    assert_eq!(
        e.code(),
        "provider.unavailable",
        "out of memory may pass later: {e}"
    );

    fake.push(Reply::Interrupted);
    let e = p.generate(request().0).await.unwrap_err();
    assert_eq!(e.code(), "provider.unavailable");
    assert!(e.to_string().contains("interrupted"), "{e}");
}

#[tokio::test]
async fn validation_refusals_name_the_node_and_input() {
    let fake = ComfyFake::start().await.unwrap();
    let p = provider(fake.url(), |_| {});
    fake.push(Reply::ValidationError);
    let e = p.generate(request().0).await.unwrap_err();
    assert_eq!(e.code(), "provider.bad_request");
    let m = e.to_string();
    assert!(
        m.contains("UNETLoader.unet_name") && m.contains("models/unet"),
        "{m}"
    );
    assert!(m.contains("flux1-dev.safetensors"), "{m}");

    // The same through the fake's own check of its models folder.
    fake.set_unet_models(&["flux1-schnell.safetensors"]);
    let e = p.generate(request().0).await.unwrap_err();
    assert!(e.to_string().contains("UNETLoader.unet_name"), "{e}");
    assert!(!paths(&fake).iter().any(|x| x.starts_with("/history")));
}

#[tokio::test]
async fn a_missing_node_pack_is_named() {
    let fake = ComfyFake::start().await.unwrap();
    fake.uninstall("ApplyPulidFlux");
    let p = provider(fake.url(), |_| {});
    let e = p.generate(request().0).await.unwrap_err();
    assert_eq!(e.code(), "provider.bad_request");
    let m = e.to_string();
    assert!(
        m.contains("missing_node_type") && m.contains("ApplyPulidFlux"),
        "{m}"
    );
    assert!(m.contains("ComfyUI_PuLID_Flux_ll"), "{m}");
}

#[tokio::test]
async fn a_dropped_socket_falls_back_to_polling_history() {
    let fake = ComfyFake::start().await.unwrap();
    fake.push(Reply::DropSocket);
    let p = provider(fake.url(), |_| {});
    let g = p.generate(request().0).await.unwrap();
    assert_eq!(g.width, 128);
    assert!(
        g.details["events"]
            .as_str()
            .unwrap()
            .starts_with("history polling"),
        "{:?}",
        g.details["events"]
    );
    let history = paths(&fake)
        .iter()
        .filter(|x| x.starts_with("/history/"))
        .count();
    assert!(history >= 1);
    assert_eq!(paths(&fake).last().unwrap(), "/view");
}

#[tokio::test]
async fn unusable_outputs_are_bad_responses() {
    let fake = ComfyFake::start().await.unwrap();
    let p = provider(fake.url(), |_| {});
    fake.push(Reply::NoOutputs);
    let e = p.generate(request().0).await.unwrap_err();
    assert_eq!(e.code(), "provider.bad_response");
    assert!(e.to_string().contains("without an image"), "{e}");
    fake.push(Reply::CorruptImage);
    let e = p.generate(request().0).await.unwrap_err();
    assert_eq!(e.code(), "provider.bad_response");
    assert!(e.to_string().contains("likeness_00002_.png"), "{e}");
}

#[tokio::test]
async fn a_stopped_server_is_unavailable_with_the_hint() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let p = provider(&url, |_| {});
    let e = p.generate(request().0).await.unwrap_err();
    assert_eq!(e.code(), "provider.unavailable", "{e}");
    assert!(e.to_string().contains("COMFYUI_URL"), "{e}");
}

#[tokio::test]
async fn the_pulid_template_refuses_a_subject_without_a_reference() {
    let fake = ComfyFake::start().await.unwrap();
    let p = provider(fake.url(), |_| {});
    let e = p.generate(sample_request("consultant")).await.unwrap_err();
    assert_eq!(e.code(), "provider.needs_reference");
    assert!(
        !e.needs_operator(),
        "one subject without a photo must not stop a batch"
    );
    assert!(e.to_string().contains("needs a reference photo"), "{e}");
    assert!(fake.requests().is_empty(), "refused before any request");
}

#[tokio::test]
async fn a_user_template_is_filled_and_a_bad_one_refused() {
    let fake = ComfyFake::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sdxl.json");
    let template = json!({
        "4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "sdxl.safetensors"}},
        "6": {"class_type": "CLIPTextEncode", "inputs": {"text": "{{prompt}}, 35 mm photo", "clip": ["4", 1]}},
        "7": {"class_type": "CLIPTextEncode", "inputs": {"text": "{{ negative_prompt }}", "clip": ["4", 1]}},
        "5": {"class_type": "EmptyLatentImage", "inputs": {"width": "{{width}}", "height": "{{height}}", "batch_size": 1}},
        "3": {"class_type": "KSampler", "inputs": {"seed": "{{seed}}", "steps": "{{steps}}", "cfg": "{{guidance}}",
              "sampler_name": "euler", "scheduler": "normal", "denoise": 1.0, "model": ["4", 0],
              "positive": ["6", 0], "negative": ["7", 0], "latent_image": ["5", 0]}},
        "8": {"class_type": "VAEDecode", "inputs": {"samples": ["3", 0], "vae": ["4", 2]}},
        "9": {"class_type": "SaveImage", "inputs": {"images": ["8", 0], "filename_prefix": "mine"}}
    });
    std::fs::write(&path, template.to_string()).unwrap();
    let p = provider(fake.url(), |c| {
        c.workflow = Some(path.clone());
        c.steps = Some(8);
    });
    assert!(p.ready().is_ok());
    let mut r = sample_request("consultant");
    r.negative_prompt = Some("blurry".into());
    r.width = 832;
    let g = p.generate(r).await.unwrap();
    assert_eq!((g.width, g.height), (104, 128));
    assert!(
        fake.uploaded_files().is_empty(),
        "no {{{{reference}}}}, no upload"
    );
    let posted = graph(&fake, 0);
    assert_eq!(
        posted["6"]["inputs"]["text"],
        "A portrait in the consultant style, 35 mm photo"
    );
    assert_eq!(posted["7"]["inputs"]["text"], "blurry");
    assert_eq!(posted["3"]["inputs"]["steps"], json!(8));
    assert_eq!(posted["3"]["inputs"]["cfg"], json!(3.5));
    assert!(posted["3"]["inputs"]["seed"].is_u64());
    assert_eq!(g.details["workflow"], path.display().to_string());

    let bad = dir.path().join("bad.json");
    std::fs::write(
        &bad,
        r#"{"1": {"class_type": "CLIPTextEncode", "inputs": {"text": "{{prompt}} {{mood}}"}}}"#,
    )
    .unwrap();
    let p = provider(fake.url(), |c| c.workflow = Some(bad.clone()));
    let e = p.ready().unwrap_err();
    assert_eq!(e.code(), "provider.bad_request");
    assert!(
        e.to_string().contains("{{mood}}") && e.to_string().contains("bad.json"),
        "{e}"
    );
    let before = fake.requests().len();
    let e = p.generate(request().0).await.unwrap_err();
    assert!(e.to_string().contains("{{mood}}"), "{e}");
    assert_eq!(fake.requests().len(), before);

    let p = provider(fake.url(), |c| {
        c.workflow = Some(dir.path().join("missing.json"))
    });
    assert!(p.ready().unwrap_err().to_string().contains("missing.json"));
}

#[tokio::test]
async fn a_slow_generation_times_out() {
    let fake = ComfyFake::start().await.unwrap();
    fake.push(Reply::Slow(Duration::from_millis(300)));
    let p = provider(fake.url(), |c| c.timeout_seconds = Some(1));
    let started = std::time::Instant::now();
    let e = p.generate(request().0).await.unwrap_err();
    assert_eq!(e.code(), "provider.timeout", "{e}");
    assert!(started.elapsed() < Duration::from_secs(3));
    // The abandoned prompt is dropped from the queue and stopped, so a retry does not wait.
    let log = fake.requests();
    assert_eq!(fake.posted_prompts().len(), 1);
    let delete = log
        .iter()
        .find(|x| x.path == "/queue")
        .expect("POST /queue");
    let prompt_id = delete.json()["delete"][0].as_str().unwrap().to_string();
    assert!(prompt_id.starts_with("5f1c0de0-"), "{prompt_id}");
    let stop = log
        .iter()
        .find(|x| x.path == "/interrupt")
        .expect("POST /interrupt");
    assert_eq!(stop.json(), json!({"prompt_id": prompt_id}));
    // The fake stops the prompt at its next step and records the interruption.
    let http = reqwest::Client::new();
    let mut entry = Value::Null;
    for _ in 0..20 {
        let all: Value = http
            .get(format!("{}/history/{prompt_id}", fake.url()))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        entry = all[&prompt_id].clone();
        if !entry.is_null() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(entry["status"]["status_str"], "error", "{entry}");
}

// The fake itself, where the provider never goes.

#[tokio::test]
async fn the_fake_renames_clashing_uploads_and_guards_view() {
    let fake = ComfyFake::start().await.unwrap();
    let http = reqwest::Client::new();
    let up = |bytes: Vec<u8>| {
        let form = reqwest::multipart::Form::new().part(
            "image",
            reqwest::multipart::Part::bytes(bytes).file_name("x.png"),
        );
        http.post(format!("{}/upload/image", fake.url()))
            .multipart(form)
            .send()
    };
    let a: Value = up(vec![1, 2, 3]).await.unwrap().json().await.unwrap();
    let same: Value = up(vec![1, 2, 3]).await.unwrap().json().await.unwrap();
    let other: Value = up(vec![4, 5]).await.unwrap().json().await.unwrap();
    assert_eq!(
        a,
        json!({"name": "x.png", "subfolder": "", "type": "input"})
    );
    assert_eq!(same["name"], "x.png");
    assert_eq!(other["name"], "x (1).png");
    let empty = http
        .post(format!("{}/upload/image", fake.url()))
        .multipart(reqwest::multipart::Form::new().text("type", "input"))
        .send()
        .await
        .unwrap();
    assert_eq!(empty.status(), 400);
    let view = |q: &str| http.get(format!("{}/view?{q}", fake.url())).send();
    assert_eq!(view("filename=../secret").await.unwrap().status(), 400);
    assert_eq!(
        view("filename=%2Fetc%2Fpasswd").await.unwrap().status(),
        400
    );
    assert_eq!(
        view("filename=nope.png&type=output")
            .await
            .unwrap()
            .status(),
        404
    );
    let history: Value = http
        .get(format!("{}/history/unknown", fake.url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(history, json!({}));
    let no_prompt = http
        .post(format!("{}/prompt", fake.url()))
        .json(&json!({"client_id": "c"}))
        .send()
        .await
        .unwrap();
    assert_eq!(no_prompt.status(), 400);
    let body: Value = no_prompt.json().await.unwrap();
    assert_eq!(body["error"]["type"], "no_prompt");
}

#[tokio::test]
async fn the_fake_sends_executor_events_only_to_the_prompts_socket() {
    let fake = ComfyFake::start().await.unwrap();
    let ws = fake.url().replace("http://", "ws://");
    let (mut mine, _) = tokio_tungstenite::connect_async(format!("{ws}/ws?clientId=mine"))
        .await
        .unwrap();
    let (mut other, _) = tokio_tungstenite::connect_async(format!("{ws}/ws?clientId=other"))
        .await
        .unwrap();
    let mut g: Value =
        serde_json::from_str(likeness::provider::comfyui::workflow::BUILTIN).unwrap();
    for (id, k, v) in [
        ("6", "text", json!("x")),
        ("26", "guidance", json!(3.5)),
        ("27", "width", json!(64)),
        ("27", "height", json!(64)),
        ("25", "noise_seed", json!(1)),
        ("17", "steps", json!(3)),
        ("62", "weight", json!(1.0)),
        ("62", "start_at", json!(0.0)),
        ("62", "end_at", json!(1.0)),
    ] {
        g[id]["inputs"][k] = v;
    }
    fake.put_input("ref.png", likeness_fakes::png(4, 4));
    g["54"]["inputs"]["image"] = json!("ref.png");
    let http = reqwest::Client::new();
    let queued: Value = http
        .post(format!("{}/prompt", fake.url()))
        .json(&json!({"prompt": g, "client_id": "mine"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = queued["prompt_id"].as_str().unwrap().to_string();
    let mut kinds = Vec::new();
    let mut binary = 0;
    while let Some(Ok(m)) = mine.next().await {
        use tokio_tungstenite::tungstenite::Message;
        match m {
            Message::Text(t) => {
                let v: Value = serde_json::from_str(t.as_str()).unwrap();
                kinds.push(v["type"].as_str().unwrap().to_string());
                if v["type"] == "executing" && v["data"]["node"].is_null() {
                    assert_eq!(v["data"]["prompt_id"], id.as_str());
                    break;
                }
            }
            Message::Binary(_) => binary += 1,
            _ => {}
        }
    }
    kinds.dedup();
    assert_eq!(
        kinds,
        [
            "status",
            "execution_start",
            "execution_cached",
            "executing",
            "progress",
            "executing",
            "executed",
            "execution_success",
            "executing"
        ]
    );
    assert_eq!(binary, 1);
    // The other socket got its status and nothing of our prompt.
    let first = other.next().await.unwrap().unwrap();
    assert!(first.to_text().unwrap().contains("\"sid\":\"other\""));
    let more = tokio::time::timeout(Duration::from_millis(200), other.next()).await;
    assert!(more.is_err(), "no events for another client: {more:?}");
}
