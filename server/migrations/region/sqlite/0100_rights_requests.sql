-- Rights requests (`crate::requests`): what a person asked of the privacy staff, the date
-- the law of their region sets for the answer, and the timeline of what happened. Kept while
-- the account exists (proof that a right was honoured); erased with it (registry).
CREATE TABLE rights_requests (
    id         TEXT PRIMARY KEY NOT NULL,
    person_id  TEXT NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    -- `access` | `rectification` | `erasure` | `restriction` | `objection` |
    -- `explanation` | `withdrawal` | `complaint`.
    kind       TEXT NOT NULL,
    -- `open` | `extended` | `fulfilled` | `refused` | `withdrawn`.
    status     TEXT NOT NULL,
    -- What the person asked, sealed with their key.
    details_ct BLOB NOT NULL,
    filed_at   BIGINT NOT NULL,
    due_at     BIGINT NOT NULL,
    closed_at  BIGINT
);
CREATE INDEX rights_requests_person ON rights_requests (person_id, filed_at);
-- The staff's queue: requests by due date (the id breaks ties, so a page is one index walk),
-- and the counts per status (an index-only scan; `due_at` for the overdue ones).
CREATE INDEX rights_requests_due ON rights_requests (due_at, id);
CREATE INDEX rights_requests_status ON rights_requests (status, due_at);

CREATE TABLE request_events (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    request_id TEXT NOT NULL REFERENCES rights_requests (id) ON DELETE CASCADE,
    person_id  TEXT NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    at         BIGINT NOT NULL,
    -- `person` | `staff`.
    actor      TEXT NOT NULL,
    -- `filed` | `information` | `viewed` | `extended` | `fulfilled` | `refused` | `withdrawn`.
    kind       TEXT NOT NULL,
    -- What was said (information, reasons), sealed with the person's key.
    text_ct    BLOB
);
CREATE INDEX request_events_request ON request_events (request_id, id);
