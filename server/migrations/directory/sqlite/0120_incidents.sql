-- Security incidents the privacy staff record (`crate::privacy::incidents`): what happened,
-- to which kinds of data, and the query that finds the people concerned (home regions, a
-- time window, a feature). The clock for the supervisory authority runs from `discovered_at`
-- (72 hours). Kept as the record of the breach (GDPR art. 33(5)); names no person.
CREATE TABLE incidents (
    id                    TEXT PRIMARY KEY NOT NULL,
    title                 TEXT NOT NULL,
    description           TEXT NOT NULL,
    -- Registry categories and region codes, comma-separated.
    categories            TEXT NOT NULL,
    regions               TEXT NOT NULL,
    -- `accounts` | `sign_ins` | `alarms` | `calls`.
    feature               TEXT NOT NULL,
    window_from           BIGINT NOT NULL,
    window_to             BIGINT NOT NULL,
    discovered_at         BIGINT NOT NULL,
    recorded_at           BIGINT NOT NULL,
    authority_notified_at BIGINT,
    people_notified_at    BIGINT,
    affected              BIGINT NOT NULL
);
CREATE INDEX incidents_recorded ON incidents (recorded_at);
