//! The directory: email hash -> (region, person id), and each person's wrapped data key.

use crate::store::BeginWrite as _;
use ward_model::Region;

use super::{Db, StoreError, with_pool};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectoryEntry {
    pub region: Region,
    pub person_id: String,
}

impl Db {
    /// Registers a new person: their email hash and wrapped key, in one transaction.
    /// A taken email hash is [`StoreError::Conflict`].
    pub async fn directory_insert(
        &self,
        email_hash: &[u8],
        entry: &DirectoryEntry,
        wrapped_key: &[u8],
    ) -> Result<(), StoreError> {
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query("INSERT INTO directory (email_hash, region, person_id) VALUES ($1, $2, $3)")
                .bind(email_hash)
                .bind(entry.region.code())
                .bind(&entry.person_id)
                .execute(&mut *tx)
                .await?;
            sqlx::query("INSERT INTO person_keys (person_id, wrapped_key) VALUES ($1, $2)")
                .bind(&entry.person_id)
                .bind(wrapped_key)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
        });
        Ok(())
    }

    pub async fn directory_find(&self, email_hash: &[u8]) -> Result<Option<DirectoryEntry>, StoreError> {
        let row: Option<(String, String)> = with_pool!(self, pool => {
            sqlx::query_as("SELECT region, person_id FROM directory WHERE email_hash = $1")
                .bind(email_hash)
                .fetch_optional(pool)
                .await?
        });
        Ok(row.and_then(|(region, person_id)| {
            Region::from_code(&region).map(|region| DirectoryEntry { region, person_id })
        }))
    }

    /// The home region of a person, by id.
    pub async fn directory_region_of(&self, person_id: &str) -> Result<Option<Region>, StoreError> {
        let row: Option<String> = with_pool!(self, pool => {
            sqlx::query_scalar("SELECT region FROM directory WHERE person_id = $1")
                .bind(person_id)
                .fetch_optional(pool)
                .await?
        });
        Ok(row.as_deref().and_then(Region::from_code))
    }

    /// Points the person's entry at another home region (after their rows moved there).
    pub async fn directory_move(
        &self,
        person_id: &str,
        region: ward_model::Region,
    ) -> Result<(), StoreError> {
        with_pool!(self, pool => {
            sqlx::query("UPDATE directory SET region = $1 WHERE person_id = $2")
                .bind(region.code())
                .bind(person_id)
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(())
    }

    /// Points the person's entry at a new email hash (after a verified email change).
    pub async fn directory_rekey(&self, person_id: &str, email_hash: &[u8]) -> Result<(), StoreError> {
        with_pool!(self, pool => {
            sqlx::query("UPDATE directory SET email_hash = $1 WHERE person_id = $2")
                .bind(email_hash)
                .bind(person_id)
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(())
    }

    pub async fn person_key(&self, person_id: &str) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(with_pool!(self, pool => {
            sqlx::query_scalar("SELECT wrapped_key FROM person_keys WHERE person_id = $1")
                .bind(person_id)
                .fetch_optional(pool)
                .await?
        }))
    }

    /// Forgets the person: their entry and their key. Without the key, every sealed field
    /// of theirs, in every store and every copy of it, is unreadable.
    pub async fn directory_forget(&self, person_id: &str) -> Result<(), StoreError> {
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query("DELETE FROM directory WHERE person_id = $1").bind(person_id).execute(&mut *tx).await?;
            sqlx::query("DELETE FROM person_keys WHERE person_id = $1").bind(person_id).execute(&mut *tx).await?;
            sqlx::query("DELETE FROM ledger_heads WHERE person_id = $1").bind(person_id).execute(&mut *tx).await?;
            sqlx::query("DELETE FROM access_heads WHERE person_id = $1").bind(person_id).execute(&mut *tx).await?;
            tx.commit().await?;
        });
        Ok(())
    }
    /// Stores the wrapped key of a subject that has no directory entry (a requester without
    /// an account): `directory_forget` destroys it like a person's.
    pub async fn key_insert(&self, person_id: &str, wrapped_key: &[u8]) -> Result<(), StoreError> {
        with_pool!(self, pool => {
            sqlx::query("INSERT INTO person_keys (person_id, wrapped_key) VALUES ($1, $2)")
                .bind(person_id)
                .bind(wrapped_key)
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(())
    }

    /// Puts a fresh code for an address, replacing any earlier one and its count of tries.
    pub async fn address_code_put(
        &self,
        email_hash: &[u8],
        code_hash: &[u8],
        expires_at: i64,
    ) -> Result<(), StoreError> {
        with_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO address_codes (email_hash, code_hash, expires_at, attempts) VALUES ($1, $2, $3, 0) \
                 ON CONFLICT (email_hash) DO UPDATE SET code_hash = excluded.code_hash, \
                 expires_at = excluded.expires_at, attempts = 0",
            )
            .bind(email_hash)
            .bind(code_hash)
            .bind(expires_at)
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(())
    }

    /// `(code_hash, expires_at, attempts)` of the address's code, counting this look as a try.
    pub async fn address_code_attempt(
        &self,
        email_hash: &[u8],
    ) -> Result<Option<(Vec<u8>, i64, i64)>, StoreError> {
        Ok(with_pool!(self, pool => {
            sqlx::query_as(
                "UPDATE address_codes SET attempts = attempts + 1 WHERE email_hash = $1 \
                 RETURNING code_hash, expires_at, attempts",
            )
            .bind(email_hash)
            .fetch_optional(pool)
            .await?
        }))
    }

    /// Uses the address's code up; whether there was one (two uses at once: one wins).
    pub async fn address_code_delete(&self, email_hash: &[u8]) -> Result<bool, StoreError> {
        let n = with_pool!(self, pool => {
            sqlx::query("DELETE FROM address_codes WHERE email_hash = $1")
                .bind(email_hash)
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(n == 1)
    }
}
