-- Dashboard, API performance: the collector's API snapshots per UTC hour. Snapshot values are gauges over
-- the collector's window, so an hour shows the mean response time and the largest request and error counts.
CREATE VIEW servicetitan_dashboard_api_performance AS
SELECT
    date_trunc('hour', s.collected_at AT TIME ZONE 'UTC') AS hour,
    avg(s.value) FILTER (WHERE s.name = 'servicetitan.api.response_time_ms') AS avg_response_time_ms,
    max(s.value) FILTER (WHERE s.name = 'servicetitan.api.requests') AS requests,
    max(s.value) FILTER (WHERE s.name = 'servicetitan.api.errors') AS errors
FROM (
    -- one value per name per collection: tagged series (per endpoint) are added up first
    SELECT collected_at, name, sum(value) AS value
    FROM servicetitan_metric_snapshots
    WHERE name IN ('servicetitan.api.response_time_ms', 'servicetitan.api.requests', 'servicetitan.api.errors')
    GROUP BY collected_at, name
) AS s
GROUP BY 1
