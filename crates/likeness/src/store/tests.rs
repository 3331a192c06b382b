//! The store over local folders (S3: `tests/storage.rs`, against a real server).

use super::*;

#[test]
fn keys_are_readable_and_content_addressed() {
    let key = asset_key(
        "p-17",
        "jane-doe",
        "watercolor",
        "3fa2c9d1e07b4c55aa00",
        "png",
    );
    assert_eq!(key, "p-17/p-17_jane-doe_watercolor.3fa2c9d1e07b4c55.png");
}

#[test]
fn only_underscore_keys_but_the_placeholder_are_private() {
    assert!(is_private("_references/abc.jpg"));
    assert!(is_private("_anything"));
    assert!(!is_private(PLACEHOLDER_KEY));
    assert!(!is_private("p1/p1_x_initials.0123456789abcdef.png"));
    assert!(!is_private("p1_initials.png"));
}

#[tokio::test]
async fn put_get_roundtrip_leaves_no_staging_files() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_default(dir.path()).unwrap();
    store
        .put("a/b.png", Bytes::from_static(b"png bytes"))
        .await
        .unwrap();
    store
        .put("a/b.png", Bytes::from_static(b"png bytes"))
        .await
        .unwrap();
    assert_eq!(store.get("a/b.png").await.unwrap().as_ref(), b"png bytes");
    assert!(store.exists("a/b.png").await.unwrap());
    assert!(!store.exists("a/c.png").await.unwrap());
    assert_eq!(store.size("a/b.png").await.unwrap(), Some(9));
    let names: Vec<_> = std::fs::read_dir(dir.path().join("assets/a"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(names, vec!["b.png".to_string()]);
    assert_eq!(
        std::fs::read_dir(dir.path().join("tmp")).unwrap().count(),
        0
    );
}

#[tokio::test]
async fn keys_cannot_escape_the_root() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_default(dir.path()).unwrap();
    for key in ["../escape.png", "_references/../../escape.png"] {
        assert!(store.put(key, Bytes::from_static(b"x")).await.is_err());
    }
    assert!(!dir.path().join("escape.png").exists());
}

#[tokio::test]
async fn private_keys_live_in_their_own_folder_and_have_no_url() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_default(dir.path()).unwrap();
    store
        .put("_references/r.jpg", Bytes::from_static(b"face"))
        .await
        .unwrap();
    store
        .put(PLACEHOLDER_KEY, Bytes::from_static(b"png"))
        .await
        .unwrap();
    assert!(dir.path().join("private/_references/r.jpg").exists());
    assert!(!dir.path().join("assets/_references").exists());
    assert!(dir.path().join("assets").join(PLACEHOLDER_KEY).exists());
    assert_eq!(store.url("_references/r.jpg"), None);
    assert_eq!(store.public_url("_references/r.jpg"), None);
    assert_eq!(
        store.url(PLACEHOLDER_KEY).as_deref(),
        Some("/assets/_placeholder.png")
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join("private"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "private folder mode {mode:o}");
    }
    let mut listed: Vec<_> = store.list().try_collect().await.unwrap();
    listed.sort_by(|a, b| a.key.cmp(&b.key));
    let keys: Vec<_> = listed.iter().map(|l| l.key.as_str()).collect();
    assert_eq!(keys, ["_placeholder.png", "_references/r.jpg"]);
}

#[tokio::test]
async fn opening_an_old_install_moves_its_references_out_of_the_asset_folder() {
    let dir = tempfile::tempdir().unwrap();
    let old = dir.path().join("assets/_references");
    std::fs::create_dir_all(&old).unwrap();
    std::fs::write(old.join("r.jpg"), b"face").unwrap();
    std::fs::create_dir_all(dir.path().join("assets/p1")).unwrap();
    std::fs::write(dir.path().join("assets/p1/a.png"), b"a").unwrap();

    // Read-only: nothing moves, and the reference is still found where it is.
    let settings =
        StorageSettings::resolve(&StorageConfig::default(), None, dir.path(), &|_| None).unwrap();
    let read_only = Store::open(&settings, dir.path(), Access::ReadOnly).unwrap();
    assert_eq!(
        read_only.get("_references/r.jpg").await.unwrap().as_ref(),
        b"face"
    );
    assert!(old.exists() && !dir.path().join("private").exists());

    let store = Store::open(&settings, dir.path(), Access::ReadWrite).unwrap();
    assert!(!old.exists());
    assert_eq!(
        std::fs::read(dir.path().join("private/_references/r.jpg")).unwrap(),
        b"face"
    );
    assert_eq!(
        store.get("_references/r.jpg").await.unwrap().as_ref(),
        b"face"
    );
    assert_eq!(store.get("p1/a.png").await.unwrap().as_ref(), b"a");
}

#[tokio::test]
async fn public_base_url_names_public_keys_only() {
    let dir = tempfile::tempdir().unwrap();
    let config: StorageConfig =
        toml::from_str("public_base_url = \"https://cdn.example.org/avatars/\"").unwrap();
    let settings = StorageSettings::resolve(&config, None, dir.path(), &|_| None).unwrap();
    let store = Store::open(&settings, dir.path(), Access::ReadWrite).unwrap();
    assert_eq!(
        store.public_url("p1/a.png").as_deref(),
        Some("https://cdn.example.org/avatars/p1/a.png")
    );
    assert_eq!(
        store.url("p1/a.png").as_deref(),
        Some("https://cdn.example.org/avatars/p1/a.png")
    );
    assert_eq!(store.public_url("_references/r.jpg"), None);
    assert!(store.locate("p1/a.png").ends_with("assets/p1/a.png"));
    assert!(store.describe().contains("private"));
}

#[tokio::test]
async fn a_store_outside_the_data_directory_stages_beside_itself() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let url = format!("file://{}/images/public", dir.path().display());
    let settings =
        StorageSettings::resolve(&StorageConfig::default(), Some(&url), &data, &|_| None).unwrap();
    let store = Store::open(&settings, &data, Access::ReadWrite).unwrap();
    store
        .put("p1/a.png", Bytes::from_static(b"a"))
        .await
        .unwrap();
    store
        .put("_references/r.jpg", Bytes::from_static(b"r"))
        .await
        .unwrap();
    assert!(dir.path().join("images/public/p1/a.png").exists());
    assert!(dir.path().join("images/private/_references/r.jpg").exists());
    assert!(dir.path().join("images/.public.staging").is_dir());
    assert!(!data.join("assets").exists());
}
