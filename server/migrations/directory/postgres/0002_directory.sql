-- The directory: which region holds the account of an email, and each person's data key.
-- Nothing here is readable: emails appear only as keyed hashes, keys only wrapped by the
-- master key (which no store holds).

CREATE TABLE directory (
    email_hash BYTEA PRIMARY KEY NOT NULL,
    region     TEXT NOT NULL,
    person_id  TEXT NOT NULL UNIQUE
);

-- Kept apart from the region stores on purpose: deleting a row here crypto-shreds every
-- copy of the person's region data, backups included.
CREATE TABLE person_keys (
    person_id   TEXT PRIMARY KEY NOT NULL,
    wrapped_key BYTEA NOT NULL
);
