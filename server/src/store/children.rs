//! A region store: the parent or guardian of a child's account (`child_guardians`, migration
//! `0200`), for `crate::requests::guardian`. The guardian's address arrives sealed with the
//! child's key; nothing here opens it.

use super::{Db, StoreError, with_pool};
use crate::store::BeginWrite as _;

/// The guardian a child named at sign-up (`NewPerson::guardian`).
pub struct NamedGuardian {
    pub guardian_hash: Vec<u8>,
    pub guardian_email_ct: Vec<u8>,
    /// When the account is deleted unless the guardian consents first.
    pub delete_at: i64,
}

/// One row of `child_guardians`.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ChildGuardianRow {
    pub person_id: String,
    pub guardian_hash: Vec<u8>,
    pub guardian_email_ct: Vec<u8>,
    pub named_at: i64,
    pub consented_at: Option<i64>,
    pub request_id: Option<String>,
}

const COLUMNS: &str = "person_id, guardian_hash, guardian_email_ct, named_at, consented_at, request_id";

impl Db {
    /// The guardian of the person's account, named or consented, if any.
    pub async fn child_guardian(&self, person_id: &str) -> Result<Option<ChildGuardianRow>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM child_guardians WHERE person_id = $1");
        Ok(with_pool!(self, pool => sqlx::query_as(&sql).bind(person_id).fetch_optional(pool).await?))
    }

    /// The accounts whose guardian, by the keyed hash of their address, consented to them.
    pub async fn children_of(&self, guardian_hash: &[u8]) -> Result<Vec<ChildGuardianRow>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM child_guardians WHERE guardian_hash = $1 AND consented_at IS NOT NULL \
             ORDER BY consented_at"
        );
        Ok(with_pool!(self, pool => sqlx::query_as(&sql).bind(guardian_hash).fetch_all(pool).await?))
    }

    /// Records a verified guardian's consent to the person's account, in one transaction: the
    /// guardian (whoever the child had named) is the one who consented, and the account is no
    /// longer suspended. False when the account does not wait for consent (not flagged).
    pub async fn child_consent(&self, person_id: &str, g: &ChildGuardianRow) -> Result<bool, StoreError> {
        Ok(with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let lifted = sqlx::query(
                "UPDATE people SET child_flagged_at = NULL, child_delete_at = NULL \
                 WHERE id = $1 AND child_flagged_at IS NOT NULL",
            )
            .bind(person_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if lifted == 1 {
                sqlx::query(&format!(
                    "INSERT INTO child_guardians ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6) \
                     ON CONFLICT (person_id) DO UPDATE SET guardian_hash = excluded.guardian_hash, \
                     guardian_email_ct = excluded.guardian_email_ct, consented_at = excluded.consented_at, \
                     request_id = excluded.request_id"
                ))
                .bind(person_id)
                .bind(&g.guardian_hash)
                .bind(&g.guardian_email_ct)
                .bind(g.named_at)
                .bind(g.consented_at)
                .bind(&g.request_id)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            lifted == 1
        }))
    }
}
