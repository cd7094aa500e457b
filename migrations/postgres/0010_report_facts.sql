-- Report facts: per ticket, what the KPI and SLA reports count, derived from the ticket and its
-- event log (SLA clocks in business time need the calendars, so Rust computes them) and kept
-- here so that a report over a month aggregates in the database instead of replaying every
-- event log. A row is recomputed when its ticket's `updated_at` moves past `updated_at` here;
-- the rows can always be rebuilt from tickets and events. Times: epoch ms.
CREATE TABLE report_tickets (
    ticket_id      BIGINT  PRIMARY KEY REFERENCES tickets (id),
    updated_at     BIGINT  NOT NULL,
    created_at     BIGINT  NOT NULL,
    platform       TEXT    NOT NULL,
    requester_id   TEXT    NOT NULL,
    kind           TEXT    NOT NULL,
    priority       BIGINT  NOT NULL,
    tier           TEXT    NOT NULL,
    status         TEXT    NOT NULL,
    bug            BIGINT  NOT NULL,
    feature        BIGINT  NOT NULL,
    fixed_at       BIGINT,
    agent          TEXT,
    resolved_at    BIGINT
);
CREATE INDEX report_tickets_created ON report_tickets (created_at);
-- One row per SLA clock (first response, each next-response cycle, resolution) with the
-- ticket's grouping columns copied, so that rates and percentiles need no join.
-- `breach_at` is when the clock passed (or will pass, while it runs) its target; NULL for a
-- clock met, or paused short of its target. `elapsed_ms` is business time counted when the
-- facts were computed (final once `stopped_at` is set).
CREATE TABLE report_clocks (
    ticket_id    BIGINT  NOT NULL REFERENCES tickets (id),
    clock        TEXT    NOT NULL,
    seq          BIGINT  NOT NULL,
    created_at   BIGINT  NOT NULL,
    platform     TEXT    NOT NULL,
    requester_id TEXT    NOT NULL,
    priority     BIGINT  NOT NULL,
    tier         TEXT    NOT NULL,
    agent        TEXT,
    target_ms    BIGINT  NOT NULL,
    elapsed_ms   BIGINT  NOT NULL,
    started_at   BIGINT  NOT NULL,
    stopped_at   BIGINT,
    breach_at    BIGINT,
    PRIMARY KEY (ticket_id, clock, seq)
);
CREATE INDEX report_clocks_created ON report_clocks (clock, created_at);
CREATE INDEX report_clocks_breach ON report_clocks (breach_at) WHERE breach_at IS NOT NULL;
-- Which tickets changed since the facts were last brought up to date.
CREATE INDEX tickets_updated ON tickets (updated_at);
CREATE INDEX ticket_events_kind_at ON ticket_events (kind, at);
