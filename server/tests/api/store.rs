use sqlx::Connection as _;
use ward_server::registry::Place;
use ward_server::store::StoreConfig;

use crate::both_backends;
use crate::helpers::TestApp;

both_backends!(migrations_create_the_ward_meta_table, every_column_of_the_schema_is_declared_in_the_registry);

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

async fn every_column_of_the_schema_is_declared_in_the_registry(app: TestApp) {
    let region = app.state.stores.region(ward_model::Region::Eu).await.unwrap();
    for (place, db) in [(Place::Directory, &app.state.stores.directory), (Place::Region, region)] {
        let schema = db.schema_columns().await.unwrap();
        assert!(
            schema.iter().any(|(t, c)| t == "ward_meta" && c == "key"),
            "the walk sees real tables: {schema:?}"
        );
        let drift = ward_server::registry::drift(place, &schema);
        assert!(
            drift.is_empty(),
            "the {place:?} schema and server/src/registry.rs disagree: declare every new column there \
             (personal or not, with its reason) and remove declarations of dropped ones: {drift:?}"
        );
    }
}
