//! The Gemini provider against the fake Gemini server over real HTTP: what goes over the
//! wire, what comes back, and every failure shape mapped to its typed error.

use std::time::Duration;

use base64::Engine;
use likeness::provider::gemini::Gemini;
use likeness::provider::settings::{ProviderConfig, ProviderSettings};
use likeness::provider::{GenerateRequest, Provider, ProviderError, Reference, sample_request};
use likeness_fakes::gemini::{self, GeminiFake, Reply};
use serde_json::{Value, json};

/// Tests of the fake server itself.
mod fake;

const KEY: &str = "test-gemini-key";

fn gemini_with(fake: &GeminiFake, tweak: impl FnOnce(&mut ProviderConfig)) -> Gemini {
    let mut config = ProviderConfig {
        base_url: Some(fake.base_url()),
        api_key: Some(KEY.into()),
        ..Default::default()
    };
    tweak(&mut config);
    let settings = ProviderSettings::resolve("gemini", Some(&config), &|_| None).unwrap();
    Gemini::new(settings)
}

fn gemini(fake: &GeminiFake) -> Gemini {
    gemini_with(fake, |_| {})
}

fn request() -> GenerateRequest {
    sample_request("consultant")
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn reference(width: u32, height: u32) -> Reference {
    Reference {
        bytes: likeness_fakes::png(width, height).into(),
        content_type: "image/png",
    }
}

/// The one request the fake received, as JSON.
fn only_body(fake: &GeminiFake) -> Value {
    let requests = fake.requests();
    assert_eq!(requests.len(), 1, "exactly one attempt per call");
    requests[0].json()
}

async fn fails(fake: &GeminiFake, reply: Reply) -> ProviderError {
    fake.push(reply.clone());
    match gemini(fake).generate(request()).await {
        Ok(g) => panic!("{reply:?} gave an image: {:?}", g.details),
        Err(e) => e,
    }
}

#[tokio::test]
async fn an_image_comes_back_and_the_request_is_camel_case_with_key_header() {
    let fake = GeminiFake::start().await;
    let mut req = request();
    req.width = 1024;
    req.height = 768;
    req.negative_prompt = Some("blurry, text".into());
    let refs = [reference(20, 30), reference(40, 10)];
    req.references = refs.to_vec();
    let g = gemini(&fake).generate(req.clone()).await.unwrap();

    assert_eq!((g.width, g.height), (64, 48), "a 4:3 image from the fake");
    assert_eq!(g.content_type, "image/png");
    assert!(g.bytes.starts_with(b"\x89PNG"));
    assert_eq!(g.provider, "gemini");
    assert_eq!(g.model, "gemini-2.5-flash-image");
    assert_eq!(g.cost_usd, 0.039);
    assert!(g.render_us > 0);
    assert_eq!(g.details["finishReason"], "STOP");
    assert_eq!(g.details["modelVersion"], "gemini-2.5-flash-image");
    assert_eq!(g.details["text"], gemini::IMAGE_TEXT);
    assert!(
        g.details["responseId"]
            .as_str()
            .unwrap()
            .starts_with("fake-")
    );
    assert_eq!(g.details["usageMetadata"]["candidatesTokenCount"], 1290);
    assert_eq!(g.details["references_sent"], 2);

    let r = &fake.requests()[0];
    assert_eq!(
        r.path,
        "/v1beta/models/gemini-2.5-flash-image:generateContent"
    );
    assert_eq!(r.header("x-goog-api-key"), Some(KEY));
    assert!(!r.query.contains(KEY), "the key stays out of the URL");
    let body = r.json();
    let parts = body["contents"][0]["parts"].as_array().unwrap();
    assert_eq!(parts.len(), 3);
    assert_eq!(
        parts[0]["text"],
        format!("{}\n\nAvoid: blurry, text", req.prompt)
    );
    for (part, r) in parts[1..].iter().zip(&refs) {
        assert_eq!(part["inlineData"]["mimeType"], "image/png");
        assert_eq!(part["inlineData"]["data"], b64(&r.bytes));
    }
    assert_eq!(
        body["generationConfig"],
        json!({"responseModalities": ["IMAGE"], "imageConfig": {"aspectRatio": "4:3"}}),
        "no imageSize on gemini-2.5-flash-image"
    );
    let text = String::from_utf8_lossy(&r.body);
    assert!(!text.contains("inline_data") && !text.contains("generation_config"));
}

#[tokio::test]
async fn gemini_3_models_get_an_image_size_from_the_long_edge() {
    let fake = GeminiFake::start().await;
    let g = gemini(&fake);
    let mut req = request();
    req.model = Some("gemini-3-pro-image".into());
    req.width = 2048;
    req.height = 2048;
    let out = g.generate(req).await.unwrap();
    assert_eq!(out.model, "gemini-3-pro-image");
    assert_eq!(out.cost_usd, 0.134);
    assert_eq!(out.details["imageSize"], "2K");
    let mut req = request();
    req.model = Some("gemini-3.1-flash-image-preview".into());
    req.width = 288;
    req.height = 512;
    g.generate(req).await.unwrap();

    let requests = fake.requests();
    assert_eq!(
        requests[0].path,
        "/v1beta/models/gemini-3-pro-image:generateContent"
    );
    assert_eq!(
        requests[0].json()["generationConfig"]["imageConfig"],
        json!({"aspectRatio": "1:1", "imageSize": "2K"})
    );
    assert_eq!(
        requests[1].json()["generationConfig"]["imageConfig"],
        json!({"aspectRatio": "9:16", "imageSize": "512"})
    );
}

#[tokio::test]
async fn references_beyond_the_models_limit_are_dropped_and_noted() {
    let fake = GeminiFake::start().await;
    let mut req = request();
    req.references = (1..=5).map(|i| reference(8 * i, 8)).collect();
    let g = gemini(&fake).generate(req.clone()).await.unwrap();
    assert_eq!(g.details["references_sent"], 3);
    assert_eq!(g.details["references_dropped"], 2);
    let body = only_body(&fake);
    let parts = body["contents"][0]["parts"].as_array().unwrap();
    assert_eq!(parts.len(), 4, "the prompt and the first three references");
    assert_eq!(
        parts[3]["inlineData"]["data"],
        b64(&req.references[2].bytes)
    );
}

#[tokio::test]
async fn text_before_after_or_absent_does_not_matter() {
    let fake = GeminiFake::start().await;
    fake.push(Reply::ImageTextFirst);
    fake.push(Reply::Image);
    fake.push(Reply::ImageOnly);
    let g = gemini(&fake);
    for expect_text in [true, true, false] {
        let out = g.generate(request()).await.unwrap();
        assert_eq!((out.width, out.height), (64, 64));
        assert_eq!(out.details.contains_key("text"), expect_text);
    }
}

#[tokio::test]
async fn thought_parts_are_skipped_for_the_final_image() {
    let fake = GeminiFake::start().await;
    fake.push(Reply::WithThoughts);
    let mut req = request();
    req.model = Some("gemini-3-pro-image-preview".into());
    let out = gemini(&fake).generate(req).await.unwrap();
    assert_eq!(
        (out.width, out.height),
        (gemini::IMAGE_EDGE, gemini::IMAGE_EDGE),
        "the final image, not the {0}x{0} thought image",
        gemini::THOUGHT_EDGE
    );
    assert!(
        !out.details.contains_key("text"),
        "thought text is not the model's answer"
    );
    assert_eq!(out.details["usageMetadata"]["thoughtsTokenCount"], 240);
}

#[tokio::test]
async fn every_http_200_refusal_is_content_filtered_with_its_reason() {
    let fake = GeminiFake::start().await;
    let cases: Vec<(Reply, &str, bool, &str)> = vec![
        (
            Reply::PromptBlocked("PROHIBITED_CONTENT".into()),
            "PROHIBITED_CONTENT",
            false,
            "The prompt was blocked",
        ),
        (
            Reply::PromptBlocked("SAFETY".into()),
            "SAFETY",
            false,
            "The prompt was blocked",
        ),
        (
            Reply::FinishBlocked("IMAGE_PROHIBITED_CONTENT".into()),
            "IMAGE_PROHIBITED_CONTENT",
            false,
            "Support code",
        ),
        (
            Reply::FinishBlocked("IMAGE_SAFETY".into()),
            "IMAGE_SAFETY",
            false,
            "Support code",
        ),
        (
            Reply::FinishBlocked("SAFETY".into()),
            "SAFETY",
            false,
            "Support code",
        ),
        (
            Reply::FinishBlocked("IMAGE_RECITATION".into()),
            "IMAGE_RECITATION",
            false,
            "Support code",
        ),
        (
            Reply::FinishBlocked("IMAGE_OTHER".into()),
            "IMAGE_OTHER",
            false,
            "Support code",
        ),
        (
            Reply::FinishBlocked("OTHER".into()),
            "OTHER",
            false,
            "Support code",
        ),
        (
            Reply::TextOnly {
                finish_reason: "NO_IMAGE".into(),
            },
            "NO_IMAGE",
            true,
            "I can't create that image",
        ),
        (
            Reply::TextOnly {
                finish_reason: "STOP".into(),
            },
            "STOP",
            true,
            "I can't create that image",
        ),
        (
            Reply::TextOnly {
                finish_reason: "MAX_TOKENS".into(),
            },
            "MAX_TOKENS",
            false,
            "I can't create that image",
        ),
    ];
    for (reply, want_reason, want_retry, want_message) in cases {
        let e = fails(&fake, reply.clone()).await;
        assert_eq!(e.code(), "provider.content_filtered", "{reply:?}: {e}");
        let ProviderError::ContentFiltered {
            reason,
            retryable,
            message,
            ..
        } = &e
        else {
            unreachable!()
        };
        assert_eq!(reason, want_reason, "{reply:?}");
        assert_eq!(*retryable, want_retry, "{reply:?}");
        assert_eq!(e.is_retryable(), want_retry, "{reply:?}");
        assert!(message.contains(want_message), "{reply:?}: {message}");
    }
}

#[tokio::test]
async fn rate_limits_carry_retry_info_or_the_message_delay() {
    let fake = GeminiFake::start().await;
    let e = fails(
        &fake,
        Reply::RateLimited {
            retry_delay: "17s".into(),
        },
    )
    .await;
    assert_eq!(e.code(), "provider.rate_limited");
    assert_eq!(e.retry_after(), Some(Duration::from_secs(17)));
    assert!(e.to_string().contains("exceeded your current quota"), "{e}");

    let without_info = gemini::rate_limited_body("gemini-2.5-flash-image", "17s", false);
    let e = fails(
        &fake,
        Reply::Raw {
            status: 429,
            body: without_info.to_string(),
        },
    )
    .await;
    assert_eq!(e.code(), "provider.rate_limited");
    assert_eq!(e.retry_after(), Some(Duration::from_secs_f64(17.016342224)));
}

#[tokio::test]
async fn over_quota_requests_get_the_exact_429() {
    let fake = GeminiFake::start().await;
    fake.set_quota(Some(std::sync::Arc::new(likeness_fakes::Quota::new(
        1.0,
        1.0,
        Duration::from_secs(9),
    ))));
    let g = gemini(&fake);
    g.generate(request()).await.unwrap();
    let e = g.generate(request()).await.unwrap_err();
    assert_eq!(e.code(), "provider.rate_limited");
    assert_eq!(e.retry_after(), Some(Duration::from_secs(9)));
    assert_eq!(fake.requests().len(), 2);
}

#[tokio::test]
async fn bad_keys_and_denied_permissions_are_auth_errors() {
    let fake = GeminiFake::start().await;
    let e = fails(&fake, Reply::BadKey).await;
    assert_eq!(e.code(), "provider.auth");
    assert!(e.needs_operator());
    let ProviderError::Auth { status, hint, .. } = &e else {
        unreachable!()
    };
    assert_eq!(*status, 400);
    assert!(hint.contains("GEMINI_API_KEY"), "{hint}");
    assert!(e.to_string().contains("API key not valid"), "{e}");

    let e = fails(&fake, Reply::PermissionDenied).await;
    assert_eq!(e.code(), "provider.auth");
    assert!(
        matches!(e, ProviderError::Auth { status: 403, .. }),
        "{e:?}"
    );
}

#[tokio::test]
async fn an_unknown_model_is_sent_and_its_404_names_it() {
    let fake = GeminiFake::start().await;
    fake.push(Reply::ModelNotFound);
    let mut req = request();
    req.model = Some("gemini-9-imaginary-image".into());
    let e = gemini(&fake).generate(req).await.unwrap_err();
    assert_eq!(e.code(), "provider.bad_request");
    assert!(
        matches!(e, ProviderError::BadRequest { status: 404, .. }),
        "{e:?}"
    );
    assert!(
        e.to_string()
            .contains("models/gemini-9-imaginary-image is not found"),
        "{e}"
    );
    assert_eq!(
        fake.requests()[0].path,
        "/v1beta/models/gemini-9-imaginary-image:generateContent"
    );
}

#[tokio::test]
async fn the_region_block_says_how_to_get_around_it() {
    let fake = GeminiFake::start().await;
    let e = fails(&fake, Reply::LocationUnsupported).await;
    assert_eq!(e.code(), "provider.bad_request");
    let text = e.to_string();
    assert!(text.contains("User location is not supported"), "{text}");
    assert!(
        text.contains("proxy") && text.contains("base_url"),
        "{text}"
    );
}

#[tokio::test]
async fn server_errors_are_unavailable() {
    let fake = GeminiFake::start().await;
    let e = fails(&fake, Reply::Internal).await;
    assert_eq!(e.code(), "provider.unavailable");
    assert!(e.to_string().contains("internal error"), "{e}");
    let e = fails(&fake, Reply::Overloaded).await;
    assert_eq!(e.code(), "provider.unavailable");
    assert!(e.to_string().contains("overloaded"), "{e}");
    let e = fails(
        &fake,
        Reply::Raw {
            status: 502,
            body: "<html>Bad Gateway</html>".into(),
        },
    )
    .await;
    assert_eq!(e.code(), "provider.unavailable");
    let e = fails(
        &fake,
        Reply::Raw {
            status: 400,
            body: "<html>Bad Request</html>".into(),
        },
    )
    .await;
    assert_eq!(e.code(), "provider.bad_request");
}

#[tokio::test]
async fn a_slow_answer_times_out() {
    let fake = GeminiFake::start().await;
    fake.push(Reply::Slow(
        Duration::from_secs(3),
        Box::new(Reply::ImageOnly),
    ));
    let g = gemini_with(&fake, |c| c.timeout_seconds = Some(1));
    let started = std::time::Instant::now();
    let e = g.generate(request()).await.unwrap_err();
    assert_eq!(e.code(), "provider.timeout");
    assert!(started.elapsed() < Duration::from_millis(2500));
}

#[tokio::test]
async fn broken_answers_are_bad_responses() {
    let fake = GeminiFake::start().await;
    for reply in [
        Reply::Truncated,
        Reply::BadBase64,
        Reply::NotAnImage,
        Reply::Raw {
            status: 200,
            body: "<html>captive portal</html>".into(),
        },
        Reply::Raw {
            status: 200,
            body: "{}".into(),
        },
    ] {
        let e = fails(&fake, reply.clone()).await;
        assert_eq!(e.code(), "provider.bad_response", "{reply:?}: {e}");
    }
    fake.push(Reply::Oversize(200_000));
    let small = gemini_with(&fake, |c| c.max_response_bytes = Some(100_000));
    let e = small.generate(request()).await.unwrap_err();
    assert_eq!(e.code(), "provider.bad_response");
    assert!(e.to_string().contains("max_response_bytes"), "{e}");
}

#[tokio::test]
async fn without_a_key_nothing_is_sent() {
    let fake = GeminiFake::start().await;
    let g = gemini_with(&fake, |c| c.api_key = None);
    let e = g.ready().unwrap_err();
    assert_eq!(e.code(), "provider.no_key");
    assert!(
        matches!(&e, ProviderError::NoKey { provider, env } if provider == "gemini" && env == "GEMINI_API_KEY")
    );
    assert_eq!(
        g.generate(request()).await.unwrap_err().code(),
        "provider.no_key"
    );
    assert!(fake.requests().is_empty());
}

#[tokio::test]
async fn describe_asks_for_text_about_the_photo() {
    let fake = GeminiFake::start().await;
    let g = gemini(&fake);
    let photo = reference(30, 40);
    let text = g.describe(&photo, None).await.unwrap();
    assert_eq!(text, gemini::DESCRIPTION);
    let r = &fake.requests()[0];
    assert_eq!(r.path, "/v1beta/models/gemini-2.5-flash:generateContent");
    assert_eq!(r.header("x-goog-api-key"), Some(KEY));
    let body = r.json();
    assert_eq!(
        body["generationConfig"]["responseModalities"],
        json!(["TEXT"])
    );
    let parts = &body["contents"][0]["parts"];
    let instruction = parts[0]["text"].as_str().unwrap();
    assert!(
        instruction.contains("visible features") && instruction.contains("ethnicity"),
        "{instruction}"
    );
    assert_eq!(parts[1]["inlineData"]["data"], b64(&photo.bytes));

    // Long answers are capped; refusals and errors map as for images.
    fake.push(Reply::Text(format!("  {}  ", "word ".repeat(200))));
    let long = g.describe(&photo, Some("gemini-2.5-pro")).await.unwrap();
    assert!(long.chars().count() <= 400 && long.starts_with("word"));
    assert_eq!(
        fake.requests()[1].path,
        "/v1beta/models/gemini-2.5-pro:generateContent"
    );
    fake.push(Reply::FinishBlocked("SAFETY".into()));
    let e = g.describe(&photo, None).await.unwrap_err();
    assert_eq!(e.code(), "provider.content_filtered");
    fake.push(Reply::BadKey);
    let e = g.describe(&photo, None).await.unwrap_err();
    assert_eq!(e.code(), "provider.auth");
}
