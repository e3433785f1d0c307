-- Passkeys (WebAuthn credentials). The credential (public key, counter) is sealed with the
-- person's key like every other field of theirs; its id is kept apart for lookups.
CREATE TABLE passkeys (
    id            TEXT PRIMARY KEY NOT NULL,
    person_id     TEXT NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    credential_ct BLOB NOT NULL,
    name_ct       BLOB NOT NULL,
    created_at    BIGINT NOT NULL,
    last_used     BIGINT NOT NULL
);
CREATE INDEX passkeys_person ON passkeys (person_id);
