-- The syncs the 15-minute monitor judges, per active credential and resource: the latest whose resource
-- completed within the look-back [%(since)s, %(now)s] (started after %(started_since)s), with the history of
-- its slot: the completed syncs that started in the same UTC hour on each of the previous %(history_days)s
-- days, and the newest modifiedOn ever loaded. The history is one index range scan of
-- (credential_id, resource, started_at) per day: the cost follows the judged syncs and the window, never the
-- table's size. Partial rows (completed_at NULL) are never history.
WITH latest AS (
    SELECT DISTINCT ON (v.credential_id, v.resource)
        v.credential_id, v.resource, v.sync_log_id, v.started_at, v.completed_at,
        v.records_new + v.records_changed AS records, date_trunc('hour', v.started_at, 'UTC') AS slot
    FROM servicetitan_sync_volumes AS v
    WHERE v.started_at >= %(started_since)s AND v.started_at <= %(now)s
      AND v.completed_at >= %(since)s AND v.completed_at <= %(now)s
    ORDER BY v.credential_id, v.resource, v.started_at DESC
)
SELECT l.credential_id, l.resource, l.sync_log_id, l.started_at, l.completed_at, l.records,
       c.company_name, c.environment, c.tenant_id, p.newest_modified_on,
       h.started AS history_started, h.records AS history_records, h.lags AS history_lags
FROM latest AS l
JOIN servicetitan_credentials AS c ON c.id = l.credential_id
LEFT JOIN servicetitan_resource_profiles AS p ON p.credential_id = l.credential_id AND p.resource = l.resource
CROSS JOIN LATERAL (
    SELECT coalesce(array_agg(v.started_at ORDER BY v.started_at), '{}') AS started,
           coalesce(array_agg(v.records ORDER BY v.started_at), '{}') AS records,
           coalesce(array_agg(v.freshness_lag_seconds ORDER BY v.started_at), '{}') AS lags
    FROM generate_series(1, %(history_days)s) AS d (days)
    -- A lateral subquery per day, so that each day is an index range scan of its own; OFFSET 0 keeps the
    -- planner from flattening it into a join that reads the credential's whole history and filters it.
    CROSS JOIN LATERAL (
        SELECT s.started_at, s.records_new + s.records_changed AS records, s.freshness_lag_seconds
        FROM servicetitan_sync_volumes AS s
        WHERE s.credential_id = l.credential_id
          AND s.resource = l.resource
          AND s.started_at >= l.slot - make_interval(hours => 24 * d.days)
          AND s.started_at < l.slot - make_interval(hours => 24 * d.days - 1)
          AND s.completed_at IS NOT NULL
        OFFSET 0
    ) AS v
) AS h
WHERE c.is_active
ORDER BY c.company_name, c.tenant_id, l.resource
