-- One batch of finished sync-log rows started before :cutoff, oldest first, locked until the batch commits
-- (SKIP LOCKED: a second retention run takes other rows, so no row is ever counted twice). Never a row still
-- running, and never one the dashboard and alerts read raw: each credential's latest completed sync (last
-- success, stale-sync alert), latest failed sync (last failure) and the syncs behind its latest data-quality
-- result of each data type (latest score, field completeness, data-docs link).
WITH kept AS (
    SELECT k.id
    FROM servicetitan_credentials AS c
    CROSS JOIN LATERAL (
        (
            SELECT l.id FROM servicetitan_sync_logs AS l
            WHERE l.credential_id = c.id AND l.status = 'completed'
            ORDER BY l.completed_at DESC
            LIMIT 1
        )
        UNION ALL
        (
            SELECT l.id FROM servicetitan_sync_logs AS l
            WHERE l.credential_id = c.id AND l.status = 'failed'
            ORDER BY l.started_at DESC
            LIMIT 1
        )
        UNION ALL
        SELECT latest.sync_log_id
        FROM (VALUES ('customers'), ('invoices')) AS t (data_type)
        CROSS JOIN LATERAL (
            SELECT r.sync_log_id FROM servicetitan_data_quality_results AS r
            WHERE r.credential_id = c.id AND r.data_type = t.data_type
            ORDER BY r.validated_at DESC
            LIMIT 1
        ) AS latest
    ) AS k (id)
)
SELECT l.id, l.started_at
FROM servicetitan_sync_logs AS l
WHERE l.started_at < :cutoff
  AND l.status <> 'running'
  AND NOT EXISTS (SELECT 1 FROM kept WHERE kept.id = l.id)
ORDER BY l.started_at
LIMIT :batch_size
FOR UPDATE OF l SKIP LOCKED
