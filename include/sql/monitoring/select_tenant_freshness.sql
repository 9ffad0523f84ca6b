-- One credential's freshness per resource, for its page: the newest modifiedOn ever loaded, the lag its latest
-- completed sync ended with, and the median lag of its completed syncs started since :since (the usual lag),
-- with how many and the oldest, so the page can say when there is too little history.
-- Ranges of the (credential_id, resource, started_at) index.
SELECT p.resource, p.newest_modified_on,
       latest.freshness_lag_seconds AS latest_lag_seconds, latest.completed_at AS latest_completed_at,
       usual.median_lag_seconds AS usual_lag_seconds, usual.samples AS lag_samples, usual.oldest AS oldest_lag_at
FROM servicetitan_resource_profiles AS p
LEFT JOIN LATERAL (
    SELECT v.freshness_lag_seconds, v.completed_at
    FROM servicetitan_sync_volumes AS v
    WHERE v.credential_id = p.credential_id AND v.resource = p.resource AND v.completed_at IS NOT NULL
    ORDER BY v.started_at DESC
    LIMIT 1
) AS latest ON TRUE
LEFT JOIN LATERAL (
    SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY v.freshness_lag_seconds) AS median_lag_seconds,
           count(*) AS samples, min(v.started_at) AS oldest
    FROM servicetitan_sync_volumes AS v
    WHERE v.credential_id = p.credential_id AND v.resource = p.resource
      AND v.started_at >= :since AND v.freshness_lag_seconds IS NOT NULL
) AS usual ON TRUE
WHERE p.credential_id = :credential_id
ORDER BY p.resource
