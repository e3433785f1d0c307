-- When the privacy staff were reminded that a request is due soon (`crate::requests::remind`):
-- once per due date (an extension clears it, so the new date is reminded of too).
ALTER TABLE rights_requests ADD COLUMN reminded_at BIGINT;
