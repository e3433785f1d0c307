-- A camera shared with an address that has no account in the owner's region (yet): the
-- invitation waits, granting nothing, until someone verifies that address here; then it
-- becomes a pending share of theirs (`devices::shares::claim_invitations`). Unused, it is
-- deleted 14 days after it was made. The address is kept as the owner typed it, sealed
-- with the owner's key, and as a keyed hash to find it by.
CREATE TABLE share_invitations (
    id          TEXT PRIMARY KEY NOT NULL,
    device_id   TEXT NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
    owner_id    TEXT NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    email_hash  BYTEA NOT NULL,
    email_ct    BYTEA NOT NULL,
    permissions TEXT NOT NULL,
    expires_at  BIGINT,
    created_at  BIGINT NOT NULL,
    UNIQUE (device_id, email_hash)
);
CREATE INDEX share_invitations_by_email ON share_invitations (email_hash);
CREATE INDEX share_invitations_by_age ON share_invitations (created_at);

-- The address the owner typed, sealed with the owner's key: what the owner sees of a share
-- until it is accepted, whether or not the address had an account (so the answer to a share
-- never tells which).
ALTER TABLE device_shares ADD COLUMN email_ct BYTEA;
