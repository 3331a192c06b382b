//! Rows as decoded values, their canonical digest, and the statements that read and write pages.

use super::*;

/// One column's value, as read from either backend.
#[derive(Debug, Clone)]
pub(super) enum Value {
    Text(Option<String>),
    Int(Option<i64>),
    Float(Option<f64>),
    Flag(bool),
    Stamp(Option<Stamp>),
    Json(Option<serde_json::Value>),
}

pub(super) struct Row {
    pub(super) key: Vec<String>,
    pub(super) values: Vec<Value>,
}

pub(super) fn read(row: &impl Get, c: &Column) -> Result<Value> {
    let n = c.name;
    Ok(match (c.kind, c.null) {
        (K::Text, false) => Value::Text(Some(row.text(n)?)),
        (K::Text, true) => Value::Text(row.opt_text(n)?),
        (K::Int, false) => Value::Int(Some(row.int(n)?)),
        (K::Int, true) => Value::Int(row.opt_int(n)?),
        (K::Float, false) => Value::Float(Some(row.float(n)?)),
        (K::Float, true) => Value::Float(row.opt_float(n)?),
        (K::Flag, _) => Value::Flag(row.flag(n)?),
        (K::Stamp, false) => Value::Stamp(Some(row.stamp(n)?)),
        (K::Stamp, true) => Value::Stamp(row.opt_stamp(n)?),
        (K::Json, false) => Value::Json(Some(row.json(n)?)),
        (K::Json, true) => Value::Json(row.opt_json(n)?),
    })
}

/// Binds one value to a query of either backend (expanded inside `on_tx!`/`on_pool!`).
macro_rules! bind_value {
    ($q:ident, $v:expr) => {
        match $v {
            Value::Text(x) => $q.bind(x.as_deref()),
            Value::Int(x) => $q.bind(*x),
            Value::Float(x) => $q.bind(*x),
            Value::Flag(x) => $q.bind(*x),
            Value::Stamp(x) => $q.bind(*x),
            Value::Json(x) => $q.bind(x.as_ref().map(Json)),
        }
    };
}

/// The canonical bytes of a value: a tag, then a fixed-width number or length-prefixed text,
/// so no two different rows encode alike and both backends encode the same value alike.
pub(super) fn encode(out: &mut Vec<u8>, v: &Value) {
    pub(super) fn text(out: &mut Vec<u8>, tag: u8, s: &str) {
        out.push(tag);
        out.extend_from_slice(&(s.len() as u64).to_le_bytes());
        out.extend_from_slice(s.as_bytes());
    }
    match v {
        Value::Text(None)
        | Value::Int(None)
        | Value::Float(None)
        | Value::Stamp(None)
        | Value::Json(None) => out.push(b'0'),
        Value::Text(Some(s)) => text(out, b'T', s),
        Value::Int(Some(i)) => {
            out.push(b'I');
            out.extend_from_slice(&i.to_le_bytes());
        }
        Value::Float(Some(f)) => {
            out.push(b'F');
            // SQLite may hand back -0.0 as 0.
            let f = if *f == 0.0 { 0.0f64 } else { *f };
            out.extend_from_slice(&f.to_bits().to_le_bytes());
        }
        Value::Flag(b) => out.extend_from_slice(&[b'B', *b as u8]),
        Value::Stamp(Some(t)) => {
            out.push(b'S');
            out.extend_from_slice(&t.millis().to_le_bytes());
        }
        Value::Json(Some(j)) => {
            let mut s = String::new();
            canonical_json(j, &mut s);
            text(out, b'J', &s);
        }
    }
}

/// JSON with every object's keys sorted: jsonb reorders keys (and serde_json here keeps
/// insertion order), so the text as stored says nothing; the value does.
pub(super) fn canonical_json(v: &serde_json::Value, out: &mut String) {
    use serde_json::Value as J;
    match v {
        J::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&J::String(k.clone()).to_string());
                out.push(':');
                canonical_json(&map[k], out);
            }
            out.push('}');
        }
        J::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                canonical_json(item, out);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

/// A table's content: its row count and the sum, modulo 2^256, of its rows' SHA-256s.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Digest {
    pub(super) rows: u64,
    /// Little-endian 64-bit limbs.
    pub(super) sum: [u64; 4],
}

impl Digest {
    pub(super) fn add(&mut self, row: &Row) {
        let mut bytes = Vec::new();
        for v in &row.values {
            encode(&mut bytes, v);
        }
        let hash = Sha256::digest(&bytes);
        let mut carry = false;
        for (i, limb) in self.sum.iter_mut().enumerate() {
            let mut word = [0u8; 8];
            word.copy_from_slice(&hash[i * 8..i * 8 + 8]);
            let (s1, c1) = limb.overflowing_add(u64::from_le_bytes(word));
            let (s2, c2) = s1.overflowing_add(carry as u64);
            *limb = s2;
            carry = c1 || c2;
        }
        self.rows += 1;
    }
}

// --- reading and writing ------------------------------------------------------------------

pub(super) async fn count(tx: &mut Tx, table: &Table) -> Result<u64> {
    let sql = format!("SELECT COUNT(*) AS n FROM {}", table.name);
    let n = on_tx!(tx, c => {
        sqlx::query(sqlx::AssertSqlSafe(sql.as_str())).fetch_one(&mut *c).await?.int("n")?
    });
    Ok(n as u64)
}

pub(super) async fn running_jobs(tx: &mut Tx) -> Result<u64> {
    let sql = "SELECT COUNT(*) AS n FROM jobs WHERE status = 'running'";
    let n = on_tx!(tx, c => sqlx::query(sql).fetch_one(&mut *c).await?.int("n")?);
    Ok(n as u64)
}

/// One page of whole rows in key order, after `after`.
pub(super) async fn read_page(
    tx: &mut Tx,
    table: &Table,
    after: Option<&[String]>,
) -> Result<Vec<Row>> {
    let sql = table.page_sql("*", after.is_some());
    on_tx!(tx, c => {
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()));
        for k in after.unwrap_or_default() {
            q = q.bind(k.as_str());
        }
        let rows = q.fetch_all(&mut *c).await?;
        if let Some(first) = rows.first() {
            table.check_columns(first)?;
        }
        rows.iter().map(|r| table.decode(r)).collect()
    })
}

/// One page of keys in key order, after `after`.
pub(super) async fn read_keys(
    tx: &mut Tx,
    table: &Table,
    after: Option<&[String]>,
) -> Result<Vec<Vec<String>>> {
    let sql = table.page_sql(&table.key_list(), after.is_some());
    on_tx!(tx, c => {
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()));
        for k in after.unwrap_or_default() {
            q = q.bind(k.as_str());
        }
        let rows = q.fetch_all(&mut *c).await?;
        rows.iter()
            .map(|r| table.key.iter().map(|k| r.text(k)).collect::<Result<Vec<_>>>())
            .collect()
    })
}

/// Of `keys`, the rows that exist.
pub(super) async fn lookup(tx: &mut Tx, table: &Table, keys: &[Vec<String>]) -> Result<Vec<Row>> {
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    let sql = table.lookup_sql("*", keys.len());
    on_tx!(tx, c => {
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()));
        for k in keys.iter().flatten() {
            q = q.bind(k.as_str());
        }
        let rows = q.fetch_all(&mut *c).await?;
        rows.iter().map(|r| table.decode(r)).collect()
    })
}

/// Of `keys`, those that exist.
pub(super) async fn existing_keys(
    tx: &mut Tx,
    table: &Table,
    keys: &[Vec<String>],
) -> Result<HashSet<Vec<String>>> {
    if keys.is_empty() {
        return Ok(HashSet::new());
    }
    let sql = table.lookup_sql(&table.key_list(), keys.len());
    on_tx!(tx, c => {
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()));
        for k in keys.iter().flatten() {
            q = q.bind(k.as_str());
        }
        let rows = q.fetch_all(&mut *c).await?;
        rows.iter()
            .map(|r| table.key.iter().map(|k| r.text(k)).collect::<Result<Vec<_>>>())
            .collect()
    })
}

/// Inserts a page of rows the destination does not have yet; returns how many it inserted.
/// One statement, so a page is copied whole or not at all.
pub(super) async fn insert_page(dest: &Db, table: &Table, rows: &[Row]) -> Result<u64> {
    let sql = table.insert_sql(rows.len());
    let result = on_pool!(dest, p => {
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()));
        for v in rows.iter().flat_map(|r| &r.values) {
            q = bind_value!(q, v);
        }
        q.execute(p).await.map(|r| r.rows_affected())
    });
    result.map_err(|e| match e {
        // Only a row the destination already holds in another state can break a constraint
        // here (the source snapshot is consistent): an earlier copy of an older source.
        sqlx::Error::Database(db) => Error::CopyMismatch(format!(
            "cannot copy rows of table {} into {}: {}. It holds rows an earlier run copied \
             that the source has changed since: stop `serve` and `likeness worker`, empty the \
             destination and run `migrate db` again",
            table.name,
            dest.describe(),
            db.message()
        )),
        other => Error::Db(other),
    })
}

/// Refuses a destination holding rows the source does not have (by primary key): rows of
/// another installation would be mixed with these. Rows of an earlier copy are welcome.
pub(super) async fn refuse_foreign_rows(
    src: &mut Tx,
    dest: &Db,
    progress: &(dyn Fn(Progress<'_>) + Send + Sync),
) -> Result<()> {
    let mut dst = dest.begin_snapshot().await?;
    let mut outcome = Ok(());
    for table in TABLES {
        outcome = foreign_in_table(src, &mut dst, table, progress).await;
        if outcome.is_err() {
            break;
        }
    }
    let _ = dst.rollback().await;
    outcome
}

pub(super) async fn foreign_in_table(
    src: &mut Tx,
    dst: &mut Tx,
    table: &Table,
    progress: &(dyn Fn(Progress<'_>) + Send + Sync),
) -> Result<()> {
    let total = count(dst, table).await?;
    if total == 0 {
        return Ok(());
    }
    let (mut done, mut foreign) = (0u64, 0u64);
    let mut examples = Vec::new();
    let mut after: Option<Vec<String>> = None;
    loop {
        let keys = read_keys(dst, table, after.as_deref()).await?;
        let known = existing_keys(src, table, &keys).await?;
        for k in keys.iter().filter(|k| !known.contains(*k)) {
            foreign += 1;
            if examples.len() < 3 {
                examples.push(table.show_key(k));
            }
        }
        done += keys.len() as u64;
        progress(Progress {
            phase: Phase::Checking,
            table: table.name,
            done,
            total,
            copied: 0,
            finished: keys.len() < PAGE,
        });
        if keys.len() < PAGE {
            break;
        }
        after = keys.last().cloned();
    }
    if foreign == 0 {
        return Ok(());
    }
    Err(Error::CopyRefused(format!(
        "the destination already holds data that does not come from this database: table {} \
         has {foreign} row(s) the source does not have (e.g. {}). Copy into an empty database, \
         or into the one an earlier `migrate db` from this source began",
        table.name,
        examples.join(", ")
    )))
}

/// Up to five rows of `table` that differ between source and destination, named with the
/// columns that differ.
pub(super) async fn differing_rows(
    src: &mut Tx,
    dst: &mut Tx,
    table: &Table,
) -> Result<Vec<String>> {
    const MAX: usize = 5;
    let mut out = Vec::new();
    let mut after: Option<Vec<String>> = None;
    loop {
        let rows = read_page(src, table, after.as_deref()).await?;
        let keys: Vec<Vec<String>> = rows.iter().map(|r| r.key.clone()).collect();
        let theirs: HashMap<Vec<String>, Row> = lookup(dst, table, &keys)
            .await?
            .into_iter()
            .map(|r| (r.key.clone(), r))
            .collect();
        for row in &rows {
            let name = table.show_key(&row.key);
            match theirs.get(&row.key) {
                None => out.push(format!("{name} is missing")),
                Some(other) => {
                    let columns: Vec<&str> = table
                        .columns
                        .iter()
                        .zip(row.values.iter().zip(&other.values))
                        .filter(|(_, (a, b))| {
                            let (mut x, mut y) = (Vec::new(), Vec::new());
                            encode(&mut x, a);
                            encode(&mut y, b);
                            x != y
                        })
                        .map(|(c, _)| c.name)
                        .collect();
                    if !columns.is_empty() {
                        out.push(format!("{name} differs in {}", columns.join(", ")));
                    }
                }
            }
            if out.len() >= MAX {
                return Ok(out);
            }
        }
        if rows.len() < PAGE {
            return Ok(out);
        }
        after = rows.last().map(|r| r.key.clone());
    }
}
