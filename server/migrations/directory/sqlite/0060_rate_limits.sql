-- Rate limits and sign-in delays (issue 13, item 6), here rather than in each instance's
-- memory so that every instance counts the same events and a restart forgets none. `key` is
-- a keyed hash (HMAC) of what is limited, e.g. "wrong passwords for this email" or "sign-ups
-- from this client address", so the directory still holds nothing readable. A row counts
-- `hits` from `window_start` until `expires_at`, when it is purged; a delay also keeps
-- `blocked_until`, before which no attempt is allowed.
CREATE TABLE rate_limits (
    key           BLOB PRIMARY KEY NOT NULL,
    hits          BIGINT NOT NULL,
    window_start  BIGINT NOT NULL,
    blocked_until BIGINT NOT NULL,
    expires_at    BIGINT NOT NULL
);
CREATE INDEX rate_limits_expires_at ON rate_limits (expires_at);
