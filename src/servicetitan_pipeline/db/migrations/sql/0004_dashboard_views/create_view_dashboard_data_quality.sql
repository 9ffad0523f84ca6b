-- Dashboard, data quality: failed-record rate per credential per UTC day, from finished syncs.
-- expectations_score is the place of the Great Expectations score (a later issue fills it); NULL until then.
CREATE VIEW servicetitan_dashboard_data_quality AS
SELECT
    (l.started_at AT TIME ZONE 'UTC')::date AS day,
    c.id AS credential_id,
    c.company_name,
    c.environment,
    c.tenant_id,
    sum(l.records_processed) AS records_processed,
    sum(l.records_failed) AS records_failed,
    round(100.0 * sum(l.records_failed) / nullif(sum(l.records_processed), 0), 2) AS failed_record_rate_pct,
    NULL::numeric AS expectations_score
FROM servicetitan_sync_logs AS l
JOIN servicetitan_credentials AS c ON c.id = l.credential_id
WHERE l.status <> 'running'
GROUP BY 1, c.id, c.company_name, c.environment, c.tenant_id
