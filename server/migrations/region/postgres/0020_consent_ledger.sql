-- The consent ledger: append-only, one chain per person. Each record's `hash` is a keyed
-- MAC (the vault's master key) over its fields and the previous record's hash, so an
-- altered, removed or reordered record breaks the chain, and nobody with only the
-- database can forge a new one. Rows are never updated; they go with the account.
CREATE TABLE consent_ledger (
    person_id      TEXT NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    seq            BIGINT NOT NULL,
    purpose        TEXT NOT NULL,
    action         TEXT NOT NULL,
    policy_version TEXT NOT NULL,
    method         TEXT NOT NULL,
    text_version   TEXT NOT NULL,
    at             BIGINT NOT NULL,
    prev_hash      BYTEA NOT NULL,
    hash           BYTEA NOT NULL,
    PRIMARY KEY (person_id, seq)
);
