//! The migrations are written once per engine (`server/migrations/<kind>/{sqlite,postgres}/`).
//! Nothing else holds the two to the same schema, so this test migrates a fresh store of each
//! kind on both engines and compares what the engines themselves report: tables, columns
//! (type, nullability), primary keys, foreign keys (with their `ON DELETE`), and indexes
//! (unique or not, partial or not, their columns in order). Column defaults are left out: the
//! engines print the same default differently (`0` and `0`, but `'x'` and `'x'::text`), and
//! the code never relies on one without also writing the value.

use std::collections::{BTreeMap, BTreeSet};

use sqlx::Connection as _;
use ward_server::store::{Db, Schema};

use crate::helpers::PgDatabase;

/// One table as both engines can describe it.
#[derive(Debug, Default, PartialEq, Eq)]
struct Table {
    /// name → (type, not null)
    columns: BTreeMap<String, (String, bool)>,
    primary_key: Vec<String>,
    /// (columns, referenced table, referenced columns, on delete)
    foreign_keys: BTreeSet<(Vec<String>, String, Vec<String>, String)>,
    /// (columns, unique, partial), the primary key's own index aside
    indexes: BTreeSet<(Vec<String>, bool, bool)>,
}

type Shape = BTreeMap<String, Table>;

/// A foreign key as PostgreSQL's catalogue gives it: table, referenced table, `confdeltype`,
/// columns, referenced columns.
type PgForeignKey = (String, String, String, Vec<String>, Vec<String>);

/// sqlx's own bookkeeping differs by engine and is not ours.
const NOT_OURS: &str = "_sqlx_migrations";

/// Declared SQLite types and PostgreSQL's names for the same ones, in one vocabulary.
fn type_name(declared: &str) -> String {
    match declared.to_ascii_lowercase().as_str() {
        "int" | "integer" | "int4" => "integer",
        "bigint" | "int8" => "bigint",
        "smallint" | "int2" => "smallint",
        "text" | "character varying" | "varchar" => "text",
        "blob" | "bytea" => "bytes",
        "boolean" | "bool" => "boolean",
        "real" | "double precision" | "double" | "float8" => "double",
        other => return other.to_string(),
    }
    .to_string()
}

fn on_delete(action: &str) -> String {
    match action {
        "c" | "CASCADE" => "cascade",
        "n" | "SET NULL" => "set null",
        "d" | "SET DEFAULT" => "set default",
        "r" | "RESTRICT" => "restrict",
        "a" | "NO ACTION" => "no action",
        other => return other.to_string(),
    }
    .to_string()
}

async fn sqlite_shape(path: &std::path::Path) -> Shape {
    let opts = sqlx::sqlite::SqliteConnectOptions::new().filename(path);
    let mut conn = sqlx::SqliteConnection::connect_with(&opts).await.unwrap();
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> $1",
    )
    .bind(NOT_OURS)
    .fetch_all(&mut conn)
    .await
    .unwrap();
    let mut shape = Shape::new();
    for name in tables {
        let mut table = Table::default();
        let columns: Vec<(String, String, i64, i64)> =
            sqlx::query_as("SELECT name, type, \"notnull\", pk FROM pragma_table_info($1) ORDER BY cid")
                .bind(&name)
                .fetch_all(&mut conn)
                .await
                .unwrap();
        let mut pk: Vec<(i64, String)> = Vec::new();
        for (column, declared, not_null, pk_position) in columns {
            // A primary key column is NOT NULL on PostgreSQL whether or not it says so.
            let not_null = not_null == 1 || pk_position > 0;
            table.columns.insert(column.clone(), (type_name(&declared), not_null));
            if pk_position > 0 {
                pk.push((pk_position, column));
            }
        }
        pk.sort();
        table.primary_key = pk.into_iter().map(|(_, c)| c).collect();
        // SQLite's way to say BIGSERIAL: a lone `INTEGER PRIMARY KEY` is the 64-bit rowid, and
        // it must be spelt INTEGER to be one.
        if let [id] = table.primary_key.as_slice()
            && let Some((ty, _)) = table.columns.get_mut(id)
            && ty == "integer"
        {
            *ty = "bigint".into();
        }
        let fks: Vec<(i64, i64, String, String, String, String)> = sqlx::query_as(
            "SELECT id, seq, \"table\", \"from\", \"to\", on_delete FROM pragma_foreign_key_list($1) ORDER BY id, seq",
        )
        .bind(&name)
        .fetch_all(&mut conn)
        .await
        .unwrap();
        let mut by_id: BTreeMap<i64, (Vec<String>, String, Vec<String>, String)> = BTreeMap::new();
        for (id, _, target, from, to, action) in fks {
            let fk = by_id.entry(id).or_insert_with(|| (Vec::new(), target, Vec::new(), on_delete(&action)));
            fk.0.push(from);
            fk.2.push(to);
        }
        table.foreign_keys = by_id.into_values().collect();
        let indexes: Vec<(String, i64, String, i64)> =
            sqlx::query_as("SELECT name, \"unique\", origin, partial FROM pragma_index_list($1)")
                .bind(&name)
                .fetch_all(&mut conn)
                .await
                .unwrap();
        for (index, unique, origin, partial) in indexes {
            if origin == "pk" {
                continue;
            }
            let columns: Vec<String> =
                sqlx::query_scalar("SELECT name FROM pragma_index_info($1) ORDER BY seqno")
                    .bind(&index)
                    .fetch_all(&mut conn)
                    .await
                    .unwrap();
            table.indexes.insert((columns, unique == 1, partial == 1));
        }
        shape.insert(name, table);
    }
    conn.close().await.unwrap();
    shape
}

async fn postgres_shape(url: &str) -> Shape {
    let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
    let columns: Vec<(String, String, String, String)> = sqlx::query_as(
        "SELECT table_name::text, column_name::text, data_type::text, is_nullable::text \
         FROM information_schema.columns WHERE table_schema = current_schema() AND table_name <> $1",
    )
    .bind(NOT_OURS)
    .fetch_all(&mut conn)
    .await
    .unwrap();
    let mut shape = Shape::new();
    for (table, column, data_type, nullable) in columns {
        shape.entry(table).or_default().columns.insert(column, (type_name(&data_type), nullable == "NO"));
    }
    // Every index of our tables with its columns in key order.
    let indexes: Vec<(String, bool, bool, bool, Vec<String>)> = sqlx::query_as(
        "SELECT t.relname::text, ix.indisprimary, ix.indisunique, ix.indpred IS NOT NULL, \
                ARRAY(SELECT a.attname::text FROM unnest(ix.indkey) WITH ORDINALITY AS k(attnum, n) \
                      JOIN pg_attribute AS a ON a.attrelid = t.oid AND a.attnum = k.attnum ORDER BY k.n) \
         FROM pg_index AS ix JOIN pg_class AS t ON t.oid = ix.indrelid \
         JOIN pg_namespace AS ns ON ns.oid = t.relnamespace \
         WHERE ns.nspname = current_schema() AND t.relname <> $1",
    )
    .bind(NOT_OURS)
    .fetch_all(&mut conn)
    .await
    .unwrap();
    for (table, primary, unique, partial, columns) in indexes {
        let table = shape.entry(table).or_default();
        if primary {
            table.primary_key = columns;
        } else {
            table.indexes.insert((columns, unique, partial));
        }
    }
    let fks: Vec<PgForeignKey> = sqlx::query_as(
        "SELECT t.relname::text, r.relname::text, c.confdeltype::text, \
                ARRAY(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY AS k(attnum, n) \
                      JOIN pg_attribute AS a ON a.attrelid = c.conrelid AND a.attnum = k.attnum ORDER BY k.n), \
                ARRAY(SELECT a.attname::text FROM unnest(c.confkey) WITH ORDINALITY AS k(attnum, n) \
                      JOIN pg_attribute AS a ON a.attrelid = c.confrelid AND a.attnum = k.attnum ORDER BY k.n) \
         FROM pg_constraint AS c JOIN pg_class AS t ON t.oid = c.conrelid \
         JOIN pg_class AS r ON r.oid = c.confrelid JOIN pg_namespace AS ns ON ns.oid = t.relnamespace \
         WHERE c.contype = 'f' AND ns.nspname = current_schema()",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    for (table, target, action, from, to) in fks {
        shape.entry(table).or_default().foreign_keys.insert((from, target, to, on_delete(&action)));
    }
    conn.close().await.unwrap();
    shape
}

/// What differs, table by table, in words a person fixing a migration can act on.
fn differences(sqlite: &Shape, postgres: &Shape) -> Vec<String> {
    let mut out = Vec::new();
    let names: BTreeSet<&String> = sqlite.keys().chain(postgres.keys()).collect();
    for name in names {
        match (sqlite.get(name), postgres.get(name)) {
            (Some(_), None) => out.push(format!("table {name} exists only on SQLite")),
            (None, Some(_)) => out.push(format!("table {name} exists only on PostgreSQL")),
            (Some(s), Some(p)) if s != p => {
                let columns: BTreeSet<&String> = s.columns.keys().chain(p.columns.keys()).collect();
                for c in columns {
                    let (sc, pc) = (s.columns.get(c), p.columns.get(c));
                    if sc != pc {
                        out.push(format!("{name}.{c}: SQLite {sc:?}, PostgreSQL {pc:?} (type, not null)"));
                    }
                }
                if s.primary_key != p.primary_key {
                    out.push(format!(
                        "{name} primary key: SQLite {:?}, PostgreSQL {:?}",
                        s.primary_key, p.primary_key
                    ));
                }
                for fk in s.foreign_keys.symmetric_difference(&p.foreign_keys) {
                    let only = if s.foreign_keys.contains(fk) { "SQLite" } else { "PostgreSQL" };
                    out.push(format!("{name}: foreign key {fk:?} only on {only}"));
                }
                for ix in s.indexes.symmetric_difference(&p.indexes) {
                    let only = if s.indexes.contains(ix) { "SQLite" } else { "PostgreSQL" };
                    out.push(format!("{name}: index (columns, unique, partial) {ix:?} only on {only}"));
                }
            }
            _ => {}
        }
    }
    out
}

#[tokio::test]
async fn the_sqlite_and_postgresql_migrations_make_the_same_schema() {
    for schema in [Schema::Directory, Schema::Region] {
        let Some(pg) = PgDatabase::create().await else { return };
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("store.sqlite");
        let lite = Db::sqlite(&path, schema).await.unwrap();
        let postgres = Db::postgres(&pg.url, schema).await.unwrap();
        let (s, p) = (sqlite_shape(&path).await, postgres_shape(&pg.url).await);
        lite.close().await;
        postgres.close().await;
        assert!(
            s.contains_key("ward_meta") && p.contains_key("ward_meta"),
            "the walk sees real tables: {s:?} {p:?}"
        );
        let diff = differences(&s, &p);
        assert!(
            diff.is_empty(),
            "the {schema:?} migrations of SQLite and PostgreSQL disagree; add a migration on the side that is \
             behind:\n{}",
            diff.join("\n")
        );
    }
}

#[test]
fn a_difference_between_the_engines_is_reported_by_table_and_column() {
    let mut sqlite = Shape::new();
    let mut table = Table::default();
    table.columns.insert("id".into(), ("text".into(), true));
    table.columns.insert("at".into(), ("bigint".into(), true));
    table.indexes.insert((vec!["at".into()], false, false));
    sqlite.insert("t".into(), table);
    let mut postgres = Shape::new();
    let mut table = Table::default();
    table.columns.insert("id".into(), ("text".into(), true));
    table.columns.insert("at".into(), ("integer".into(), false));
    postgres.insert("t".into(), table);
    postgres.insert("u".into(), Table::default());
    let diff = differences(&sqlite, &postgres);
    assert_eq!(
        diff,
        [
            "t.at: SQLite Some((\"bigint\", true)), PostgreSQL Some((\"integer\", false)) (type, not null)",
            "t: index (columns, unique, partial) ([\"at\"], false, false) only on SQLite",
            "table u exists only on PostgreSQL",
        ]
    );
}
