-- Rows still running that started before :started_before (served by ix_servicetitan_sync_logs_running).
SELECT l.id, l.credential_id, l.data_type, l.started_at, c.company_name, c.environment, c.tenant_id,
       c.airflow_conn_id
FROM servicetitan_sync_logs AS l
JOIN servicetitan_credentials AS c ON c.id = l.credential_id
WHERE l.status = 'running' AND l.started_at < :started_before
ORDER BY l.started_at
