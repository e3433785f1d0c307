//! The privacy center's queries: policy versions (directory) and the consent ledger (region).

use crate::store::BeginWrite as _;
use ward_model::Region;

use super::{Db, StoreError, with_pool};

/// One published version of a policy.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PolicyRow {
    pub kind: String,
    pub version: String,
    pub seq: i64,
    pub last_updated: String,
    pub published_at: i64,
    pub material: bool,
    pub summary: String,
    pub body: String,
}

/// One record of the consent ledger, as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct LedgerRow {
    pub seq: i64,
    pub purpose: String,
    pub action: String,
    pub policy_version: String,
    pub method: String,
    pub text_version: String,
    pub at: i64,
    pub prev_hash: Vec<u8>,
    pub hash: Vec<u8>,
}

/// A record to append; the store numbers and chains it.
#[derive(Debug, Clone)]
pub struct NewLedgerEntry {
    pub purpose: String,
    pub action: &'static str,
    pub policy_version: String,
    pub method: &'static str,
    pub text_version: String,
    pub at: i64,
}

impl NewLedgerEntry {
    /// The record as row `seq` of a chain after `prev_hash`, its own hash still empty.
    pub fn row(&self, seq: i64, prev_hash: Vec<u8>) -> LedgerRow {
        LedgerRow {
            seq,
            purpose: self.purpose.clone(),
            action: self.action.into(),
            policy_version: self.policy_version.clone(),
            method: self.method.into(),
            text_version: self.text_version.clone(),
            at: self.at,
            prev_hash,
            hash: Vec::new(),
        }
    }
}

/// What `Db::held_rows` reads of a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Want {
    Int,
    Bool,
    Text,
    Bytes,
    /// Only whether a value is there.
    Present,
}

/// One value read by `Db::held_rows`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell {
    Null,
    Present,
    Int(i64),
    Bool(bool),
    Text(String),
    Bytes(Vec<u8>),
}

/// The hash of "no previous record": the start of every person's chain.
pub const GENESIS: [u8; 32] = [0; 32];

/// A record of a per-person chain (the consent ledger, the access log): numbered from 1,
/// each carrying the MAC of the previous one and its own. `crate::privacy::verify_chain`
/// checks any of them the same way.
pub trait Chained {
    fn seq(&self) -> i64;
    fn prev_hash(&self) -> &[u8];
    fn hash(&self) -> &[u8];
    /// The bytes the record's MAC covers (see [`framed`]).
    fn message(&self, person_id: &str) -> Vec<u8>;
}

/// Parts length-prefixed, so no two different records give the same bytes.
pub fn framed(parts: &[&[u8]]) -> Vec<u8> {
    let mut out = Vec::new();
    for part in parts {
        out.extend_from_slice(&(part.len() as u32).to_be_bytes());
        out.extend_from_slice(part);
    }
    out
}

/// The bytes a record's MAC covers: every field, the person, and the previous hash.
pub fn ledger_message(person_id: &str, seq: i64, e: &LedgerRow) -> Vec<u8> {
    let seq = seq.to_string();
    let at = e.at.to_string();
    framed(&[
        person_id.as_bytes(),
        seq.as_bytes(),
        e.purpose.as_bytes(),
        e.action.as_bytes(),
        e.policy_version.as_bytes(),
        e.method.as_bytes(),
        e.text_version.as_bytes(),
        at.as_bytes(),
        &e.prev_hash,
    ])
}

impl Chained for LedgerRow {
    fn seq(&self) -> i64 {
        self.seq
    }
    fn prev_hash(&self) -> &[u8] {
        &self.prev_hash
    }
    fn hash(&self) -> &[u8] {
        &self.hash
    }
    fn message(&self, person_id: &str) -> Vec<u8> {
        ledger_message(person_id, self.seq, self)
    }
}

/// Runs an append again when another request took the same sequence number (a conflict,
/// or on SQLite "database is locked" after the busy timeout), a few times at most.
pub(super) async fn retrying<T, F, Fut>(mut append: F) -> Result<T, StoreError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, StoreError>>,
{
    let mut tries = 0;
    loop {
        tries += 1;
        match append().await {
            Err(StoreError::Conflict(_)) if tries < APPEND_TRIES => continue,
            other => return other,
        }
    }
}

const LEDGER_COLUMNS: &str =
    "seq, purpose, action, policy_version, method, text_version, at, prev_hash, hash";
const POLICY_COLUMNS: &str = "kind, version, seq, last_updated, published_at, material, summary, body";

/// How often an append is retried when another request took the same sequence number.
const APPEND_TRIES: usize = 5;

impl Db {
    // --- policy versions (the directory) ---

    /// Every version of a kind, newest first.
    pub async fn policy_versions(&self, kind: &str) -> Result<Vec<PolicyRow>, StoreError> {
        let sql = format!("SELECT {POLICY_COLUMNS} FROM policy_versions WHERE kind = $1 ORDER BY seq DESC");
        Ok(with_pool!(self, pool => sqlx::query_as(&sql).bind(kind).fetch_all(pool).await?))
    }

    /// Adds a version numbered after the newest; `Conflict` when the version name is taken
    /// or another publication won the race for the number.
    pub async fn policy_insert(&self, row: &PolicyRow) -> Result<(), StoreError> {
        with_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO policy_versions (kind, version, seq, last_updated, published_at, material, summary, body) \
                 VALUES ($1, $2, (SELECT COALESCE(MAX(seq), 0) + 1 FROM policy_versions WHERE kind = $1), \
                 $3, $4, $5, $6, $7)",
            )
            .bind(&row.kind)
            .bind(&row.version)
            .bind(&row.last_updated)
            .bind(row.published_at)
            .bind(row.material)
            .bind(&row.summary)
            .bind(&row.body)
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(())
    }

    /// Every person of the deployment and their home region (for mail to all).
    pub async fn directory_people(&self) -> Result<Vec<(String, Region)>, StoreError> {
        let rows: Vec<(String, String)> = with_pool!(self, pool => {
            sqlx::query_as("SELECT person_id, region FROM directory ORDER BY person_id").fetch_all(pool).await?
        });
        Ok(rows.into_iter().filter_map(|(id, r)| Some((id, Region::from_code(&r)?))).collect())
    }

    // --- "my data": values driven by the registry and `privacy/labels.json` ---

    /// The oldest time (Unix seconds) in `time_column` among the person's rows of `table`.
    pub async fn oldest_held(
        &self,
        table: &'static str,
        person_column: &'static str,
        time_column: &'static str,
        person_id: &str,
    ) -> Result<Option<i64>, StoreError> {
        let sql = format!("SELECT MIN({time_column}) FROM {table} WHERE {person_column} = $1");
        Ok(with_pool!(self, pool => sqlx::query_scalar(&sql).bind(person_id).fetch_one(pool).await?))
    }

    /// The person's rows of `table` (at most `limit`, newest first by `newest_by`), each
    /// with the cells asked for. `Want::Present` reads only whether a value is there, never
    /// the value: secrets are not read to be described. Names come from the registry.
    pub async fn held_rows(
        &self,
        table: &'static str,
        person_column: &'static str,
        person_id: &str,
        columns: &[(&'static str, Want)],
        newest_by: Option<&'static str>,
        limit: i64,
    ) -> Result<Vec<Vec<Cell>>, StoreError> {
        let select = columns
            .iter()
            .map(|(c, want)| match want {
                Want::Present => format!("CAST(CASE WHEN {c} IS NULL THEN 0 ELSE 1 END AS BIGINT)"),
                _ => c.to_string(),
            })
            .collect::<Vec<_>>()
            .join(", ");
        let order = newest_by.map(|c| format!(" ORDER BY {c} DESC")).unwrap_or_default();
        let sql = format!("SELECT {select} FROM {table} WHERE {person_column} = $1{order} LIMIT $2");
        Ok(with_pool!(self, pool => {
            let rows = sqlx::query(&sql).bind(person_id).bind(limit).fetch_all(pool).await?;
            let mut out = Vec::with_capacity(rows.len());
            for row in &rows {
                let mut cells = Vec::with_capacity(columns.len());
                for (i, (_, want)) in columns.iter().enumerate() {
                    use sqlx::Row as _;
                    cells.push(match want {
                        Want::Int => row.try_get::<Option<i64>, _>(i)?.map_or(Cell::Null, Cell::Int),
                        Want::Present => match row.try_get::<i64, _>(i)? {
                            0 => Cell::Null,
                            _ => Cell::Present,
                        },
                        Want::Bool => row.try_get::<Option<bool>, _>(i)?.map_or(Cell::Null, Cell::Bool),
                        Want::Text => row.try_get::<Option<String>, _>(i)?.map_or(Cell::Null, Cell::Text),
                        Want::Bytes => row.try_get::<Option<Vec<u8>>, _>(i)?.map_or(Cell::Null, Cell::Bytes),
                    });
                }
                out.push(cells);
            }
            out
        }))
    }

    /// How many rows of `table` are about the person.
    /// How many of the person's rows of `table` hold a value in `column`.
    pub async fn count_held(
        &self,
        table: &'static str,
        person_column: &'static str,
        column: &'static str,
        person_id: &str,
    ) -> Result<i64, StoreError> {
        let sql = format!("SELECT COUNT({column}) FROM {table} WHERE {person_column} = $1");
        Ok(with_pool!(self, pool => sqlx::query_scalar(&sql).bind(person_id).fetch_one(pool).await?))
    }

    pub async fn count_rows(
        &self,
        table: &'static str,
        person_column: &'static str,
        person_id: &str,
    ) -> Result<i64, StoreError> {
        let sql = format!("SELECT COUNT(*) FROM {table} WHERE {person_column} = $1");
        Ok(with_pool!(self, pool => sqlx::query_scalar(&sql).bind(person_id).fetch_one(pool).await?))
    }

    // --- the consent ledger (a region store) ---

    /// The person's records, oldest first.
    pub async fn ledger(&self, person_id: &str) -> Result<Vec<LedgerRow>, StoreError> {
        let sql = format!("SELECT {LEDGER_COLUMNS} FROM consent_ledger WHERE person_id = $1 ORDER BY seq");
        Ok(with_pool!(self, pool => sqlx::query_as(&sql).bind(person_id).fetch_all(pool).await?))
    }

    /// Appends records to the person's chain in one transaction, each MACed by `mac` over
    /// [`ledger_message`]; with `accept`, also records the privacy policy version accepted.
    /// Two requests appending at once: the later one's insert conflicts and it starts again
    /// from the new end of the chain. Answers the chain's new head `(records, MAC)`, to be
    /// anchored in the directory (`crate::privacy::append` does both).
    pub async fn ledger_append(
        &self,
        person_id: &str,
        entries: &[NewLedgerEntry],
        accept: Option<(&str, i64)>,
        mac: &(dyn Fn(&[u8]) -> Vec<u8> + Send + Sync),
    ) -> Result<Option<(i64, Vec<u8>)>, StoreError> {
        if entries.is_empty() && accept.is_none() {
            return Ok(None);
        }
        retrying(|| async {
            with_pool!(self, pool => {
                async {
                    let mut tx = pool.begin_write().await?;
                    let last: Option<(i64, Vec<u8>)> = sqlx::query_as(
                        "SELECT seq, hash FROM consent_ledger WHERE person_id = $1 ORDER BY seq DESC LIMIT 1",
                    )
                    .bind(person_id)
                    .fetch_optional(&mut *tx)
                    .await?;
                    let (mut seq, mut prev) = last.unwrap_or((0, GENESIS.to_vec()));
                    for e in entries {
                        seq += 1;
                        let mut row = e.row(seq, prev);
                        row.hash = mac(&ledger_message(person_id, seq, &row));
                        sqlx::query(
                            "INSERT INTO consent_ledger (person_id, seq, purpose, action, policy_version, method, \
                             text_version, at, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                        )
                        .bind(person_id)
                        .bind(row.seq)
                        .bind(&row.purpose)
                        .bind(&row.action)
                        .bind(&row.policy_version)
                        .bind(&row.method)
                        .bind(&row.text_version)
                        .bind(row.at)
                        .bind(&row.prev_hash)
                        .bind(&row.hash)
                        .execute(&mut *tx)
                        .await?;
                        prev = row.hash;
                    }
                    if let Some((version, at)) = accept {
                        sqlx::query("UPDATE people SET policy_version = $2, policy_accepted_at = $3 WHERE id = $1")
                            .bind(person_id)
                            .bind(version)
                            .bind(at)
                            .execute(&mut *tx)
                            .await?;
                    }
                    tx.commit().await?;
                    Ok((seq > 0).then_some((seq, prev)))
                }
                .await
            })
        })
        .await
    }
}
