-- Every credential's summary computed from the sync log (two index probes per credential): the backfill of
-- migration 0008, and the repair after writes that bypassed the triggers (session_replication_role = replica,
-- as the benchmark's bulk fill does). Idempotent.
INSERT INTO servicetitan_credential_sync_summary AS s (
    credential_id, last_success_at, last_success_log_id, last_failure_at, last_failure_log_id
)
SELECT c.id, success.completed_at, success.id, failure.started_at, failure.id
FROM servicetitan_credentials AS c
LEFT JOIN LATERAL (
    SELECT l.id, l.completed_at FROM servicetitan_sync_logs AS l
    WHERE l.credential_id = c.id AND l.status = 'completed'
    ORDER BY l.completed_at DESC
    LIMIT 1
) AS success ON true
LEFT JOIN LATERAL (
    SELECT l.id, l.started_at FROM servicetitan_sync_logs AS l
    WHERE l.credential_id = c.id AND l.status = 'failed'
    ORDER BY l.started_at DESC
    LIMIT 1
) AS failure ON true
ON CONFLICT (credential_id) DO UPDATE
SET last_success_at = EXCLUDED.last_success_at,
    last_success_log_id = EXCLUDED.last_success_log_id,
    last_failure_at = EXCLUDED.last_failure_at,
    last_failure_log_id = EXCLUDED.last_failure_log_id
