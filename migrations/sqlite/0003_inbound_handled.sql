-- An inbound message is handled once the desk has finished with it. A message stored but not
-- handled (the process died, or the database failed, in between) is processed again when the
-- platform redelivers it, instead of being mistaken for a duplicate. `claimed_by` names the
-- process that is handling it, so a redelivery to that same process while it is still busy
-- is not processed twice. Rows from before this migration count as handled.
ALTER TABLE inbound ADD COLUMN handled_at BIGINT;
ALTER TABLE inbound ADD COLUMN claimed_by TEXT NOT NULL DEFAULT '';
UPDATE inbound SET handled_at = received_at;
