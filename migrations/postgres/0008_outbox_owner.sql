-- Every action the desk decides is now stored in the outbox by the write that decided it, and
-- deleted once delivered. `owner` names the instance delivering a waiting row; `retry_at` is
-- the end of its lease (or its next attempt), after which any instance may claim it.
ALTER TABLE outbox ADD COLUMN owner TEXT NOT NULL DEFAULT '';
CREATE INDEX outbox_owner ON outbox (owner) WHERE retry_at IS NOT NULL;
