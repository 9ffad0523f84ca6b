-- The credentials with failed syncs in the last %(window_hours)s hours, with the latest error and the Airflow
-- connection to fix: the digest names them.
SELECT c.company_name, c.environment, c.tenant_id, c.airflow_conn_id, f.failures,
       (SELECT l.error_message
          FROM servicetitan_sync_logs l
         WHERE l.credential_id = c.id AND l.status = 'failed'
         ORDER BY l.started_at DESC
         LIMIT 1) AS latest_error
FROM (
    SELECT credential_id, count(*) AS failures
    FROM servicetitan_sync_logs
    WHERE status = 'failed' AND started_at >= now() - make_interval(hours => %(window_hours)s)
    GROUP BY credential_id
) f
JOIN servicetitan_credentials c ON c.id = f.credential_id
ORDER BY f.failures DESC, c.company_name, c.environment, c.tenant_id
