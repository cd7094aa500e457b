-- A ticket save as ONE statement: inserting a row into `ticket_saves` updates the ticket's
-- fields, appends its new transcript entries and events (JSON arrays, in order) and marks the
-- inbound event that caused the change as handled, atomically. Saves run for nearly every
-- message, and sqlx's SQLite driver hands every statement's result across threads, so one
-- statement is markedly faster than the same writes as several statements in a transaction.
-- A save of a ticket that does not exist fails with "no such ticket" and changes nothing.
CREATE VIEW ticket_saves AS
SELECT
    NULL AS id, NULL AS requester_name, NULL AS subject, NULL AS kind, NULL AS priority,
    NULL AS tier, NULL AS status, NULL AS active, NULL AS assignee, NULL AS tags,
    NULL AS updated_at, NULL AS entries, NULL AS events,
    NULL AS handled_platform, NULL AS handled_message, NULL AS handled_at
WHERE 0;

CREATE TRIGGER ticket_saves_insert INSTEAD OF INSERT ON ticket_saves
BEGIN
    SELECT RAISE(ABORT, 'no such ticket')
    WHERE NOT EXISTS (SELECT 1 FROM tickets WHERE id = NEW.id);
    -- Indexed columns are written only when they change: rewriting an unchanged index entry
    -- still costs its pages.
    UPDATE tickets SET
        requester_name = NEW.requester_name, subject = NEW.subject, kind = NEW.kind,
        priority = NEW.priority, tier = NEW.tier, tags = NEW.tags, updated_at = NEW.updated_at
    WHERE id = NEW.id;
    UPDATE tickets SET status = NEW.status, active = NEW.active
    WHERE id = NEW.id AND (status IS NOT NEW.status OR active IS NOT NEW.active);
    UPDATE tickets SET assignee = NEW.assignee
    WHERE id = NEW.id AND assignee IS NOT NEW.assignee;
    UPDATE tickets SET sla_dirty = 1 WHERE id = NEW.id AND sla_dirty = 0;
    INSERT INTO transcript (ticket_id, role, author, body, internal, attachments, at)
    SELECT NEW.id, json_extract(e.value, '$.role'), json_extract(e.value, '$.author'),
           json_extract(e.value, '$.body'), json_extract(e.value, '$.internal'),
           json_extract(e.value, '$.attachments'), json_extract(e.value, '$.at')
    FROM json_each(NEW.entries) AS e ORDER BY e.key;
    INSERT INTO ticket_events (ticket_id, kind, data, actor, at)
    SELECT NEW.id, json_extract(e.value, '$.kind'), json_extract(e.value, '$.data'),
           json_extract(e.value, '$.actor'), json_extract(e.value, '$.at')
    FROM json_each(NEW.events) AS e ORDER BY e.key;
    UPDATE inbound SET handled_at = NEW.handled_at
    WHERE NEW.handled_message IS NOT NULL
      AND platform = NEW.handled_platform AND message_id = NEW.handled_message;
END;
