-- "Who saw my data" (`crate::privacy::access`): every access to a person's data by anyone but
-- themselves (the privacy staff opening their request, a person they share a camera with
-- using it). Append-only, one chain per person, chained like the consent ledger: `hash` is a
-- keyed MAC (the vault's master key) over the record's fields and `prev_hash`, and the head
-- is anchored in the directory (`access_heads`), so an altered, removed or truncated record
-- is found. Kept while the account exists; goes with it.
CREATE TABLE access_log (
    person_id TEXT NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    seq       BIGINT NOT NULL,
    at        BIGINT NOT NULL,
    -- `staff` | `invitee`.
    actor     TEXT NOT NULL,
    -- Who it was: a person's id (no name: shown by looking the person up, so a deleted
    -- account leaves no copy of its name here).
    actor_id  TEXT NOT NULL,
    -- `request_opened` | `request_answered` | `live_view` | `alarm_picture`.
    action    TEXT NOT NULL,
    -- What was seen: a request's or a camera's id.
    object_id TEXT NOT NULL,
    prev_hash BLOB NOT NULL,
    hash      BLOB NOT NULL,
    PRIMARY KEY (person_id, seq)
);
