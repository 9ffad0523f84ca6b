-- Trigger function (AFTER INSERT OR UPDATE, for each row of servicetitan_sync_logs): a finished row moves its
-- credential's summary forward in one upsert (to a newer value only, so concurrent syncs commute); a change
-- to the row the summary points at (status, times, credential) has the summary recomputed from the log.
CREATE FUNCTION servicetitan_follow_sync_log_row() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF (OLD.status, OLD.started_at, OLD.completed_at, OLD.credential_id)
            IS NOT DISTINCT FROM (NEW.status, NEW.started_at, NEW.completed_at, NEW.credential_id) THEN
            RETURN NULL;  -- nothing the summary reads has changed
        END IF;
        IF EXISTS (
            SELECT 1 FROM servicetitan_credential_sync_summary AS s
            WHERE s.credential_id = OLD.credential_id AND OLD.id IN (s.last_success_log_id, s.last_failure_log_id)
        ) THEN
            PERFORM servicetitan_refresh_credential_sync_summary(OLD.credential_id);
        END IF;
    END IF;
    IF NEW.status = 'completed' THEN
        INSERT INTO servicetitan_credential_sync_summary AS s (credential_id, last_success_at, last_success_log_id)
        VALUES (NEW.credential_id, NEW.completed_at, NEW.id)
        ON CONFLICT (credential_id) DO UPDATE
        SET last_success_at = EXCLUDED.last_success_at, last_success_log_id = EXCLUDED.last_success_log_id
        WHERE s.last_success_at IS NULL OR s.last_success_at < EXCLUDED.last_success_at;
    ELSIF NEW.status = 'failed' THEN
        -- The last failure is when the failed sync started, as the dashboard has always shown it.
        INSERT INTO servicetitan_credential_sync_summary AS s (credential_id, last_failure_at, last_failure_log_id)
        VALUES (NEW.credential_id, NEW.started_at, NEW.id)
        ON CONFLICT (credential_id) DO UPDATE
        SET last_failure_at = EXCLUDED.last_failure_at, last_failure_log_id = EXCLUDED.last_failure_log_id
        WHERE s.last_failure_at IS NULL OR s.last_failure_at < EXCLUDED.last_failure_at;
    END IF;
    RETURN NULL;
END
$$
