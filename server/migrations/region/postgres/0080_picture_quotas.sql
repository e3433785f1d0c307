-- Each camera's use of the media store, against its limits (pictures a minute, bytes a
-- day): an agent cannot fill the disk. One row per camera, rewritten as it sends; kept in
-- the store so every instance shares it and a restart does not reset it. Unix seconds.
CREATE TABLE picture_quotas (
    device_id       TEXT PRIMARY KEY REFERENCES devices (id) ON DELETE CASCADE,
    owner_id        TEXT NOT NULL,
    -- The UTC day counted (its first second), the bytes and pictures stored that day.
    day             BIGINT NOT NULL,
    bytes           BIGINT NOT NULL,
    pictures        BIGINT NOT NULL,
    -- The current minute's window: when its first picture came, and how many since.
    window_start    BIGINT NOT NULL,
    window_pictures BIGINT NOT NULL
);
