-- Dashboard, data quality per credential per UTC day: the failed-record rate of finished syncs (records
-- that broke the schema and were never loaded) and the Great Expectations score of what was loaded
-- (valid records / validated records x 100, over every validation of that day).
CREATE VIEW servicetitan_dashboard_data_quality AS
WITH sync_days AS (
    SELECT
        (l.started_at AT TIME ZONE 'UTC')::date AS day,
        l.credential_id,
        sum(l.records_processed) AS records_processed,
        sum(l.records_failed) AS records_failed
    FROM servicetitan_sync_logs AS l
    WHERE l.status <> 'running'
    GROUP BY 1, 2
),
score_days AS (
    SELECT
        (r.validated_at AT TIME ZONE 'UTC')::date AS day,
        r.credential_id,
        sum(r.total_records) AS validated_records,
        sum(r.valid_records) AS valid_records
    FROM servicetitan_data_quality_results AS r
    GROUP BY 1, 2
)
SELECT
    coalesce(s.day, q.day) AS day,
    c.id AS credential_id,
    c.company_name,
    c.environment,
    c.tenant_id,
    coalesce(s.records_processed, 0) AS records_processed,
    coalesce(s.records_failed, 0) AS records_failed,
    round(100.0 * s.records_failed / nullif(s.records_processed, 0), 2) AS failed_record_rate_pct,
    round(100.0 * q.valid_records / nullif(q.validated_records, 0), 2) AS expectations_score
FROM sync_days AS s
FULL JOIN score_days AS q ON q.day = s.day AND q.credential_id = s.credential_id
JOIN servicetitan_credentials AS c ON c.id = coalesce(s.credential_id, q.credential_id)
