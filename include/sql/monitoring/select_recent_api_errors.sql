-- Failed syncs since :since that ended on an HTTP answer, by endpoint and status, from error_details.
SELECT
    coalesce(l.error_details ->> 'endpoint', 'unknown') AS endpoint,
    coalesce(l.error_details ->> 'http_status', 'none') AS http_status,
    count(*) AS errors
FROM servicetitan_sync_logs AS l
WHERE l.status = 'failed' AND l.started_at >= :since AND l.error_details ->> 'http_status' IS NOT NULL
GROUP BY 1, 2
ORDER BY 1, 2
