-- supportbot schema (SQLite). Times are UTC epoch milliseconds; booleans are INTEGER 0/1.

CREATE TABLE inbound (
    platform    TEXT   NOT NULL,
    message_id  TEXT   NOT NULL,
    received_at BIGINT NOT NULL,
    payload     TEXT   NOT NULL,
    PRIMARY KEY (platform, message_id)
);

CREATE TABLE tickets (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    requester_platform TEXT    NOT NULL,
    requester_id       TEXT    NOT NULL,
    requester_name     TEXT    NOT NULL,
    conv_platform      TEXT    NOT NULL,
    conv_chat          TEXT    NOT NULL,
    conv_thread        TEXT,
    subject            TEXT    NOT NULL,
    kind               TEXT    NOT NULL,
    priority           INTEGER NOT NULL,
    tier               TEXT    NOT NULL,
    status             TEXT    NOT NULL,
    active             INTEGER NOT NULL,
    assignee           TEXT,
    tags               TEXT    NOT NULL,
    created_at         BIGINT  NOT NULL,
    updated_at         BIGINT  NOT NULL,
    sla_dirty          INTEGER NOT NULL DEFAULT 1,
    sla_next_check     BIGINT
);
CREATE INDEX tickets_requester ON tickets (requester_platform, requester_id, active);
CREATE INDEX tickets_status ON tickets (status, id);
CREATE INDEX tickets_assignee ON tickets (assignee, status);
CREATE INDEX tickets_sla_dirty ON tickets (id) WHERE sla_dirty = 1;
CREATE INDEX tickets_sla_next ON tickets (sla_next_check) WHERE sla_next_check IS NOT NULL;

CREATE TABLE transcript (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    ticket_id   BIGINT  NOT NULL REFERENCES tickets (id),
    role        TEXT    NOT NULL,
    author      TEXT    NOT NULL,
    body        TEXT    NOT NULL,
    internal    INTEGER NOT NULL,
    attachments TEXT    NOT NULL,
    at          BIGINT  NOT NULL
);
CREATE INDEX transcript_ticket ON transcript (ticket_id, id);

CREATE TABLE ticket_events (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    ticket_id BIGINT  NOT NULL REFERENCES tickets (id),
    kind      TEXT    NOT NULL,
    data      TEXT    NOT NULL,
    actor     TEXT    NOT NULL,
    at        BIGINT  NOT NULL
);
CREATE INDEX ticket_events_ticket ON ticket_events (ticket_id, id);

CREATE TABLE staff_spaces (
    ticket_id BIGINT NOT NULL REFERENCES tickets (id),
    platform  TEXT   NOT NULL,
    chat      TEXT   NOT NULL,
    thread    TEXT   NOT NULL,
    PRIMARY KEY (ticket_id, platform)
);
CREATE UNIQUE INDEX staff_spaces_conversation ON staff_spaces (platform, chat, thread);

CREATE TABLE licenses (
    platform      TEXT   NOT NULL,
    user_id       TEXT   NOT NULL,
    license_key   TEXT   NOT NULL,
    registered_at BIGINT NOT NULL,
    PRIMARY KEY (platform, user_id)
);

CREATE TABLE csat (
    ticket_id BIGINT  PRIMARY KEY REFERENCES tickets (id),
    score     INTEGER NOT NULL,
    comment   TEXT,
    at        BIGINT  NOT NULL
);

CREATE TABLE faq_events (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    at            BIGINT  NOT NULL,
    user_platform TEXT    NOT NULL,
    user_id       TEXT    NOT NULL,
    user_name     TEXT    NOT NULL,
    conv_platform TEXT    NOT NULL,
    conv_chat     TEXT    NOT NULL,
    conv_thread   TEXT,
    query         TEXT    NOT NULL,
    article_id    TEXT,
    article_title TEXT,
    confidence    REAL    NOT NULL,
    outcome       TEXT    NOT NULL,
    ticket_id     BIGINT
);
CREATE INDEX faq_events_at ON faq_events (at);

CREATE TABLE kv_state (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
