-- Data export ("Download my data"): at most one archive per person, built by a background
-- job into a file sealed with the person's key (`<data-dir>/exports/<region>/<id>.sealed`),
-- deleted with its row 7 days after the request (registry: `exports`).
CREATE TABLE exports (
    id                TEXT PRIMARY KEY NOT NULL,
    person_id         TEXT NOT NULL UNIQUE REFERENCES people (id) ON DELETE CASCADE,
    -- `running` | `ready` | `failed`.
    state             TEXT NOT NULL,
    -- The language of the archive's index.html: `en` | `zh`.
    language          TEXT NOT NULL,
    created_at        BIGINT NOT NULL,
    ready_at          BIGINT,
    size              BIGINT,
    error             TEXT,
    -- The session in which the password was last confirmed for this archive, and when:
    -- a download needs a sign-in or a confirmation within the last hour.
    confirmed_session TEXT,
    confirmed_at      BIGINT
);
-- The retention job's scan.
CREATE INDEX exports_by_age ON exports (created_at);
