use std::path::Path;
use std::str::FromStr as _;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

use super::{ACQUIRE_TIMEOUT, Store, StoreError};

/// Migrations are embedded in the binary; each backend has its own dialect.
static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

pub struct SqliteStore {
    pool: SqlitePool,
}

impl SqliteStore {
    pub async fn connect(path: &Path) -> Result<Self, StoreError> {
        let options = SqliteConnectOptions::from_str("sqlite:")?
            .filename(path)
            .create_if_missing(true)
            // WAL lets readers proceed while one writer commits; NORMAL is durable under WAL
            // except for the last transactions on power loss, the usual trade-off.
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            // SQLite leaves foreign keys off unless every connection asks.
            .foreign_keys(true)
            // Writers queue for the lock instead of failing at once with SQLITE_BUSY.
            .busy_timeout(Duration::from_secs(5));
        let pool = SqlitePoolOptions::new().acquire_timeout(ACQUIRE_TIMEOUT).connect_with(options).await?;
        MIGRATOR.run(&pool).await?;
        Ok(SqliteStore { pool })
    }
}

#[async_trait]
impl Store for SqliteStore {
    fn backend(&self) -> &'static str {
        "sqlite"
    }

    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    async fn schema_columns(&self) -> Result<Vec<(String, String)>, StoreError> {
        // sqlite_% tables are SQLite's own catalogue, not ours.
        let rows = sqlx::query_as(
            "SELECT m.name, p.name FROM sqlite_master AS m JOIN pragma_table_info(m.name) AS p \
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' ORDER BY m.name, p.cid",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows)
    }

    async fn close(&self) {
        self.pool.close().await;
    }
}
