-- People whose home is this region, and everything about their accounts.
-- Columns ending in _ct are sealed with the person's data key (see server/src/vault.rs);
-- times are Unix seconds.

CREATE TABLE people (
    id                 TEXT PRIMARY KEY NOT NULL,
    email_hash         BLOB NOT NULL UNIQUE,
    name_ct            BLOB NOT NULL,
    email_ct           BLOB NOT NULL,
    phone_ct           BLOB NOT NULL,
    birth_date_ct      BLOB NOT NULL,
    pending_email_ct   BLOB,
    password_hash      TEXT NOT NULL,
    email_verified     BOOLEAN NOT NULL DEFAULT FALSE,
    totp_secret_ct     BLOB,
    totp_enabled       BOOLEAN NOT NULL DEFAULT FALSE,
    totp_last_step     BIGINT NOT NULL DEFAULT 0,
    policy_version     TEXT NOT NULL,
    policy_accepted_at BIGINT NOT NULL,
    created_at         BIGINT NOT NULL
);

-- Single-use emailed codes, one live code per person and purpose.
CREATE TABLE codes (
    person_id TEXT NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    purpose   TEXT NOT NULL,
    code_hash BLOB NOT NULL,
    expires_at BIGINT NOT NULL,
    attempts  BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (person_id, purpose)
);

CREATE TABLE sessions (
    id         TEXT PRIMARY KEY NOT NULL,
    person_id  TEXT NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    token_hash BLOB NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    last_seen  BIGINT NOT NULL,
    address_ct BLOB NOT NULL,
    browser_ct BLOB NOT NULL
);
CREATE INDEX sessions_person ON sessions (person_id);

CREATE TABLE activity (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    person_id  TEXT NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    kind       TEXT NOT NULL,
    at         BIGINT NOT NULL,
    address_ct BLOB NOT NULL,
    browser_ct BLOB NOT NULL
);
CREATE INDEX activity_person ON activity (person_id, at);

CREATE TABLE recovery_codes (
    person_id TEXT NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    code_hash BLOB NOT NULL,
    PRIMARY KEY (person_id, code_hash)
);

-- Proof that an account was deleted, quoted by the person; holds nothing about them.
CREATE TABLE deletion_receipts (
    receipt    TEXT PRIMARY KEY NOT NULL,
    deleted_at BIGINT NOT NULL
);
