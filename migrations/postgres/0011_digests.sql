-- Digests posted to the staff lobby: one row per period (`daily` or `weekly`, and the first
-- instant it covers). The row is inserted in the same transaction as the digest's outbox
-- rows, so of several instances racing for one period exactly one posts it, and a crash after
-- the insert still delivers it (from the outbox). Times: epoch ms.
CREATE TABLE digests (
    period       TEXT   NOT NULL,
    period_start BIGINT NOT NULL,
    period_end   BIGINT NOT NULL,
    due_at       BIGINT NOT NULL,
    posted_at    BIGINT NOT NULL,
    instance     TEXT   NOT NULL,
    PRIMARY KEY (period, period_start)
);
