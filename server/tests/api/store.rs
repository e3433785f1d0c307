use sqlx::Connection as _;
use ward_server::registry::Place;
use ward_server::store::StoreConfig;

use crate::both_backends;
use crate::helpers::TestApp;

both_backends!(
    migrations_create_the_ward_meta_table,
    every_column_of_the_schema_is_declared_in_the_registry,
    every_table_that_names_a_person_says_what_a_move_to_another_region_does_with_it,
);

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

async fn every_table_that_names_a_person_says_what_a_move_to_another_region_does_with_it(app: TestApp) {
    let region = app.state.stores.region(ward_model::Region::Eu).await.unwrap();
    let schema = region.schema_columns().await.unwrap();
    let mut tables: Vec<&str> = schema.iter().map(|(t, _)| t.as_str()).collect();
    tables.dedup();
    let naming: Vec<&str> = tables
        .iter()
        .copied()
        .filter(|t| {
            let subject = ward_server::registry::subject_column(t);
            schema.iter().any(|(st, c)| st == t && c == subject)
        })
        .collect();
    let listed: Vec<&str> = ward_server::store::RELOCATION.iter().map(|(t, _)| *t).collect();
    let missing: Vec<&&str> = naming.iter().filter(|t| !listed.contains(t)).collect();
    assert!(missing.is_empty(), "add these to store::RELOCATION (move, drop or block): {missing:?}");
    let stale: Vec<&&str> = listed.iter().filter(|t| !tables.contains(t)).collect();
    assert!(stale.is_empty(), "store::RELOCATION lists tables the schema no longer has: {stale:?}");
    assert_eq!(listed[0], "people", "the people row is copied first: the rest reference it");
}
