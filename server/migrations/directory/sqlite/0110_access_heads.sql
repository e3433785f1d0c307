-- The head of each person's "who saw my data" log (`access_log` in their region store):
-- how many records it has and the MAC of the newest, kept apart from the chain for the same
-- reason as `ledger_heads`: so that removing the newest records is found.
CREATE TABLE access_heads (
    person_id TEXT PRIMARY KEY NOT NULL,
    records   BIGINT NOT NULL,
    head      BLOB NOT NULL
);
