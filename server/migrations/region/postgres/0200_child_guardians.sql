-- A child's account opened with a parent's or guardian's consent (`crate::requests::guardian`):
-- the child names the guardian at sign-up, the account waits suspended (`people.child_delete_at`)
-- until the guardian's verified consent, and is then a child's account whose locked settings
-- only that consent explains. One row per child; it goes with the account.
CREATE TABLE child_guardians (
    person_id         TEXT PRIMARY KEY NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    -- The keyed lookup hash of the guardian's address (as `people.email_hash`), so the
    -- guardian's own account finds the children it consented for.
    guardian_hash     BYTEA NOT NULL,
    -- The guardian's address, sealed with the child's key: to ask them, and to tell them.
    guardian_email_ct BYTEA NOT NULL,
    named_at          BIGINT NOT NULL,
    -- The staff verified the guardian and the consent was recorded (the guardian's request).
    consented_at      BIGINT,
    request_id        TEXT
);
CREATE INDEX child_guardians_guardian ON child_guardians (guardian_hash);
