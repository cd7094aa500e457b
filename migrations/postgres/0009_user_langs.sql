-- The language each person is spoken to in: `chosen` = 1 for a `/lang` choice (never
-- overwritten by detection), 0 for the one last detected from their platform locale or
-- script, kept so that agents' replies and SLA-independent notices reach them in it too.
-- Times: epoch ms.
CREATE TABLE user_langs (
    platform    TEXT    NOT NULL,
    user_id     TEXT    NOT NULL,
    lang        TEXT    NOT NULL,
    chosen      BIGINT  NOT NULL DEFAULT 0,
    updated_at  BIGINT  NOT NULL,
    PRIMARY KEY (platform, user_id)
);
