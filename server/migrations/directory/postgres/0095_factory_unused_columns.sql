-- Wrong label codes are counted per person in `rate_limits` (0060), never per camera: the two
-- per-camera counters of 0004 were never written.
ALTER TABLE factory_devices DROP COLUMN failed_codes;
ALTER TABLE factory_devices DROP COLUMN locked_until;
