-- Dashboard, API errors by endpoint from :since to :until, for one credential and data type or all (NULL):
-- requests, failed requests, 429 answers and circuit-breaker openings, summed over the syncs' snapshots.
SELECT
    s.tags ->> 'endpoint' AS endpoint,
    sum(s.value) FILTER (WHERE s.name = 'servicetitan.api.requests') AS requests,
    coalesce(sum(s.value) FILTER (WHERE s.name = 'servicetitan.api.request_errors'), 0) AS errors,
    coalesce(sum(s.value) FILTER (WHERE s.name = 'servicetitan.api.rate_limited'), 0) AS rate_limited,
    coalesce(sum(s.value) FILTER (WHERE s.name = 'servicetitan.api.circuit_opened'), 0) AS circuit_opened
FROM servicetitan_metric_snapshots AS s
LEFT JOIN servicetitan_credentials AS c ON c.id = CAST(:credential_id AS uuid)
WHERE s.name IN (
        'servicetitan.api.requests', 'servicetitan.api.request_errors', 'servicetitan.api.rate_limited',
        'servicetitan.api.circuit_opened'
    )
    AND s.tags ->> 'endpoint' IS NOT NULL
    AND s.collected_at >= :since AND s.collected_at < :until
    AND (CAST(:credential_id AS uuid) IS NULL
        OR (s.tags ->> 'company' = c.company_name AND s.tags ->> 'environment' = c.environment::text))
    AND (CAST(:data_type AS text) IS NULL OR s.tags ->> 'data_type' = CAST(:data_type AS text))
GROUP BY 1
ORDER BY 1
