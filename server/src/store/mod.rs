//! Persistence. Two kinds of store, each on SQLite (the embedded default) or PostgreSQL:
//!
//! - the **directory** (`directory.rs`): one per deployment; maps the keyed hash of an email
//!   to its home region and person id, and holds each person's wrapped data key. Nothing in
//!   it is readable without the master key.
//! - a **region store** per home region (`people.rs`): the personal data of the people who
//!   live there, sealed with their data keys. Opened on first use.
//!
//! Handlers never see a SQL backend: they call the functions of these modules on a [`Db`].
//! Each query is written once, in the SQL both engines speak (`$1` placeholders, Unix-second
//! integers, blobs), and [`with_pool!`] runs it on whichever pool is open.

mod access;
mod children;
mod devices;
mod directory;
mod exports;
mod guardians;
mod incidents;
mod limits;
mod people;
mod pictures;
mod privacy;
mod relocate;
mod requests;
mod shares;

use std::collections::HashMap;
use std::path::PathBuf;
use std::str::FromStr as _;
use std::time::Duration;

use sqlx::Connection as _;
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use tokio::sync::OnceCell;
use ward_model::Region;

pub use access::{AccessRow, Chain, NewAccess};
pub use children::{ChildGuardianRow, NamedGuardian};
pub use devices::{CallRow, DeviceRow, EventFilter, EventRow, FactoryRow};
pub use directory::DirectoryEntry;
pub use exports::{Cell, ExportRow, LinkRow, TransferRow};
pub use guardians::{GuardianRow, ProofRow};
pub use incidents::{IncidentRow, ServiceNoticeRow};
pub use limits::DelayRow;
pub use people::{ActivityRow, CodePurpose, NewPerson, PasskeyRow, PersonRow, SessionRow};
pub use pictures::Charge;
pub use privacy::{
    Cell as HeldCell, Chained, GENESIS, LedgerRow, NewLedgerEntry, PolicyRow, Want, ledger_message,
};
pub use relocate::{RELOCATION, Travel};
pub use requests::{QueueFilter, QueueRow, RequestEventRow, RequestRow, RequesterRow, Transition};
pub use shares::{InvitationRow, ShareRow};

use crate::config::DatabaseUrl;

/// How long a request waits for a pooled connection before the store counts as down.
/// sqlx's default (30 s) would hold a health check far past any load balancer's patience.
pub(crate) const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);

/// Which schema a database carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Schema {
    Directory,
    Region,
}

// Migrations are embedded in the binary; each backend has its own dialect. On PostgreSQL
// sqlx takes an advisory lock while migrating, so several instances may start at once.
static SQLITE_DIRECTORY: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/directory/sqlite");
static SQLITE_REGION: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/region/sqlite");
static POSTGRES_DIRECTORY: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/directory/postgres");
static POSTGRES_REGION: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/region/postgres");

#[derive(Debug, Clone)]
enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// One open database of either engine.
#[derive(Debug, Clone)]
pub struct Db {
    pool: Pool,
}

/// Runs the same query code on whichever pool `db` holds: `with_pool!(db, pool => expr)`.
/// The expression is compiled once per engine, so each is type-checked against its driver.
macro_rules! with_pool {
    ($db:expr, $pool:ident => $body:expr) => {
        match &$db.pool {
            $crate::store::Pool::Sqlite($pool) => $body,
            $crate::store::Pool::Postgres($pool) => $body,
        }
    };
}
pub(crate) use with_pool;

/// A write transaction. On SQLite it takes the write lock at `BEGIN IMMEDIATE`: a deferred
/// transaction that reads first and writes then fails with SQLITE_BUSY_SNAPSHOT (517) when
/// another connection committed in between, which the busy timeout cannot wait out. Found
/// by the crash sweep (`tests/api/crash.rs`): 32 concurrent sign-ups answered some 500s.
pub(crate) trait BeginWrite {
    type Engine: sqlx::Database;
    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, Self::Engine>, sqlx::Error>;
}

impl BeginWrite for SqlitePool {
    type Engine = sqlx::Sqlite;
    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, sqlx::Error> {
        self.begin_with("BEGIN IMMEDIATE").await
    }
}

impl BeginWrite for sqlx::PgPool {
    type Engine = sqlx::Postgres;
    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Postgres>, sqlx::Error> {
        self.begin().await
    }
}

impl Db {
    pub async fn sqlite(path: &std::path::Path, schema: Schema) -> Result<Db, StoreError> {
        let journal = match schema {
            // WAL lets readers proceed while one writer commits; NORMAL is durable under WAL
            // except for the last transactions on power loss, the usual trade-off.
            Schema::Region => SqliteJournalMode::Wal,
            // The directory holds the wrapped keys. A WAL keeps old page images after a
            // delete; a truncated rollback journal does not, so a destroyed key is gone from
            // every file (crypto-shredding). Its writes are rare: sign-ups and deletions.
            Schema::Directory => SqliteJournalMode::Truncate,
        };
        let options = SqliteConnectOptions::from_str("sqlite:")?
            .filename(path)
            .create_if_missing(true)
            .journal_mode(journal)
            // Deleted rows are overwritten with zeros, not left in free pages of the file.
            .pragma("secure_delete", "ON")
            .synchronous(SqliteSynchronous::Normal)
            // SQLite leaves foreign keys off unless every connection asks.
            .foreign_keys(true)
            // Writers queue for the lock instead of failing at once with SQLITE_BUSY.
            .busy_timeout(Duration::from_secs(5));
        let pool = SqlitePoolOptions::new().acquire_timeout(ACQUIRE_TIMEOUT).connect_with(options).await?;
        let migrator = match schema {
            Schema::Directory => &SQLITE_DIRECTORY,
            Schema::Region => &SQLITE_REGION,
        };
        migrator.run(&pool).await?;
        Ok(Db { pool: Pool::Sqlite(pool) })
    }

    pub async fn postgres(url: &str, schema: Schema) -> Result<Db, StoreError> {
        let pool = PgPoolOptions::new().acquire_timeout(ACQUIRE_TIMEOUT).connect(url).await?;
        let migrator = match schema {
            Schema::Directory => &POSTGRES_DIRECTORY,
            Schema::Region => &POSTGRES_REGION,
        };
        migrator.run(&pool).await?;
        Ok(Db { pool: Pool::Postgres(pool) })
    }

    /// `sqlite` or `postgres`, as reported by `GET /api/health`.
    pub fn backend(&self) -> &'static str {
        match self.pool {
            Pool::Sqlite(_) => "sqlite",
            Pool::Postgres(_) => "postgres",
        }
    }

    /// Answers once the database has executed a trivial query.
    pub async fn ping(&self) -> Result<(), StoreError> {
        with_pool!(self, pool => sqlx::query("SELECT 1").execute(pool).await.map(drop)?);
        Ok(())
    }

    /// Every `(table, column)` of the schema as it really is, for the registry's check
    /// (`crate::registry::drift`).
    pub async fn schema_columns(&self) -> Result<Vec<(String, String)>, StoreError> {
        Ok(match &self.pool {
            // sqlite_% tables are SQLite's own catalogue, not ours.
            Pool::Sqlite(pool) => {
                sqlx::query_as(
                    "SELECT m.name, p.name FROM sqlite_master AS m JOIN pragma_table_info(m.name) AS p \
                     WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' ORDER BY m.name, p.cid",
                )
                .fetch_all(pool)
                .await?
            }
            // information_schema names are `sql_identifier`; cast so they decode as text.
            Pool::Postgres(pool) => {
                sqlx::query_as(
                    "SELECT table_name::text, column_name::text FROM information_schema.columns \
                     WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position",
                )
                .fetch_all(pool)
                .await?
            }
        })
    }

    /// Closes every connection; later calls fail with [`StoreError::Unavailable`].
    /// Called at shutdown so SQLite checkpoints its WAL and PostgreSQL frees its slots.
    pub async fn close(&self) {
        with_pool!(self, pool => pool.close().await)
    }
}

/// Which database to open, decided by the configuration.
#[derive(Debug, Clone)]
pub enum StoreConfig {
    /// A file, created with its schema when missing.
    Sqlite(PathBuf),
    Postgres(DatabaseUrl),
}

impl StoreConfig {
    /// Region stores of the embedded default sit next to the directory's file.
    pub fn region_sqlite_path(&self, region: Region) -> PathBuf {
        match self {
            StoreConfig::Sqlite(path) => path.with_file_name(format!("region-{}.sqlite", region.code())),
            StoreConfig::Postgres(_) => PathBuf::new(),
        }
    }
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

/// The directory and every region store.
#[derive(Debug)]
pub struct Stores {
    pub directory: Db,
    config: StoreConfig,
    regions: HashMap<Region, OnceCell<Db>>,
}

impl Stores {
    /// Opens (and migrates) the directory; region stores open on first use.
    pub async fn open(config: &StoreConfig) -> Result<Stores, StoreError> {
        let directory = match config {
            StoreConfig::Sqlite(path) => Db::sqlite(path, Schema::Directory).await?,
            StoreConfig::Postgres(url) => Db::postgres(url.as_str(), Schema::Directory).await?,
        };
        let regions = Region::ALL.into_iter().map(|r| (r, OnceCell::new())).collect();
        Ok(Stores { directory, config: config.clone(), regions })
    }

    pub fn backend(&self) -> &'static str {
        self.directory.backend()
    }

    /// The store of one home region, opened (created, migrated) on first use.
    pub async fn region(&self, region: Region) -> Result<&Db, StoreError> {
        let cell = &self.regions[&region];
        cell.get_or_try_init(|| async {
            match &self.config {
                StoreConfig::Sqlite(_) => {
                    Db::sqlite(&self.config.region_sqlite_path(region), Schema::Region).await
                }
                StoreConfig::Postgres(url) => {
                    let url = region_database(url, region).await?;
                    Db::postgres(&url, Schema::Region).await
                }
            }
        })
        .await
    }

    /// The store of a region if it exists (opened now if need be), never creating one: for
    /// the scans across regions (the staff's queue), which must not make a database for every
    /// region nobody lives in.
    pub async fn existing_region(&self, region: Region) -> Result<Option<&Db>, StoreError> {
        if let Some(db) = self.regions[&region].get() {
            return Ok(Some(db));
        }
        let exists = match &self.config {
            StoreConfig::Sqlite(_) => self.config.region_sqlite_path(region).exists(),
            StoreConfig::Postgres(url) => {
                let (_, name) = url.with_database_suffix(region.code());
                let found: Option<i32> = sqlx::query_scalar("SELECT 1 FROM pg_database WHERE datname = $1")
                    .bind(&name)
                    .fetch_optional(match &self.directory.pool {
                        Pool::Postgres(pool) => pool,
                        Pool::Sqlite(_) => unreachable!("a PostgreSQL deployment's directory"),
                    })
                    .await?;
                found.is_some()
            }
        };
        if exists { self.region(region).await.map(Some) } else { Ok(None) }
    }

    /// The person whose email has this lookup hash: their region, its store and their row.
    pub async fn person_by_email(&self, email_hash: &[u8]) -> Result<Option<Found>, StoreError> {
        let Some(entry) = self.directory.directory_find(email_hash).await? else { return Ok(None) };
        let db = self.region(entry.region).await?.clone();
        Ok(db.person(&entry.person_id).await?.map(|person| Found { region: entry.region, db, person }))
    }

    /// The region stores opened so far.
    pub fn opened_regions(&self) -> impl Iterator<Item = (Region, &Db)> {
        self.regions.iter().filter_map(|(r, cell)| cell.get().map(|db| (*r, db)))
    }

    pub async fn close(&self) {
        for (_, db) in self.opened_regions() {
            db.close().await;
        }
        self.directory.close().await;
    }
}

/// A person found through the directory.
#[derive(Debug)]
pub struct Found {
    pub region: Region,
    pub db: Db,
    pub person: PersonRow,
}

/// A region's PostgreSQL database: the directory's database name with `_<region>` appended,
/// on the same server, created when missing.
async fn region_database(directory: &DatabaseUrl, region: Region) -> Result<String, StoreError> {
    let (url, name) = directory.with_database_suffix(region.code());
    let mut admin = sqlx::PgConnection::connect(directory.as_str()).await?;
    let exists: Option<i32> = sqlx::query_scalar("SELECT 1 FROM pg_database WHERE datname = $1")
        .bind(&name)
        .fetch_optional(&mut admin)
        .await?;
    if exists.is_none() {
        // 42P04: another instance created it a moment ago; that is fine.
        match sqlx::query(&format!("CREATE DATABASE \"{name}\"")).execute(&mut admin).await {
            Err(sqlx::Error::Database(e)) if e.code().as_deref() == Some("42P04") => {}
            other => {
                other?;
            }
        }
    }
    let _ = admin.close().await;
    Ok(url)
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
