-- Trigger function (AFTER DELETE, once per statement, the deleted rows in deleted_sync_logs): only the
-- credentials whose latest completed or failed sync was among them are recomputed. Retention keeps those
-- rows, so its batches recompute nothing; a credential's deletion (cascade) finds its summary gone or
-- empties it.
CREATE FUNCTION servicetitan_follow_deleted_sync_logs() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM servicetitan_refresh_credential_sync_summary(affected.credential_id)
    FROM (
        SELECT DISTINCT s.credential_id
        FROM deleted_sync_logs AS d
        JOIN servicetitan_credential_sync_summary AS s
            ON s.credential_id = d.credential_id AND d.id IN (s.last_success_log_id, s.last_failure_log_id)
        ORDER BY s.credential_id  -- one lock order for all: two such deletes cannot deadlock here
    ) AS affected;
    RETURN NULL;
END
$$
