-- One credential's freshness per resource, for its page: the newest modifiedOn ever loaded, its latest sync
-- completed by %(now)s (its start and the lag it ended with) and the history freshness_anomaly judges that
-- sync by: the lags of the completed syncs that started in the same UTC hour over the %(history_days)s days
-- before it, up to the start of its own hour (as the rule's history: the same hour's earlier syncs of its own
-- day are not part of it). Ranges of the (credential_id, resource, started_at) index.
SELECT p.resource, p.newest_modified_on,
       latest.started_at AS latest_started_at, latest.freshness_lag_seconds AS latest_lag_seconds,
       h.started AS history_started, h.lags AS history_lags
FROM servicetitan_resource_profiles AS p
LEFT JOIN LATERAL (
    SELECT v.started_at, v.freshness_lag_seconds
    FROM servicetitan_sync_volumes AS v
    WHERE v.credential_id = p.credential_id AND v.resource = p.resource
      AND v.started_at <= %(now)s AND v.completed_at <= %(now)s
    ORDER BY v.started_at DESC
    LIMIT 1
) AS latest ON TRUE
LEFT JOIN LATERAL (
    SELECT coalesce(array_agg(v.started_at ORDER BY v.started_at), '{}') AS started,
           coalesce(array_agg(v.freshness_lag_seconds ORDER BY v.started_at), '{}') AS lags
    FROM servicetitan_sync_volumes AS v
    WHERE v.credential_id = p.credential_id AND v.resource = p.resource
      -- 24-hour days, as the rule's: a session time zone's daylight-saving change moves no boundary.
      AND v.started_at >= latest.started_at - make_interval(hours => 24 * %(history_days)s)
      AND v.started_at < date_trunc('hour', latest.started_at, 'UTC')
      AND date_part('hour', v.started_at AT TIME ZONE 'UTC')
          = date_part('hour', latest.started_at AT TIME ZONE 'UTC')
      AND v.completed_at IS NOT NULL AND v.freshness_lag_seconds IS NOT NULL
) AS h ON TRUE
WHERE p.credential_id = %(credential_id)s
ORDER BY p.resource
