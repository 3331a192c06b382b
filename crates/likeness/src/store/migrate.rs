//! `likeness migrate store`: every object of one store (public and private) copied into
//! another, each side to its side. Resumable and idempotent by construction: an object the
//! destination already holds with the same size and SHA-256 is left alone, so a killed run
//! started again copies only the rest, and a second run copies nothing. The source is only
//! read (open it with `Access::ReadOnly`).

use std::collections::HashSet;

use futures::stream::TryStreamExt;
use serde::Serialize;

use super::{Listed, StorageSettings, StorageUrl, Store};
use crate::error::{Error, Result};
use crate::hash::hex_sha256;

/// Objects in flight at once: S3 requests mostly wait on the network.
const PARALLEL: usize = 8;

/// What a run did, as `--json` prints it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Written to the destination by this run (and read back with the right hash).
    pub copied: u64,
    /// Found in the destination with the same size and content.
    pub already_present: u64,
    /// Objects whose destination content hash matches the source's.
    pub verified: u64,
}

/// The summary, and the objects that could not be copied or verified, with why.
#[derive(Debug, Default)]
pub struct Outcome {
    pub summary: Summary,
    /// Objects in the source.
    pub listed: u64,
    pub failed: Vec<(String, String)>,
}

enum Done {
    Copied,
    Present,
}

/// Copies every object of `from` into `to`. `progress` is called after each object with the
/// counts so far and the number of objects seen. An object that fails is recorded and the
/// run goes on; listing failures end it.
pub async fn copy_all(
    from: &Store,
    to: &Store,
    progress: &(dyn Fn(&Summary, u64) + Sync),
) -> Result<Outcome> {
    refuse_overlap(from, to)?;
    let mut outcome = Outcome::default();
    let mut keys = HashSet::new();
    let mut results = from
        .list()
        .map_ok(|listed| async move {
            let done = copy_one(from, to, &listed).await;
            Ok::<_, Error>((listed.key, done))
        })
        .try_buffer_unordered(PARALLEL);
    while let Some((key, done)) = results.try_next().await? {
        outcome.listed += 1;
        match done {
            Ok(Done::Copied) => outcome.summary.copied += 1,
            Ok(Done::Present) => outcome.summary.already_present += 1,
            Err(why) => outcome.failed.push((key.clone(), why)),
        }
        keys.insert(key);
        outcome.summary.verified = outcome.summary.copied + outcome.summary.already_present;
        progress(&outcome.summary, outcome.listed);
    }
    check_counts(to, &keys, &mut outcome).await?;
    Ok(outcome)
}

/// Copies one object unless the destination has it already; either way the destination's
/// content is hashed and compared.
async fn copy_one(from: &Store, to: &Store, listed: &Listed) -> std::result::Result<Done, String> {
    let key = &listed.key;
    let bytes = from
        .get(key)
        .await
        .map_err(|e| format!("cannot read the source: {e}"))?;
    let hash = hex_sha256(&bytes);
    let same_size = to.size(key).await.map_err(|e| e.to_string())? == Some(bytes.len() as u64);
    if same_size && hash_at(to, key).await? == hash {
        return Ok(Done::Present);
    }
    to.put(key, bytes)
        .await
        .map_err(|e| format!("cannot write: {e}"))?;
    if hash_at(to, key).await? != hash {
        return Err("the copy reads back with different content".into());
    }
    Ok(Done::Copied)
}

async fn hash_at(store: &Store, key: &str) -> std::result::Result<String, String> {
    let bytes = store
        .get(key)
        .await
        .map_err(|e| format!("cannot read the copy back: {e}"))?;
    Ok(hex_sha256(&bytes))
}

/// Lists the destination and checks that every source object is there: a last check that
/// the listing agrees with the reads (an object written but not listed would be lost to the
/// next migration).
async fn check_counts(to: &Store, keys: &HashSet<String>, outcome: &mut Outcome) -> Result<()> {
    let mut found = HashSet::with_capacity(keys.len());
    let mut listed = to.list();
    while let Some(object) = listed.try_next().await? {
        if keys.contains(&object.key) {
            found.insert(object.key);
        }
    }
    let failed: HashSet<String> = outcome.failed.iter().map(|(k, _)| k.clone()).collect();
    for key in keys {
        if !found.contains(key) && !failed.contains(key) {
            outcome
                .failed
                .push((key.clone(), "not listed in the destination".into()));
            outcome.summary.verified = outcome.summary.verified.saturating_sub(1);
        }
    }
    outcome.failed.sort();
    Ok(())
}

/// A destination inside the source (or around it) would list its own copies, and opening it
/// would create folders in the source: checked before the destination is opened.
pub fn check_destination(from: &Store, to: &StorageSettings) -> Result<()> {
    check_apart(from.locations(), [&to.public, &to.private])
}

fn refuse_overlap(from: &Store, to: &Store) -> Result<()> {
    check_apart(from.locations(), to.locations())
}

fn check_apart(from: [&StorageUrl; 2], to: [&StorageUrl; 2]) -> Result<()> {
    for a in from {
        for b in to {
            if a.overlaps(b) {
                return Err(Error::Usage(format!(
                    "the destination {b} overlaps the configured store's {a}: migrate to a \
                     location that is neither the store nor inside it"
                )));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{Access, StorageConfig, settings};
    use bytes::Bytes;
    use std::path::Path;

    fn store_at(data_dir: &Path, public: &str) -> Store {
        let given = settings::Given {
            setting: "--to",
            url: public,
        };
        let s = StorageSettings::at(
            &StorageConfig::default(),
            Some(given),
            None,
            data_dir,
            &|_| None,
        )
        .unwrap();
        Store::open(&s, data_dir, Access::ReadWrite).unwrap()
    }

    #[tokio::test]
    async fn copies_both_sides_once_and_verifies() {
        let dir = tempfile::tempdir().unwrap();
        let from = Store::open_default(dir.path()).unwrap();
        from.put("p1/a.png", Bytes::from_static(b"a"))
            .await
            .unwrap();
        from.put("p2/b.png", Bytes::from_static(b"bb"))
            .await
            .unwrap();
        from.put("_references/r.jpg", Bytes::from_static(b"ref"))
            .await
            .unwrap();
        let dest = dir.path().join("elsewhere");
        let to = store_at(dir.path(), &format!("file://{}/public", dest.display()));
        // One object is already there, one is there with other content (a torn earlier copy).
        to.put("p1/a.png", Bytes::from_static(b"a")).await.unwrap();
        to.put("p2/b.png", Bytes::from_static(b"XX")).await.unwrap();

        let seen = std::sync::Mutex::new(0);
        let first = copy_all(&from, &to, &|_, n| *seen.lock().unwrap() = n)
            .await
            .unwrap();
        assert_eq!(
            first.summary,
            Summary {
                copied: 2,
                already_present: 1,
                verified: 3
            }
        );
        assert!(first.failed.is_empty(), "{:?}", first.failed);
        assert_eq!(*seen.lock().unwrap(), 3);
        assert_eq!(to.get("p2/b.png").await.unwrap().as_ref(), b"bb");
        // Private objects went to the private side of the destination, not the public one.
        assert!(dest.join("private/_references/r.jpg").exists());
        assert!(!dest.join("public/_references").exists());

        let second = copy_all(&from, &to, &|_, _| {}).await.unwrap();
        assert_eq!(
            second.summary,
            Summary {
                copied: 0,
                already_present: 3,
                verified: 3
            }
        );
    }

    #[tokio::test]
    async fn an_object_that_cannot_be_copied_is_named_and_the_rest_go_on() {
        let dir = tempfile::tempdir().unwrap();
        let from = Store::open_default(dir.path()).unwrap();
        from.put("p1/a.png", Bytes::from_static(b"a"))
            .await
            .unwrap();
        from.put("p2/b.png", Bytes::from_static(b"b"))
            .await
            .unwrap();
        let dest = dir.path().join("elsewhere");
        let to = store_at(dir.path(), &format!("file://{}/public", dest.display()));
        // A folder where the file should go: the write cannot replace it.
        std::fs::create_dir_all(dest.join("public/p2/b.png/x")).unwrap();
        let outcome = copy_all(&from, &to, &|_, _| {}).await.unwrap();
        assert_eq!(outcome.listed, 2);
        assert_eq!(outcome.summary.copied, 1);
        assert_eq!(outcome.summary.verified, 1);
        assert_eq!(outcome.failed.len(), 1, "{:?}", outcome.failed);
        assert_eq!(outcome.failed[0].0, "p2/b.png");
    }

    #[tokio::test]
    async fn refuses_a_destination_inside_the_source() {
        let dir = tempfile::tempdir().unwrap();
        let from = Store::open_default(dir.path()).unwrap();
        let inside = format!("file://{}/assets/copy", dir.path().display());
        let settings = StorageSettings {
            public: StorageUrl::parse("--to", &inside).unwrap(),
            private: StorageUrl::File(dir.path().join("other-private")),
            public_base_url: None,
            s3: None,
        };
        // Before the destination is opened, so nothing is created in the source.
        let err = check_destination(&from, &settings).unwrap_err();
        assert!(err.to_string().contains("overlaps"), "{err}");
        assert!(!dir.path().join("assets/copy").exists());
        let to = Store::open(&settings, dir.path(), Access::ReadWrite).unwrap();
        let err = copy_all(&from, &to, &|_, _| {}).await.unwrap_err();
        assert!(err.to_string().contains("overlaps"), "{err}");
    }
}
