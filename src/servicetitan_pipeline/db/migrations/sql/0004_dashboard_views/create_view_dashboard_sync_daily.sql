-- Dashboard, sync health: sync attempts per UTC day, by outcome, with success rate and durations.
CREATE VIEW servicetitan_dashboard_sync_daily AS
SELECT
    (l.started_at AT TIME ZONE 'UTC')::date AS day,
    count(*) AS syncs,
    count(*) FILTER (WHERE l.status = 'completed') AS completed,
    count(*) FILTER (WHERE l.status = 'failed') AS failed,
    count(*) FILTER (WHERE l.status = 'running') AS running,
    round(
        100.0 * count(*) FILTER (WHERE l.status = 'completed')
        / nullif(count(*) FILTER (WHERE l.status <> 'running'), 0),
        2
    ) AS success_rate_pct,
    round(avg(l.processing_time_seconds) FILTER (WHERE l.status <> 'running'), 2) AS avg_duration_seconds,
    percentile_cont(0.95) WITHIN GROUP (ORDER BY l.processing_time_seconds)
        FILTER (WHERE l.status <> 'running') AS p95_duration_seconds,
    max(l.processing_time_seconds) AS max_duration_seconds,
    coalesce(sum(l.records_processed), 0) AS records_processed
FROM servicetitan_sync_logs AS l
GROUP BY 1
