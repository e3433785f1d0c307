-- Pictures are now stored sealed with their owner's data key. A store that already holds
-- alarms or calls (their pictures stored plain) is marked; at start the server seals those
-- pictures in place and removes the mark (`devices::media::seal_legacy_pictures`). A new
-- store has nothing to seal and gets no mark.
INSERT INTO ward_meta (key, value)
SELECT 'pictures_unsealed', 'plain pictures from before sealing'
WHERE EXISTS (SELECT 1 FROM alarm_events) OR EXISTS (SELECT 1 FROM call_records);
