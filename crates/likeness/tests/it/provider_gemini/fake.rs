//! The fake Gemini server itself, spoken to directly: what the real server accepts (snake_case
//! keys, the key in the query) and what it refuses, with its error bodies.

use base64::Engine;
use likeness_fakes::gemini::GeminiFake;
use serde_json::{Value, json};

use super::b64;

async fn post(
    fake: &GeminiFake,
    path_and_query: &str,
    key: Option<&str>,
    body: Value,
) -> (u16, Value) {
    let mut r = reqwest::Client::new()
        .post(format!("{}{path_and_query}", fake.base_url()))
        .json(&body);
    if let Some(k) = key {
        r = r.header("x-goog-api-key", k);
    }
    let response = r.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

#[tokio::test]
async fn the_fake_accepts_snake_case_and_the_key_in_the_query() {
    let fake = GeminiFake::start().await;
    let body = json!({
        "contents": [{"parts": [
            {"text": "a portrait"},
            {"inline_data": {"mime_type": "image/png", "data": b64(&likeness_fakes::png(4, 4))}},
        ]}],
        "generation_config": {
            "response_modalities": ["TEXT", "IMAGE"],
            "image_config": {"aspect_ratio": "16:9", "image_size": "2K"},
        },
    });
    let (status, answer) = post(
        &fake,
        "/v1beta/models/gemini-3-pro-image:generateContent?key=abc",
        None,
        body,
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    let parts = answer["candidates"][0]["content"]["parts"]
        .as_array()
        .unwrap();
    let data = parts
        .iter()
        .find_map(|p| p["inlineData"]["data"].as_str())
        .expect("a camelCase inlineData part");
    let png = base64::engine::general_purpose::STANDARD
        .decode(data)
        .unwrap();
    let img = image::load_from_memory(&png).unwrap();
    assert_eq!((img.width(), img.height()), (64, 36));
    assert_eq!(fake.requests()[0].query, "key=abc");
}

#[tokio::test]
async fn the_fake_refuses_what_the_real_server_refuses() {
    let fake = GeminiFake::start().await;
    let path = |model: &str| format!("/v1beta/models/{model}:generateContent");
    let with_config = |config: Value| json!({"contents": [{"parts": [{"text": "x"}]}], "generationConfig": config});

    let (status, v) = post(
        &fake,
        &path("gemini-2.5-flash-image"),
        None,
        with_config(json!({})),
    )
    .await;
    assert_eq!(status, 403);
    assert_eq!(v["error"]["status"], "PERMISSION_DENIED");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("Method doesn't allow unregistered callers")
    );

    let (status, v) = post(
        &fake,
        &path("gemini-2.5-flash-image"),
        Some("k"),
        with_config(json!({"responseModalities": ["IMAGE"], "size": "1024x1024"})),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(
        v["error"]["message"],
        "Invalid JSON payload received. Unknown name \"size\" at 'generation_config': Cannot find field."
    );
    assert_eq!(
        v["error"]["details"][0]["@type"],
        "type.googleapis.com/google.rpc.BadRequest"
    );

    let (status, v) = post(
        &fake,
        &path("gemini-3-pro-image"),
        Some("k"),
        with_config(json!({"imageConfig": {"personGeneration": "ALLOW_ALL"}})),
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Unknown name \"personGeneration\" at 'generation_config.image_config'")
    );

    for (model, size) in [
        ("gemini-3-pro-image", "1k"),
        ("gemini-3-pro-image", "512"),
        ("gemini-3.1-flash-image", "512px"),
        ("gemini-2.5-flash-image", "1K"),
    ] {
        let (status, v) = post(
            &fake,
            &path(model),
            Some("k"),
            with_config(json!({"imageConfig": {"aspectRatio": "1:1", "imageSize": size}})),
        )
        .await;
        assert_eq!(status, 400, "{model} {size}");
        assert_eq!(v["error"]["status"], "INVALID_ARGUMENT", "{model} {size}");
    }

    let (status, _) = post(
        &fake,
        &path("gemini-3.1-flash-image"),
        Some("k"),
        with_config(json!({"imageConfig": {"imageSize": "512"}})),
    )
    .await;
    assert_eq!(status, 200, "512 is 3.1 Flash's own size");

    let (status, v) = post(
        &fake,
        &path("gemini-2.5-flash"),
        Some("k"),
        with_config(json!({"responseModalities": ["IMAGE"]})),
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("response modalities")
    );

    let (status, v) = post(
        &fake,
        &path("gemini-2.5-flash-image"),
        Some("k"),
        json!({"contents": [{"parts": [{"inlineData": {"mimeType": "image/png", "data": "%%%"}}]}]}),
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Base64 decoding failed")
    );
}
