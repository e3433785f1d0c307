-- Actual knowledge that an account belongs to a child (`crate::requests::guardian::flag`): the
-- staff flag it (or correct a date of birth below the region's minimum age), the account is
-- suspended at once and deleted at `child_delete_at` unless a parent or guardian gives
-- verifiable consent first (the staff then lift the flag: both columns back to NULL).
ALTER TABLE people ADD COLUMN child_flagged_at BIGINT;
ALTER TABLE people ADD COLUMN child_delete_at BIGINT;
CREATE INDEX people_child_delete ON people (child_delete_at);
