-- What the FAQ learns from (issue 15): one row per FAQ outcome worth learning from, with the
-- question's personal data masked, and the phrasings proposed for articles from them.
--
-- outcome: no_match (no article good enough), declined (the customer pressed "No"),
-- confirmed ("Yes, that helped"), closed_with_kb (an agent closed the ticket naming the
-- article that answered it: `/close … kb:<id>`). article_id is NULL for no_match.
CREATE TABLE faq_outcomes (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    at         BIGINT NOT NULL,
    query      TEXT   NOT NULL,
    lang       TEXT   NOT NULL,
    article_id TEXT,
    outcome    TEXT   NOT NULL,
    ticket_id  BIGINT
);
CREATE INDEX faq_outcomes_outcome_at ON faq_outcomes (outcome, at);

-- A proposed alternative phrasing of an article's question. `norm` is the phrasing as
-- first proposed, normalised (case, spacing, punctuation): a second proposal of the same text
-- for the same article is the same row, whatever became of the first. status: proposed,
-- accepted, rejected; decided_by/decided_role/decided_at are set together with the decision.
-- source: confirmed or closed_with_kb.
CREATE TABLE kb_proposals (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    article_id   TEXT   NOT NULL,
    lang         TEXT   NOT NULL,
    phrasing     TEXT   NOT NULL,
    norm         TEXT   NOT NULL,
    source       TEXT   NOT NULL,
    ticket_id    BIGINT,
    status       TEXT   NOT NULL DEFAULT 'proposed',
    created_at   BIGINT NOT NULL,
    decided_by   TEXT,
    decided_role TEXT,
    decided_at   BIGINT,
    UNIQUE (article_id, norm)
);
CREATE INDEX kb_proposals_status ON kb_proposals (status, id);
