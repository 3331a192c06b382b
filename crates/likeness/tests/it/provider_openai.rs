//! The OpenAI provider against the fake images API over real HTTP: what goes over the wire
//! (JSON for generations, multipart for edits), how every documented answer maps to a typed
//! error, and the fake's own checks that make those assertions meaningful.

use std::sync::Arc;
use std::time::Duration;

use likeness::provider::openai::OpenAi;
use likeness::provider::settings::{ProviderConfig, ProviderSettings};
use likeness::provider::{GenerateRequest, Provider, ProviderError, Reference, sample_request};
use likeness_fakes::Quota;
use likeness_fakes::openai::{OpenAiFake, Reply};
use serde_json::{Value, json};

const KEY: &str = "sk-test-0123456789";

fn settings(fake: &OpenAiFake, edit: impl FnOnce(&mut ProviderConfig)) -> ProviderSettings {
    let mut config = ProviderConfig {
        base_url: Some(fake.base_url()),
        api_key: Some(KEY.into()),
        ..Default::default()
    };
    edit(&mut config);
    ProviderSettings::resolve("openai", Some(&config), &|_| None).expect("openai settings")
}

async fn setup(edit: impl FnOnce(&mut ProviderConfig)) -> (OpenAiFake, OpenAi) {
    let fake = OpenAiFake::start().await;
    let provider = OpenAi::new(settings(&fake, edit));
    (fake, provider)
}

fn request() -> GenerateRequest {
    let mut r = sample_request("consultant");
    r.prompt = "A friendly portrait of a consultant".into();
    r
}

fn jpeg(w: u32, h: u32) -> Vec<u8> {
    let mut out = Vec::new();
    image::RgbImage::from_pixel(w, h, image::Rgb([10, 120, 200]))
        .write_to(
            &mut std::io::Cursor::new(&mut out),
            image::ImageFormat::Jpeg,
        )
        .unwrap();
    out
}

fn reference(bytes: Vec<u8>, content_type: &'static str) -> Reference {
    Reference {
        bytes: bytes.into(),
        content_type,
    }
}

/// The error of one generation with the fake answering `reply`.
async fn failure(reply: Reply) -> ProviderError {
    let (fake, provider) = setup(|_| {}).await;
    fake.push(reply);
    let e = provider.generate(request()).await.unwrap_err();
    assert_eq!(fake.requests().len(), 1, "exactly one attempt per call");
    e
}

#[tokio::test]
async fn generations_send_the_documented_json_and_nothing_else() {
    let (fake, provider) = setup(|_| {}).await;
    let image = provider.generate(request()).await.unwrap();

    let sent = fake.requests();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].path, "/v1/images/generations");
    assert_eq!(
        sent[0].header("authorization"),
        Some(&*format!("Bearer {KEY}"))
    );
    assert!(
        sent[0]
            .header("content-type")
            .unwrap()
            .starts_with("application/json")
    );
    // Exactly these fields: no response_format (refused by gpt-image), no quality (unset:
    // the server's auto), no user (no identifiers of a subject).
    assert_eq!(
        sent[0].json(),
        json!({
            "model": "gpt-image-1",
            "prompt": "A friendly portrait of a consultant",
            "n": 1,
            "size": "1024x1024",
            "output_format": "png",
        })
    );

    assert_eq!(image.provider, "openai");
    assert_eq!(image.model, "gpt-image-1");
    assert_eq!(image.content_type, "image/png");
    assert_eq!((image.width, image.height), (64, 64));
    assert!(image.bytes.starts_with(b"\x89PNG"));
    assert_eq!(
        image.cost_usd, 0.042,
        "medium 1024x1024 from the price table"
    );
    assert!(image.render_us > 0);
    assert_eq!(image.details["size"], "1024x1024");
    assert_eq!(image.details["quality"], "medium");
    assert_eq!(image.details["output_format"], "png");
    assert_eq!(image.details["usage"]["output_tokens"], 1056);
    assert!(
        image.details["request_id"]
            .as_str()
            .unwrap()
            .starts_with("req_")
    );
    assert_eq!(image.revised_prompt, None);
}

#[tokio::test]
async fn quality_and_the_negative_prompt_are_sent_and_priced() {
    let (fake, provider) = setup(|c| c.quality = Some("high".into())).await;
    let mut r = request();
    r.negative_prompt = Some("text, watermarks".into());
    r.width = 832;
    r.height = 1248;
    let image = provider.generate(r).await.unwrap();
    let body = fake.requests()[0].json();
    assert_eq!(body["quality"], "high");
    assert_eq!(
        body["size"], "1024x1536",
        "2:3 portrait maps to the portrait size"
    );
    assert_eq!(
        body["prompt"],
        "A friendly portrait of a consultant\n\nAvoid: text, watermarks"
    );
    assert_eq!(
        (image.width, image.height),
        (42, 64),
        "the fake drew the portrait aspect"
    );
    assert_eq!(image.cost_usd, 0.25, "high 1024x1536");
}

#[tokio::test]
async fn sizes_map_by_aspect_and_gpt_image_2_takes_free_sizes() {
    let (fake, provider) = setup(|_| {}).await;
    let cases = [
        (None, 1920, 1080, "1536x1024"),
        (None, 1024, 1024, "1024x1024"),
        (Some("gpt-image-1.5"), 768, 1024, "1024x1536"),
        (Some("gpt-image-2"), 1000, 1500, "1008x1504"),
        (Some("gpt-image-2"), 512, 512, "816x816"),
        (Some("gpt-image-2"), 4000, 500, "2448x816"),
    ];
    for (model, w, h, _) in cases {
        let mut r = request();
        r.model = model.map(str::to_string);
        r.width = w;
        r.height = h;
        let image = provider.generate(r).await.unwrap();
        assert_eq!(image.model, model.unwrap_or("gpt-image-1"));
    }
    let sent = fake.requests();
    for (i, (model, _, _, size)) in cases.iter().enumerate() {
        let body = sent[i].json();
        assert_eq!(body["size"], *size, "case {i}");
        assert_eq!(body["model"], model.unwrap_or("gpt-image-1"));
    }
}

#[tokio::test]
async fn one_reference_goes_to_the_edits_endpoint_as_image() {
    let (fake, provider) = setup(|_| {}).await;
    let photo = likeness_fakes::png(20, 30);
    let mut r = request();
    r.references = vec![reference(photo.clone(), "image/png")];
    let image = provider.generate(r).await.unwrap();
    assert_eq!(image.details["references_sent"], 1);

    let sent = fake.requests();
    assert_eq!(sent[0].path, "/v1/images/edits");
    assert!(
        sent[0]
            .header("content-type")
            .unwrap()
            .starts_with("multipart/form-data; boundary=")
    );
    assert_eq!(
        sent[0].header("authorization"),
        Some(&*format!("Bearer {KEY}"))
    );
    let forms = fake.forms();
    assert_eq!(forms.len(), 1);
    let form = &forms[0];
    assert_eq!(form.images.len(), 1);
    assert_eq!(form.images[0].field, "image");
    assert_eq!(form.images[0].filename.as_deref(), Some("reference-1.png"));
    assert_eq!(form.images[0].content_type.as_deref(), Some("image/png"));
    assert_eq!(form.images[0].bytes, photo);
    assert_eq!(form.field("model"), Some("gpt-image-1"));
    assert_eq!(
        form.field("prompt"),
        Some("A friendly portrait of a consultant")
    );
    assert_eq!(form.field("n"), Some("1"));
    assert_eq!(form.field("size"), Some("1024x1024"));
    assert_eq!(form.field("output_format"), Some("png"));
    let names: Vec<&str> = form.fields.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        ["model", "n", "output_format", "prompt", "size"],
        "nothing unset is sent"
    );
}

#[tokio::test]
async fn several_references_are_repeated_image_brackets_parts_with_fidelity() {
    let (fake, provider) = setup(|c| {
        c.input_fidelity = Some("high".into());
        c.quality = Some("low".into());
    })
    .await;
    let refs = [
        (likeness_fakes::png(16, 16), "image/png"),
        (jpeg(24, 12), "image/jpeg"),
        (likeness_fakes::png(9, 13), "image/png"),
    ];
    let mut r = request();
    r.references = refs.iter().map(|(b, t)| reference(b.clone(), t)).collect();
    provider.generate(r).await.unwrap();

    let form = &fake.forms()[0];
    assert_eq!(form.images.len(), 3);
    for (i, (upload, (bytes, ct))) in form.images.iter().zip(&refs).enumerate() {
        assert_eq!(upload.field, "image[]");
        assert_eq!(upload.content_type.as_deref(), Some(*ct));
        assert_eq!(upload.bytes, *bytes, "reference {i} arrives byte for byte");
        let ext = if *ct == "image/jpeg" { "jpg" } else { "png" };
        assert_eq!(
            upload.filename.as_deref(),
            Some(&*format!("reference-{}.{ext}", i + 1))
        );
    }
    assert_eq!(form.field("input_fidelity"), Some("high"));
    assert_eq!(form.field("quality"), Some("low"));
    // The raw body is in the log too.
    let raw = &fake.requests()[0].body;
    assert_eq!(raw.windows(9).filter(|w| w == b"\"image[]\"").count(), 3);
}

#[tokio::test]
async fn mini_gets_no_input_fidelity_and_references_stop_at_sixteen() {
    let (fake, provider) = setup(|c| c.input_fidelity = Some("high".into())).await;
    let mut r = request();
    r.model = Some("gpt-image-1-mini".into());
    r.references = (0..18)
        .map(|i| reference(likeness_fakes::png(8 + i, 8), "image/png"))
        .collect();
    let image = provider.generate(r).await.unwrap();
    let form = &fake.forms()[0];
    assert_eq!(form.field("input_fidelity"), None);
    assert_eq!(form.images.len(), 16);
    assert_eq!(
        form.images[15].bytes,
        likeness_fakes::png(23, 8),
        "the first sixteen"
    );
    assert_eq!(image.details["references_sent"], 16);
    assert_eq!(image.details["references_dropped"], 2);
}

#[tokio::test]
async fn moderation_blocks_are_content_filtered_with_their_stage() {
    let e = failure(Reply::ModerationBlocked {
        stage: "output".into(),
    })
    .await;
    assert_eq!(e.code(), "provider.content_filtered");
    assert!(!e.is_retryable());
    let ProviderError::ContentFiltered {
        reason, message, ..
    } = &e
    else {
        panic!("{e:?}")
    };
    assert!(
        reason.contains("moderation_blocked") && reason.contains("output"),
        "{reason}"
    );
    assert!(
        message.contains("safety system") && message.contains("req_"),
        "{message}"
    );

    let e = failure(Reply::ContentPolicy).await;
    assert_eq!(e.code(), "provider.content_filtered");
    assert!(e.to_string().contains("content_policy_violation"), "{e}");
}

#[tokio::test]
async fn rate_limits_carry_the_retry_hint() {
    let e = failure(Reply::RateLimited {
        retry_after_ms: Some(1500),
        retry_after: Some("2".into()),
    })
    .await;
    assert_eq!(e.code(), "provider.rate_limited");
    assert_eq!(
        e.retry_after(),
        Some(Duration::from_millis(1500)),
        "retry-after-ms wins"
    );
    assert!(
        e.to_string()
            .contains("Rate limit exceeded for images per minute"),
        "{e}"
    );

    let e = failure(Reply::RateLimited {
        retry_after_ms: None,
        retry_after: Some("7".into()),
    })
    .await;
    assert_eq!(e.retry_after(), Some(Duration::from_secs(7)));

    let e = failure(Reply::RateLimited {
        retry_after_ms: None,
        retry_after: None,
    })
    .await;
    assert_eq!((e.code(), e.retry_after()), ("provider.rate_limited", None));
}

#[tokio::test]
async fn the_fakes_quota_answers_the_real_429() {
    let (fake, provider) = setup(|_| {}).await;
    fake.set_quota(Some(Arc::new(Quota::new(
        5.0,
        1.0,
        Duration::from_millis(2500),
    ))));
    provider.generate(request()).await.unwrap();
    let e = provider.generate(request()).await.unwrap_err();
    assert_eq!(e.code(), "provider.rate_limited");
    assert_eq!(e.retry_after(), Some(Duration::from_millis(2500)));
    assert!(
        e.to_string().contains("Limit: 5/1min. Current: 6/1min."),
        "{e}"
    );
    let refused = &fake.requests()[1];
    assert_eq!(refused.path, "/v1/images/generations");
}

#[tokio::test]
async fn no_credit_needs_an_operator() {
    for reply in [Reply::InsufficientQuota, Reply::BillingLimit] {
        let e = failure(reply).await;
        assert_eq!(e.code(), "provider.auth", "{e}");
        assert!(!e.is_retryable() && e.needs_operator());
        assert!(e.to_string().contains("billing"), "{e}");
    }
}

#[tokio::test]
async fn bad_keys_and_unverified_organisations_are_auth_errors() {
    let e = failure(Reply::BadKey).await;
    assert_eq!(e.code(), "provider.auth");
    let ProviderError::Auth { status, hint, .. } = &e else {
        panic!("{e:?}")
    };
    assert_eq!(
        (*status, hint.as_str()),
        (401, "OPENAI_API_KEY or api_key in [providers.openai]")
    );

    let e = failure(Reply::OrgNotVerified).await;
    let ProviderError::Auth {
        status, message, ..
    } = &e
    else {
        panic!("{e:?}")
    };
    assert_eq!(*status, 403);
    assert!(
        message.contains("must be verified to use the model `gpt-image-1`"),
        "{message}"
    );
    assert!(e.to_string().contains("Verify Organization"), "{e}");
}

#[tokio::test]
async fn the_fake_checks_the_key_like_openai() {
    let (fake, provider) = setup(|c| c.api_key = Some("sk-wrong-key-abcd".into())).await;
    fake.set_key(Some("sk-right-key"));
    let e = provider.generate(request()).await.unwrap_err();
    let ProviderError::Auth {
        status, message, ..
    } = &e
    else {
        panic!("{e:?}")
    };
    assert_eq!(*status, 401);
    assert!(
        message.starts_with(
            "Incorrect API key provided: sk-...abcd. You can find your API key at \
             https://platform.openai.com/account/api-keys."
        ),
        "{message}"
    );
}

#[tokio::test]
async fn server_errors_and_timeouts_are_outages() {
    for reply in [Reply::Server, Reply::Unavailable] {
        let e = failure(reply).await;
        assert_eq!(e.code(), "provider.unavailable", "{e}");
        assert!(e.is_retryable() && e.is_outage());
    }
    let e = failure(Reply::Raw {
        status: 502,
        body: "<html>Bad gateway</html>".into(),
    })
    .await;
    assert_eq!(e.code(), "provider.unavailable");

    let (fake, provider) = setup(|c| c.timeout_seconds = Some(1)).await;
    fake.push(Reply::Slow(Duration::from_secs(3), Box::new(Reply::Image)));
    let e = provider.generate(request()).await.unwrap_err();
    assert_eq!(e.code(), "provider.timeout", "{e}");
}

#[tokio::test]
async fn unusable_answers_are_bad_responses() {
    for (reply, says) in [
        (Reply::Truncated, "cut short"),
        (Reply::BadBase64, "image data"),
        (Reply::NotAnImage, "image"),
        (Reply::NoData, "no image in the answer"),
        (
            Reply::Raw {
                status: 200,
                body: r#"{"created":1,"data":[{"b64_json":null}]}"#.into(),
            },
            "no image in the answer",
        ),
        (
            Reply::Raw {
                status: 200,
                body: "not json".into(),
            },
            "not JSON",
        ),
    ] {
        let e = failure(reply.clone()).await;
        assert_eq!(e.code(), "provider.bad_response", "{reply:?}: {e}");
        assert!(e.to_string().contains(says), "{reply:?}: {e}");
    }

    let (fake, provider) = setup(|c| c.max_response_bytes = Some(20_000)).await;
    fake.push(Reply::Oversize(100_000));
    let e = provider.generate(request()).await.unwrap_err();
    assert_eq!(e.code(), "provider.bad_response");
    assert!(e.to_string().contains("max_response_bytes"), "{e}");
}

#[tokio::test]
async fn a_revised_prompt_is_kept() {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD.encode(likeness_fakes::png(10, 10));
    let body =
        json!({"created": 1, "data": [{"b64_json": b64, "revised_prompt": "A calm consultant"}]});
    let (fake, provider) = setup(|_| {}).await;
    fake.push(Reply::Raw {
        status: 200,
        body: body.to_string(),
    });
    let image = provider.generate(request()).await.unwrap();
    assert_eq!(image.revised_prompt.as_deref(), Some("A calm consultant"));
    assert_eq!((image.width, image.height), (10, 10));
    assert_eq!(
        image.cost_usd, 0.042,
        "no quality in the answer: the estimate"
    );
}

#[tokio::test]
async fn rejected_requests_are_bad_requests_naming_the_problem() {
    let (_fake, provider) = setup(|_| {}).await;
    let mut r = request();
    r.model = Some("dall-e-3".into());
    let e = provider.generate(r).await.unwrap_err();
    let ProviderError::BadRequest {
        status, message, ..
    } = &e
    else {
        panic!("{e:?}")
    };
    assert_eq!(*status, 404);
    assert!(
        message.contains("The model `dall-e-3` does not exist"),
        "{message}"
    );
    assert!(e.needs_operator() && !e.is_retryable());

    let e = failure(Reply::Raw {
        status: 400,
        body: json!({"error": {"message": "Invalid value: 'x'.", "type": "invalid_request_error",
            "param": "size", "code": "invalid_value"}})
        .to_string(),
    })
    .await;
    assert_eq!(e.code(), "provider.bad_request");
    assert!(e.to_string().contains("[param size]"), "{e}");
}

#[tokio::test]
async fn without_a_key_nothing_is_sent() {
    let fake = OpenAiFake::start().await;
    let provider = OpenAi::new(settings(&fake, |c| c.api_key = None));
    let e = provider.ready().unwrap_err();
    let ProviderError::NoKey { provider: p, env } = &e else {
        panic!("{e:?}")
    };
    assert_eq!((p.as_str(), env.as_str()), ("openai", "OPENAI_API_KEY"));
    let e = provider.generate(request()).await.unwrap_err();
    assert_eq!(e.code(), "provider.no_key");
    assert!(fake.requests().is_empty());
}

#[tokio::test]
async fn estimates_come_from_the_price_table() {
    let (_fake, provider) = setup(|_| {}).await;
    assert_eq!(
        provider.estimate_usd("gpt-image-1", 1024, 1024),
        0.042,
        "unset: medium"
    );
    assert_eq!(provider.estimate_usd("gpt-image-1", 800, 1200), 0.063);
    assert_eq!(provider.estimate_usd("gpt-image-1-mini", 1024, 1024), 0.008);
    assert_eq!(provider.estimate_usd("gpt-image-2", 1024, 1024), 0.053);
    assert_eq!(provider.concurrency(), 4);
    let (_fake, provider) = setup(|c| {
        c.quality = Some("high".into());
        c.concurrency = Some(7);
    })
    .await;
    assert_eq!(provider.estimate_usd("gpt-image-1", 1536, 1024), 0.25);
    assert_eq!(provider.concurrency(), 7);
    let (_fake, provider) = setup(|c| c.quality = Some("auto".into())).await;
    assert_eq!(
        provider.estimate_usd("gpt-image-1.5", 1024, 1024),
        0.034,
        "auto: medium"
    );
}

/// The fake refuses what the real server refuses, so the tests above prove something.
#[tokio::test]
async fn the_fake_validates_like_the_server() {
    let fake = OpenAiFake::start().await;
    let client = reqwest::Client::new();
    let url = format!("{}/images/generations", fake.base_url());
    let post = |body: Value, key: Option<&str>| {
        let mut b = client.post(&url).json(&body);
        if let Some(k) = key {
            b = b.bearer_auth(k);
        }
        async move {
            let r = b.send().await.unwrap();
            (r.status().as_u16(), r.json::<Value>().await.unwrap())
        }
    };
    let ok = json!({"model": "gpt-image-1", "prompt": "p", "size": "1024x1024"});

    let mut with_format = ok.clone();
    with_format["response_format"] = "b64_json".into();
    assert_eq!(
        post(with_format, Some(KEY)).await,
        (
            400,
            json!({"error": {"message": "Unknown parameter: 'response_format'.",
                "type": "invalid_request_error", "param": "response_format",
                "code": "unknown_parameter"}})
        )
    );
    let (status, body) = post(ok.clone(), None).await;
    assert_eq!(
        (status, &body["error"]["code"]),
        (401, &json!("invalid_api_key"))
    );
    let (status, body) = post(ok.clone(), Some("not-a-key")).await;
    assert_eq!(status, 401);
    assert_eq!(
        body["error"]["message"],
        "Incorrect API key provided: not...-key. You can find your API key at \
         https://platform.openai.com/account/api-keys."
    );
    let (status, body) = post(json!({"model": "dall-e-3", "prompt": "p"}), Some(KEY)).await;
    assert_eq!(status, 404);
    assert_eq!(
        body["error"]["message"],
        "The model `dall-e-3` does not exist or you do not have access to it."
    );
    let (status, body) = post(json!({"prompt": "p"}), Some(KEY)).await;
    assert_eq!(
        (status, &body["error"]["code"]),
        (404, &json!("model_not_found")),
        "default dall-e-2"
    );
    let (status, body) = post(
        json!({"model": "gpt-image-1", "prompt": "p", "size": "512x512"}),
        Some(KEY),
    )
    .await;
    assert_eq!((status, &body["error"]["param"]), (400, &json!("size")));
    let (status, _) = post(
        json!({"model": "gpt-image-2", "prompt": "p", "size": "1000x1000"}),
        Some(KEY),
    )
    .await;
    assert_eq!(status, 400, "not a multiple of 16");
    let (status, body) = post(json!({"model": "gpt-image-1"}), Some(KEY)).await;
    assert_eq!((status, &body["error"]["param"]), (400, &json!("prompt")));
    let (status, body) = post(ok.clone(), Some(KEY)).await;
    assert_eq!(status, 200);
    assert!(body["data"][0]["b64_json"].is_string() && body["usage"].is_object());

    let form = reqwest::multipart::Form::new()
        .text("model", "gpt-image-1")
        .text("prompt", "p");
    let r = client
        .post(format!("{}/images/edits", fake.base_url()))
        .bearer_auth(KEY)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    assert!(r.headers().get("x-ratelimit-limit-requests").is_none());
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["param"], "image");
    assert!(fake.requests().len() >= 9);
}
