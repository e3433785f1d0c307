-- Never edit a migration once it has been applied anywhere: sqlx checks each one's
-- checksum at start and refuses to run against a database migrated with other text.
-- Change the schema with a new, higher-numbered file (and its twin in ../postgres/).

-- Facts about the database itself; the first table, so later migrations have a home.
CREATE TABLE ward_meta (
    -- NOT NULL because SQLite lets a non-INTEGER primary key hold NULL otherwise.
    key   TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
);

INSERT INTO ward_meta (key, value) VALUES ('schema', 'ward');
