//! Gravatar/Libravatar-compatible avatars against the real server: lookups by MD5, SHA-256 and
//! user name, Gravatar's parameters, drawn defaults, caching, refusals, and the URLs GitLab,
//! Gitea, Discourse and Rocket.Chat build from the settings the README gives them.

use crate::util;

use md5::{Digest, Md5};
use reqwest::StatusCode;
use reqwest::header::{CACHE_CONTROL, CONTENT_TYPE, ETAG, IF_NONE_MATCH, LOCATION};
use sha2::Sha256;
use util::TestDir;
use util::server::{Server, client, error_code};

fn md5_hex(s: &str) -> String {
    likeness::hash::hex(&Md5::digest(s.trim().to_lowercase().as_bytes()))
}

fn sha256_hex(s: &str) -> String {
    likeness::hash::hex(&Sha256::digest(s.trim().to_lowercase().as_bytes()))
}

fn decode(bytes: &[u8]) -> image::DynamicImage {
    image::load_from_memory(bytes).expect("an image")
}

/// Two people with addresses and user names, one FHIR patient with a telecom address, and
/// one person without a portrait; initials portraits for all but the last.
fn seeded() -> TestDir {
    let t = TestDir::new();
    let people = t.write(
        "people.csv",
        "id,name,email,username\n\
         p1,Ada Lovelace, Ada@Example.org ,ada_l\n\
         p2,Grace Hopper,grace@example.org,Grace\n",
    );
    t.run(&["import", people.to_str().unwrap()]).ok();
    let patient = t.write(
        "patient.json",
        r#"{"resourceType":"Patient","id":"f1","name":[{"family":"Curie","given":["Marie"]}],
            "telecom":[{"system":"phone","value":"555"},{"system":"email","value":"marie@example.org"}]}"#,
    );
    t.run(&["import", patient.to_str().unwrap()]).ok();
    t.run(&["generate", "--style", "initials"]).ok();
    let late = t.write(
        "late.jsonl",
        r#"{"id":"p3","name":"No Picture","attributes":{"email":"none@example.org"}}"#,
    );
    t.run(&["import", late.to_str().unwrap()]).ok();
    t.write(
        "data/likeness.toml",
        "default_style = \"initials\"\n[avatar]\nmax_size = 300\nredirect_hosts = [\"seccdn.libravatar.org\"]\n",
    );
    t
}

async fn get(url: &str) -> reqwest::Response {
    client().get(url).send().await.unwrap()
}

/// The subject's current portrait as the route should answer it at `size`.
fn expected_portrait(t: &TestDir, id: &str, size: u32) -> Vec<u8> {
    let history = t.run(&["--json", "history", id]).ok().json();
    let current = history
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["current"] == true && h["style"] == "initials")
        .expect("a current initials portrait");
    let key = current["storage_key"].as_str().unwrap();
    likeness::avatar::fit(&t.asset_bytes(key), size, likeness::avatar::Format::Png).unwrap()
}

#[tokio::test]
async fn known_hashes_get_the_portrait_and_unknown_ones_the_default() {
    let t = seeded();
    let server = Server::start(&t, Some("avatar-test-token-0123"));
    let ada = expected_portrait(&t, "p1", 80);

    // MD5 and SHA-256, any case, with and without an extension; public (no token).
    for hash in [
        md5_hex("ada@example.org"),
        sha256_hex("ADA@example.org ").to_uppercase(),
    ] {
        for suffix in ["", ".png"] {
            let r = get(&server.url(&format!("/avatar/{hash}{suffix}"))).await;
            assert_eq!(r.status(), StatusCode::OK, "{hash}{suffix}");
            assert_eq!(r.headers()[CONTENT_TYPE], "image/png");
            assert_eq!(r.headers()[CACHE_CONTROL], "public, max-age=300");
            assert_eq!(
                r.bytes().await.unwrap().to_vec(),
                ada,
                "Ada's portrait at 80 px"
            );
        }
    }
    let marie = get(&server.url(&format!("/avatar/{}?s=64", md5_hex("marie@example.org")))).await;
    assert_eq!(marie.status(), StatusCode::OK);
    assert_eq!(
        marie.bytes().await.unwrap().to_vec(),
        expected_portrait(&t, "f1", 64),
        "FHIR telecom"
    );

    // Sizes: s and size, clamped to [avatar] max_size, JPEG on .jpg.
    let hash = md5_hex("grace@example.org");
    for (query, side) in [("s=32", 32), ("size=120", 120), ("s=5000", 300), ("s=0", 1)] {
        let r = get(&server.url(&format!("/avatar/{hash}?{query}"))).await;
        let image = decode(&r.bytes().await.unwrap());
        assert_eq!((image.width(), image.height()), (side, side), "{query}");
    }
    let r = get(&server.url(&format!("/avatar/{hash}.jpg?s=50"))).await;
    assert_eq!(r.headers()[CONTENT_TYPE], "image/jpeg");
    assert_eq!(decode(&r.bytes().await.unwrap()).width(), 50);

    // Unknown hashes and a subject without a portrait: the default, drawn from the hash.
    let unknown = md5_hex("nobody@example.org");
    let a = get(&server.url(&format!("/avatar/{unknown}?d=identicon&s=64"))).await;
    assert_eq!(a.status(), StatusCode::OK);
    let a = a.bytes().await.unwrap();
    let again = get(&server.url(&format!("/avatar/{unknown}?d=identicon&s=64"))).await;
    assert_eq!(again.bytes().await.unwrap(), a, "same hash, same picture");
    let other = get(&server.url(&format!("/avatar/{}?d=identicon&s=64", md5_hex("x@y.z")))).await;
    assert_ne!(
        other.bytes().await.unwrap(),
        a,
        "another hash, another picture"
    );
    for d in [
        "mp",
        "mm",
        "monsterid",
        "wavatar",
        "retro",
        "robohash",
        "blank",
        "initials",
        "color",
    ] {
        let r = get(&server.url(&format!("/avatar/{unknown}?d={d}&s=40"))).await;
        assert_eq!(r.status(), StatusCode::OK, "d={d}");
        assert_eq!(decode(&r.bytes().await.unwrap()).width(), 40, "d={d}");
    }
    let none = md5_hex("none@example.org");
    let r = get(&server.url(&format!("/avatar/{none}?d=404"))).await;
    assert_eq!(
        r.status(),
        StatusCode::NOT_FOUND,
        "a subject without a portrait is a miss"
    );
    assert_eq!(error_code(r).await, "avatar.not_found");
    let r = get(&server.url(&format!("/avatar/{unknown}?d=404"))).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);

    // f=y: the default even for a known hash.
    let forced = get(&server.url(&format!("/avatar/{hash}?f=y&d=identicon"))).await;
    assert_ne!(
        forced.bytes().await.unwrap().to_vec(),
        expected_portrait(&t, "p2", 80)
    );
}

#[tokio::test]
async fn redirects_only_to_listed_hosts_and_bad_input_is_refused() {
    let t = seeded();
    let server = Server::start(&t, None);
    let unknown = md5_hex("nobody@example.org");
    let allowed = "https://seccdn.libravatar.org/avatar/abc?s=80";
    let encoded: String = form_urlencoded::byte_serialize(allowed.as_bytes()).collect();
    let r = get(&server.url(&format!("/avatar/{unknown}?d={encoded}"))).await;
    assert_eq!(r.status(), StatusCode::FOUND);
    assert_eq!(r.headers()[LOCATION], allowed);
    // A known subject is answered, not redirected.
    let known = md5_hex("grace@example.org");
    let r = get(&server.url(&format!("/avatar/{known}?d={encoded}"))).await;
    assert_eq!(r.status(), StatusCode::OK);

    for (query, code) in [
        ("d=https%3A%2F%2Fevil.example%2Fx.png", "avatar.bad_default"),
        (
            "d=https%3A%2F%2Fseccdn.libravatar.org.evil.example%2F",
            "avatar.bad_default",
        ),
        ("d=javascript%3Aalert(1)", "avatar.bad_default"),
        ("d=wat", "avatar.bad_default"),
        ("s=big", "http.bad_query"),
        ("s=-1", "http.bad_query"),
        ("color=red", "http.bad_query"),
    ] {
        let r = get(&server.url(&format!("/avatar/{unknown}?{query}"))).await;
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{query}");
        assert_eq!(error_code(r).await, code, "{query}");
    }
    for path in [
        "/avatar/abc",
        "/avatar/..%2F..%2Fetc%2Fpasswd",
        &format!("/avatar/{}", "g".repeat(32)),
        &format!("/avatar/u/{}", "x".repeat(129)),
        "/avatar/u/ada_l/big.png",
    ] {
        let r = get(&server.url(path)).await;
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{path}");
        assert_eq!(error_code(r).await, "http.bad_path", "{path}");
    }
}

#[tokio::test]
async fn etags_revalidate_and_a_new_portrait_shows_at_once() {
    let t = seeded();
    let server = Server::start(&t, None);
    let url = server.url(&format!("/avatar/{}?s=96", md5_hex("ada@example.org")));
    let first = get(&url).await;
    let etag = first.headers()[ETAG].to_str().unwrap().to_string();
    assert!(etag.starts_with('"'), "strong: {etag}");
    let body = first.bytes().await.unwrap();
    let r = client()
        .get(&url)
        .header(IF_NONE_MATCH, &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(r.headers()[CACHE_CONTROL], "public, max-age=300");

    // A new version becomes current (the person's name changed, so did the letters): the same
    // URL on the running server answers with it, and the old ETag no longer matches.
    let renamed = t.write(
        "renamed.csv",
        "id,name,email,username\np1,Augusta King,ada@example.org,ada_l\n",
    );
    t.run(&["import", renamed.to_str().unwrap()]).ok();
    t.run(&[
        "generate",
        "--style",
        "initials",
        "--subject",
        "p1",
        "--force",
    ])
    .ok();
    let r = client()
        .get(&url)
        .header(IF_NONE_MATCH, &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "a new portrait is a new ETag");
    let now = r.bytes().await.unwrap();
    assert!(now != body, "the new current version is served");
    assert!(
        now.to_vec() == expected_portrait(&t, "p1", 96),
        "and it is the new portrait"
    );
}

/// The settings the README gives each app, with the URL each app builds from them.
#[tokio::test]
async fn the_readmes_settings_for_gitlab_gitea_discourse_and_rocket_chat_work() {
    let t = seeded();
    let server = Server::start(&t, None);
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md")).unwrap();
    let setting = |prefix: &str| -> String {
        let line = readme
            .lines()
            .map(str::trim)
            .find(|l| l.starts_with(prefix))
            .unwrap_or_else(|| panic!("README has no line starting {prefix:?}"));
        let value = line[prefix.len()..].trim().trim_matches('\'');
        value.replace("https://likeness.example", &server.base)
    };
    let ada = "ada@example.org";
    let portrait = |size| expected_portrait(&t, "p1", size);

    // GitLab: %{hash} (SHA-256 now, MD5 before) and %{size} substituted into the template.
    let gitlab = setting("gitlab_rails['gravatar_ssl_url'] =");
    for hash in [sha256_hex(ada), md5_hex(ada)] {
        let url = gitlab.replace("%{hash}", &hash).replace("%{size}", "48");
        let r = get(&url).await;
        assert_eq!(r.status(), StatusCode::OK, "{url}");
        assert_eq!(r.bytes().await.unwrap().to_vec(), portrait(48), "{url}");
    }

    // Gitea: path.Join(source, hash), then ?d=identicon&s=SIZE.
    let gitea = setting("GRAVATAR_SOURCE =");
    let url = format!(
        "{}/{}?d=identicon&s=40",
        gitea.trim_end_matches('/'),
        md5_hex(ada)
    );
    assert_eq!(
        get(&url).await.bytes().await.unwrap().to_vec(),
        portrait(40),
        "{url}"
    );

    // Discourse: {username} URL-encoded, {color} six hex digits; the browser fills {size}.
    let discourse = setting("external_system_avatars_url =");
    let url = discourse
        .replace("{username}", "Ada_L")
        .replace("{color}", "e9dd00")
        .replace("{size}", "45");
    assert_eq!(
        get(&url).await.bytes().await.unwrap().to_vec(),
        portrait(45),
        "{url}"
    );
    let stranger = discourse
        .replace("{username}", "zoë")
        .replace("{color}", "e9dd00")
        .replace("{size}", "45");
    let r = get(&stranger).await;
    assert_eq!(r.status(), StatusCode::OK, "{stranger}");
    let letter = decode(&r.bytes().await.unwrap()).to_rgb8();
    assert_eq!(letter.dimensions(), (45, 45));
    assert_eq!(
        letter.get_pixel(1, 1).0,
        [0xe9, 0xdd, 0x00],
        "Discourse's colour as background"
    );

    // Rocket.Chat: {username}.
    let rocket = setting("Accounts_AvatarExternalProviderUrl =");
    let url = rocket.replace("{username}", "grace");
    assert_eq!(
        get(&url).await.bytes().await.unwrap().to_vec(),
        expected_portrait(&t, "p2", 80),
        "{url}"
    );
}
