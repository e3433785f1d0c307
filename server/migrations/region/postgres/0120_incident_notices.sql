-- The breach notices a person was sent: which incident (in the directory's `incidents`) and
-- when. That an incident concerned them is theirs to see; erased with the account.
CREATE TABLE incident_notices (
    person_id   TEXT NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    incident_id TEXT NOT NULL,
    notified_at BIGINT NOT NULL,
    PRIMARY KEY (person_id, incident_id)
);
