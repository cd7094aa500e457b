-- Outbound actions a platform refused or could not take (an outage, a timeout), kept for
-- another attempt so that a relayed message is late rather than lost. `retry_at` is NULL once
-- the bot gave up; such rows stay for inspection. Times: epoch ms.
CREATE TABLE outbox (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    platform    TEXT    NOT NULL,
    action      TEXT    NOT NULL,
    attempts    BIGINT  NOT NULL,
    last_error  TEXT    NOT NULL,
    retry_at    BIGINT,
    created_at  BIGINT  NOT NULL
);
CREATE INDEX outbox_due ON outbox (retry_at) WHERE retry_at IS NOT NULL;
