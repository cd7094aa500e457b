-- The web dashboard's sign-ins. `dashboard_keys` holds the one key sign-in links are signed
-- with, made by the first instance that needs it, so every instance on this database accepts
-- the links any of them issued. `dashboard_used_links` remembers each redeemed link (its
-- nonce) until it would have expired anyway, which makes a link single-use across instances.
-- `dashboard_sessions` are signed-in browsers, keyed by the SHA-256 of their cookie (a stolen
-- database gives no usable cookie), each with its CSRF token and a message for the next page.
CREATE TABLE dashboard_keys (
    id     INTEGER PRIMARY KEY CHECK (id = 1),
    secret TEXT    NOT NULL
);
CREATE TABLE dashboard_used_links (
    nonce      TEXT   PRIMARY KEY,
    expires_at BIGINT NOT NULL
);
CREATE TABLE dashboard_sessions (
    id_hash    TEXT   PRIMARY KEY,
    platform   TEXT   NOT NULL,
    user_id    TEXT   NOT NULL,
    user_name  TEXT   NOT NULL,
    roles      TEXT   NOT NULL,
    role       TEXT   NOT NULL,
    csrf       TEXT   NOT NULL,
    flash      TEXT,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX dashboard_sessions_expiry ON dashboard_sessions (expires_at);
