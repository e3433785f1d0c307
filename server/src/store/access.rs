//! "Who saw my data": the access log of a region store, one chain per person (see
//! `crate::privacy::access`), and its anchor in the directory.

use crate::store::BeginWrite as _;

use super::privacy::{Chained, GENESIS, framed, retrying};
use super::{Db, StoreError, with_pool};

/// One access to a person's data by someone else, as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AccessRow {
    pub seq: i64,
    pub at: i64,
    pub actor: String,
    pub actor_id: String,
    pub action: String,
    pub object_id: String,
    pub prev_hash: Vec<u8>,
    pub hash: Vec<u8>,
}

/// An access to record; the store numbers and chains it.
#[derive(Debug, Clone)]
pub struct NewAccess {
    pub at: i64,
    pub actor: &'static str,
    pub actor_id: String,
    pub action: &'static str,
    pub object_id: String,
}

impl Chained for AccessRow {
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
        let (seq, at) = (self.seq.to_string(), self.at.to_string());
        framed(&[
            b"access",
            person_id.as_bytes(),
            seq.as_bytes(),
            at.as_bytes(),
            self.actor.as_bytes(),
            self.actor_id.as_bytes(),
            self.action.as_bytes(),
            self.object_id.as_bytes(),
            &self.prev_hash,
        ])
    }
}

/// The two chains a person has, each with its head anchored in the directory, where the
/// region store's rows cannot rewrite it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Chain {
    Consent,
    Access,
}

impl Chain {
    fn heads(self) -> &'static str {
        match self {
            Chain::Consent => "ledger_heads",
            Chain::Access => "access_heads",
        }
    }
}

const ACCESS_COLUMNS: &str = "seq, at, actor, actor_id, action, object_id, prev_hash, hash";

impl Db {
    /// The person's access log, oldest first.
    pub async fn access_log(&self, person_id: &str) -> Result<Vec<AccessRow>, StoreError> {
        let sql = format!("SELECT {ACCESS_COLUMNS} FROM access_log WHERE person_id = $1 ORDER BY seq");
        Ok(with_pool!(self, pool => sqlx::query_as(&sql).bind(person_id).fetch_all(pool).await?))
    }

    /// Appends one access to the person's chain, MACed by `mac`; answers the new head
    /// `(records, MAC)` to anchor (`crate::privacy::access::record` does both). With
    /// `coalesce` seconds, nothing is appended when the newest record is the same access
    /// (who, what, to which object) less than that long before: answers `None`.
    pub async fn access_append(
        &self,
        person_id: &str,
        e: &NewAccess,
        coalesce: i64,
        mac: &(dyn Fn(&[u8]) -> Vec<u8> + Send + Sync),
    ) -> Result<Option<(i64, Vec<u8>)>, StoreError> {
        retrying(|| async {
            with_pool!(self, pool => {
                async {
                    let mut tx = pool.begin_write().await?;
                    let sql = format!(
                        "SELECT {ACCESS_COLUMNS} FROM access_log WHERE person_id = $1 ORDER BY seq DESC LIMIT 1"
                    );
                    let last: Option<AccessRow> =
                        sqlx::query_as(&sql).bind(person_id).fetch_optional(&mut *tx).await?;
                    if let Some(l) = &last
                        && l.actor_id == e.actor_id
                        && l.action == e.action
                        && l.object_id == e.object_id
                        && e.at - l.at < coalesce
                    {
                        tx.commit().await?;
                        return Ok(None);
                    }
                    let (seq, prev_hash) = last.map_or((1, GENESIS.to_vec()), |l| (l.seq + 1, l.hash));
                    let mut row = AccessRow {
                        seq,
                        at: e.at,
                        actor: e.actor.into(),
                        actor_id: e.actor_id.clone(),
                        action: e.action.into(),
                        object_id: e.object_id.clone(),
                        prev_hash,
                        hash: Vec::new(),
                    };
                    row.hash = mac(&row.message(person_id));
                    sqlx::query(
                        "INSERT INTO access_log (person_id, seq, at, actor, actor_id, action, object_id, \
                         prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                    )
                    .bind(person_id)
                    .bind(row.seq)
                    .bind(row.at)
                    .bind(&row.actor)
                    .bind(&row.actor_id)
                    .bind(&row.action)
                    .bind(&row.object_id)
                    .bind(&row.prev_hash)
                    .bind(&row.hash)
                    .execute(&mut *tx)
                    .await?;
                    tx.commit().await?;
                    Ok(Some((row.seq, row.hash)))
                }
                .await
            })
        })
        .await
    }

    /// Moves the anchor of a person's chain forward to `(records, head)`; never back, so of
    /// two appends finishing in either order the longer chain's head stays.
    pub async fn chain_anchor(
        &self,
        chain: Chain,
        person_id: &str,
        records: i64,
        head: &[u8],
    ) -> Result<(), StoreError> {
        let table = chain.heads();
        let sql = format!(
            "INSERT INTO {table} (person_id, records, head) VALUES ($1, $2, $3) \
             ON CONFLICT (person_id) DO UPDATE SET records = excluded.records, head = excluded.head \
             WHERE {table}.records < excluded.records"
        );
        with_pool!(self, pool => {
            sqlx::query(&sql).bind(person_id).bind(records).bind(head).execute(pool).await?.rows_affected()
        });
        Ok(())
    }

    /// The anchored `(records, head)` of a person's chain, if any.
    pub async fn chain_head(
        &self,
        chain: Chain,
        person_id: &str,
    ) -> Result<Option<(i64, Vec<u8>)>, StoreError> {
        let sql = format!("SELECT records, head FROM {} WHERE person_id = $1", chain.heads());
        Ok(with_pool!(self, pool => sqlx::query_as(&sql).bind(person_id).fetch_optional(pool).await?))
    }
}
