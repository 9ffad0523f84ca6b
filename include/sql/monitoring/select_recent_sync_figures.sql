-- Sync figures for the metrics collector: attempts started since :since by data type and status,
-- with the records they processed and the duration of the finished ones.
SELECT
    l.data_type,
    l.status,
    count(*) AS syncs,
    coalesce(sum(l.records_processed), 0) AS records_processed,
    coalesce(sum(l.records_successful), 0) AS records_successful,
    coalesce(sum(l.records_failed), 0) AS records_failed,
    avg(l.processing_time_seconds) AS avg_duration_seconds
FROM servicetitan_sync_logs AS l
WHERE l.started_at >= :since
GROUP BY l.data_type, l.status
ORDER BY l.data_type, l.status
