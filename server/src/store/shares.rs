//! A region store's device shares and the log of their use (migration `0030_shares`).

use super::{Db, StoreError, with_pool};

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
}

const SHARE_COLUMNS: &str =
    "id, device_id, owner_id, invitee_id, permissions, status, expires_at, created_at";

impl Db {
    pub async fn share_insert(&self, s: &ShareRow) -> Result<(), StoreError> {
        with_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO device_shares (id, device_id, owner_id, invitee_id, permissions, status, expires_at, \
                 created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(&s.id)
            .bind(&s.device_id)
            .bind(&s.owner_id)
            .bind(&s.invitee_id)
            .bind(&s.permissions)
            .bind(&s.status)
            .bind(s.expires_at)
            .bind(s.created_at)
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
}
