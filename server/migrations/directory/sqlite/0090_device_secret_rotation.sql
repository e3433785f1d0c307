-- A camera's secret is replaced on every claim (issue 13, item 12), so a former owner who kept
-- a copy of it cannot connect as the camera once someone else has claimed it.
-- `rekey_due`: a claim happened and no new secret has been issued for it yet (the camera was
-- offline then; it gets one when it next connects).
-- `next_secret_hash`: the keyed hash of a secret sent to the camera but not yet acknowledged as
-- stored. Until the camera acknowledges it, both it and `secret_hash` are accepted, so a camera
-- that crashes between receiving and storing the new secret still connects with the old one;
-- the acknowledgement (or a connection made with the new one) replaces `secret_hash` with it.
ALTER TABLE factory_devices ADD COLUMN next_secret_hash BLOB;
ALTER TABLE factory_devices ADD COLUMN rekey_due BOOLEAN NOT NULL DEFAULT FALSE;
