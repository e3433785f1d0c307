-- Single-use codes mailed to an address rather than to an account (`crate::requests::public`):
-- proof that whoever files a rights request without signing in reads that address's mail.
-- Keyed by the address's keyed hash, so one table serves addresses with and without an
-- account and says nothing about which. Deleted when used, and by the purge once expired.
CREATE TABLE address_codes (
    email_hash BYTEA PRIMARY KEY NOT NULL,
    code_hash  BYTEA NOT NULL,
    expires_at BIGINT NOT NULL,
    attempts   BIGINT NOT NULL DEFAULT 0
);
