//! A region store: what a guardian's request carries besides the request itself
//! (`guardian_requests`, `guardian_proofs`, migration `0180`), for `crate::requests::guardian`.
//! Everything personal arrives sealed with the guardian's key; nothing here opens it.

use super::requests::{insert_event, insert_request};
use super::{Db, RequestEventRow, RequestRow, StoreError, with_pool};
use crate::store::BeginWrite as _;

/// One row of `guardian_requests`.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct GuardianRow {
    pub request_id: String,
    pub person_id: String,
    pub ask: String,
    pub relation: String,
    pub method: String,
    pub child_ct: Vec<u8>,
    pub child_region: Option<String>,
    pub child_id: Option<String>,
}

const GUARDIAN_COLUMNS: &str =
    "request_id, person_id, ask, relation, method, child_ct, child_region, child_id";

/// One row of `guardian_proofs`.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ProofRow {
    pub request_id: String,
    pub person_id: String,
    pub media_type: String,
    pub size: i64,
    pub proof_ct: Vec<u8>,
    pub uploaded_at: i64,
    pub decided_at: Option<i64>,
}

impl Db {
    /// Files a guardian's request, its details and its proof in one transaction: nothing of
    /// it is stored unless all of it is.
    pub async fn guardian_insert(
        &self,
        row: &RequestRow,
        filed: &RequestEventRow,
        g: &GuardianRow,
        proof: Option<&ProofRow>,
    ) -> Result<(), StoreError> {
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            insert_request!(tx, row);
            insert_event!(tx, &row.person_id, filed);
            sqlx::query(&format!(
                "INSERT INTO guardian_requests ({GUARDIAN_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
            ))
            .bind(&g.request_id)
            .bind(&g.person_id)
            .bind(&g.ask)
            .bind(&g.relation)
            .bind(&g.method)
            .bind(&g.child_ct)
            .bind(&g.child_region)
            .bind(&g.child_id)
            .execute(&mut *tx)
            .await?;
            if let Some(p) = proof {
                sqlx::query(
                    "INSERT INTO guardian_proofs (request_id, person_id, media_type, size, proof_ct, uploaded_at, decided_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(&p.request_id)
                .bind(&p.person_id)
                .bind(&p.media_type)
                .bind(p.size)
                .bind(&p.proof_ct)
                .bind(p.uploaded_at)
                .bind(p.decided_at)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    pub async fn guardian_of(&self, request_id: &str) -> Result<Option<GuardianRow>, StoreError> {
        let sql = format!("SELECT {GUARDIAN_COLUMNS} FROM guardian_requests WHERE request_id = $1");
        Ok(with_pool!(self, pool => sqlx::query_as(&sql).bind(request_id).fetch_optional(pool).await?))
    }

    /// The request's proof without its bytes: `(media_type, size, decided_at)`.
    pub async fn proof_info(
        &self,
        request_id: &str,
    ) -> Result<Option<(String, i64, Option<i64>)>, StoreError> {
        Ok(with_pool!(self, pool => {
            sqlx::query_as("SELECT media_type, size, decided_at FROM guardian_proofs WHERE request_id = $1")
                .bind(request_id)
                .fetch_optional(pool)
                .await?
        }))
    }

    pub async fn proof_of(&self, request_id: &str) -> Result<Option<ProofRow>, StoreError> {
        Ok(with_pool!(self, pool => {
            sqlx::query_as(
                "SELECT request_id, person_id, media_type, size, proof_ct, uploaded_at, decided_at \
                 FROM guardian_proofs WHERE request_id = $1",
            )
            .bind(request_id)
            .fetch_optional(pool)
            .await?
        }))
    }

    /// The staff decided on the request at `at`: its proof's retention starts (once).
    pub async fn proof_decided(&self, request_id: &str, at: i64) -> Result<(), StoreError> {
        with_pool!(self, pool => {
            sqlx::query("UPDATE guardian_proofs SET decided_at = $2 WHERE request_id = $1 AND decided_at IS NULL")
                .bind(request_id)
                .bind(at)
                .execute(pool)
                .await
                .map(drop)?
        });
        Ok(())
    }

    /// A review was granted: the child's account, and the keyed hash of the guardian's link.
    pub async fn guardian_review_set(
        &self,
        request_id: &str,
        child_region: &str,
        child_id: &str,
        review_hash: &[u8],
    ) -> Result<(), StoreError> {
        with_pool!(self, pool => {
            sqlx::query(
                "UPDATE guardian_requests SET child_region = $2, child_id = $3, review_hash = $4 WHERE request_id = $1",
            )
            .bind(request_id)
            .bind(child_region)
            .bind(child_id)
            .bind(review_hash)
            .execute(pool)
            .await
            .map(drop)?
        });
        Ok(())
    }

    /// The request a review link's keyed hash belongs to.
    pub async fn guardian_by_review(&self, review_hash: &[u8]) -> Result<Option<GuardianRow>, StoreError> {
        let sql = format!("SELECT {GUARDIAN_COLUMNS} FROM guardian_requests WHERE review_hash = $1");
        Ok(with_pool!(self, pool => sqlx::query_as(&sql).bind(review_hash).fetch_optional(pool).await?))
    }
}
