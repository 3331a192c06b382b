use super::*;

#[test]
fn pages_fit_both_backends_bind_limits_and_keys_are_text() {
    for t in TABLES {
        assert!(t.columns.len() * PAGE <= 32_766, "{}", t.name);
        for k in t.key {
            let c = t.columns.iter().find(|c| c.name == *k).expect("key column");
            assert!(c.kind == K::Text && !c.null, "{}.{k}", t.name);
        }
        for c in t.columns {
            assert!(
                !(c.null && c.kind == K::Flag),
                "{}.{}: Get reads no nullable flag",
                t.name,
                c.name
            );
        }
    }
}

#[test]
fn sql_is_built_from_the_table_list() {
    let cohorts = &TABLES[1];
    assert_eq!(
        cohorts.page_sql("*", true),
        "SELECT * FROM subject_cohorts WHERE (cohort, subject_id) > ($1, $2) \
         ORDER BY cohort, subject_id LIMIT 500"
    );
    assert_eq!(
        cohorts.lookup_sql("cohort, subject_id", 2),
        "SELECT cohort, subject_id FROM subject_cohorts \
         WHERE (cohort = $1 AND subject_id = $2) OR (cohort = $3 AND subject_id = $4)"
    );
    assert_eq!(
        cohorts.insert_sql(2),
        "INSERT INTO subject_cohorts (cohort, subject_id) VALUES ($1, $2), ($3, $4) \
         ON CONFLICT (cohort, subject_id) DO NOTHING"
    );
    assert_eq!(
        TABLES[0].lookup_sql("id", 3),
        "SELECT id FROM subjects WHERE id IN ($1, $2, $3)"
    );
}

fn row(values: Vec<Value>) -> Row {
    Row {
        key: vec![],
        values,
    }
}

#[test]
fn digests_ignore_row_order_and_key_order_but_not_content() {
    let a = || {
        row(vec![
            Value::Text(Some("a".into())),
            Value::Json(Some(serde_json::json!({"x": 1, "y": [1.5, null]}))),
        ])
    };
    let b = || {
        row(vec![
            Value::Text(Some("b".into())),
            Value::Json(Some(serde_json::json!({"y": [1.5, null], "x": 1}))),
        ])
    };
    let (mut one, mut two) = (Digest::default(), Digest::default());
    one.add(&a());
    one.add(&b());
    two.add(&b());
    two.add(&a());
    assert_eq!(one, two);
    let mut three = Digest::default();
    three.add(&a());
    three.add(&row(vec![
        Value::Text(Some("b".into())),
        Value::Json(Some(serde_json::json!({"y": [1.5], "x": 1}))),
    ]));
    assert_ne!(one, three);
    // NULL, JSON null and an empty text are three different things.
    let enc = |v: Value| {
        let mut out = Vec::new();
        encode(&mut out, &v);
        out
    };
    let null = enc(Value::Json(None));
    assert_ne!(null, enc(Value::Json(Some(serde_json::Value::Null))));
    assert_ne!(null, enc(Value::Text(Some(String::new()))));
    assert_eq!(enc(Value::Float(Some(-0.0))), enc(Value::Float(Some(0.0))));
    assert_ne!(enc(Value::Float(None)), enc(Value::Float(Some(0.0))));
}

#[test]
fn stamps_digest_by_the_millisecond() {
    let t = Stamp::parse("2026-01-02T03:04:05.678Z").unwrap();
    let u = Stamp::parse("2026-01-02T04:04:05.678+01:00").unwrap();
    let (mut x, mut y) = (Vec::new(), Vec::new());
    encode(&mut x, &Value::Stamp(Some(t)));
    encode(&mut y, &Value::Stamp(Some(u)));
    assert_eq!(x, y);
}

/// A SQLite database with subjects, cohorts and an admin action, copied into a second:
/// everything arrives, a second copy copies nothing, a foreign row is refused.
#[tokio::test]
async fn sqlite_to_sqlite_copies_once_and_refuses_strangers() {
    let dir = tempfile::tempdir().unwrap();
    let open = |name: &str| super::super::Options {
        url: super::super::DatabaseUrl::Sqlite(dir.path().join(name)),
        max_connections: 2,
        statement_timeout: std::time::Duration::from_secs(60),
        idle_in_transaction_timeout: std::time::Duration::from_secs(60),
    };
    let src = Db::open(&open("a.db")).await.unwrap();
    use likeness_subjects::{Source, Subject, SubjectId};
    // Enough for several pages: 1 234 subjects, 2 468 cohort rows.
    let subjects: Vec<Subject> = (0..1_234)
        .map(|i| {
            let mut s = Subject::new(SubjectId::new(format!("p{i}")).unwrap(), Source::Jsonl);
            s.name = Some(format!("Ada Lovelace {i}"));
            s.add_cohort("y");
            s.add_cohort("x");
            s
        })
        .collect();
    src.upsert_subjects(&subjects, super::super::subjects::OnConflict::Skip)
        .await
        .unwrap();
    // The audit trail of the admin UI moves with the rest.
    src.record_action(&super::super::admin::NewAction {
        actor: "desk",
        action: "set_current",
        subject_id: Some("p1"),
        run_id: None,
        detail: "set initials version 01234567 as current",
    })
    .await
    .unwrap();
    let dest = Db::open(&open("b.db")).await.unwrap();
    let quiet = |_: Progress<'_>| {};
    let first = src.copy_into(&dest, &quiet).await.unwrap();
    assert_eq!(
        (first.copied, first.already_present),
        (3_703, 0),
        "{first:?}"
    );
    assert_eq!(first.verified, 3_703);
    let again = src.copy_into(&dest, &quiet).await.unwrap();
    assert_eq!(
        (again.copied, again.already_present),
        (0, 3_703),
        "{again:?}"
    );
    // Interrupted after 700 subjects and 600 cohort rows (the action was copied): the rest is
    // copied.
    on_pool!(dest, p => {
        for sql in [
            "DELETE FROM subject_cohorts WHERE subject_id NOT IN \
             (SELECT id FROM subjects ORDER BY id LIMIT 700)",
            "DELETE FROM subject_cohorts WHERE rowid NOT IN \
             (SELECT rowid FROM subject_cohorts ORDER BY cohort, subject_id LIMIT 600)",
            "DELETE FROM subjects WHERE id NOT IN (SELECT id FROM subjects ORDER BY id LIMIT 700)",
        ] {
            sqlx::query(sql).execute(p).await.unwrap();
        }
    });
    let resumed = src.copy_into(&dest, &quiet).await.unwrap();
    assert_eq!(
        (resumed.copied, resumed.already_present, resumed.verified),
        (3_703 - 1_301, 1_301, 3_703),
        "{resumed:?}"
    );
    assert_eq!(
        dest.find_subject("p1233").await.unwrap().cohorts,
        vec!["x".to_string(), "y".to_string()]
    );
    // Onto itself: refused before anything is read.
    let err = src.copy_into(&src, &quiet).await.unwrap_err();
    assert_eq!(err.code(), "db.copy_refused", "{err}");
    // A destination with a subject of its own.
    let other = Db::open(&open("c.db")).await.unwrap();
    let stranger = Subject::new(SubjectId::new("zz").unwrap(), Source::Jsonl);
    other
        .upsert_subjects(&[stranger], super::super::subjects::OnConflict::Skip)
        .await
        .unwrap();
    let err = src.copy_into(&other, &quiet).await.unwrap_err();
    assert_eq!(err.code(), "db.copy_refused", "{err}");
    assert!(err.to_string().contains("id=zz"), "{err}");
}
