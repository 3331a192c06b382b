//! What the UI's pages show: structure, images, the gallery's keyset pages and filters.

use reqwest::StatusCode;
use reqwest::header::{CACHE_CONTROL, LOCATION};
use scraper::Html;

use super::{ADMIN, Browser, check_structure, page_tiles, seeded, sel, texts};
use crate::util::TestDir;
use crate::util::server::Server;

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
