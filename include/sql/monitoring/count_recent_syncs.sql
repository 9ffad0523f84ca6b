-- Sync attempts started since :since, by outcome (ServiceTitanHealthCheck.recent_syncs).
SELECT
    count(*) FILTER (WHERE status = 'completed') AS completed,
    count(*) FILTER (WHERE status = 'failed') AS failed,
    count(*) FILTER (WHERE status = 'running') AS running
FROM servicetitan_sync_logs
WHERE started_at >= :since
