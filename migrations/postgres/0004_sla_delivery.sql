-- SLA notices are delivered at least once: a notice stays undelivered until its staff space
-- confirmed it, and the sweeper sends undelivered ones again after a lease (`recorded_at` is
-- when the current attempt started). Rows from before this migration count as delivered.
ALTER TABLE sla_notices ADD COLUMN delivered_at BIGINT;
ALTER TABLE sla_notices ADD COLUMN attempts BIGINT NOT NULL DEFAULT 1;
ALTER TABLE sla_notices ADD COLUMN platform TEXT NOT NULL DEFAULT 'console';
ALTER TABLE sla_notices ADD COLUMN notify TEXT NOT NULL DEFAULT '[]';
UPDATE sla_notices SET delivered_at = recorded_at;
CREATE INDEX sla_notices_undelivered ON sla_notices (recorded_at) WHERE delivered_at IS NULL;
