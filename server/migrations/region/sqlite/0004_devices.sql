-- Cameras owned by people of this region, their alarm events and doorbell calls.
-- Pictures live in object storage; rows hold their keys. Times are Unix seconds.

CREATE TABLE devices (
    id           TEXT PRIMARY KEY NOT NULL,
    owner_id     TEXT NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    serial_hash  BLOB NOT NULL UNIQUE,
    serial_ct    BLOB NOT NULL,
    name_ct      BLOB NOT NULL,
    model        TEXT NOT NULL,
    firmware     TEXT NOT NULL DEFAULT '',
    address_ct   BLOB,
    time_zone    TEXT NOT NULL DEFAULT '',
    privacy_mode BOOLEAN NOT NULL DEFAULT FALSE,
    online       BOOLEAN NOT NULL DEFAULT FALSE,
    created_at   BIGINT NOT NULL
);
-- The devices page: one owner's devices in order, optionally only on- or offline ones.
CREATE INDEX devices_by_owner ON devices (owner_id, created_at, id);
CREATE INDEX devices_by_owner_online ON devices (owner_id, online, created_at, id);

CREATE TABLE alarm_events (
    id            TEXT PRIMARY KEY NOT NULL,
    device_id     TEXT NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
    owner_id      TEXT NOT NULL,
    kind          TEXT NOT NULL,
    at            BIGINT NOT NULL,
    picture_key   TEXT NOT NULL,
    thumbnail_key TEXT NOT NULL
);
CREATE INDEX alarm_events_by_owner ON alarm_events (owner_id, at, id);
CREATE INDEX alarm_events_by_device ON alarm_events (device_id, at, id);
-- The retention job's scan.
CREATE INDEX alarm_events_by_age ON alarm_events (at);

CREATE TABLE call_records (
    id          TEXT PRIMARY KEY NOT NULL,
    device_id   TEXT NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
    owner_id    TEXT NOT NULL,
    at          BIGINT NOT NULL,
    picture_key TEXT NOT NULL
);
CREATE INDEX call_records_by_owner ON call_records (owner_id, at, id);
CREATE INDEX call_records_by_age ON call_records (at);

-- Who looked at a call record, and when (each view is logged).
CREATE TABLE call_views (
    id        TEXT PRIMARY KEY NOT NULL,
    call_id   TEXT NOT NULL REFERENCES call_records (id) ON DELETE CASCADE,
    viewer_id TEXT NOT NULL,
    at        BIGINT NOT NULL
);
CREATE INDEX call_views_by_call ON call_views (call_id, at);
