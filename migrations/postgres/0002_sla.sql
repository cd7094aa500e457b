-- SLA notices: one row per (ticket, notice key), recorded before the message is sent, so each
-- warning, breach and escalation goes out exactly once across instances. Times: epoch ms.
CREATE TABLE sla_notices (
    ticket_id   BIGINT NOT NULL REFERENCES tickets (id),
    notice_key  TEXT   NOT NULL,
    due_at      BIGINT NOT NULL,
    recorded_at BIGINT NOT NULL,
    body        TEXT   NOT NULL,
    PRIMARY KEY (ticket_id, notice_key)
);
