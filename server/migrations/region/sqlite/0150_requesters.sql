-- People who filed a rights request without signing in and have no account here
-- (`crate::requests::public`): the address their mailed code proved and the name they gave,
-- sealed with a key of their own (in the directory's `person_keys`, like a person's). Their
-- requests are in `rights_requests` under this id. Kept three years after the last thing that
-- happened to one of them (proof that a right was honoured), then purged with them.
CREATE TABLE requesters (
    id             TEXT PRIMARY KEY NOT NULL,
    email_hash     BLOB NOT NULL UNIQUE,
    email_ct       BLOB NOT NULL,
    name_ct        BLOB NOT NULL,
    created_at     BIGINT NOT NULL,
    last_active_at BIGINT NOT NULL
);

-- A request's subject is now a person or a requester, so `person_id` no longer references
-- `people`: erasing an account deletes its requests itself (`Db::person_delete`). SQLite
-- cannot drop a constraint, so both tables are rebuilt; the old children go first, so that
-- dropping the old parent cascades into nothing.
CREATE TABLE rights_requests_new (
    id          TEXT PRIMARY KEY NOT NULL,
    -- `people.id` or `requesters.id`.
    person_id   TEXT NOT NULL,
    kind        TEXT NOT NULL,
    status      TEXT NOT NULL,
    details_ct  BLOB NOT NULL,
    filed_at    BIGINT NOT NULL,
    due_at      BIGINT NOT NULL,
    closed_at   BIGINT,
    reminded_at BIGINT
);
INSERT INTO rights_requests_new (id, person_id, kind, status, details_ct, filed_at, due_at, closed_at, reminded_at)
    SELECT id, person_id, kind, status, details_ct, filed_at, due_at, closed_at, reminded_at FROM rights_requests;

CREATE TABLE request_events_new (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    request_id TEXT NOT NULL REFERENCES rights_requests_new (id) ON DELETE CASCADE,
    person_id  TEXT NOT NULL,
    at         BIGINT NOT NULL,
    actor      TEXT NOT NULL,
    kind       TEXT NOT NULL,
    text_ct    BLOB
);
INSERT INTO request_events_new (id, request_id, person_id, at, actor, kind, text_ct)
    SELECT id, request_id, person_id, at, actor, kind, text_ct FROM request_events;

DROP TABLE request_events;
DROP TABLE rights_requests;
ALTER TABLE rights_requests_new RENAME TO rights_requests;
ALTER TABLE request_events_new RENAME TO request_events;

CREATE INDEX rights_requests_person ON rights_requests (person_id, filed_at);
CREATE INDEX rights_requests_due ON rights_requests (due_at, id);
CREATE INDEX rights_requests_status ON rights_requests (status, due_at);
CREATE INDEX request_events_request ON request_events (request_id, id);
CREATE INDEX request_events_person ON request_events (person_id);
