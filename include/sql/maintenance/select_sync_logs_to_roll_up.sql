-- One batch of finished sync-log rows started before :cutoff, oldest first, locked until the batch commits
-- (SKIP LOCKED: a second retention run takes other rows, so no row is ever counted twice). Never a row still
-- running, and never one the dashboard and alerts read raw: each credential's latest completed sync (last
-- success) and latest failed sync (last failure), which servicetitan_credential_sync_summary points at (so
-- the summary never has to be recomputed for a batch), and the syncs behind its latest data-quality result
-- of each data type (latest score, field completeness, data-docs link).
WITH kept AS (
    SELECT s.last_success_log_id AS id FROM servicetitan_credential_sync_summary AS s
    UNION ALL
    SELECT s.last_failure_log_id FROM servicetitan_credential_sync_summary AS s
    UNION ALL
    SELECT latest.sync_log_id
    FROM servicetitan_credentials AS c
    CROSS JOIN (VALUES ('customers'), ('invoices')) AS t (data_type)
    CROSS JOIN LATERAL (
        SELECT r.sync_log_id FROM servicetitan_data_quality_results AS r
        WHERE r.credential_id = c.id AND r.data_type = t.data_type
        ORDER BY r.validated_at DESC
        LIMIT 1
    ) AS latest
)
SELECT l.id, l.started_at
FROM servicetitan_sync_logs AS l
WHERE l.started_at < :cutoff
  AND l.status <> 'running'
  AND NOT EXISTS (SELECT 1 FROM kept WHERE kept.id = l.id)
ORDER BY l.started_at
LIMIT :batch_size
FOR UPDATE OF l SKIP LOCKED
