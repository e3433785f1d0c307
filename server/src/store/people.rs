//! A region store: people, their codes, sessions, activity and recovery codes.
//! Sealed columns (`*_ct`) arrive here already encrypted; this module never sees plaintext.

use super::{Db, StoreError, with_pool};
use crate::store::BeginWrite as _;

/// One row of `people`, as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PersonRow {
    pub id: String,
    pub email_hash: Vec<u8>,
    pub name_ct: Vec<u8>,
    pub email_ct: Vec<u8>,
    pub phone_ct: Vec<u8>,
    pub birth_date_ct: Vec<u8>,
    pub pending_email_ct: Option<Vec<u8>>,
    pub password_hash: String,
    pub email_verified: bool,
    pub totp_secret_ct: Option<Vec<u8>>,
    pub totp_enabled: bool,
    pub totp_last_step: i64,
    pub policy_version: String,
    pub policy_accepted_at: i64,
    pub created_at: i64,
    /// Flagged as a child's account: suspended, and deleted at `child_delete_at`.
    pub child_flagged_at: Option<i64>,
    pub child_delete_at: Option<i64>,
}

pub struct NewPerson {
    pub id: String,
    pub email_hash: Vec<u8>,
    pub name_ct: Vec<u8>,
    pub email_ct: Vec<u8>,
    pub phone_ct: Vec<u8>,
    pub birth_date_ct: Vec<u8>,
    pub password_hash: String,
    pub policy_version: String,
    pub now: i64,
    /// A child's sign-up with a guardian's consent to come: the account waits, suspended.
    pub guardian: Option<super::NamedGuardian>,
}

/// What an emailed code is for; one live code per person and purpose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodePurpose {
    VerifyEmail,
    ResetPassword,
    ChangeEmail,
    /// Signs in past the delays that wrong passwords put on an email (`auth::limits`).
    UnlockSignIn,
}

impl CodePurpose {
    fn as_str(self) -> &'static str {
        match self {
            CodePurpose::VerifyEmail => "verify_email",
            CodePurpose::ResetPassword => "reset_password",
            CodePurpose::ChangeEmail => "change_email",
            CodePurpose::UnlockSignIn => "unlock_sign_in",
        }
    }
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionRow {
    pub id: String,
    pub person_id: String,
    pub token_hash: Vec<u8>,
    pub created_at: i64,
    pub last_seen: i64,
    pub address_ct: Vec<u8>,
    pub browser_ct: Vec<u8>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ActivityRow {
    pub kind: String,
    pub at: i64,
    pub address_ct: Vec<u8>,
    pub browser_ct: Vec<u8>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PasskeyRow {
    pub id: String,
    pub person_id: String,
    pub credential_ct: Vec<u8>,
    pub name_ct: Vec<u8>,
    pub created_at: i64,
    pub last_used: i64,
}

const PERSON_COLUMNS: &str = "id, email_hash, name_ct, email_ct, phone_ct, birth_date_ct, pending_email_ct, \
     password_hash, email_verified, totp_secret_ct, totp_enabled, totp_last_step, policy_version, \
     policy_accepted_at, created_at, child_flagged_at, child_delete_at";

impl Db {
    /// Flags the person's account as a child's: suspended from `at`, deleted at `delete_at`.
    /// False when it was flagged already (the first date stands).
    pub async fn person_flag_child(&self, id: &str, at: i64, delete_at: i64) -> Result<bool, StoreError> {
        let n = with_pool!(self, pool => {
            sqlx::query(
                "UPDATE people SET child_flagged_at = $2, child_delete_at = $3 WHERE id = $1 AND child_flagged_at IS NULL",
            )
            .bind(id)
            .bind(at)
            .bind(delete_at)
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(n == 1)
    }

    /// Lifts the flag (verifiable consent arrived, or it was a mistake). False: not flagged.
    pub async fn person_unflag_child(&self, id: &str) -> Result<bool, StoreError> {
        let n = with_pool!(self, pool => {
            sqlx::query(
                "UPDATE people SET child_flagged_at = NULL, child_delete_at = NULL \
                 WHERE id = $1 AND child_flagged_at IS NOT NULL",
            )
            .bind(id)
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(n == 1)
    }

    /// Accounts flagged as a child's whose notice has run out at `now`.
    pub async fn people_flagged_due(&self, now: i64) -> Result<Vec<String>, StoreError> {
        Ok(with_pool!(self, pool => {
            sqlx::query_scalar("SELECT id FROM people WHERE child_delete_at < $1 ORDER BY child_delete_at")
                .bind(now)
                .fetch_all(pool)
                .await?
        }))
    }

    /// A new account; a child's, with the guardian they named, in the same transaction.
    pub async fn person_insert(&self, p: &NewPerson) -> Result<(), StoreError> {
        let delete_at = p.guardian.as_ref().map(|g| g.delete_at);
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query(
                "INSERT INTO people (id, email_hash, name_ct, email_ct, phone_ct, birth_date_ct, password_hash, \
                 policy_version, policy_accepted_at, created_at, child_flagged_at, child_delete_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10, $11)",
            )
            .bind(&p.id)
            .bind(&p.email_hash)
            .bind(&p.name_ct)
            .bind(&p.email_ct)
            .bind(&p.phone_ct)
            .bind(&p.birth_date_ct)
            .bind(&p.password_hash)
            .bind(&p.policy_version)
            .bind(p.now)
            .bind(delete_at.map(|_| p.now))
            .bind(delete_at)
            .execute(&mut *tx)
            .await?;
            if let Some(g) = &p.guardian {
                sqlx::query(
                    "INSERT INTO child_guardians (person_id, guardian_hash, guardian_email_ct, named_at) \
                     VALUES ($1, $2, $3, $4)",
                )
                .bind(&p.id)
                .bind(&g.guardian_hash)
                .bind(&g.guardian_email_ct)
                .bind(p.now)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    pub async fn person(&self, id: &str) -> Result<Option<PersonRow>, StoreError> {
        let sql = format!("SELECT {PERSON_COLUMNS} FROM people WHERE id = $1");
        Ok(with_pool!(self, pool => sqlx::query_as(&sql).bind(id).fetch_optional(pool).await?))
    }

    pub async fn person_set_verified(&self, id: &str) -> Result<(), StoreError> {
        self.exec_for(id, "UPDATE people SET email_verified = TRUE WHERE id = $1").await
    }

    pub async fn person_set_name(&self, id: &str, name_ct: &[u8]) -> Result<(), StoreError> {
        self.exec_bytes_for(id, "UPDATE people SET name_ct = $2 WHERE id = $1", name_ct).await
    }

    /// The privacy staff's correction (the person cannot change it themselves).
    pub async fn person_set_birth_date(&self, id: &str, birth_date_ct: &[u8]) -> Result<(), StoreError> {
        self.exec_bytes_for(id, "UPDATE people SET birth_date_ct = $2 WHERE id = $1", birth_date_ct).await
    }

    pub async fn person_set_phone(&self, id: &str, phone_ct: &[u8]) -> Result<(), StoreError> {
        self.exec_bytes_for(id, "UPDATE people SET phone_ct = $2 WHERE id = $1", phone_ct).await
    }

    pub async fn person_set_pending_email(&self, id: &str, email_ct: &[u8]) -> Result<(), StoreError> {
        self.exec_bytes_for(id, "UPDATE people SET pending_email_ct = $2 WHERE id = $1", email_ct).await
    }

    /// The pending email becomes the email; the old value is overwritten, not kept.
    pub async fn person_apply_email(
        &self,
        id: &str,
        email_hash: &[u8],
        email_ct: &[u8],
    ) -> Result<(), StoreError> {
        with_pool!(self, pool => {
            sqlx::query(
                "UPDATE people SET email_hash = $2, email_ct = $3, pending_email_ct = NULL, email_verified = TRUE \
                 WHERE id = $1",
            )
            .bind(id)
            .bind(email_hash)
            .bind(email_ct)
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(())
    }

    pub async fn person_set_password(&self, id: &str, password_hash: &str) -> Result<(), StoreError> {
        with_pool!(self, pool => {
            sqlx::query("UPDATE people SET password_hash = $2 WHERE id = $1")
                .bind(id)
                .bind(password_hash)
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(())
    }

    /// Stores a TOTP secret not yet confirmed (`enabled` false), confirms it, or clears it.
    pub async fn person_set_totp(
        &self,
        id: &str,
        secret_ct: Option<&[u8]>,
        enabled: bool,
    ) -> Result<(), StoreError> {
        with_pool!(self, pool => {
            sqlx::query("UPDATE people SET totp_secret_ct = $2, totp_enabled = $3, totp_last_step = 0 WHERE id = $1")
                .bind(id)
                .bind(secret_ct)
                .bind(enabled)
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(())
    }

    /// Records that a TOTP time step was used; false when it (or a later one) already was,
    /// so one code cannot sign in twice.
    pub async fn person_claim_totp_step(&self, id: &str, step: i64) -> Result<bool, StoreError> {
        let done = with_pool!(self, pool => {
            sqlx::query("UPDATE people SET totp_last_step = $2 WHERE id = $1 AND totp_last_step < $2")
                .bind(id)
                .bind(step)
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(done == 1)
    }

    /// Deletes an account whose email was never verified, with everything that references
    /// it (no receipt: it never was a usable account). False when it is verified by now.
    pub async fn person_discard_unverified(&self, id: &str) -> Result<bool, StoreError> {
        let n = with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let n = sqlx::query("DELETE FROM people WHERE id = $1 AND email_verified = FALSE")
                .bind(id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if n == 1 {
                for sql in super::requests::DELETE_REQUESTS_OF {
                    sqlx::query(sql).bind(id).execute(&mut *tx).await?;
                }
            }
            tx.commit().await?;
            n
        });
        Ok(n == 1)
    }

    /// Deletes the person and everything that references them, and records the receipt.
    pub async fn person_delete(&self, id: &str, receipt: &str, now: i64) -> Result<(), StoreError> {
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query("DELETE FROM people WHERE id = $1").bind(id).execute(&mut *tx).await?;
            for sql in super::requests::DELETE_REQUESTS_OF {
                sqlx::query(sql).bind(id).execute(&mut *tx).await?;
            }
            sqlx::query("INSERT INTO deletion_receipts (receipt, deleted_at) VALUES ($1, $2)")
                .bind(receipt)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
        });
        Ok(())
    }

    // --- emailed codes ---

    pub async fn code_put(
        &self,
        person_id: &str,
        purpose: CodePurpose,
        code_hash: &[u8],
        expires_at: i64,
    ) -> Result<(), StoreError> {
        with_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO codes (person_id, purpose, code_hash, expires_at, attempts) VALUES ($1, $2, $3, $4, 0) \
                 ON CONFLICT (person_id, purpose) DO UPDATE SET code_hash = excluded.code_hash, \
                 expires_at = excluded.expires_at, attempts = 0",
            )
            .bind(person_id)
            .bind(purpose.as_str())
            .bind(code_hash)
            .bind(expires_at)
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(())
    }

    /// `(code_hash, expires_at, attempts)` of the live code, counting this look as an attempt.
    pub async fn code_attempt(
        &self,
        person_id: &str,
        purpose: CodePurpose,
    ) -> Result<Option<(Vec<u8>, i64, i64)>, StoreError> {
        Ok(with_pool!(self, pool => {
            sqlx::query_as(
                "UPDATE codes SET attempts = attempts + 1 WHERE person_id = $1 AND purpose = $2 \
                 RETURNING code_hash, expires_at, attempts",
            )
            .bind(person_id)
            .bind(purpose.as_str())
            .fetch_optional(pool)
            .await?
        }))
    }

    /// `(code_hash, expires_at)` of the live code, without counting an attempt: for
    /// comparing a stranger's guess without letting it use up the owner's tries.
    pub async fn code_peek(
        &self,
        person_id: &str,
        purpose: CodePurpose,
    ) -> Result<Option<(Vec<u8>, i64)>, StoreError> {
        Ok(with_pool!(self, pool => {
            sqlx::query_as("SELECT code_hash, expires_at FROM codes WHERE person_id = $1 AND purpose = $2")
                .bind(person_id)
                .bind(purpose.as_str())
                .fetch_optional(pool)
                .await?
        }))
    }

    /// Deletes the live code; whether there was one.
    pub async fn code_delete(&self, person_id: &str, purpose: CodePurpose) -> Result<bool, StoreError> {
        let n = with_pool!(self, pool => {
            sqlx::query("DELETE FROM codes WHERE person_id = $1 AND purpose = $2")
                .bind(person_id)
                .bind(purpose.as_str())
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(n == 1)
    }

    // --- sessions ---

    pub async fn session_insert(&self, s: &SessionRow) -> Result<(), StoreError> {
        with_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO sessions (id, person_id, token_hash, created_at, last_seen, address_ct, browser_ct) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(&s.id)
            .bind(&s.person_id)
            .bind(&s.token_hash)
            .bind(s.created_at)
            .bind(s.last_seen)
            .bind(&s.address_ct)
            .bind(&s.browser_ct)
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(())
    }

    pub async fn session_by_token(&self, token_hash: &[u8]) -> Result<Option<SessionRow>, StoreError> {
        Ok(with_pool!(self, pool => {
            sqlx::query_as(
                "SELECT id, person_id, token_hash, created_at, last_seen, address_ct, browser_ct FROM sessions \
                 WHERE token_hash = $1",
            )
            .bind(token_hash)
            .fetch_optional(pool)
            .await?
        }))
    }

    pub async fn sessions_of(&self, person_id: &str) -> Result<Vec<SessionRow>, StoreError> {
        Ok(with_pool!(self, pool => {
            sqlx::query_as(
                "SELECT id, person_id, token_hash, created_at, last_seen, address_ct, browser_ct FROM sessions \
                 WHERE person_id = $1 ORDER BY last_seen DESC",
            )
            .bind(person_id)
            .fetch_all(pool)
            .await?
        }))
    }

    pub async fn session_touch(&self, id: &str, now: i64) -> Result<(), StoreError> {
        with_pool!(self, pool => {
            sqlx::query("UPDATE sessions SET last_seen = $2 WHERE id = $1").bind(id).bind(now).execute(pool).await?.rows_affected()
        });
        Ok(())
    }

    /// Ends one session of the person; false when they have no such session.
    pub async fn session_delete(&self, person_id: &str, id: &str) -> Result<bool, StoreError> {
        let n = with_pool!(self, pool => {
            sqlx::query("DELETE FROM sessions WHERE person_id = $1 AND id = $2")
                .bind(person_id)
                .bind(id)
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(n > 0)
    }

    /// Ends every session of the person but `keep` (none when `keep` is `None`).
    pub async fn sessions_delete_all(&self, person_id: &str, keep: Option<&str>) -> Result<(), StoreError> {
        with_pool!(self, pool => {
            sqlx::query("DELETE FROM sessions WHERE person_id = $1 AND id <> $2")
                .bind(person_id)
                .bind(keep.unwrap_or(""))
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(())
    }

    // --- activity ---

    pub async fn activity_add(
        &self,
        person_id: &str,
        kind: &str,
        at: i64,
        address_ct: &[u8],
        browser_ct: &[u8],
    ) -> Result<(), StoreError> {
        with_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO activity (person_id, kind, at, address_ct, browser_ct) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(person_id)
            .bind(kind)
            .bind(at)
            .bind(address_ct)
            .bind(browser_ct)
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(())
    }

    pub async fn activity_of(&self, person_id: &str, limit: i64) -> Result<Vec<ActivityRow>, StoreError> {
        Ok(with_pool!(self, pool => {
            sqlx::query_as(
                "SELECT kind, at, address_ct, browser_ct FROM activity WHERE person_id = $1 \
                 ORDER BY at DESC, id DESC LIMIT $2",
            )
            .bind(person_id)
            .bind(limit)
            .fetch_all(pool)
            .await?
        }))
    }

    // --- recovery codes ---

    pub async fn recovery_replace(&self, person_id: &str, hashes: &[Vec<u8>]) -> Result<(), StoreError> {
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query("DELETE FROM recovery_codes WHERE person_id = $1").bind(person_id).execute(&mut *tx).await?;
            for h in hashes {
                sqlx::query("INSERT INTO recovery_codes (person_id, code_hash) VALUES ($1, $2)")
                    .bind(person_id)
                    .bind(h)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// Uses up a recovery code; false when it is not one of the person's unused codes.
    pub async fn recovery_use(&self, person_id: &str, hash: &[u8]) -> Result<bool, StoreError> {
        let n = with_pool!(self, pool => {
            sqlx::query("DELETE FROM recovery_codes WHERE person_id = $1 AND code_hash = $2")
                .bind(person_id)
                .bind(hash)
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(n == 1)
    }

    /// Deletes what the registry says has outlived its retention at `now`, and sessions
    /// past their timeouts. Returns the number of rows deleted per table.
    pub async fn purge_expired(
        &self,
        now: i64,
        idle: i64,
        absolute: i64,
    ) -> Result<Vec<(&'static str, u64)>, StoreError> {
        let mut out = Vec::new();
        for (table, column) in crate::registry::AGED_TABLES {
            let Some(days) = crate::registry::retention_days(table) else { continue };
            let cutoff = now - i64::from(days) * 86_400;
            let sql = format!("DELETE FROM {table} WHERE {column} < $1");
            let n =
                with_pool!(self, pool => sqlx::query(&sql).bind(cutoff).execute(pool).await?.rows_affected());
            out.push((*table, n));
        }
        // A share nobody answered lapses like an invitation to an address without an account,
        // so the two look alike to the owner to the end.
        let cutoff = now - crate::registry::INVITATION_SECS;
        out.push(("device_shares", self.shares_purge_unanswered(cutoff).await?));
        let n = with_pool!(self, pool => {
            sqlx::query("DELETE FROM sessions WHERE last_seen < $1 OR created_at < $2")
                .bind(now - idle)
                .bind(now - absolute)
                .execute(pool)
                .await?
                .rows_affected()
        });
        out.push(("sessions", n));
        Ok(out)
    }

    // --- passkeys ---

    pub async fn passkey_insert(&self, p: &PasskeyRow) -> Result<(), StoreError> {
        with_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO passkeys (id, person_id, credential_ct, name_ct, created_at, last_used) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(&p.id)
            .bind(&p.person_id)
            .bind(&p.credential_ct)
            .bind(&p.name_ct)
            .bind(p.created_at)
            .bind(p.last_used)
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(())
    }

    pub async fn passkeys_of(&self, person_id: &str) -> Result<Vec<PasskeyRow>, StoreError> {
        Ok(with_pool!(self, pool => {
            sqlx::query_as(
                "SELECT id, person_id, credential_ct, name_ct, created_at, last_used FROM passkeys \
                 WHERE person_id = $1 ORDER BY created_at",
            )
            .bind(person_id)
            .fetch_all(pool)
            .await?
        }))
    }

    pub async fn passkey_used(&self, id: &str, credential_ct: &[u8], now: i64) -> Result<(), StoreError> {
        with_pool!(self, pool => {
            sqlx::query("UPDATE passkeys SET credential_ct = $2, last_used = $3 WHERE id = $1")
                .bind(id)
                .bind(credential_ct)
                .bind(now)
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(())
    }

    pub async fn passkey_delete(&self, person_id: &str, id: &str) -> Result<bool, StoreError> {
        let n = with_pool!(self, pool => {
            sqlx::query("DELETE FROM passkeys WHERE person_id = $1 AND id = $2")
                .bind(person_id)
                .bind(id)
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(n > 0)
    }

    async fn exec_for(&self, id: &str, sql: &str) -> Result<(), StoreError> {
        with_pool!(self, pool => sqlx::query(sql).bind(id).execute(pool).await?.rows_affected());
        Ok(())
    }

    async fn exec_bytes_for(&self, id: &str, sql: &str, value: &[u8]) -> Result<(), StoreError> {
        with_pool!(self, pool => sqlx::query(sql).bind(id).bind(value).execute(pool).await?.rows_affected());
        Ok(())
    }
}
