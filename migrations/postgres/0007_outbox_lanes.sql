-- Actions kept in the outbox go out in order per lane: the place they land (a conversation,
-- a ticket's staff space, a staff lobby). Only the oldest waiting action of a lane is due, so a
-- message sent during an outage cannot overtake an earlier one. Rows kept before this
-- migration share the empty lane.
ALTER TABLE outbox ADD COLUMN lane TEXT NOT NULL DEFAULT '';
CREATE INDEX outbox_lane ON outbox (lane, id) WHERE retry_at IS NOT NULL;
