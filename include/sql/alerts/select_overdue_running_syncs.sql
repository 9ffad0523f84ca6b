-- Sync-log rows still 'running' that started more than %(timeout_minutes)s minutes ago.
-- Served by ix_servicetitan_sync_logs_running.
SELECT l.id, l.credential_id, l.data_type, l.started_at, c.company_name, c.environment, c.tenant_id
FROM servicetitan_sync_logs l
JOIN servicetitan_credentials c ON c.id = l.credential_id
WHERE l.status = 'running'
  AND l.started_at < now() - make_interval(mins => %(timeout_minutes)s)
ORDER BY l.started_at
