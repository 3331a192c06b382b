//! `likeness migrate-db --to URL`: a whole installation's history copied between SQLite and
//! PostgreSQL through the real binary, then read back through the commands people use.

use crate::util;

use util::{TestDir, stack, testdata};

/// Subjects in five cohorts (some in two), two runs with successes, failures and skips, and
/// assets with their audit details; enough subjects for several pages of every pass.
fn history_to_move(t: &TestDir) {
    let fhir = testdata("fhir");
    let nba = testdata("players/nba_players_shared.csv");
    for (file, cohort) in [
        (fhir.as_str(), "patients"),
        (nba.as_str(), "nba"),
        (nba.as_str(), "players"),
    ] {
        t.run(&["--json", "import", file, "--cohort", cohort]).ok();
    }
    let many = t.write("many.jsonl", &util::synthetic_subjects(1_200));
    for cohort in ["synthetic", "more"] {
        t.run(&[
            "--json",
            "import",
            many.to_str().unwrap(),
            "--cohort",
            cohort,
        ])
        .ok();
    }
    let pinned = t.write(
        "pinned.jsonl",
        "{\"id\":\"good-1\",\"name\":\"Ana Good\",\"attributes\":{\"skin_tone\":\"#8d5524\"}}\n\
         {\"id\":\"bad-1\",\"name\":\"Bo Bad\",\"attributes\":{\"skin_tone\":\"purple-ish\"}}\n\
         {\"id\":\"good-2\",\"name\":\"Cy Good\"}\n",
    );
    let pinned = pinned.to_str().unwrap();
    t.run(&["--json", "import", pinned, "--cohort", "pinned"])
        .ok();
    // Run 1: two succeed, one fails. Run 2 (with a budget): the two are skipped in initials,
    // the third fails again, geometric is new for all three.
    for styles in ["initials", "initials,geometric"] {
        let mut args = vec![
            "--json", "generate", "--cohort", "pinned", "--style", styles,
        ];
        if styles.contains(',') {
            args.extend(["--max-cost", "2.5"]);
        }
        let r = t.run(&args);
        assert_eq!(r.status, 2, "{}\n{}", r.stdout, r.stderr);
    }
    let runs = t.run(&["--json", "runs"]).ok().json();
    assert_eq!(runs.as_array().unwrap().len(), 2, "{runs}");
    let second = t.run(&["--json", "history", "good-1"]).ok().json();
    assert!(
        second
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["details"].is_object()),
        "assets carry details: {second}"
    );
}

/// What people see of an installation, through the commands that read it. As JSON values:
/// jsonb keeps an object's keys in an order of its own (shorter first), so the same run or
/// asset details print their keys in another order from PostgreSQL.
fn views(t: &TestDir, database_url: &str) -> Vec<serde_json::Value> {
    let mut out = Vec::new();
    let mut look = |args: &[&str]| {
        let mut full = vec!["--database-url", database_url, "--json"];
        full.extend_from_slice(args);
        out.push(t.run(&full).ok().json());
    };
    look(&["subjects", "list"]);
    look(&["subjects", "list", "--cohort", "players"]);
    look(&["runs"]);
    for id in ["good-1", "bad-1", "good-2"] {
        look(&["history", id]);
    }
    out
}

fn sha256_file(path: &std::path::Path) -> String {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    likeness::hash::hex_sha256(&bytes)
}

fn summary(r: &util::Run) -> (u64, u64, u64) {
    let doc = r.json();
    let obj = doc.as_object().expect("an object");
    assert_eq!(obj.len(), 3, "exactly three keys: {doc}");
    (
        doc["copied"].as_u64().unwrap(),
        doc["already_present"].as_u64().unwrap(),
        doc["verified"].as_u64().unwrap(),
    )
}

#[test]
fn sqlite_to_postgres_and_back_loses_nothing() {
    let Some(server) = stack::postgres_url() else {
        return;
    };
    let src = TestDir::sqlite();
    history_to_move(&src);
    let sqlite = format!("sqlite://{}", src.data_dir().join("likeness.db").display());
    let before = views(&src, &sqlite);
    let file_before = sha256_file(&src.data_dir().join("likeness.db"));

    let dest = TestDir::postgres(&server);
    let pg = dest.database_url().unwrap().to_string();
    let first = src.run(&["--json", "migrate", "db", "--to", &pg]).ok();
    let (copied, present, verified) = summary(&first);
    assert!(copied > 50, "{}", first.stdout);
    assert_eq!((present, verified), (0, copied), "{}", first.stdout);
    assert!(
        !first.stderr.contains("copying:"),
        "--json prints no progress: {}",
        first.stderr
    );

    // Again: nothing to copy, everything verified; human output with progress on stderr.
    let again = src.run(&["migrate", "db", "--to", &pg]).ok();
    assert!(again.stdout.contains("copied: 0"), "{}", again.stdout);
    assert!(
        again.stdout.contains(&format!("already present: {copied}")),
        "{}",
        again.stdout
    );
    assert!(again.stderr.contains("copied: assets"), "{}", again.stderr);
    let pg_password = pg_password(&pg);
    assert!(
        !again.stdout.contains(&pg_password) && !again.stderr.contains(&pg_password),
        "the password is never shown:\n{}\n{}",
        again.stdout,
        again.stderr
    );
    assert_eq!(
        summary(&src.run(&["--json", "migrate", "db", "--to", &pg]).ok()),
        (0, copied, copied)
    );

    // The destination answers exactly as the source did; the source is untouched.
    assert_eq!(views(&src, &pg), before);
    assert_eq!(views(&src, &sqlite), before);
    assert_eq!(
        sha256_file(&src.data_dir().join("likeness.db")),
        file_before,
        "the source file is unchanged"
    );

    // And back: PostgreSQL into a new SQLite file, the same again.
    let back = src
        .run(&[
            "--json",
            "--database-url",
            &pg,
            "migrate",
            "db",
            "--to",
            "sqlite://back/x.db",
        ])
        .ok();
    assert_eq!(summary(&back), (copied, 0, copied));
    let back_url = format!("sqlite://{}", src.data_dir().join("back/x.db").display());
    assert_eq!(views(&src, &back_url), before);
    // Into the original file: every row is already there and verifies, so PostgreSQL's copy
    // has the same content as the original, digest for digest.
    let round = src
        .run(&[
            "--json",
            "--database-url",
            &pg,
            "migrate",
            "db",
            "--to",
            &sqlite,
        ])
        .ok();
    assert_eq!(summary(&round), (0, copied, copied));
}

/// The password of a `postgres://user:password@…` URL.
fn pg_password(url: &str) -> String {
    let rest = url.split_once("://").unwrap().1;
    let userinfo = rest.split_once('@').unwrap().0;
    userinfo.split_once(':').unwrap().1.to_string()
}

#[test]
fn an_interrupted_copy_resumes_and_foreign_rows_are_refused() {
    let Some(server) = stack::postgres_url() else {
        return;
    };
    let src = TestDir::sqlite();
    history_to_move(&src);
    let dest = TestDir::postgres(&server);
    let pg = dest.database_url().unwrap().to_string();
    let (total, _, _) = summary(&src.run(&["--json", "migrate", "db", "--to", &pg]).ok());

    // As if killed partway through the subjects and their cohorts: the first 700 subjects and
    // some of their cohort rows are there (more than a page of each), nothing else.
    run_sql(
        &pg,
        &[
            "DELETE FROM assets",
            "DELETE FROM jobs",
            "DELETE FROM runs",
            "DELETE FROM subject_cohorts WHERE subject_id NOT IN \
             (SELECT id FROM subjects ORDER BY id LIMIT 700) OR cohort = 'players'",
            "DELETE FROM subjects WHERE id NOT IN (SELECT id FROM subjects ORDER BY id LIMIT 700)",
        ],
    );
    let kept = count_rows(
        &pg,
        "SELECT (SELECT COUNT(*) FROM subjects) + (SELECT COUNT(*) FROM subject_cohorts)",
    );
    assert!(kept > 1_200, "{kept}");
    let resumed = src.run(&["--json", "migrate", "db", "--to", &pg]).ok();
    assert_eq!(summary(&resumed), (total - kept, kept, total));

    // A row changed in the destination since (or a source changed since an earlier copy):
    // named, and the command fails.
    run_sql(
        &pg,
        &["UPDATE jobs SET status = 'queued' WHERE id = (SELECT MIN(id) FROM jobs)"],
    );
    let r = src.run(&["migrate", "db", "--to", &pg]);
    assert_eq!(r.status, 1, "{}\n{}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains("table jobs") && r.stderr.contains("differs in status"),
        "{}",
        r.stderr
    );
    let r = src.run(&["--json", "migrate", "db", "--to", &pg]);
    assert_eq!(
        r.json()["error"]["code"],
        "db.copy_mismatch",
        "{}",
        r.stdout
    );

    // Another installation's database: refused before anything is written.
    let other = TestDir::postgres(&server);
    let other_url = other.database_url().unwrap().to_string();
    let f = other.write(
        "stranger.jsonl",
        "{\"id\":\"stranger-1\",\"name\":\"Zed\"}\n",
    );
    other.run(&["--json", "import", f.to_str().unwrap()]).ok();
    let r = src.run(&["migrate", "db", "--to", &other_url]);
    assert_eq!(r.status, 1, "{}\n{}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains("does not come from this database") && r.stderr.contains("stranger-1"),
        "{}",
        r.stderr
    );
    let r = src.run(&["--json", "migrate", "db", "--to", &other_url]);
    assert_eq!(r.json()["error"]["code"], "db.copy_refused", "{}", r.stdout);
    let listed = other.run(&["--json", "subjects", "list"]).ok().json();
    assert_eq!(
        listed.as_array().unwrap().len(),
        1,
        "nothing was copied: {listed}"
    );
}

#[test]
fn wrong_destinations_fail_clearly_without_the_password() {
    let t = TestDir::sqlite();
    let f = t.write("one.jsonl", "{\"id\":\"p1\",\"name\":\"Ada\"}\n");
    t.run(&["--json", "import", f.to_str().unwrap()]).ok();

    // Itself, however spelt.
    for to in ["sqlite://likeness.db", "sqlite://./sub/../likeness.db"] {
        let r = t.run(&["migrate", "db", "--to", to]);
        assert_eq!(r.status, 1, "{to}: {}", r.stderr);
        assert!(r.stderr.contains("already uses"), "{}", r.stderr);
    }
    // Not a database URL.
    let r = t.run(&["migrate", "db", "--to", "mysql://root:hunter2@db/x"]);
    assert_eq!(r.status, 1);
    assert!(
        r.stderr.contains("postgres://") && !r.stderr.contains("hunter2"),
        "{}",
        r.stderr
    );
    // Nothing listens on port 1: told as such (before, the pool retried for 60 s and then
    // said only that it timed out).
    let r = t.run(&[
        "migrate",
        "db",
        "--to",
        "postgres://likeness:hunter2@127.0.0.1:1/x",
    ]);
    assert_eq!(r.status, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("Connection refused") && !r.stderr.contains("hunter2"),
        "{}",
        r.stderr
    );
    let Some(server) = stack::postgres_url() else {
        return;
    };
    // A wrong password, then a database that does not exist.
    let password = pg_password(&server);
    let wrong = server.replace(&format!(":{password}@"), ":not-the-s3cret@");
    let missing = format!("{}/no_such_database", server.rsplit_once('/').unwrap().0);
    for (to, secret) in [(wrong, "not-the-s3cret"), (missing, password.as_str())] {
        let r = t.run(&["migrate", "db", "--to", &to]);
        assert_eq!(r.status, 1, "{}", r.stderr);
        assert!(
            r.stderr
                .contains("cannot connect to the database postgres://likeness:***@"),
            "{}",
            r.stderr
        );
        assert!(!r.stderr.contains(secret), "{}", r.stderr);
    }
}

#[test]
fn running_jobs_are_copied_with_a_warning() {
    let t = TestDir::sqlite();
    let f = t.write(
        "two.jsonl",
        "{\"id\":\"p1\",\"name\":\"Ada\"}\n{\"id\":\"p2\",\"name\":\"Bea\"}\n",
    );
    t.run(&["--json", "import", f.to_str().unwrap()]).ok();
    t.run(&[
        "--json",
        "generate",
        "--style",
        "initials",
        "--enqueue-only",
    ])
    .ok();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let claimed = rt.block_on(async {
        let db = t.open_db().await;
        let job = db.claim(None, "elsewhere/1/x", 60_000).await.unwrap();
        db.close().await;
        job
    });
    assert!(claimed.is_some());
    let r = t
        .run(&["--json", "migrate", "db", "--to", "sqlite://copy.db"])
        .ok();
    assert!(
        r.stderr.contains("warning") && r.stderr.contains("running"),
        "{}",
        r.stderr
    );
    let (copied, _, verified) = summary(&r);
    assert_eq!(copied, verified);
    let copy = format!("sqlite://{}", t.data_dir().join("copy.db").display());
    let queue = |url: &str| {
        t.run(&["--json", "--database-url", url, "runs"])
            .ok()
            .json()[0]["counts"]
            .clone()
    };
    let sqlite = format!("sqlite://{}", t.data_dir().join("likeness.db").display());
    assert_eq!(queue(&copy), queue(&sqlite));
    assert_eq!(queue(&copy)["running"], 1);
}

fn run_sql(url: &str, statements: &[&str]) {
    let (url, statements): (String, Vec<String>) = (
        url.to_string(),
        statements.iter().map(|s| s.to_string()).collect(),
    );
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            use sqlx::Connection;
            let mut conn = sqlx::PgConnection::connect(&url).await.unwrap();
            for s in &statements {
                sqlx::query(sqlx::AssertSqlSafe(s.as_str()))
                    .execute(&mut conn)
                    .await
                    .unwrap_or_else(|e| panic!("{s}: {e}"));
            }
        })
    })
    .join()
    .unwrap();
}

fn count_rows(url: &str, sql: &str) -> u64 {
    let (url, sql) = (url.to_string(), sql.to_string());
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            use sqlx::Connection;
            let mut conn = sqlx::PgConnection::connect(&url).await.unwrap();
            let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql.as_str()))
                .fetch_one(&mut conn)
                .await
                .unwrap();
            n as u64
        })
    })
    .join()
    .unwrap()
}
