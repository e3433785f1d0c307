-- People who filed a rights request without signing in and have no account here
-- (`crate::requests::public`): the address their mailed code proved and the name they gave,
-- sealed with a key of their own (in the directory's `person_keys`, like a person's). Their
-- requests are in `rights_requests` under this id. Kept three years after the last thing that
-- happened to one of them (proof that a right was honoured), then purged with them.
CREATE TABLE requesters (
    id             TEXT PRIMARY KEY NOT NULL,
    email_hash     BYTEA NOT NULL UNIQUE,
    email_ct       BYTEA NOT NULL,
    name_ct        BYTEA NOT NULL,
    created_at     BIGINT NOT NULL,
    last_active_at BIGINT NOT NULL
);

-- A request's subject is now a person or a requester (`people.id` or `requesters.id`), so
-- `person_id` no longer references `people`: erasing an account deletes its requests itself
-- (`Db::person_delete`).
ALTER TABLE request_events DROP CONSTRAINT request_events_person_id_fkey;
ALTER TABLE rights_requests DROP CONSTRAINT rights_requests_person_id_fkey;
CREATE INDEX request_events_person ON request_events (person_id);
