-- Copies of an archive sent to a recipient the person chose (`privacy/recipients.json`),
-- and one-time links to it for a recipient of their own. Both go with the archive (7 days);
-- what was sent stays in the consent ledger and the activity log.
CREATE TABLE export_transfers (
    id           TEXT PRIMARY KEY NOT NULL,
    export_id    TEXT NOT NULL REFERENCES exports (id) ON DELETE CASCADE,
    person_id    TEXT NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    recipient    TEXT NOT NULL,
    -- The recipient's name when it was sent (a recipient may leave the list later).
    recipient_name TEXT NOT NULL,
    -- `sending` | `sent` | `failed`.
    state        TEXT NOT NULL,
    attempts     INTEGER NOT NULL,
    -- `unreachable` | `refused` | `archive_gone`, and the refusal's HTTP status.
    failure      TEXT,
    status       INTEGER,
    created_at   BIGINT NOT NULL,
    sent_at      BIGINT
);
CREATE INDEX export_transfers_by_person ON export_transfers (person_id);
-- One copy at a time on its way to a recipient, per archive.
CREATE UNIQUE INDEX export_transfers_one_sending ON export_transfers (export_id, recipient) WHERE state = 'sending';

CREATE TABLE export_links (
    id          TEXT PRIMARY KEY NOT NULL,
    export_id   TEXT NOT NULL REFERENCES exports (id) ON DELETE CASCADE,
    person_id   TEXT NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    -- The keyed hash of the link's secret: the link itself is shown once and never kept.
    token_hash  BLOB NOT NULL UNIQUE,
    -- Who it is for, in the person's words, sealed with their key.
    label_ct    BLOB NOT NULL,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    used_at     BIGINT,
    revoked_at  BIGINT
);
CREATE INDEX export_links_by_person ON export_links (person_id);

-- How many pictures an archive holds (what a recipient will be sent, told before it is).
ALTER TABLE exports ADD COLUMN pictures BIGINT;
