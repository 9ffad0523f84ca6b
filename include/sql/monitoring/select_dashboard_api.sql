-- Dashboard, the API from :since to :until, for one credential and data type or all (NULL), filtered once (the
-- CTE) and read twice: per UTC hour (per = 'hour': the chart) and per endpoint (per = 'endpoint': the errors
-- table), each row the requests, failed requests, 429 answers and circuit-breaker openings. Each sync stores
-- its own counts (SyncMetrics.api_snapshot), so a group's figures are their sums; an hour's response time is
-- the mean of the syncs' means, weighted by their requests.
WITH api AS (
    SELECT s.name, s.value, s.collected_at, s.tags
    FROM servicetitan_metric_snapshots AS s
    LEFT JOIN servicetitan_credentials AS c ON c.id = CAST(:credential_id AS uuid)
    WHERE s.name IN (
            'servicetitan.api.requests', 'servicetitan.api.response_time_ms', 'servicetitan.api.request_errors',
            'servicetitan.api.rate_limited', 'servicetitan.api.circuit_opened'
        )
        AND s.collected_at >= :since AND s.collected_at < :until
        AND (CAST(:credential_id AS uuid) IS NULL
            OR (s.tags ->> 'company' = c.company_name AND s.tags ->> 'environment' = c.environment::text))
        AND (CAST(:data_type AS text) IS NULL OR s.tags ->> 'data_type' = CAST(:data_type AS text))
)
SELECT
    'hour' AS per,
    date_trunc('hour', s.collected_at AT TIME ZONE 'UTC') AS hour,
    NULL::text AS endpoint,
    sum(s.value) FILTER (WHERE s.name = 'servicetitan.api.requests') AS requests,
    coalesce(sum(s.value) FILTER (WHERE s.name = 'servicetitan.api.request_errors'), 0) AS errors,
    coalesce(sum(s.value) FILTER (WHERE s.name = 'servicetitan.api.rate_limited'), 0) AS rate_limited,
    coalesce(sum(s.value) FILTER (WHERE s.name = 'servicetitan.api.circuit_opened'), 0) AS circuit_opened,
    sum(s.value * r.value) FILTER (WHERE s.name = 'servicetitan.api.response_time_ms')
        / nullif(sum(r.value) FILTER (WHERE s.name = 'servicetitan.api.response_time_ms'), 0)
        AS avg_response_time_ms
FROM api AS s
-- the requests of the same sync and endpoint, weighing its mean response time
LEFT JOIN api AS r
    ON s.name = 'servicetitan.api.response_time_ms' AND r.name = 'servicetitan.api.requests'
    AND r.collected_at = s.collected_at AND r.tags = s.tags
GROUP BY 2
UNION ALL
SELECT
    'endpoint',
    NULL,
    s.tags ->> 'endpoint',
    sum(s.value) FILTER (WHERE s.name = 'servicetitan.api.requests'),
    coalesce(sum(s.value) FILTER (WHERE s.name = 'servicetitan.api.request_errors'), 0),
    coalesce(sum(s.value) FILTER (WHERE s.name = 'servicetitan.api.rate_limited'), 0),
    coalesce(sum(s.value) FILTER (WHERE s.name = 'servicetitan.api.circuit_opened'), 0),
    NULL
FROM api AS s
WHERE s.tags ->> 'endpoint' IS NOT NULL AND s.name <> 'servicetitan.api.response_time_ms'
GROUP BY 3
ORDER BY per, hour, endpoint
