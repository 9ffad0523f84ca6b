-- Dashboard, sync health: sync attempts per UTC day, by outcome, with success rate and durations; rows the
-- retention rolled up are read from servicetitan_sync_log_daily (every processing time is kept there, so the
-- mean, p95 and max are exactly those of the deleted rows). The same figures as 0006's view, in one
-- aggregate over one UNION ALL: a filter on day reaches every branch, so the dashboard's 14 days read
-- 14 days of rows (ix_servicetitan_sync_logs_started_day, pk_servicetitan_sync_log_daily), not the history.
CREATE VIEW servicetitan_dashboard_sync_daily AS
SELECT
    s.day,
    sum(s.syncs)::bigint AS syncs,
    coalesce(sum(s.syncs) FILTER (WHERE s.status = 'completed'), 0)::bigint AS completed,
    coalesce(sum(s.syncs) FILTER (WHERE s.status = 'failed'), 0)::bigint AS failed,
    coalesce(sum(s.syncs) FILTER (WHERE s.status = 'running'), 0)::bigint AS running,
    round(
        100.0 * coalesce(sum(s.syncs) FILTER (WHERE s.status = 'completed'), 0)::bigint
        / nullif(coalesce(sum(s.syncs) FILTER (WHERE s.status IN ('completed', 'failed')), 0)::bigint, 0),
        2
    ) AS success_rate_pct,
    round(avg(s.seconds) FILTER (WHERE s.status <> 'running'), 2) AS avg_duration_seconds,
    percentile_cont(0.95) WITHIN GROUP (ORDER BY s.seconds)
        FILTER (WHERE s.status <> 'running') AS p95_duration_seconds,
    max(s.seconds) AS max_duration_seconds,
    coalesce(sum(s.records_processed), 0)::bigint AS records_processed
FROM (
    -- one row per sync, with its processing time (NULL for none: the aggregates skip it)
    SELECT
        (l.started_at AT TIME ZONE 'UTC')::date AS day,
        l.status::text AS status,
        1 AS syncs,
        l.records_processed::bigint AS records_processed,
        l.processing_time_seconds AS seconds
    FROM servicetitan_sync_logs AS l
    UNION ALL
    -- one row per rolled-up group: its syncs and records
    SELECT a.day, a.status::text, a.sync_count, a.records_processed, NULL::integer
    FROM servicetitan_sync_log_daily AS a
    UNION ALL
    -- one row per rolled-up processing time, counting no sync
    SELECT a.day, a.status::text, 0, NULL::bigint, t.seconds
    FROM servicetitan_sync_log_daily AS a
    CROSS JOIN LATERAL unnest(a.processing_seconds) AS t (seconds)
) AS s
GROUP BY s.day
