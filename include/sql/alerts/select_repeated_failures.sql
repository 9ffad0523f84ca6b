-- Active credentials with at least %(threshold)s failed syncs that started in the last %(window_minutes)s
-- minutes, with the latest error. Served by ix_servicetitan_sync_logs_recent_failures.
SELECT c.id AS credential_id,
       c.company_name,
       c.environment,
       c.tenant_id,
       f.failures,
       f.latest_at,
       (SELECT l.error_message
          FROM servicetitan_sync_logs l
         WHERE l.credential_id = c.id AND l.status = 'failed'
         ORDER BY l.started_at DESC
         LIMIT 1) AS latest_error
FROM (
    SELECT credential_id, count(*) AS failures, max(started_at) AS latest_at
    FROM servicetitan_sync_logs
    WHERE status = 'failed'
      AND started_at >= now() - make_interval(mins => %(window_minutes)s)
    GROUP BY credential_id
    HAVING count(*) >= %(threshold)s
) f
JOIN servicetitan_credentials c ON c.id = f.credential_id
WHERE c.is_active
ORDER BY f.failures DESC, c.company_name
