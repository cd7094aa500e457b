-- SQLite saves a ticket through a view with an INSTEAD OF trigger (see the SQLite migration of
-- the same name) because it has no data-modifying CTEs; PostgreSQL saves with one CTE statement
-- and needs nothing here. The file exists so both backends share migration names and versions.
SELECT 1;
