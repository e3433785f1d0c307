use reqwest::StatusCode;
use ward_model::{ApiError, ErrorCode, Health, HealthStatus};

use crate::both_backends;
use crate::helpers::{Backend, PgDatabase, TestApp, spawn_app};

both_backends!(
    health_answers_ok_with_the_version_and_the_backend,
    health_answers_503_once_the_store_is_closed
);

async fn health_answers_ok_with_the_version_and_the_backend(app: TestApp) {
    let res = app.get("/api/health").await;
    assert_eq!(res.status(), StatusCode::OK);
    let health: Health = res.json().await.unwrap();
    assert_eq!(health.status, HealthStatus::Ok);
    assert_eq!(health.version, env!("CARGO_PKG_VERSION"));
    let expected = match app.backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    };
    assert_eq!(health.store, expected);
}

async fn health_answers_503_once_the_store_is_closed(app: TestApp) {
    app.state.stores.close().await;
    let res = app.get("/api/health").await;
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: ApiError = res.json().await.unwrap();
    assert_eq!(body.code, ErrorCode::Unavailable);
}

/// The realistic outage: the database disappears under a running server.
#[tokio::test]
async fn health_answers_503_when_the_postgres_database_goes_away() {
    let Some(app) = spawn_app(Backend::Postgres).await else { return };
    assert_eq!(app.get("/api/health").await.status(), StatusCode::OK);
    let ward_server::store::StoreConfig::Postgres(url) = &app.store else { unreachable!() };
    let name = url.as_str().rsplit('/').next().unwrap().to_string();
    PgDatabase::drop_now(&crate::helpers::postgres_admin_url(), &name).await.unwrap();
    let res = app.get("/api/health").await;
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: ApiError = res.json().await.unwrap();
    assert_eq!(body.code, ErrorCode::Unavailable);
}
