-- Recomputes one credential's summary from the sync log (two index probes: ix_servicetitan_sync_logs_last_success
-- and _last_failure). Called only when the row the summary points at was deleted or changed, never on the
-- ordinary path. Updates, never inserts: a credential being deleted must not get a row back.
CREATE FUNCTION servicetitan_refresh_credential_sync_summary(target_credential_id uuid) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    -- Lock first, read after: the next statement's snapshot then sees every sync that finished (and moved
    -- the summary) before this transaction got the row.
    PERFORM 1 FROM servicetitan_credential_sync_summary
    WHERE credential_id = target_credential_id
    FOR UPDATE;
    UPDATE servicetitan_credential_sync_summary
    SET (last_success_at, last_success_log_id) = (
            SELECT l.completed_at, l.id FROM servicetitan_sync_logs AS l
            WHERE l.credential_id = target_credential_id AND l.status = 'completed'
            ORDER BY l.completed_at DESC
            LIMIT 1
        ),
        (last_failure_at, last_failure_log_id) = (
            SELECT l.started_at, l.id FROM servicetitan_sync_logs AS l
            WHERE l.credential_id = target_credential_id AND l.status = 'failed'
            ORDER BY l.started_at DESC
            LIMIT 1
        )
    WHERE credential_id = target_credential_id;
END
$$
