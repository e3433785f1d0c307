-- The head of each person's consent ledger (issue 13, item 11): how many records it has and
-- the MAC of the newest. The chain itself lives in the person's region store, where removing
-- its newest records would leave a shorter chain that still verifies; this anchor lives where
-- the region store's rows cannot rewrite it, so verification reports the truncation.
CREATE TABLE ledger_heads (
    person_id TEXT PRIMARY KEY NOT NULL,
    records   BIGINT NOT NULL,
    head      BYTEA NOT NULL
);
