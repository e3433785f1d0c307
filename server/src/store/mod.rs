//! Persistence behind one trait, so handlers never know whether SQLite (the embedded
//! default) or PostgreSQL (several instances, one database per region) answers.

mod postgres;
mod sqlite;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;

pub use postgres::PostgresStore;
pub use sqlite::SqliteStore;

use crate::config::DatabaseUrl;

/// How long a request waits for a pooled connection before the store counts as down.
/// sqlx's default (30 s) would hold a health check far past any load balancer's patience.
pub(crate) const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);

#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// `sqlite` or `postgres`, as reported by `GET /api/health`.
    fn backend(&self) -> &'static str;

    /// Answers once the database has executed a trivial query.
    async fn ping(&self) -> Result<(), StoreError>;

    /// Every `(table, column)` of the schema as it really is, for the registry's check
    /// (`crate::registry::drift`).
    async fn schema_columns(&self) -> Result<Vec<(String, String)>, StoreError>;

    /// Closes every connection; later calls fail with [`StoreError::Unavailable`].
    /// Called at shutdown so SQLite checkpoints its WAL and PostgreSQL frees its slots.
    async fn close(&self);
}

/// Which database to open, decided by the configuration.
#[derive(Debug, Clone)]
pub enum StoreConfig {
    /// A file, created with its schema when missing.
    Sqlite(PathBuf),
    Postgres(DatabaseUrl),
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database does not answer (down, unreachable, pool closed or exhausted).
    #[error("the database does not answer")]
    Unavailable(#[source] sqlx::Error),
    /// A unique constraint refused the write.
    #[error("a unique constraint refused the write")]
    Conflict(#[source] sqlx::Error),
    #[error("the database refused the query")]
    Database(#[source] sqlx::Error),
    #[error("the database schema could not be migrated")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

impl From<sqlx::Error> for StoreError {
    fn from(err: sqlx::Error) -> Self {
        match &err {
            sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Conflict(err),
            sqlx::Error::Database(db) if db.code().is_some_and(|c| is_outage(&c)) => {
                StoreError::Unavailable(err)
            }
            sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::WorkerCrashed => StoreError::Unavailable(err),
            _ => StoreError::Database(err),
        }
    }
}

/// PostgreSQL SQLSTATEs that mean "the database cannot serve now" rather than "this query
/// is wrong": connection exceptions (08), refused logins (28), a missing database (3D000),
/// too many connections (53300) and shutdowns (57P0x).
fn is_outage(sqlstate: &str) -> bool {
    sqlstate.starts_with("08")
        || sqlstate.starts_with("28")
        || sqlstate.starts_with("57P0")
        || matches!(sqlstate, "3D000" | "53300")
}

/// Opens the configured store and brings its schema up to date.
pub async fn connect(config: &StoreConfig) -> Result<Arc<dyn Store>, StoreError> {
    Ok(match config {
        StoreConfig::Sqlite(path) => Arc::new(SqliteStore::connect(path).await?),
        StoreConfig::Postgres(url) => Arc::new(PostgresStore::connect(url.as_str()).await?),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::AppError;
    use axum::response::IntoResponse as _;

    #[tokio::test]
    async fn a_unique_violation_becomes_a_conflict_and_answers_409() {
        let pool = sqlx::SqlitePool::connect("sqlite::memory:").await.unwrap();
        sqlx::query("CREATE TABLE t (k TEXT PRIMARY KEY NOT NULL)").execute(&pool).await.unwrap();
        sqlx::query("INSERT INTO t VALUES ('a')").execute(&pool).await.unwrap();
        let err = sqlx::query("INSERT INTO t VALUES ('a')").execute(&pool).await.unwrap_err();
        let err = StoreError::from(err);
        assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
        assert_eq!(AppError::from(err).into_response().status(), 409);
    }

    #[tokio::test]
    async fn a_closed_pool_is_an_outage_and_answers_503() {
        let pool = sqlx::SqlitePool::connect("sqlite::memory:").await.unwrap();
        pool.close().await;
        let err = StoreError::from(sqlx::query("SELECT 1").execute(&pool).await.unwrap_err());
        assert!(matches!(err, StoreError::Unavailable(_)), "{err:?}");
        assert_eq!(AppError::from(err).into_response().status(), 503);
    }

    #[tokio::test]
    async fn any_other_database_error_answers_500() {
        let pool = sqlx::SqlitePool::connect("sqlite::memory:").await.unwrap();
        let err = StoreError::from(sqlx::query("SELECT * FROM nowhere").execute(&pool).await.unwrap_err());
        assert!(matches!(err, StoreError::Database(_)), "{err:?}");
        assert_eq!(AppError::from(err).into_response().status(), 500);
    }

    #[test]
    fn postgres_outage_states_are_told_apart_from_query_errors() {
        for code in ["08006", "28P01", "3D000", "53300", "57P01", "57P03"] {
            assert!(is_outage(code), "{code}");
        }
        for code in ["23505", "42P01", "22001", "40001"] {
            assert!(!is_outage(code), "{code}");
        }
    }
}
