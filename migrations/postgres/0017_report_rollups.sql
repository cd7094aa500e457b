-- Monthly rollups of the report facts, so that a report over many months reads a few rows per
-- month instead of every ticket: one table per aggregate the KPI report needs, keyed by the
-- local month (`month`: its first instant in the reports' time zone, epoch ms) and holding
-- exactly the groups and counts the facts would give. A report sums the whole months it
-- covers from here and the partial months at its edges from the facts. The rows are always
-- rebuilt from the facts: a month whose facts changed is listed in `report_dirty_months` in
-- the same transaction as the change, and rebuilt (and unlisted) in one transaction.
--
-- Response and resolution times are kept as histograms: `bucket` is a logarithmic class of
-- the business time (about 10 % wide), with each class's count, smallest and largest value. A
-- percentile is found in the histogram and then read exactly from the one class it falls in,
-- through one of the `report_clocks_times_*` indexes: one per kind of group (all clocks, a
-- priority × tier cell, an agent), each leading with the group's columns so that a read walks
-- only its own group's class, and holding every column the read filters on.
ALTER TABLE report_tickets ADD COLUMN closed_at BIGINT;
ALTER TABLE report_tickets ADD COLUMN csat_score INTEGER;
ALTER TABLE report_clocks ADD COLUMN bucket INTEGER NOT NULL DEFAULT 0;
CREATE INDEX report_clocks_times_all ON report_clocks (clock, bucket, elapsed_ms, created_at, tier, platform) WHERE stopped_at IS NOT NULL;
CREATE INDEX report_clocks_times_cell ON report_clocks (clock, bucket, priority, tier, elapsed_ms, created_at, platform) WHERE stopped_at IS NOT NULL;
CREATE INDEX report_clocks_times_agent ON report_clocks (clock, bucket, agent, elapsed_ms, created_at, tier, platform) WHERE stopped_at IS NOT NULL;
CREATE INDEX report_tickets_closed ON report_tickets (closed_at) WHERE closed_at IS NOT NULL;
-- Ratings arrive after the close and do not touch the ticket, so the refresh finds them here.
CREATE INDEX csat_at ON csat (at);

CREATE TABLE report_dirty_months (
    month     BIGINT PRIMARY KEY,
    month_end BIGINT NOT NULL
);
-- Tickets opened in the month, per combination of the KPI report's volume columns.
CREATE TABLE report_m_opened (
    month    BIGINT  NOT NULL,
    priority INTEGER NOT NULL,
    tier     TEXT    NOT NULL,
    platform TEXT    NOT NULL,
    kind     TEXT    NOT NULL,
    status   TEXT    NOT NULL,
    bug      INTEGER NOT NULL,
    feature  INTEGER NOT NULL,
    fixed    INTEGER NOT NULL,
    n        BIGINT  NOT NULL
);
CREATE INDEX report_m_opened_month ON report_m_opened (month);
-- Close and reopen events in the month.
CREATE TABLE report_m_flow (
    month    BIGINT  NOT NULL,
    priority INTEGER NOT NULL,
    tier     TEXT    NOT NULL,
    platform TEXT    NOT NULL,
    closed   BIGINT  NOT NULL,
    reopened BIGINT  NOT NULL
);
CREATE INDEX report_m_flow_month ON report_m_flow (month);
-- SLA clocks of tickets opened in the month: all, met, and with a breach instant (past or,
-- for a clock still running, future: the report tells them apart at its own `now`).
CREATE TABLE report_m_clocks (
    month      BIGINT  NOT NULL,
    clock      TEXT    NOT NULL,
    priority   INTEGER NOT NULL,
    tier       TEXT    NOT NULL,
    platform   TEXT    NOT NULL,
    n          BIGINT  NOT NULL,
    met        BIGINT  NOT NULL,
    breach_any BIGINT  NOT NULL
);
CREATE INDEX report_m_clocks_month ON report_m_clocks (month);
-- Stopped clocks' business times per priority and tier, as histograms.
CREATE TABLE report_m_times (
    month    BIGINT  NOT NULL,
    clock    TEXT    NOT NULL,
    priority INTEGER NOT NULL,
    tier     TEXT    NOT NULL,
    platform TEXT    NOT NULL,
    bucket   INTEGER NOT NULL,
    n        BIGINT  NOT NULL,
    min_ms   BIGINT  NOT NULL,
    max_ms   BIGINT  NOT NULL
);
CREATE INDEX report_m_times_month ON report_m_times (month, clock);
-- First-response times per agent, as histograms.
CREATE TABLE report_m_agent_times (
    month    BIGINT  NOT NULL,
    agent    TEXT    NOT NULL,
    tier     TEXT    NOT NULL,
    platform TEXT    NOT NULL,
    bucket   INTEGER NOT NULL,
    n        BIGINT  NOT NULL,
    min_ms   BIGINT  NOT NULL,
    max_ms   BIGINT  NOT NULL
);
CREATE INDEX report_m_agent_times_month ON report_m_agent_times (month);
-- Tickets opened in the month per agent who handled them.
CREATE TABLE report_m_handled (
    month    BIGINT  NOT NULL,
    agent    TEXT    NOT NULL,
    tier     TEXT    NOT NULL,
    platform TEXT    NOT NULL,
    n        BIGINT  NOT NULL
);
CREATE INDEX report_m_handled_month ON report_m_handled (month);
-- Tickets last closed in the month per agent and rating (NULL: not rated).
CREATE TABLE report_m_csat (
    month    BIGINT  NOT NULL,
    agent    TEXT,
    tier     TEXT    NOT NULL,
    platform TEXT    NOT NULL,
    score    INTEGER,
    n        BIGINT  NOT NULL
);
CREATE INDEX report_m_csat_month ON report_m_csat (month);
