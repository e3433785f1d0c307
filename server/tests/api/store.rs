use sqlx::Connection as _;
use ward_server::store::StoreConfig;

use crate::both_backends;
use crate::helpers::TestApp;

both_backends!(migrations_create_the_ward_meta_table);

async fn migrations_create_the_ward_meta_table(app: TestApp) {
    let query = "SELECT value FROM ward_meta WHERE key = 'schema'";
    let value: String = match &app.store {
        StoreConfig::Sqlite(path) => {
            let opts = sqlx::sqlite::SqliteConnectOptions::new().filename(path);
            let mut conn = sqlx::SqliteConnection::connect_with(&opts).await.unwrap();
            sqlx::query_scalar(query).fetch_one(&mut conn).await.unwrap()
        }
        StoreConfig::Postgres(url) => {
            let mut conn = sqlx::PgConnection::connect(url.as_str()).await.unwrap();
            sqlx::query_scalar(query).fetch_one(&mut conn).await.unwrap()
        }
    };
    assert_eq!(value, "ward");
}
