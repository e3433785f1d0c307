use async_trait::async_trait;
use sqlx::postgres::{PgPool, PgPoolOptions};

use super::{ACQUIRE_TIMEOUT, Store, StoreError};

/// Migrations are embedded in the binary; each backend has its own dialect. sqlx takes
/// an advisory lock while migrating, so several instances may start at once.
static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

pub struct PostgresStore {
    pool: PgPool,
}

impl PostgresStore {
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let pool = PgPoolOptions::new().acquire_timeout(ACQUIRE_TIMEOUT).connect(url).await?;
        MIGRATOR.run(&pool).await?;
        Ok(PostgresStore { pool })
    }
}

#[async_trait]
impl Store for PostgresStore {
    fn backend(&self) -> &'static str {
        "postgres"
    }

    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    async fn schema_columns(&self) -> Result<Vec<(String, String)>, StoreError> {
        // information_schema names are `sql_identifier`; cast so they decode as text.
        let rows = sqlx::query_as(
            "SELECT table_name::text, column_name::text FROM information_schema.columns \
             WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows)
    }

    async fn close(&self) {
        self.pool.close().await;
    }
}
