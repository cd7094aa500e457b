-- Leases for the work only one instance may do at a time (the Telegram poller, the Discord
-- gateway): one row per role, naming the instance that holds it and until when (epoch ms,
-- by the database's clock, so instances with skewed clocks still agree). A holder renews it
-- well before `until`; another instance may take the row only once `until` has passed.
CREATE TABLE leaders (
    role   TEXT   PRIMARY KEY,
    holder TEXT   NOT NULL,
    until  BIGINT NOT NULL
);
