-- Sharing: an owner lets another person of the same region use a camera, with a set of
-- permissions, optionally until a time. The invitee accepts or declines; the owner revokes
-- (the row is deleted). Each use by the invitee is logged for the owner to see.

CREATE TABLE device_shares (
    id          TEXT PRIMARY KEY NOT NULL,
    device_id   TEXT NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
    owner_id    TEXT NOT NULL,
    invitee_id  TEXT NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    -- Comma-separated `SharePermission`s, e.g. `live_view,alarms`.
    permissions TEXT NOT NULL,
    -- `pending` | `accepted` | `declined`.
    status      TEXT NOT NULL,
    expires_at  BIGINT,
    created_at  BIGINT NOT NULL,
    UNIQUE (device_id, invitee_id)
);
CREATE INDEX device_shares_by_invitee ON device_shares (invitee_id, created_at);

CREATE TABLE share_accesses (
    id        TEXT PRIMARY KEY NOT NULL,
    share_id  TEXT NOT NULL REFERENCES device_shares (id) ON DELETE CASCADE,
    -- The invitee who used the share.
    person_id TEXT NOT NULL,
    action    TEXT NOT NULL,
    at        BIGINT NOT NULL
);
CREATE INDEX share_accesses_by_share ON share_accesses (share_id, at);
CREATE INDEX share_accesses_by_age ON share_accesses (at);
