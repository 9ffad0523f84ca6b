-- Dashboard, sync health per UTC day from :since_day to :until_day, for one credential and data type or all
-- (NULL): syncs by outcome, success rate and durations. The view servicetitan_dashboard_sync_daily's figures,
-- with two differences: durations are completed_at - started_at (processing_time_seconds is whole seconds,
-- and would show 1.87 s as 2 s), and the filters reach every branch. Rolled-up days keep whole seconds.
-- Not a read of the view: it is grouped by day alone, with no credential or data type column to filter on.
SELECT
    s.day,
    sum(s.syncs)::bigint AS syncs,
    coalesce(sum(s.syncs) FILTER (WHERE s.status = 'completed'), 0)::bigint AS completed,
    coalesce(sum(s.syncs) FILTER (WHERE s.status = 'failed'), 0)::bigint AS failed,
    coalesce(sum(s.syncs) FILTER (WHERE s.status = 'running'), 0)::bigint AS running,
    round(
        100.0 * coalesce(sum(s.syncs) FILTER (WHERE s.status = 'completed'), 0)
        / nullif(coalesce(sum(s.syncs) FILTER (WHERE s.status IN ('completed', 'failed')), 0), 0),
        2
    ) AS success_rate_pct,
    round(avg(s.seconds) FILTER (WHERE s.status <> 'running'), 2) AS avg_duration_seconds,
    round((percentile_cont(0.95) WITHIN GROUP (ORDER BY s.seconds)
        FILTER (WHERE s.status <> 'running'))::numeric, 2) AS p95_duration_seconds,
    max(s.seconds) AS max_duration_seconds,
    coalesce(sum(s.records_processed), 0)::bigint AS records_processed
FROM (
    SELECT
        (l.started_at AT TIME ZONE 'UTC')::date AS day,
        l.status::text AS status,
        1 AS syncs,
        l.records_processed::bigint AS records_processed,
        CASE WHEN l.completed_at IS NOT NULL
            THEN greatest(extract(EPOCH FROM (l.completed_at - l.started_at)), 0)
        END::numeric AS seconds
    FROM servicetitan_sync_logs AS l
    WHERE (l.started_at AT TIME ZONE 'UTC')::date BETWEEN :since_day AND :until_day
        AND (CAST(:credential_id AS uuid) IS NULL OR l.credential_id = CAST(:credential_id AS uuid))
        AND (CAST(:data_type AS text) IS NULL OR l.data_type::text = CAST(:data_type AS text))
    UNION ALL
    SELECT a.day, a.status::text, a.sync_count, a.records_processed, NULL::numeric
    FROM servicetitan_sync_log_daily AS a
    WHERE a.day BETWEEN :since_day AND :until_day
        AND (CAST(:credential_id AS uuid) IS NULL OR a.credential_id = CAST(:credential_id AS uuid))
        AND (CAST(:data_type AS text) IS NULL OR a.data_type = CAST(:data_type AS text))
    UNION ALL
    SELECT a.day, a.status::text, 0, NULL::bigint, t.seconds::numeric
    FROM servicetitan_sync_log_daily AS a
    CROSS JOIN LATERAL unnest(a.processing_seconds) AS t (seconds)
    WHERE a.day BETWEEN :since_day AND :until_day
        AND (CAST(:credential_id AS uuid) IS NULL OR a.credential_id = CAST(:credential_id AS uuid))
        AND (CAST(:data_type AS text) IS NULL OR a.data_type = CAST(:data_type AS text))
) AS s
GROUP BY s.day
ORDER BY s.day
