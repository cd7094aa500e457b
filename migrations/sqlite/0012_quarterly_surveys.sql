-- The quarterly satisfaction survey: one row per customer and quarter (`2026-Q4`), inserted in
-- the same transaction as the survey's outbox row, so each customer is asked at most once per
-- quarter whichever instance sends it. The rating and comment come back into the same row.
-- Times: epoch ms.
CREATE TABLE quarterly_surveys (
    platform    TEXT    NOT NULL,
    user_id     TEXT    NOT NULL,
    quarter     TEXT    NOT NULL,
    ticket_id   BIGINT  NOT NULL,
    lang        TEXT    NOT NULL,
    sent_at     BIGINT  NOT NULL,
    score       INTEGER,
    comment     TEXT,
    answered_at BIGINT,
    PRIMARY KEY (platform, user_id, quarter)
);
CREATE INDEX quarterly_surveys_sent ON quarterly_surveys (sent_at);
