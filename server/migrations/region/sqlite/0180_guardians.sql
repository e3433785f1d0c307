-- A parent's or guardian's request about a child's data (`crate::requests::guardian`): the
-- request itself is a `rights_requests` row of kind `guardian` whose subject is the guardian,
-- always a requester of the region they chose (the child's). What the staff verify hangs off
-- it and goes with it.
CREATE TABLE guardian_requests (
    request_id   TEXT PRIMARY KEY NOT NULL REFERENCES rights_requests (id) ON DELETE CASCADE,
    -- The guardian (a `requesters` id).
    person_id    TEXT NOT NULL,
    -- `review` | `delete` | `prohibit`.
    ask          TEXT NOT NULL,
    -- `parent` | `legal_guardian`.
    relation     TEXT NOT NULL,
    -- `signed_form` | `id_document` | `video_call`.
    method       TEXT NOT NULL,
    -- The child's address and phone as the guardian typed them (JSON), sealed with the
    -- guardian's key: never a hash, so nothing here can be matched to an account but by the
    -- staff at work on the request.
    child_ct     BLOB NOT NULL,
    -- Once a review is granted: where the child's account is, and the keyed hash of the
    -- guardian's link to it (the link itself is mailed once, never kept).
    child_region TEXT,
    child_id     TEXT,
    review_hash  BLOB UNIQUE
);
CREATE INDEX guardian_requests_person ON guardian_requests (person_id);

-- The proof of guardianship the guardian uploaded, sealed with their key; deleted by the
-- retention job a short period (registry) after the staff's decision.
CREATE TABLE guardian_proofs (
    request_id  TEXT PRIMARY KEY NOT NULL REFERENCES rights_requests (id) ON DELETE CASCADE,
    person_id   TEXT NOT NULL,
    -- `application/pdf` | `image/png` | `image/jpeg`, read from the file's first bytes.
    media_type  TEXT NOT NULL,
    size        BIGINT NOT NULL,
    proof_ct    BLOB NOT NULL,
    uploaded_at BIGINT NOT NULL,
    decided_at  BIGINT
);
CREATE INDEX guardian_proofs_decided ON guardian_proofs (decided_at);
