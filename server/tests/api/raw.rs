//! Looking at the stores from outside the server, as someone holding a copy of them would:
//! the raw SQLite files, or every row of every PostgreSQL database; and a connection to the
//! EU region store that reads and writes values by their column's SQL type.

use std::collections::BTreeMap;

use sqlx::{Connection as _, Row as _};
use ward_server::store::StoreConfig;

use crate::helpers::TestApp;

/// `store` is `directory` or `region-<code>`.
fn sqlite_path(app: &TestApp, store: &str) -> std::path::PathBuf {
    match store {
        "directory" => app.data_dir.join("ward.sqlite"),
        region => app.data_dir.join(format!("{region}.sqlite")),
    }
}

fn pg_url(app: &TestApp, store: &str) -> String {
    let StoreConfig::Postgres(url) = &app.store else { unreachable!() };
    match store.strip_prefix("region-") {
        Some(code) => url.with_database_suffix(code).0,
        None => url.as_str().to_string(),
    }
}

pub async fn count(app: &TestApp, store: &str, table: &str) -> usize {
    count_sql(app, store, &format!("SELECT COUNT(*) FROM {table}")).await
}

/// The rows of `table` whose `column` is `value` (a test's own constant, never input).
pub async fn count_where(app: &TestApp, store: &str, table: &str, column: &str, value: &str) -> usize {
    count_sql(app, store, &format!("SELECT COUNT(*) FROM {table} WHERE {column} = '{value}'")).await
}

async fn count_sql(app: &TestApp, store: &str, sql: &str) -> usize {
    let n: i64 = match &app.store {
        StoreConfig::Sqlite(_) => {
            let path = sqlite_path(app, store);
            if !path.exists() {
                return 0;
            }
            let opts = sqlx::sqlite::SqliteConnectOptions::new().filename(path);
            let mut conn = sqlx::SqliteConnection::connect_with(&opts).await.unwrap();
            sqlx::query_scalar(sql).fetch_one(&mut conn).await.unwrap()
        }
        StoreConfig::Postgres(_) => match sqlx::PgConnection::connect(&pg_url(app, store)).await {
            Ok(mut conn) => sqlx::query_scalar(sql).fetch_one(&mut conn).await.unwrap(),
            Err(_) => return 0,
        },
    };
    n as usize
}

/// The region codes whose store exists.
pub async fn region_stores(app: &TestApp) -> Vec<String> {
    let mut out: Vec<String> = match &app.store {
        StoreConfig::Sqlite(_) => std::fs::read_dir(&app.data_dir)
            .unwrap()
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .filter_map(|n| n.strip_prefix("region-")?.strip_suffix(".sqlite").map(str::to_string))
            .collect(),
        StoreConfig::Postgres(url) => {
            let mut conn = sqlx::PgConnection::connect(url.as_str()).await.unwrap();
            let (_, base) = url.with_database_suffix("");
            let names: Vec<String> =
                sqlx::query_scalar("SELECT datname FROM pg_database WHERE starts_with(datname, $1)")
                    .bind(&base)
                    .fetch_all(&mut conn)
                    .await
                    .unwrap();
            names.into_iter().map(|n| n[base.len()..].to_string()).collect()
        }
    };
    out.sort();
    out
}

pub async fn email_ct(app: &TestApp, store: &str, id: &str) -> (Vec<u8>,) {
    let sql = "SELECT email_ct FROM people WHERE id = $1";
    match &app.store {
        StoreConfig::Sqlite(_) => {
            let opts = sqlx::sqlite::SqliteConnectOptions::new().filename(sqlite_path(app, store));
            let mut conn = sqlx::SqliteConnection::connect_with(&opts).await.unwrap();
            sqlx::query_as(sql).bind(id).fetch_one(&mut conn).await.unwrap()
        }
        StoreConfig::Postgres(_) => {
            let mut conn = sqlx::PgConnection::connect(&pg_url(app, store)).await.unwrap();
            sqlx::query_as(sql).bind(id).fetch_one(&mut conn).await.unwrap()
        }
    }
}

/// Whether `needle` appears anywhere in any store: in the bytes of every SQLite file (with
/// its WAL and journal), or in any row of any PostgreSQL database (bytea as hex).
pub async fn stored_anywhere(app: &TestApp, needle: &[u8]) -> bool {
    match &app.store {
        StoreConfig::Sqlite(_) => {
            for entry in std::fs::read_dir(&app.data_dir).unwrap() {
                let path = entry.unwrap().path();
                let name = path.file_name().unwrap().to_string_lossy().to_string();
                if name.contains(".sqlite") {
                    let bytes = std::fs::read(&path).unwrap();
                    if bytes.windows(needle.len()).any(|w| w == needle) {
                        return true;
                    }
                }
            }
            false
        }
        StoreConfig::Postgres(_) => {
            let text = String::from_utf8_lossy(needle).to_string();
            let hex = hex::encode(needle);
            let mut stores = vec!["directory".to_string()];
            stores.extend(region_stores(app).await.into_iter().map(|r| format!("region-{r}")));
            for store in stores {
                let mut conn = sqlx::PgConnection::connect(&pg_url(app, &store)).await.unwrap();
                let tables: Vec<String> = sqlx::query_scalar(
                    "SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema()",
                )
                .fetch_all(&mut conn)
                .await
                .unwrap();
                for table in tables {
                    let rows = sqlx::query(&format!("SELECT row_to_json(t)::text FROM \"{table}\" t"))
                        .fetch_all(&mut conn)
                        .await
                        .unwrap();
                    for row in rows {
                        let json: String = row.get(0);
                        if json.contains(&text) || json.contains(&hex) {
                            return true;
                        }
                    }
                }
            }
            false
        }
    }
}

/// Runs one statement on a store from outside the server (as someone with database access
/// would), answering the rows it changed: for tampering tests.
pub async fn execute(app: &TestApp, store: &str, sql: &str) -> u64 {
    match &app.store {
        StoreConfig::Sqlite(_) => {
            let opts = sqlx::sqlite::SqliteConnectOptions::new().filename(sqlite_path(app, store));
            let mut conn = sqlx::SqliteConnection::connect_with(&opts).await.unwrap();
            sqlx::query(sql).execute(&mut conn).await.unwrap().rows_affected()
        }
        StoreConfig::Postgres(_) => {
            let mut conn = sqlx::PgConnection::connect(&pg_url(app, store)).await.unwrap();
            sqlx::query(sql).execute(&mut conn).await.unwrap().rows_affected()
        }
    }
}

// ---- The EU region store, its values as the registry's columns hold them ----

pub enum Conn {
    Sqlite(sqlx::SqliteConnection),
    Pg(sqlx::PgConnection),
}

/// A connection of its own to the EU region store.
pub async fn region(app: &TestApp) -> Conn {
    match &app.store {
        StoreConfig::Sqlite(_) => {
            let opts =
                sqlx::sqlite::SqliteConnectOptions::new().filename(app.data_dir.join("region-eu.sqlite"));
            Conn::Sqlite(sqlx::SqliteConnection::connect_with(&opts).await.unwrap())
        }
        StoreConfig::Postgres(url) => {
            Conn::Pg(sqlx::PgConnection::connect(&url.with_database_suffix("eu").0).await.unwrap())
        }
    }
}

/// A stored value, decoded by the column's SQL type.
#[derive(Debug, Clone, PartialEq)]
pub enum Stored {
    Int(i64),
    Bool(bool),
    Text(String),
    Bytes(Vec<u8>),
}

macro_rules! on {
    ($conn:expr, $c:ident => $body:expr) => {
        match $conn {
            Conn::Sqlite($c) => $body,
            Conn::Pg($c) => $body,
        }
    };
}

impl Conn {
    /// The SQL type of each column of `table`, lowercased.
    pub async fn types(&mut self, table: &str) -> BTreeMap<String, String> {
        let rows: Vec<(String, String)> = match self {
            Conn::Sqlite(c) => sqlx::query_as("SELECT name, type FROM pragma_table_info($1)")
                .bind(table)
                .fetch_all(c)
                .await
                .unwrap(),
            Conn::Pg(c) => sqlx::query_as(
                "SELECT column_name::text, data_type::text FROM information_schema.columns \
                 WHERE table_schema = current_schema() AND table_name = $1",
            )
            .bind(table)
            .fetch_all(c)
            .await
            .unwrap(),
        };
        rows.into_iter().map(|(c, t)| (c, t.to_lowercase())).collect()
    }

    pub async fn count(&mut self, sql: &str, id: &str) -> i64 {
        on!(self, c => sqlx::query_scalar(sql).bind(id).fetch_one(c).await.unwrap())
    }

    pub async fn exec(&mut self, sql: &str, binds: Vec<Stored>) {
        on!(self, c => {
            let mut q = sqlx::query(sql);
            for b in binds {
                q = match b {
                    Stored::Int(v) => q.bind(v),
                    Stored::Bool(v) => q.bind(v),
                    Stored::Text(v) => q.bind(v),
                    Stored::Bytes(v) => q.bind(v),
                };
            }
            q.execute(c).await.unwrap();
        })
    }

    /// The non-null values of `column` in the rows where `subject` = `id`.
    pub async fn values(
        &mut self,
        table: &str,
        column: &str,
        subject: &str,
        id: &str,
        ty: &str,
    ) -> Vec<Stored> {
        let sql = format!("SELECT {column} FROM {table} WHERE {subject} = $1 AND {column} IS NOT NULL");
        on!(self, c => {
            let rows = sqlx::query(&sql).bind(id).fetch_all(c).await.unwrap();
            rows.iter()
                .map(|r| {
                    if ty.contains("bool") {
                        Stored::Bool(r.try_get::<bool, _>(0).unwrap())
                    } else if ty.contains("int") {
                        Stored::Int(r.try_get::<i64, _>(0).or_else(|_| r.try_get::<i32, _>(0).map(i64::from)).unwrap())
                    } else if ty.contains("blob") || ty.contains("bytea") {
                        Stored::Bytes(r.try_get::<Vec<u8>, _>(0).unwrap())
                    } else {
                        Stored::Text(r.try_get::<String, _>(0).unwrap())
                    }
                })
                .collect()
        })
    }
}
