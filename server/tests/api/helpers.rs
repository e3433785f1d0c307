//! `spawn_app`: the real server (store, migrations, assets, socket) on a free port with a
//! fresh data dir, a fixture of the built app and, for PostgreSQL, a fresh database.

use std::hash::{BuildHasher as _, Hasher as _};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use sqlx::Connection as _;
use tempfile::TempDir;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use ward_server::config::DatabaseUrl;
use ward_server::store::StoreConfig;
use ward_server::{AppState, Config, Server};

pub const DEFAULT_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// The inline boot script of the fixture page, exactly as between its tags.
pub const INLINE_SCRIPT: &str = "\nimport init, * as bindings from '/ward-0123456789abcdef.js';\n\
    const wasm = await init({ module_or_path: '/ward-0123456789abcdef_bg.wasm' });\n\
    window.wasmBindings = bindings;\n";
pub const HASHED_JS: &str = "/ward-0123456789abcdef.js";
pub const HASHED_JS_TEXT: &str = "export default function init() {}\n";
/// Not real brotli/gzip: the server must pass the precompressed siblings through untouched.
pub const HASHED_JS_BR: &[u8] = b"\x1b\x0bbrotli-fixture-bytes";
pub const HASHED_JS_GZ: &[u8] = b"\x1f\x8bgzip-fixture-bytes";
pub const ROBOTS_TXT: &str = "User-agent: *\nDisallow: /api/\n";

pub fn index_html() -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\" />\n\
         <title>Ward</title>\n<!-- <script>not this one</script> -->\n\
         <script src=\"/boot-0123456789abcdef.js\"></script>\n\
         <link rel=\"modulepreload\" href=\"{HASHED_JS}\">\n\
         <script type=\"module\">{INLINE_SCRIPT}</script>\n</head>\n<body></body>\n</html>\n"
    )
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Whether the dist dir holds a built app.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dist {
    Built,
    Missing,
}

pub struct TestApp {
    /// `http://127.0.0.1:PORT`, no trailing slash.
    pub url: String,
    pub client: reqwest::Client,
    pub state: AppState,
    pub backend: Backend,
    pub store: StoreConfig,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<anyhow::Result<()>>>,
    pub data_dir: std::path::PathBuf,
    _data_tmp: TempDir,
    _dist_dir: TempDir,
    // Declared last: dropped after the server's handles, while the runtime still runs.
    _database: Option<PgDatabase>,
}

impl TestApp {
    pub fn at(&self, path: &str) -> String {
        format!("{}{path}", self.url)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.at(path)).send().await.expect("the server answers")
    }

    /// Stops the server the way SIGTERM does and waits until it has.
    pub async fn shut_down(&mut self) -> anyhow::Result<()> {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        match self.server.take() {
            Some(handle) => tokio::time::timeout(Duration::from_secs(10), handle)
                .await
                .expect("the server stops within 10 s")
                .expect("the server task does not panic"),
            None => Ok(()),
        }
    }
}

/// The fixture app: what Trunk and `cargo xtask` write to dist/.
pub fn write_dist(dir: &Path) {
    std::fs::write(dir.join("index.html"), index_html()).unwrap();
    let js = dir.join(HASHED_JS.trim_start_matches('/'));
    std::fs::write(&js, HASHED_JS_TEXT).unwrap();
    std::fs::write(js.with_extension("js.br"), HASHED_JS_BR).unwrap();
    std::fs::write(js.with_extension("js.gz"), HASHED_JS_GZ).unwrap();
    std::fs::write(dir.join("robots.txt"), ROBOTS_TXT).unwrap();
}

pub async fn spawn_app(backend: Backend) -> Option<TestApp> {
    spawn_app_with(backend, Dist::Built).await
}

/// `None` only when PostgreSQL is unreachable outside CI (the test then counts as skipped).
pub async fn spawn_app_with(backend: Backend, dist: Dist) -> Option<TestApp> {
    spawn_app_configured(backend, dist, |_| {}).await
}

/// As [`spawn_app_with`], with the configuration adjusted by `configure` before start.
pub async fn spawn_app_configured(
    backend: Backend,
    dist: Dist,
    configure: impl FnOnce(&mut Config),
) -> Option<TestApp> {
    let data_dir = tempfile::Builder::new().prefix("ward-data-").tempdir().unwrap();
    let dist_dir = tempfile::Builder::new().prefix("ward-dist-").tempdir().unwrap();
    if dist == Dist::Built {
        write_dist(dist_dir.path());
    }
    let mut config = Config::new(data_dir.path().join("data"), dist_dir.path());
    config.addr = "127.0.0.1:0".parse().unwrap();
    let database = match backend {
        Backend::Sqlite => None,
        Backend::Postgres => {
            let db = PgDatabase::create().await?;
            config.database_url = Some(DatabaseUrl::parse(&db.url).unwrap());
            Some(db)
        }
    };
    configure(&mut config);
    let server = Server::bind(&config).await.expect("the server starts");
    let url = format!("http://{}", server.local_addr());
    let state = server.state().clone();
    let (tx, rx) = oneshot::channel::<()>();
    let handle = tokio::spawn(server.serve(async {
        let _ = rx.await;
    }));
    Some(TestApp {
        url,
        client: client(),
        state,
        backend,
        store: config.store(),
        shutdown: Some(tx),
        server: Some(handle),
        data_dir: config.data_dir.clone(),
        _data_tmp: data_dir,
        _dist_dir: dist_dir,
        _database: database,
    })
}

/// A client that keeps cookies, like a browser, and never follows redirects.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).cookie_store(true).build().unwrap()
}

pub fn postgres_admin_url() -> String {
    std::env::var("WARD_TEST_POSTGRES_URL").unwrap_or_else(|_| DEFAULT_POSTGRES_URL.into())
}

/// A database of its own for one test, dropped (best effort) when the test ends, even by
/// a panic.
pub struct PgDatabase {
    pub admin_url: String,
    pub name: String,
    pub url: String,
}

impl PgDatabase {
    /// `None` when PostgreSQL is unreachable and this is not CI; under CI that panics,
    /// because a suite that silently skips PostgreSQL proves nothing about it.
    pub async fn create() -> Option<PgDatabase> {
        let admin_url = postgres_admin_url();
        let connected =
            tokio::time::timeout(Duration::from_secs(5), sqlx::PgConnection::connect(&admin_url)).await;
        let mut admin = match connected {
            Ok(Ok(conn)) => conn,
            failed => {
                let why = match failed {
                    Ok(Err(e)) => e.to_string(),
                    _ => "timed out after 5 s".into(),
                };
                if std::env::var("CI").is_ok_and(|v| v == "true") {
                    panic!("PostgreSQL is unreachable at {admin_url} ({why}) and CI=true");
                }
                eprintln!("SKIPPED (PostgreSQL unreachable at {admin_url})");
                return None;
            }
        };
        let name = format!("ward_test_{:016x}", unique());
        sqlx::query(&format!("CREATE DATABASE \"{name}\""))
            .execute(&mut admin)
            .await
            .expect("creating a test database");
        let _ = admin.close().await;
        let url = with_database(&admin_url, &name);
        Some(PgDatabase { admin_url, name, url })
    }

    pub async fn drop_now(admin_url: &str, name: &str) -> Result<(), sqlx::Error> {
        let mut admin = sqlx::PgConnection::connect(admin_url).await?;
        // The test's region databases are named `<name>_<region>`.
        let mut names: Vec<String> =
            sqlx::query_scalar("SELECT datname FROM pg_database WHERE datname LIKE $1")
                .bind(format!("{name}\\_%"))
                .fetch_all(&mut admin)
                .await?;
        names.push(name.to_string());
        for name in names {
            // FORCE ends the server's pooled connections, which may still be open.
            sqlx::query(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                .execute(&mut admin)
                .await?;
        }
        admin.close().await
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        // Drop cannot await, and the test's runtime may be single-threaded: clean up on a
        // thread with its own runtime.
        let (admin_url, name) = (self.admin_url.clone(), self.name.clone());
        let cleanup = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            rt.block_on(PgDatabase::drop_now(&admin_url, &name))
        });
        if let Ok(Err(e)) = cleanup.join() {
            eprintln!("could not drop test database {}: {e}", self.name);
        }
    }
}

/// Random enough for parallel tests and parallel test processes (no rand crate needed).
fn unique() -> u64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    h.write_u32(std::process::id());
    h.write_u128(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos());
    h.finish()
}

/// The same URL naming another database: `postgres://u@h:5432/postgres?x=y` -> `.../name?x=y`.
pub fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let authority_end = base[scheme_end..].find('/').map_or(base.len(), |i| scheme_end + i);
    let mut out = format!("{}/{name}", &base[..authority_end]);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

#[test]
fn a_postgres_url_is_pointed_at_another_database() {
    assert_eq!(with_database("postgres://p@h:5432/postgres", "t"), "postgres://p@h:5432/t");
    assert_eq!(with_database("postgres://p@h", "t"), "postgres://p@h/t");
    assert_eq!(
        with_database("postgresql://p:x@h/db?sslmode=disable", "t"),
        "postgresql://p:x@h/t?sslmode=disable"
    );
}

/// Writes each test once and runs it on both stores: `sqlite::name` and `postgres::name`.
/// Each listed name is an `async fn name(app: TestApp)` in the invoking module, given the app
/// of `spawn_app`, or after `with:` the app of another `async fn(Backend) -> Option<TestApp>`
/// (named by a path from the crate root, e.g. `crate::fixtures::app_with_staff`). After
/// `backend:` each is an `async fn name(backend: Backend)` that starts its own servers (with a
/// configuration of its own, or several over a restart): `sqlite_own::name`, `postgres_own::name`.
#[macro_export]
macro_rules! both_backends {
    (backend: $($test:ident),+ $(,)?) => {
        mod sqlite_own {
            $(
                #[tokio::test]
                async fn $test() {
                    super::$test($crate::helpers::Backend::Sqlite).await;
                }
            )+
        }
        mod postgres_own {
            $(
                #[tokio::test]
                async fn $test() {
                    super::$test($crate::helpers::Backend::Postgres).await;
                }
            )+
        }
    };
    (with: $spawn:path, $($test:ident),+ $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $test() {
                    let app = $spawn($crate::helpers::Backend::Sqlite).await.expect("SQLite always runs");
                    super::$test(app).await;
                }
            )+
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $test() {
                    if let Some(app) = $spawn($crate::helpers::Backend::Postgres).await {
                        super::$test(app).await;
                    }
                }
            )+
        }
    };
    ($($test:ident),+ $(,)?) => {
        $crate::both_backends!(with: $crate::helpers::spawn_app, $($test),+);
    };
}
