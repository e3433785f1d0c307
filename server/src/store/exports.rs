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
}

const EXPORT_COLUMNS: &str =
    "id, person_id, state, language, created_at, ready_at, size, error, confirmed_session, confirmed_at";

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
                "INSERT INTO exports ({EXPORT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
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
    pub async fn export_ready(&self, id: &str, at: i64, size: i64) -> Result<bool, StoreError> {
        let n = with_pool!(self, pool => {
            sqlx::query("UPDATE exports SET state = 'ready', ready_at = $2, size = $3 WHERE id = $1 AND state = 'running'")
                .bind(id)
                .bind(at)
                .bind(size)
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
}
