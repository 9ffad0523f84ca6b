-- Dashboard, sync health: sync attempts per UTC day, by outcome, with success rate and durations. Rows the
-- retention rolled up are read from servicetitan_sync_log_daily (it keeps every processing time, so the mean,
-- p95 and max are exactly those of the deleted rows); a day may have both (rows still running, rows kept raw).
CREATE VIEW servicetitan_dashboard_sync_daily AS
WITH syncs AS (
    SELECT
        (l.started_at AT TIME ZONE 'UTC')::date AS day,
        l.status,
        1 AS syncs,
        l.records_processed::bigint AS records_processed
    FROM servicetitan_sync_logs AS l
    UNION ALL
    SELECT a.day, a.status, a.sync_count, a.records_processed
    FROM servicetitan_sync_log_daily AS a
),
durations AS (
    SELECT (l.started_at AT TIME ZONE 'UTC')::date AS day, l.status, l.processing_time_seconds AS seconds
    FROM servicetitan_sync_logs AS l
    WHERE l.processing_time_seconds IS NOT NULL
    UNION ALL
    SELECT a.day, a.status, t.seconds
    FROM servicetitan_sync_log_daily AS a
    CROSS JOIN LATERAL unnest(a.processing_seconds) AS t (seconds)
),
counts AS (
    SELECT
        s.day,
        sum(s.syncs)::bigint AS syncs,
        coalesce(sum(s.syncs) FILTER (WHERE s.status = 'completed'), 0)::bigint AS completed,
        coalesce(sum(s.syncs) FILTER (WHERE s.status = 'failed'), 0)::bigint AS failed,
        coalesce(sum(s.syncs) FILTER (WHERE s.status = 'running'), 0)::bigint AS running,
        coalesce(sum(s.records_processed), 0)::bigint AS records_processed
    FROM syncs AS s
    GROUP BY s.day
),
timings AS (
    SELECT
        d.day,
        round(avg(d.seconds) FILTER (WHERE d.status <> 'running'), 2) AS avg_duration_seconds,
        percentile_cont(0.95) WITHIN GROUP (ORDER BY d.seconds)
            FILTER (WHERE d.status <> 'running') AS p95_duration_seconds,
        max(d.seconds) AS max_duration_seconds
    FROM durations AS d
    GROUP BY d.day
)
SELECT
    c.day,
    c.syncs,
    c.completed,
    c.failed,
    c.running,
    round(100.0 * c.completed / nullif(c.completed + c.failed, 0), 2) AS success_rate_pct,
    t.avg_duration_seconds,
    t.p95_duration_seconds,
    t.max_duration_seconds,
    c.records_processed
FROM counts AS c
LEFT JOIN timings AS t ON t.day = c.day
