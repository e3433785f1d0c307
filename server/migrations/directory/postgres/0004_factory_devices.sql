-- Cameras the factory made, imported from its manifests. Only keyed hashes (HMAC with the
-- master key) of the serial, the label code and the factory secret are kept: a copy of this
-- table neither names a camera nor lets anyone claim or impersonate one.
-- `bound_region` + `device_id` say where the camera's owner keeps it (a random id in one
-- region store); no person is named here.

CREATE TABLE factory_devices (
    serial_hash  BYTEA PRIMARY KEY NOT NULL,
    model        TEXT NOT NULL,
    code_hash    BYTEA NOT NULL,
    secret_hash  BYTEA NOT NULL,
    bound_region TEXT,
    device_id    TEXT,
    failed_codes BIGINT NOT NULL DEFAULT 0,
    locked_until BIGINT NOT NULL DEFAULT 0
);
