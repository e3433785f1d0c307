//! A region store's device shares and the log of their use (migration `0030_shares`).

use super::{Db, StoreError, with_pool};
use crate::store::BeginWrite as _;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ShareRow {
    pub id: String,
    pub device_id: String,
    pub owner_id: String,
    pub invitee_id: String,
    /// Comma-separated `SharePermission`s.
    pub permissions: String,
    pub status: String,
    pub expires_at: Option<i64>,
    pub created_at: i64,
    /// The address the owner typed, sealed with the owner's key (none on shares made
    /// before it was kept).
    pub email_ct: Option<Vec<u8>>,
}

const SHARE_COLUMNS: &str =
    "id, device_id, owner_id, invitee_id, permissions, status, expires_at, created_at, email_ct";

/// A share with an address that has no account in the owner's region yet.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct InvitationRow {
    pub id: String,
    pub device_id: String,
    pub owner_id: String,
    pub email_hash: Vec<u8>,
    /// Sealed with the owner's key.
    pub email_ct: Vec<u8>,
    pub permissions: String,
    pub expires_at: Option<i64>,
    pub created_at: i64,
}

const INVITATION_COLUMNS: &str =
    "id, device_id, owner_id, email_hash, email_ct, permissions, expires_at, created_at";

impl Db {
    pub async fn share_insert(&self, s: &ShareRow) -> Result<(), StoreError> {
        with_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO device_shares (id, device_id, owner_id, invitee_id, permissions, status, expires_at, \
                 created_at, email_ct) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(&s.id)
            .bind(&s.device_id)
            .bind(&s.owner_id)
            .bind(&s.invitee_id)
            .bind(&s.permissions)
            .bind(&s.status)
            .bind(s.expires_at)
            .bind(s.created_at)
            .bind(&s.email_ct)
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(())
    }

    pub async fn share(&self, id: &str) -> Result<Option<ShareRow>, StoreError> {
        let sql = format!("SELECT {SHARE_COLUMNS} FROM device_shares WHERE id = $1");
        Ok(with_pool!(self, pool => sqlx::query_as(&sql).bind(id).fetch_optional(pool).await?))
    }

    /// The share of `device_id` to `invitee_id`, if any (there is at most one).
    pub async fn share_of(&self, device_id: &str, invitee_id: &str) -> Result<Option<ShareRow>, StoreError> {
        let sql =
            format!("SELECT {SHARE_COLUMNS} FROM device_shares WHERE device_id = $1 AND invitee_id = $2");
        Ok(
            with_pool!(self, pool => sqlx::query_as(&sql).bind(device_id).bind(invitee_id).fetch_optional(pool).await?),
        )
    }

    /// A device's shares, oldest first.
    pub async fn shares_of_device(&self, device_id: &str) -> Result<Vec<ShareRow>, StoreError> {
        let sql =
            format!("SELECT {SHARE_COLUMNS} FROM device_shares WHERE device_id = $1 ORDER BY created_at, id");
        Ok(with_pool!(self, pool => sqlx::query_as(&sql).bind(device_id).fetch_all(pool).await?))
    }

    /// The shares a person received, newest first.
    pub async fn shares_received(&self, invitee_id: &str) -> Result<Vec<ShareRow>, StoreError> {
        let sql = format!(
            "SELECT {SHARE_COLUMNS} FROM device_shares WHERE invitee_id = $1 ORDER BY created_at DESC, id DESC"
        );
        Ok(with_pool!(self, pool => sqlx::query_as(&sql).bind(invitee_id).fetch_all(pool).await?))
    }

    /// Sets the invitee's answer; false when the share is gone.
    pub async fn share_answer(&self, id: &str, status: &str) -> Result<bool, StoreError> {
        let n = with_pool!(self, pool => {
            sqlx::query("UPDATE device_shares SET status = $2 WHERE id = $1")
                .bind(id)
                .bind(status)
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(n == 1)
    }

    /// Ends a share (its access log goes with it); false when it was already gone.
    pub async fn share_delete(&self, id: &str) -> Result<bool, StoreError> {
        let n = with_pool!(self, pool => {
            sqlx::query("DELETE FROM device_shares WHERE id = $1").bind(id).execute(pool).await?.rows_affected()
        });
        Ok(n == 1)
    }

    pub async fn share_access_log(
        &self,
        id: &str,
        share_id: &str,
        person_id: &str,
        action: &str,
        at: i64,
    ) -> Result<(), StoreError> {
        with_pool!(self, pool => {
            sqlx::query("INSERT INTO share_accesses (id, share_id, person_id, action, at) VALUES ($1, $2, $3, $4, $5)")
                .bind(id)
                .bind(share_id)
                .bind(person_id)
                .bind(action)
                .bind(at)
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(())
    }

    /// A share's latest uses, newest first: (action, at).
    pub async fn share_accesses(&self, share_id: &str, limit: i64) -> Result<Vec<(String, i64)>, StoreError> {
        Ok(with_pool!(self, pool => {
            sqlx::query_as(
                "SELECT action, at FROM share_accesses WHERE share_id = $1 ORDER BY at DESC, id DESC LIMIT $2",
            )
            .bind(share_id)
            .bind(limit)
            .fetch_all(pool)
            .await?
        }))
    }

    /// Sets what a share allows from now on; false when it is gone.
    pub async fn share_update(
        &self,
        id: &str,
        permissions: &str,
        expires_at: Option<i64>,
    ) -> Result<bool, StoreError> {
        self.terms_update("device_shares", id, permissions, expires_at).await
    }

    /// The terms of a row of `table` (a share or an invitation: both hold them alike).
    async fn terms_update(
        &self,
        table: &'static str,
        id: &str,
        permissions: &str,
        expires_at: Option<i64>,
    ) -> Result<bool, StoreError> {
        let sql = format!("UPDATE {table} SET permissions = $2, expires_at = $3 WHERE id = $1");
        let n = with_pool!(self, pool => {
            sqlx::query(&sql).bind(id).bind(permissions).bind(expires_at).execute(pool).await?.rows_affected()
        });
        Ok(n == 1)
    }

    /// Deletes shares still unanswered that were made before `cutoff`; answers how many.
    pub async fn shares_purge_unanswered(&self, cutoff: i64) -> Result<u64, StoreError> {
        Ok(with_pool!(self, pool => {
            sqlx::query("DELETE FROM device_shares WHERE status = 'pending' AND created_at < $1")
                .bind(cutoff)
                .execute(pool)
                .await?
                .rows_affected()
        }))
    }

    pub async fn invitation_insert(&self, i: &InvitationRow) -> Result<(), StoreError> {
        with_pool!(self, pool => {
            sqlx::query(&format!(
                "INSERT INTO share_invitations ({INVITATION_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
            ))
            .bind(&i.id)
            .bind(&i.device_id)
            .bind(&i.owner_id)
            .bind(&i.email_hash)
            .bind(&i.email_ct)
            .bind(&i.permissions)
            .bind(i.expires_at)
            .bind(i.created_at)
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(())
    }

    /// A device's invitations made since `since`, oldest first.
    pub async fn invitations_of_device(
        &self,
        device_id: &str,
        since: i64,
    ) -> Result<Vec<InvitationRow>, StoreError> {
        let sql = format!(
            "SELECT {INVITATION_COLUMNS} FROM share_invitations WHERE device_id = $1 AND created_at >= $2 \
             ORDER BY created_at, id"
        );
        Ok(with_pool!(self, pool => sqlx::query_as(&sql).bind(device_id).bind(since).fetch_all(pool).await?))
    }

    pub async fn invitation(&self, id: &str) -> Result<Option<InvitationRow>, StoreError> {
        let sql = format!("SELECT {INVITATION_COLUMNS} FROM share_invitations WHERE id = $1");
        Ok(with_pool!(self, pool => sqlx::query_as(&sql).bind(id).fetch_optional(pool).await?))
    }

    pub async fn invitation_delete(&self, id: &str) -> Result<bool, StoreError> {
        let n = with_pool!(self, pool => {
            sqlx::query("DELETE FROM share_invitations WHERE id = $1").bind(id).execute(pool).await?.rows_affected()
        });
        Ok(n == 1)
    }

    pub async fn invitation_update(
        &self,
        id: &str,
        permissions: &str,
        expires_at: Option<i64>,
    ) -> Result<bool, StoreError> {
        self.terms_update("share_invitations", id, permissions, expires_at).await
    }

    /// The address `email_hash` was verified by `person_id` here: the invitations to it made
    /// since `since` become pending shares of theirs, with the same id and terms, in one
    /// transaction. Answers how many. An invitation to a camera already shared with them, or
    /// their own camera, is dropped.
    pub async fn claim_invitations(
        &self,
        email_hash: &[u8],
        person_id: &str,
        since: i64,
    ) -> Result<u64, StoreError> {
        Ok(with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let n = sqlx::query(
                "INSERT INTO device_shares (id, device_id, owner_id, invitee_id, permissions, status, expires_at, \
                 created_at, email_ct) \
                 SELECT i.id, i.device_id, i.owner_id, $2, i.permissions, 'pending', i.expires_at, i.created_at, \
                 i.email_ct FROM share_invitations i \
                 WHERE i.email_hash = $1 AND i.created_at >= $3 AND i.owner_id <> $2 AND NOT EXISTS ( \
                   SELECT 1 FROM device_shares s WHERE s.device_id = i.device_id AND s.invitee_id = $2)",
            )
            .bind(email_hash)
            .bind(person_id)
            .bind(since)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            sqlx::query("DELETE FROM share_invitations WHERE email_hash = $1")
                .bind(email_hash)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            n
        }))
    }
}
