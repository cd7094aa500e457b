-- When an agent confirmed an incident began (`/incident <id> since <when>`), epoch ms. The
-- availability report counts downtime from it, else from the ticket's opening; NULL for every
-- row written before the command existed, which keeps their downtime as it was.
ALTER TABLE report_tickets ADD COLUMN incident_start BIGINT;
