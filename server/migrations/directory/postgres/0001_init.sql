-- Never edit a migration once it has been applied anywhere: sqlx checks each one's
-- checksum at start and refuses to run against a database migrated with other text.
-- Change the schema with a new, higher-numbered file (and its twin in ../sqlite/).

-- Facts about the database itself; the first table, so later migrations have a home.
CREATE TABLE ward_meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

INSERT INTO ward_meta (key, value) VALUES ('schema', 'ward');
