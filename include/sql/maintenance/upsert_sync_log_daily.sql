-- Adds the finished sync-log rows :ids to their daily aggregates. Runs in the transaction that deletes those
-- rows, so each row is counted exactly once; adding (never replacing) lets one day arrive over several batches
-- or runs (a row still running at one run is added by a later one).
INSERT INTO servicetitan_sync_log_daily AS d (
    day, credential_id, sync_type, data_type, status, sync_count,
    records_processed, records_successful, records_failed,
    timed_sync_count, total_processing_seconds, max_processing_seconds, processing_seconds
)
SELECT
    (l.started_at AT TIME ZONE 'UTC')::date,
    l.credential_id,
    l.sync_type,
    l.data_type,
    l.status,
    count(*),
    sum(l.records_processed),
    sum(l.records_successful),
    sum(l.records_failed),
    count(l.processing_time_seconds),
    coalesce(sum(l.processing_time_seconds), 0),
    max(l.processing_time_seconds),
    coalesce(
        array_agg(l.processing_time_seconds ORDER BY l.processing_time_seconds)
            FILTER (WHERE l.processing_time_seconds IS NOT NULL),
        '{}'
    )
FROM servicetitan_sync_logs AS l
WHERE l.id = ANY(:ids) AND l.status <> 'running'
GROUP BY 1, 2, 3, 4, 5
ON CONFLICT (day, credential_id, sync_type, data_type, status) DO UPDATE SET
    sync_count = d.sync_count + excluded.sync_count,
    records_processed = d.records_processed + excluded.records_processed,
    records_successful = d.records_successful + excluded.records_successful,
    records_failed = d.records_failed + excluded.records_failed,
    timed_sync_count = d.timed_sync_count + excluded.timed_sync_count,
    total_processing_seconds = d.total_processing_seconds + excluded.total_processing_seconds,
    max_processing_seconds = greatest(d.max_processing_seconds, excluded.max_processing_seconds),
    processing_seconds = d.processing_seconds || excluded.processing_seconds,
    updated_at = now()
