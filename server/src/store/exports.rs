//! A region store: data-export archives (`exports`, one per person at most), and the
//! generic reading of a person's rows that builds them (`crate::export`).

use futures_util::TryStreamExt as _;
use sqlx::{Column as _, TypeInfo as _, ValueRef as _};

use super::{Db, StoreError, with_pool};
use crate::store::BeginWrite as _;

/// One row of `exports`.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ExportRow {
    pub id: String,
    pub person_id: String,
    pub state: String,
    pub language: String,
    pub created_at: i64,
    pub ready_at: Option<i64>,
    pub size: Option<i64>,
    pub error: Option<String>,
    pub confirmed_session: Option<String>,
    pub confirmed_at: Option<i64>,
    /// How many pictures it holds, once ready.
    pub pictures: Option<i64>,
}

const EXPORT_COLUMNS: &str = "id, person_id, state, language, created_at, ready_at, size, error, confirmed_session, confirmed_at, pictures";

/// One row of `export_transfers`: a copy of an archive sent to a recipient.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct TransferRow {
    pub id: String,
    pub export_id: String,
    pub person_id: String,
    pub recipient: String,
    pub recipient_name: String,
    pub state: String,
    pub attempts: i32,
    pub failure: Option<String>,
    pub status: Option<i32>,
    pub created_at: i64,
    pub sent_at: Option<i64>,
}

const TRANSFER_COLUMNS: &str = "id, export_id, person_id, recipient, recipient_name, state, attempts, failure, status, created_at, sent_at";

/// One row of `export_links`: a one-time link to an archive (its label still sealed).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct LinkRow {
    pub id: String,
    pub export_id: String,
    pub person_id: String,
    pub token_hash: Vec<u8>,
    pub label_ct: Vec<u8>,
    pub created_at: i64,
    pub expires_at: i64,
    pub used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

const LINK_COLUMNS: &str =
    "id, export_id, person_id, token_hash, label_ct, created_at, expires_at, used_at, revoked_at";

/// One stored value, as either engine holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell {
    Null,
    Int(i64),
    Bool(bool),
    Text(String),
    Bytes(Vec<u8>),
}

/// Reads one row's values whatever their SQL types, by trying the types both schemas use
/// (sqlx checks each type's compatibility before decoding, so a wrong guess is an error,
/// never a misread value).
fn cells<R: sqlx::Row>(row: &R) -> Result<Vec<Cell>, sqlx::Error>
where
    usize: sqlx::ColumnIndex<R>,
    for<'r> i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> i32: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> bool: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> Vec<u8>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    let mut out = Vec::with_capacity(row.len());
    for i in 0..row.len() {
        if row.try_get_raw(i)?.is_null() {
            out.push(Cell::Null);
            continue;
        }
        // SQLite reports the declared type (BOOLEAN), PostgreSQL its own (BOOL).
        let declared = row.column(i).type_info().name().to_ascii_uppercase();
        let cell = if declared.starts_with("BOOL") {
            row.try_get::<bool, _>(i).map(Cell::Bool)
        } else {
            Err(sqlx::Error::ColumnNotFound(String::new()))
        };
        let cell = cell
            .or_else(|_| row.try_get::<i64, _>(i).map(Cell::Int))
            .or_else(|_| row.try_get::<i32, _>(i).map(|v| Cell::Int(v.into())))
            .or_else(|_| row.try_get::<String, _>(i).map(Cell::Text))
            .or_else(|_| row.try_get::<Vec<u8>, _>(i).map(Cell::Bytes))?;
        out.push(cell);
    }
    Ok(out)
}

/// [`cells`] with each column's declared type, upper case (what type a NULL has when it is
/// written elsewhere).
pub(super) fn cells_typed<R: sqlx::Row>(row: &R) -> Result<Vec<(Cell, String)>, sqlx::Error>
where
    usize: sqlx::ColumnIndex<R>,
    for<'r> i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> i32: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> bool: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> Vec<u8>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    let types = row.columns().iter().map(|c| c.type_info().name().to_ascii_uppercase());
    Ok(cells(row)?.into_iter().zip(types).collect())
}

impl Db {
    /// Every row of `table` whose `subject` column names `person_id`, with the values of
    /// `columns` in that order, one row at a time through a small channel (a table of any
    /// size never sits in memory; dropping the receiver stops the query). Read by a task of
    /// its own. Table and column names come from the registry, never from a request.
    pub fn export_rows(
        &self,
        table: &'static str,
        columns: &[&'static str],
        subject: &'static str,
        person_id: &str,
    ) -> tokio::sync::mpsc::Receiver<Result<Vec<Cell>, StoreError>> {
        let (tx, rx) = tokio::sync::mpsc::channel(64);
        let sql = format!("SELECT {} FROM {table} WHERE {subject} = $1", columns.join(", "));
        let (db, person_id) = (self.clone(), person_id.to_string());
        tokio::spawn(async move {
            let read: Result<(), StoreError> = async {
                with_pool!(db, pool => {
                    let mut rows = sqlx::query(&sql).bind(&person_id).fetch(pool);
                    while let Some(row) = rows.try_next().await? {
                        if tx.send(Ok(cells(&row)?)).await.is_err() {
                            break;
                        }
                    }
                });
                Ok(())
            }
            .await;
            if let Err(e) = read {
                let _ = tx.send(Err(e)).await;
            }
        });
        rx
    }

    /// Starts an export: the person's previous archive (ready or failed) is replaced; a
    /// running one makes this a [`StoreError::Conflict`]. Answers the replaced archive's id.
    pub async fn export_insert(&self, row: &ExportRow) -> Result<Option<String>, StoreError> {
        Ok(with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let old: Option<String> = sqlx::query_scalar(
                "DELETE FROM exports WHERE person_id = $1 AND state <> 'running' RETURNING id",
            )
            .bind(&row.person_id)
            .fetch_optional(&mut *tx)
            .await?;
            sqlx::query(&format!(
                "INSERT INTO exports ({EXPORT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
            ))
            .bind(&row.id)
            .bind(&row.person_id)
            .bind(&row.state)
            .bind(&row.language)
            .bind(row.created_at)
            .bind(row.ready_at)
            .bind(row.size)
            .bind(&row.error)
            .bind(&row.confirmed_session)
            .bind(row.confirmed_at)
            .bind(row.pictures)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            old
        }))
    }

    /// The person's archive, if any.
    pub async fn export_of(&self, person_id: &str) -> Result<Option<ExportRow>, StoreError> {
        let sql = format!("SELECT {EXPORT_COLUMNS} FROM exports WHERE person_id = $1");
        Ok(with_pool!(self, pool => sqlx::query_as(&sql).bind(person_id).fetch_optional(pool).await?))
    }

    pub async fn export_by_id(&self, id: &str) -> Result<Option<ExportRow>, StoreError> {
        let sql = format!("SELECT {EXPORT_COLUMNS} FROM exports WHERE id = $1");
        Ok(with_pool!(self, pool => sqlx::query_as(&sql).bind(id).fetch_optional(pool).await?))
    }

    /// Marks a running archive ready; `false` if it is no longer there to mark (cancelled).
    pub async fn export_ready(
        &self,
        id: &str,
        at: i64,
        size: i64,
        pictures: i64,
    ) -> Result<bool, StoreError> {
        let n = with_pool!(self, pool => {
            sqlx::query(
                "UPDATE exports SET state = 'ready', ready_at = $2, size = $3, pictures = $4 \
                 WHERE id = $1 AND state = 'running'",
            )
                .bind(id)
                .bind(at)
                .bind(size)
                .bind(pictures)
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(n == 1)
    }

    pub async fn export_failed(&self, id: &str, error: &str) -> Result<(), StoreError> {
        with_pool!(self, pool => {
            sqlx::query("UPDATE exports SET state = 'failed', error = $2 WHERE id = $1 AND state = 'running'")
                .bind(id)
                .bind(error)
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(())
    }

    /// The person confirmed their password for this archive in this session.
    pub async fn export_confirm(&self, id: &str, session_id: &str, at: i64) -> Result<(), StoreError> {
        with_pool!(self, pool => {
            sqlx::query("UPDATE exports SET confirmed_session = $2, confirmed_at = $3 WHERE id = $1")
                .bind(id)
                .bind(session_id)
                .bind(at)
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(())
    }

    /// Deletes the person's archive row (cancel, or delete a ready one); answers its id.
    pub async fn export_delete(&self, person_id: &str) -> Result<Option<String>, StoreError> {
        Ok(with_pool!(self, pool => {
            sqlx::query_scalar("DELETE FROM exports WHERE person_id = $1 RETURNING id")
                .bind(person_id)
                .fetch_optional(pool)
                .await?
        }))
    }

    /// Deletes the rows requested before `cutoff`; answers their ids (their files go next).
    pub async fn exports_purge(&self, cutoff: i64) -> Result<Vec<String>, StoreError> {
        Ok(with_pool!(self, pool => {
            sqlx::query_scalar("DELETE FROM exports WHERE created_at < $1 RETURNING id")
                .bind(cutoff)
                .fetch_all(pool)
                .await?
        }))
    }

    /// The ids of every archive this store knows (for the sweep of files without a row).
    pub async fn export_ids(&self) -> Result<Vec<String>, StoreError> {
        Ok(with_pool!(self, pool => sqlx::query_scalar("SELECT id FROM exports").fetch_all(pool).await?))
    }

    /// Records a copy about to be sent. One at a time per archive and recipient: another
    /// still being sent there is a [`StoreError::Conflict`] (a partial unique index).
    pub async fn transfer_insert(&self, row: &TransferRow) -> Result<(), StoreError> {
        with_pool!(self, pool => {
            sqlx::query(&format!(
                "INSERT INTO export_transfers ({TRANSFER_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
            ))
            .bind(&row.id)
            .bind(&row.export_id)
            .bind(&row.person_id)
            .bind(&row.recipient)
            .bind(&row.recipient_name)
            .bind(&row.state)
            .bind(row.attempts)
            .bind(&row.failure)
            .bind(row.status)
            .bind(row.created_at)
            .bind(row.sent_at)
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(())
    }

    /// The person's copies sent from their current archive, newest first.
    pub async fn transfers_of(&self, person_id: &str) -> Result<Vec<TransferRow>, StoreError> {
        let sql = format!(
            "SELECT {TRANSFER_COLUMNS} FROM export_transfers WHERE person_id = $1 ORDER BY created_at DESC, id"
        );
        Ok(with_pool!(self, pool => sqlx::query_as(&sql).bind(person_id).fetch_all(pool).await?))
    }

    pub async fn transfer(&self, person_id: &str, id: &str) -> Result<Option<TransferRow>, StoreError> {
        let sql = format!("SELECT {TRANSFER_COLUMNS} FROM export_transfers WHERE id = $1 AND person_id = $2");
        Ok(
            with_pool!(self, pool => sqlx::query_as(&sql).bind(id).bind(person_id).fetch_optional(pool).await?),
        )
    }

    /// Counts an attempt of a copy still being sent; `false` if it is gone (the archive
    /// was deleted) or no longer being sent.
    pub async fn transfer_attempt(&self, id: &str) -> Result<bool, StoreError> {
        let n = with_pool!(self, pool => {
            sqlx::query("UPDATE export_transfers SET attempts = attempts + 1 WHERE id = $1 AND state = 'sending'")
                .bind(id)
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(n == 1)
    }

    /// A copy's outcome: `sent` (with its time) or `failed` (with why); `false` if gone.
    pub async fn transfer_done(
        &self,
        id: &str,
        state: &str,
        failure: Option<&str>,
        status: Option<i32>,
        sent_at: Option<i64>,
    ) -> Result<bool, StoreError> {
        let n = with_pool!(self, pool => {
            sqlx::query(
                "UPDATE export_transfers SET state = $2, failure = $3, status = $4, sent_at = $5 \
                 WHERE id = $1 AND state = 'sending'",
            )
            .bind(id)
            .bind(state)
            .bind(failure)
            .bind(status)
            .bind(sent_at)
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(n == 1)
    }

    /// Sends a failed copy again: back to `sending` with its attempts counted afresh;
    /// `false` unless it had failed (and no other copy is being sent there).
    pub async fn transfer_retry(&self, person_id: &str, id: &str) -> Result<bool, StoreError> {
        let n = with_pool!(self, pool => {
            sqlx::query(
                "UPDATE export_transfers SET state = 'sending', attempts = 0, failure = NULL, status = NULL \
                 WHERE id = $1 AND person_id = $2 AND state = 'failed' AND NOT EXISTS ( \
                   SELECT 1 FROM export_transfers o WHERE o.export_id = export_transfers.export_id \
                   AND o.recipient = export_transfers.recipient AND o.state = 'sending')",
            )
            .bind(id)
            .bind(person_id)
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(n == 1)
    }

    pub async fn link_insert(&self, row: &LinkRow) -> Result<(), StoreError> {
        with_pool!(self, pool => {
            sqlx::query(&format!("INSERT INTO export_links ({LINK_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"))
                .bind(&row.id)
                .bind(&row.export_id)
                .bind(&row.person_id)
                .bind(&row.token_hash)
                .bind(&row.label_ct)
                .bind(row.created_at)
                .bind(row.expires_at)
                .bind(row.used_at)
                .bind(row.revoked_at)
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(())
    }

    /// The person's one-time links to their current archive, newest first.
    pub async fn links_of(&self, person_id: &str) -> Result<Vec<LinkRow>, StoreError> {
        let sql = format!(
            "SELECT {LINK_COLUMNS} FROM export_links WHERE person_id = $1 ORDER BY created_at DESC, id"
        );
        Ok(with_pool!(self, pool => sqlx::query_as(&sql).bind(person_id).fetch_all(pool).await?))
    }

    /// Revokes an unused link of the person's; `false` if there is none to revoke.
    pub async fn link_revoke(&self, person_id: &str, id: &str, at: i64) -> Result<bool, StoreError> {
        let n = with_pool!(self, pool => {
            sqlx::query(
                "UPDATE export_links SET revoked_at = $3 \
                 WHERE id = $1 AND person_id = $2 AND used_at IS NULL AND revoked_at IS NULL",
            )
            .bind(id)
            .bind(person_id)
            .bind(at)
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(n == 1)
    }

    /// Spends a link: the one row whose hash this is, unused, unrevoked and unexpired at
    /// `now`, marked used in the same statement (two fetches at once: one wins).
    pub async fn link_use(&self, token_hash: &[u8], now: i64) -> Result<Option<LinkRow>, StoreError> {
        let sql = format!(
            "UPDATE export_links SET used_at = $2 \
             WHERE token_hash = $1 AND used_at IS NULL AND revoked_at IS NULL AND expires_at > $2 \
             RETURNING {LINK_COLUMNS}"
        );
        Ok(
            with_pool!(self, pool => sqlx::query_as(&sql).bind(token_hash).bind(now).fetch_optional(pool).await?),
        )
    }
}
