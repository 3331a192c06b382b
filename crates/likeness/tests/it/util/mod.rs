//! Black-box helpers: an isolated data directory per test and a way to run the real binary.

#![allow(dead_code)]

pub mod server;
pub mod stack;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub struct TestDir {
    pub tmp: tempfile::TempDir,
    /// Set on the PostgreSQL stack: this test's own database.
    database: Option<stack::TestDatabase>,
    /// Set on the PostgreSQL stack: this test's own prefix in the S3 bucket.
    bucket: Option<stack::TestBucket>,
    /// Another `TestDir`'s database, for a second "machine" sharing it.
    shared_database_url: Option<String>,
}

pub struct Run {
    pub status: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not one JSON document ({e}):\n{}\nstderr:\n{}",
                self.stdout, self.stderr
            )
        })
    }

    #[track_caller]
    pub fn ok(self) -> Run {
        assert_eq!(
            self.status, 0,
            "expected success\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }
}

impl TestDir {
    /// A fresh data directory on the stack this test run uses (see `stack`).
    pub fn new() -> TestDir {
        let database = stack::wants_postgres().then(|| {
            stack::TestDatabase::create(&stack::postgres_url().expect("a test PostgreSQL"))
        });
        TestDir {
            tmp: tempfile::tempdir().expect("temp dir"),
            bucket: database.as_ref().map(|_| stack::TestBucket::create()),
            database,
            shared_database_url: None,
        }
    }

    /// A data directory on SQLite whatever the stack, for tests of SQLite itself (its file,
    /// a read-only directory).
    pub fn sqlite() -> TestDir {
        TestDir {
            tmp: tempfile::tempdir().expect("temp dir"),
            database: None,
            bucket: None,
            shared_database_url: None,
        }
    }

    /// A data directory on a fresh PostgreSQL database (PostgreSQL-only tests; see
    /// `stack::postgres_url` for when they skip).
    pub fn postgres(server: &str) -> TestDir {
        TestDir {
            tmp: tempfile::tempdir().expect("temp dir"),
            database: Some(stack::TestDatabase::create(server)),
            bucket: None,
            shared_database_url: None,
        }
    }

    /// The same on a prefix of the test S3 bucket too: nothing on a local disk is shared.
    pub fn postgres_and_s3(server: &str) -> TestDir {
        TestDir {
            bucket: Some(stack::TestBucket::create()),
            ..TestDir::postgres(server)
        }
    }

    /// A second data directory (its own empty folder) on this one's database and store: a
    /// process on another machine.
    pub fn another_machine(&self) -> TestDir {
        let other = TestDir::sqlite();
        TestDir {
            tmp: other.tmp,
            database: None,
            bucket: self.bucket.clone(),
            shared_database_url: None,
        }
        .with_database_url(self.database_url())
    }

    fn with_database_url(mut self, url: Option<&str>) -> TestDir {
        self.shared_database_url = url.map(str::to_string);
        self
    }

    /// The store this test's binary writes to, opened through the library.
    pub fn store(&self) -> likeness::store::Store {
        self.open_store(likeness::store::Access::ReadOnly)
    }

    fn store_for_writing(&self) -> likeness::store::Store {
        self.open_store(likeness::store::Access::ReadWrite)
    }

    fn open_store(&self, access: likeness::store::Access) -> likeness::store::Store {
        let env: std::collections::BTreeMap<&str, String> = self
            .bucket
            .iter()
            .flat_map(|b| b.env.iter().cloned())
            .collect();
        let flag = self.bucket.as_ref().map(|b| b.url.as_str());
        let settings = likeness::store::StorageSettings::resolve(
            &likeness::store::StorageConfig::default(),
            flag,
            &self.data_dir(),
            &|k| env.get(k).cloned(),
        )
        .expect("the test's storage settings");
        likeness::store::Store::open(&settings, &self.data_dir(), access)
            .expect("open the test's store")
    }

    /// Whether images go to S3 (not the data directory).
    pub fn on_s3(&self) -> bool {
        self.bucket.is_some()
    }

    /// The bytes of a stored object.
    pub fn asset_bytes(&self, key: &str) -> Vec<u8> {
        let store = self.store();
        let owned = key.to_string();
        stack::block_on(async move { store.get(&owned).await })
            .unwrap_or_else(|e| panic!("read {key} from the store: {e}"))
            .to_vec()
    }

    /// Puts an object in the store as another program would (a legacy image).
    pub fn put_asset(&self, key: &str, bytes: &[u8]) {
        let store = self.store_for_writing();
        let (owned, bytes) = (key.to_string(), bytes::Bytes::copy_from_slice(bytes));
        stack::block_on(async move { store.put(&owned, bytes).await })
            .unwrap_or_else(|e| panic!("write {key} to the store: {e}"));
    }

    /// Deletes an object from the store as another program (or a crash) would.
    pub fn delete_asset(&self, key: &str) {
        let store = self.store_for_writing();
        let owned = key.to_string();
        stack::block_on(async move { store.delete(&owned).await })
            .unwrap_or_else(|e| panic!("delete {key} from the store: {e}"));
    }

    /// A stored PNG's dimensions, decoding it whole (a cut-short file fails).
    pub fn asset_png_dimensions(&self, key: &str) -> (u32, u32) {
        png_dimensions_of(&self.asset_bytes(key))
    }

    /// Every private object (reference photos), sorted.
    pub fn private_files(&self) -> Vec<String> {
        self.listed(true)
    }

    fn listed(&self, private: bool) -> Vec<String> {
        let store = self.store();
        let mut keys: Vec<String> = stack::block_on(async move {
            use futures::TryStreamExt;
            store.list().try_collect::<Vec<_>>().await
        })
        .expect("list the store")
        .into_iter()
        .map(|l| l.key)
        .filter(|k| likeness::store::is_private(k) == private)
        .collect();
        keys.sort();
        keys
    }

    /// The database URL the binary is given, when not the default SQLite file.
    pub fn database_url(&self) -> Option<&str> {
        self.database
            .as_ref()
            .map(|d| d.url.as_str())
            .or(self.shared_database_url.as_deref())
    }

    /// Opens this test's database as the binary does (to check invariants behind it).
    pub async fn open_db(&self) -> likeness::db::Db {
        let url = match self.database_url() {
            Some(url) => likeness::db::DatabaseUrl::parse(url, &self.data_dir()).unwrap(),
            None => likeness::db::DatabaseUrl::default_for(&self.data_dir()),
        };
        likeness::db::Db::open(&likeness::db::Options {
            url,
            max_connections: 2,
            statement_timeout: std::time::Duration::from_secs(60),
            idle_in_transaction_timeout: std::time::Duration::from_secs(60),
        })
        .await
        .expect("open the test database")
    }

    pub fn path(&self) -> &Path {
        self.tmp.path()
    }

    pub fn data_dir(&self) -> PathBuf {
        self.tmp.path().join("data")
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_likeness"));
        cmd.arg("--data-dir").arg(self.data_dir()).args(args);
        cmd.env_remove("LIKENESS_DATA_DIR")
            .env_remove("LIKENESS_CONFIG");
        match self.database_url() {
            Some(url) => cmd.env("LIKENESS_DATABASE_URL", url),
            None => cmd.env_remove("LIKENESS_DATABASE_URL"),
        };
        for var in [
            "LIKENESS_STORAGE_URL",
            "AWS_ENDPOINT_URL",
            "AWS_REGION",
            "AWS_ALLOW_HTTP",
            "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY",
            "AWS_SESSION_TOKEN",
            "AWS_PROFILE",
        ] {
            cmd.env_remove(var);
        }
        if let Some(bucket) = &self.bucket {
            cmd.env("LIKENESS_STORAGE_URL", &bucket.url);
            for (k, v) in &bucket.env {
                cmd.env(k, v);
            }
        }
        // Providers are reached only where a test points them (at a fake).
        // The face models (and photos) that scripts/test fetched.
        cmd.env("LIKENESS_MODELS", models_dir());
        for var in [
            "GEMINI_API_KEY",
            "GEMINI_BASE_URL",
            "OPENAI_API_KEY",
            "OPENAI_BASE_URL",
            "COMFYUI_URL",
        ] {
            cmd.env_remove(var);
        }
        cmd
    }

    pub fn run(&self, args: &[&str]) -> Run {
        let out: Output = self.command(args).output().expect("run likeness");
        Run {
            status: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    pub fn write(&self, name: &str, content: &str) -> PathBuf {
        let p = self.tmp.path().join(name);
        if let Some(dir) = p.parent() {
            std::fs::create_dir_all(dir).unwrap();
        }
        std::fs::write(&p, content).unwrap();
        p
    }

    /// Every public object of the store, sorted: the files under the asset folder (every
    /// file, so a stray staging file would show), or the keys under the test's S3 prefix.
    pub fn asset_files(&self) -> Vec<String> {
        if self.on_s3() {
            return self.listed(false);
        }
        let root = self.data_dir().join("assets");
        let mut out = Vec::new();
        walk(&root, &root, &mut out);
        out.sort();
        out
    }
}

fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries {
        let p = e.unwrap().path();
        if p.is_dir() {
            walk(root, &p, out);
        } else {
            out.push(p.strip_prefix(root).unwrap().display().to_string());
        }
    }
}

/// Where `scripts/fetch-models --photos target/models` put the face models and the test
/// photos (scripts/test runs it): `$LIKENESS_MODELS`, else `target/models`.
pub fn models_dir() -> PathBuf {
    match std::env::var_os("LIKENESS_MODELS") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/models"),
    }
}

/// A public-domain test photo (`astronaut.png`: one face; `solvay.png`: 29 faces). A missing
/// file fails the test with the command that fetches it.
pub fn face_photo(name: &str) -> Vec<u8> {
    let path = models_dir().join("photos").join(name);
    std::fs::read(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} — run `scripts/fetch-models --photos target/models` (scripts/test does)",
            path.display()
        )
    })
}

/// The astronaut photo as a JPEG of `w`×`h` (scaled to cover, centre-cropped): a valid
/// reference photo of one face in any shape a test needs.
pub fn face_jpeg(w: u32, h: u32) -> Vec<u8> {
    let photo = image::load_from_memory(&face_photo("astronaut.png")).expect("astronaut decodes");
    let fitted = photo.resize_to_fill(w, h, image::imageops::FilterType::Triangle);
    let mut out = std::io::Cursor::new(Vec::new());
    fitted
        .to_rgb8()
        .write_to(&mut out, image::ImageFormat::Jpeg)
        .expect("encode");
    out.into_inner()
}

pub fn testdata(rel: &str) -> String {
    format!(
        "{}/../likeness-subjects/testdata/{rel}",
        env!("CARGO_MANIFEST_DIR")
    )
}

/// Decodes a PNG fully and returns its dimensions.
/// A PNG's dimensions, decoding it whole (a cut-short file fails).
pub fn png_dimensions_of(bytes: &[u8]) -> (u32, u32) {
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let mut reader = decoder.read_info().expect("a PNG");
    let mut buf = vec![0; reader.output_buffer_size().expect("buffer size")];
    let info = reader.next_frame(&mut buf).expect("a complete PNG");
    (info.width, info.height)
}

pub fn png_dimensions(path: &Path) -> (u32, u32) {
    let file = std::fs::File::open(path).unwrap_or_else(|e| panic!("open {}: {e}", path.display()));
    let decoder = png::Decoder::new(std::io::BufReader::new(file));
    let mut reader = decoder
        .read_info()
        .unwrap_or_else(|e| panic!("decode {}: {e}", path.display()));
    let mut buf = vec![0; reader.output_buffer_size().expect("buffer size")];
    let info = reader
        .next_frame(&mut buf)
        .unwrap_or_else(|e| panic!("decode {}: {e}", path.display()));
    (info.width, info.height)
}

/// `n` synthetic subjects as JSONL in the API's subject shape.
pub fn synthetic_subjects(n: usize) -> String {
    let genders = ["female", "male", "other", ""];
    let mut out = String::new();
    for i in 0..n {
        let year = 1930 + (i * 7) % 95;
        let line = serde_json::json!({
            "id": format!("s{i:05}"),
            "name": format!("Person{} Number{}", i, i % 13),
            "gender": genders[i % 4],
            "birth_date": format!("{year}-0{}-1{}", 1 + i % 9, i % 10),
            "cohorts": ["synthetic"],
            "attributes": {"team": format!("team-{}", i % 5)}
        });
        out.push_str(&line.to_string());
        out.push('\n');
    }
    out
}
