//! The DiceBear-compatible URLs (`/11.x/{style}/{format}`), black-box against the real
//! `likeness serve`: formats and sizes, versions, errors, the path form, validators, caching,
//! likeness's own looks, and the SVGs byte for byte against DiceBear JS itself
//! (`js.rs`: `clients/dicebear`, run by node when `LIKENESS_TEST_DICEBEAR_JS` names it).

use reqwest::StatusCode;
use reqwest::header::{CACHE_CONTROL, CONTENT_TYPE, ETAG, IF_NONE_MATCH};
use serde_json::{Value, json};

use crate::util::TestDir;
use crate::util::server::{Server, client};

mod js;

async fn get(server: &Server, path: &str) -> reqwest::Response {
    client().get(server.url(path)).send().await.unwrap()
}

async fn bytes(server: &Server, path: &str) -> Vec<u8> {
    let r = get(server, path).await;
    assert_eq!(r.status(), StatusCode::OK, "{path}");
    r.bytes().await.unwrap().to_vec()
}

/// The error's code and body, checking the status.
async fn refused(server: &Server, path: &str, status: StatusCode) -> (String, Value) {
    let r = get(server, path).await;
    assert_eq!(r.status(), status, "{path}");
    let body: Value = r.json().await.expect("errors are JSON");
    (body["error"]["code"].as_str().unwrap().to_string(), body)
}

/// Every byte but the unreserved ones percent-encoded: the options-in-path form.
fn encoded(query: &str) -> String {
    query
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn dimensions(bytes: &[u8]) -> (u32, u32) {
    let image = image::load_from_memory(bytes).expect("a decodable image");
    (image.width(), image.height())
}

#[tokio::test]
async fn every_format_answers_with_its_type_and_size() {
    let t = TestDir::new();
    let server = Server::start(&t, None);
    for (format, kind) in [
        ("png", "image/png"),
        ("jpg", "image/jpeg"),
        ("jpeg", "image/jpeg"),
        ("webp", "image/webp"),
    ] {
        let r = get(
            &server,
            &format!("/11.x/initials/{format}?seed=Ada%20Lovelace&size=64"),
        )
        .await;
        assert_eq!(r.status(), StatusCode::OK, "{format}");
        assert_eq!(r.headers()[CONTENT_TYPE], kind, "{format}");
        assert_eq!(r.headers()[CACHE_CONTROL], "public, max-age=31536000");
        assert_eq!(r.headers()["x-robots-tag"], "noindex");
        let body = r.bytes().await.unwrap();
        let format = image::guess_format(&body).unwrap();
        assert_eq!(format.to_mime_type(), kind);
        assert_eq!(dimensions(&body), (64, 64), "{kind}");
    }
    let r = get(&server, "/11.x/shapes/svg?seed=Ada").await;
    assert_eq!(r.headers()[CONTENT_TYPE], "image/svg+xml");
    assert!(
        r.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("default-src 'none'")
    );
    let svg = r.text().await.unwrap();
    assert!(svg.starts_with("<svg ") && svg.ends_with("</svg>"), "{svg}");
    let r = get(&server, "/11.x/shapes/json?seed=Ada").await;
    assert_eq!(r.headers()[CONTENT_TYPE], "application/json");
    let json: Value = r.json().await.unwrap();
    assert_eq!(json["svg"], svg, "the json's svg is the svg");
    assert!(json["options"].is_object(), "{json}");
}

#[tokio::test]
async fn raster_sizes_default_to_128_and_are_capped() {
    let t = TestDir::new();
    let server = Server::start(&t, None);
    let side = |b: Vec<u8>| dimensions(&b).0;
    assert_eq!(side(bytes(&server, "/11.x/shapes/png?seed=a").await), 128);
    assert_eq!(
        side(bytes(&server, "/11.x/shapes/png?seed=a&size=1000").await),
        256
    );
    assert_eq!(
        side(bytes(&server, "/11.x/shapes/webp?seed=a&size=4096").await),
        256
    );
    assert_eq!(
        side(bytes(&server, "/11.x/shapes/png?seed=a&size=1").await),
        1
    );
    for bad in [
        "size=0",
        "size=9999",
        "size=64.5",
        "size=-1",
        "size=1e400",
        "size=NaN",
        "size=",
    ] {
        let (code, _) = refused(
            &server,
            &format!("/11.x/shapes/png?{bad}"),
            StatusCode::BAD_REQUEST,
        )
        .await;
        assert_eq!(code, "dicebear.bad_option", "{bad}");
    }
    // SVGs are not capped: DiceBear writes the size into the SVG.
    let svg = String::from_utf8(bytes(&server, "/11.x/shapes/svg?size=1000").await).unwrap();
    assert!(svg.contains("width=\"1000\""), "{svg}");
    drop(server);
    t.write("data/likeness.toml", "[dicebear]\nmax_size = 48\n");
    let server = Server::start(&t, None);
    assert_eq!(side(bytes(&server, "/11.x/shapes/jpg?seed=a").await), 48);
    assert_eq!(
        side(bytes(&server, "/11.x/shapes/png?seed=a&size=256").await),
        48
    );
}

#[tokio::test]
async fn other_majors_are_not_found_and_name_the_one_served() {
    let t = TestDir::new();
    let server = Server::start(&t, None);
    for v in ["9.x", "10.x", "12.x", "1.x", ".x", "99999999999999999999.x"] {
        let (code, body) = refused(
            &server,
            &format!("/{v}/shapes/svg?seed=a"),
            StatusCode::NOT_FOUND,
        )
        .await;
        assert_eq!(code, "dicebear.version_not_served", "{v}");
        assert!(
            body["error"]["message"].as_str().unwrap().contains("11"),
            "{body}"
        );
        assert_eq!(body["error"]["details"]["served"], json!(["11.x"]));
    }
    let (code, _) = refused(&server, "/foo/shapes/svg", StatusCode::NOT_FOUND).await;
    assert_eq!(code, "http.not_found");
    // Other methods: 405 on a DiceBear URL, and any other path stays a 404.
    let post = |path: &str| client().post(server.url(path)).send();
    let r = post("/11.x/shapes/svg").await.unwrap();
    assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(r.headers()["allow"], "GET,HEAD");
    for path in ["/foo/bar/baz", "/a/b/c/d"] {
        assert_eq!(
            post(path).await.unwrap().status(),
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    let head = client()
        .head(server.url("/11.x/shapes/png?seed=a"))
        .send()
        .await
        .unwrap();
    assert_eq!(head.status(), StatusCode::OK);
    assert_eq!(head.headers()[CONTENT_TYPE], "image/png");
    // The service's own routes still route.
    for (path, status) in [
        ("/healthz", StatusCode::OK),
        ("/readyz", StatusCode::OK),
        ("/openapi.json", StatusCode::OK),
        ("/metrics", StatusCode::OK),
        ("/api/subjects", StatusCode::OK),
        ("/assets/a/b.png", StatusCode::NOT_FOUND),
        ("/v1/images/generations", StatusCode::METHOD_NOT_ALLOWED),
    ] {
        assert_eq!(get(&server, path).await.status(), status, "{path}");
    }
    let doc: Value = get(&server, "/openapi.json").await.json().await.unwrap();
    // Documented under the one major served (a `/{version}/…` template would also describe
    // `/assets/{folder}/{file}`).
    let op = &doc["paths"]["/11.x/{style}/{format}"]["get"];
    assert!(op["responses"]["404"].is_object(), "{op}");
    assert_eq!(op["security"], json!([]), "public");
    assert!(doc["paths"].get("/{version}/{style}/{format}").is_none());
}

#[tokio::test]
async fn unknown_styles_formats_and_options_are_refused_with_reasons() {
    let t = TestDir::new();
    let server = Server::start(&t, None);
    let (code, body) = refused(&server, "/11.x/nope/svg", StatusCode::NOT_FOUND).await;
    assert_eq!(code, "dicebear.unknown_style");
    let styles = body["error"]["details"]["styles"].as_array().unwrap();
    assert!(
        styles.contains(&json!("notionists")) && styles.contains(&json!("likeness-watercolor"))
    );
    // CC BY styles are not shipped; a DiceBear recipe of the catalog is reached by its own name.
    for style in [
        "adventurer",
        "dicebear-notionists",
        "likeness-dicebear-notionists",
        "...",
        "likeness-",
        "%00",
    ] {
        let (code, _) = refused(
            &server,
            &format!("/11.x/{style}/svg"),
            StatusCode::NOT_FOUND,
        )
        .await;
        assert_eq!(code, "dicebear.unknown_style", "{style}");
    }
    let (code, _) = refused(&server, "/11.x/shapes/gif", StatusCode::BAD_REQUEST).await;
    assert_eq!(code, "dicebear.bad_format");
    let cases = [
        ("nope=1", "dicebear.unknown_option"),
        ("radius=10", "dicebear.unknown_option"),
        ("fontFamily=Arial", "dicebear.unknown_option"),
        ("rotate=999", "dicebear.bad_option"),
        ("rotate=1e308", "dicebear.bad_option"),
        ("scale=NaN", "dicebear.bad_option"),
        ("flip=true", "dicebear.bad_option"),
        ("backgroundColor=transparent", "dicebear.bad_option"),
        ("backgroundColor=%00", "dicebear.bad_option"),
        ("seed=%ff&flip=%C0%80", "dicebear.bad_option"),
        ("backgroundColor[x]=1", "dicebear.bad_query"),
    ];
    for (query, expected) in cases {
        let (code, body) = refused(
            &server,
            &format!("/11.x/shapes/svg?{query}"),
            StatusCode::BAD_REQUEST,
        )
        .await;
        assert_eq!(code, expected, "{query}: {body}");
        assert!(!body["error"]["message"].as_str().unwrap().is_empty());
    }
    let (_, body) = refused(
        &server,
        "/11.x/shapes/png?radius=10",
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("borderRadius"),
        "{body}"
    );
    let long = format!("/11.x/shapes/svg?seed={}", "a".repeat(20_000));
    assert_eq!(
        refused(&server, &long, StatusCode::BAD_REQUEST).await.0,
        "dicebear.bad_query"
    );
    let seed = format!("/11.x/shapes/svg?seed={}", "é".repeat(1025));
    assert_eq!(
        refused(&server, &seed, StatusCode::BAD_REQUEST).await.0,
        "dicebear.bad_option"
    );
    // Odd but valid: drawn, not refused.
    for ok in [
        "seed=",
        "seed",
        "seed=%F0%9F%98%80%E2%80%8D",
        "seed=..%2F..%2Fetc",
        "seed=100%",
        "&&&",
    ] {
        assert_eq!(
            get(&server, &format!("/11.x/shapes/svg?{ok}"))
                .await
                .status(),
            StatusCode::OK,
            "{ok}"
        );
    }
}

#[tokio::test]
async fn the_path_form_answers_like_the_query_form() {
    let t = TestDir::new();
    let server = Server::start(&t, None);
    for (style, query) in [
        ("initials", "seed=Felix&size=64"),
        (
            "pixel-art",
            "seed=J%C3%BCrgen+M&backgroundColor=b6e3f4,c0aede&flip=horizontal",
        ),
        (
            "shapes",
            "seed=a,b&rotate=-10,10&backgroundColor%5B%5D=ff0000",
        ),
        ("watercolor", "seed=Ada&borderRadius=50"),
    ] {
        for format in ["svg", "png"] {
            let q = get(&server, &format!("/11.x/{style}/{format}?{query}")).await;
            let p = get(
                &server,
                &format!("/11.x/{style}/{format}/{}", encoded(query)),
            )
            .await;
            assert_eq!(
                (q.status(), p.status()),
                (StatusCode::OK, StatusCode::OK),
                "{style} {query}"
            );
            assert_eq!(q.headers()[ETAG], p.headers()[ETAG], "{style} {query}");
            assert_eq!(
                q.bytes().await.unwrap(),
                p.bytes().await.unwrap(),
                "{style} {format} {query}"
            );
        }
    }
    // As on DiceBear's server, the path's options replace any query.
    let a = bytes(&server, "/11.x/shapes/svg/seed%3Da?seed=b").await;
    assert_eq!(a, bytes(&server, "/11.x/shapes/svg?seed=a").await);
    assert_ne!(a, bytes(&server, "/11.x/shapes/svg?seed=b").await);
    let (code, _) = refused(
        &server,
        "/11.x/shapes/svg/nope%3D1",
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(code, "dicebear.unknown_option");
}

#[tokio::test]
async fn answers_carry_a_strong_etag_and_honour_it() {
    let t = TestDir::new();
    let server = Server::start(&t, None);
    for path in [
        "/11.x/notionists/svg?seed=Ada",
        "/11.x/notionists/png?seed=Ada",
        "/11.x/watercolor/webp?seed=Ada",
    ] {
        let r = get(&server, path).await;
        let etag = r.headers()[ETAG].clone();
        assert!(etag.to_str().unwrap().starts_with('"'), "strong: {etag:?}");
        let again = client()
            .get(server.url(path))
            .header(IF_NONE_MATCH, etag.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED, "{path}");
        assert_eq!(again.headers()[ETAG], etag);
        assert!(again.bytes().await.unwrap().is_empty());
        let other = client()
            .get(server.url(path))
            .header(IF_NONE_MATCH, "\"other\"")
            .send()
            .await
            .unwrap();
        assert_eq!(other.status(), StatusCode::OK);
    }
}

#[tokio::test]
async fn rasters_are_drawn_once_and_kept_in_the_store() {
    let t = TestDir::new();
    let server = Server::start(&t, None);
    let path = "/11.x/lorelei/png?seed=Kept&size=96";
    let first = bytes(&server, path).await;
    let cached: Vec<String> = t
        .private_files()
        .into_iter()
        .filter(|k| k.starts_with("_cache/dicebear/"))
        .collect();
    assert_eq!(cached.len(), 1, "{cached:?}");
    assert!(cached[0].ends_with(".png"), "{cached:?}");
    assert_eq!(t.asset_bytes(&cached[0]), first);
    // Never through /assets, and SVGs (cheaper to draw than to fetch) stay in memory only.
    let (code, _) = refused(
        &server,
        &format!("/assets/{}", cached[0]),
        StatusCode::NOT_FOUND,
    )
    .await;
    assert_eq!(code, "http.not_found");
    bytes(&server, "/11.x/lorelei/svg?seed=Kept").await;
    assert_eq!(
        t.private_files()
            .iter()
            .filter(|k| k.starts_with("_cache/"))
            .count(),
        1
    );
    // The same request again is the same answer, and draws nothing new.
    assert_eq!(bytes(&server, path).await, first);
    drop(server);
    // A new process answers from the store: replace the stored copy, and that is what comes.
    let marker = bytes_of_png(96);
    t.put_asset(&cached[0], &marker);
    let server = Server::start(&t, None);
    assert_eq!(
        bytes(&server, path).await,
        marker,
        "served from the store, not drawn again"
    );
    drop(server);
    t.write(
        "data/likeness.toml",
        "[dicebear]\nstore_rasters = false\ncache_bytes = 0\n",
    );
    let server = Server::start(&t, None);
    let fresh = bytes(&server, "/11.x/lorelei/png?seed=Other&size=96").await;
    assert_eq!(dimensions(&fresh), (96, 96));
    assert_eq!(
        t.private_files()
            .iter()
            .filter(|k| k.starts_with("_cache/"))
            .count(),
        1
    );
}

/// A plain PNG of `side` pixels, unlike any avatar.
fn bytes_of_png(side: u32) -> Vec<u8> {
    let image = image::RgbaImage::from_pixel(side, side, image::Rgba([1, 2, 3, 255]));
    let mut out = std::io::Cursor::new(Vec::new());
    image.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

#[tokio::test]
async fn likeness_looks_are_served_under_their_names() {
    let t = TestDir::new();
    let server = Server::start(&t, None);
    for style in [
        "watercolor",
        "geometric",
        "cartoon",
        "flat-poster",
        "likeness-initials",
        "likeness-watercolor",
    ] {
        let png = bytes(
            &server,
            &format!("/11.x/{style}/png?seed=Ada+Lovelace&size=72"),
        )
        .await;
        assert_eq!(dimensions(&png), (72, 72), "{style}");
        let svg = String::from_utf8(
            bytes(&server, &format!("/11.x/{style}/svg?seed=Ada+Lovelace")).await,
        )
        .unwrap();
        assert!(
            svg.starts_with("<svg") && !svg.contains("DiceBear"),
            "{style}"
        );
    }
    // The clash: `initials` is DiceBear's, `likeness-initials` the renderer's (from the seed).
    let dicebear =
        String::from_utf8(bytes(&server, "/11.x/initials/svg?seed=Ada+Lovelace").await).unwrap();
    assert!(dicebear.contains("DiceBear"), "{dicebear}");
    let own =
        String::from_utf8(bytes(&server, "/11.x/likeness-initials/svg?seed=Ada+Lovelace").await)
            .unwrap();
    assert!(own.contains(">AL<"), "the seed is the sitter's name: {own}");
    // Frame options reach the renderer; the seed decides.
    let plain = bytes(&server, "/11.x/cartoon/svg?seed=Ada").await;
    assert_ne!(
        plain,
        bytes(&server, "/11.x/cartoon/svg?seed=Ada&flip=horizontal").await
    );
    assert_ne!(plain, bytes(&server, "/11.x/cartoon/svg?seed=Grace").await);
    assert_ne!(
        plain,
        bytes(&server, "/11.x/cartoon/svg?seed=Ada&backgroundColor=b6e3f4").await
    );
    for bad in [
        "translateX=500",
        "eyesVariant=x",
        "flip=horizontal,vertical",
        "backgroundColor=ff000080",
    ] {
        let (code, body) = refused(
            &server,
            &format!("/11.x/watercolor/svg?{bad}"),
            StatusCode::BAD_REQUEST,
        )
        .await;
        assert!(code.starts_with("dicebear."), "{bad}: {body}");
    }
}
