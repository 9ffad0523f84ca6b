-- Dashboard, data quality per credential per UTC day: the failed-record rate of finished syncs (records
-- that broke the schema and were never loaded) and the Great Expectations score of what was loaded
-- (valid records / validated records x 100, over every validation of that day); rolled-up sync logs and
-- results are read from servicetitan_sync_log_daily and servicetitan_data_quality_daily. The same figures
-- as 0006's view, in one aggregate over one UNION ALL: a filter on day reaches every branch
-- (ix_servicetitan_sync_logs_started_day, ix_servicetitan_data_quality_results_validated_day).
CREATE VIEW servicetitan_dashboard_data_quality AS
SELECT
    d.day,
    c.id AS credential_id,
    c.company_name,
    c.environment,
    c.tenant_id,
    coalesce(d.records_processed, 0) AS records_processed,
    coalesce(d.records_failed, 0) AS records_failed,
    round(100.0 * d.records_failed / nullif(d.records_processed, 0), 2) AS failed_record_rate_pct,
    round(100.0 * d.valid_records / nullif(d.validated_records, 0), 2) AS expectations_score
FROM (
    SELECT
        u.day,
        u.credential_id,
        sum(u.records_processed)::bigint AS records_processed,
        sum(u.records_failed)::bigint AS records_failed,
        sum(u.validated_records)::bigint AS validated_records,
        sum(u.valid_records)::bigint AS valid_records
    FROM (
        SELECT
            (l.started_at AT TIME ZONE 'UTC')::date AS day,
            l.credential_id,
            l.records_processed::bigint AS records_processed,
            l.records_failed::bigint AS records_failed,
            NULL::bigint AS validated_records,
            NULL::bigint AS valid_records
        FROM servicetitan_sync_logs AS l
        WHERE l.status <> 'running'
        UNION ALL
        SELECT a.day, a.credential_id, a.records_processed, a.records_failed, NULL, NULL
        FROM servicetitan_sync_log_daily AS a
        UNION ALL
        SELECT
            (r.validated_at AT TIME ZONE 'UTC')::date,
            r.credential_id,
            NULL,
            NULL,
            r.total_records::bigint,
            r.valid_records::bigint
        FROM servicetitan_data_quality_results AS r
        UNION ALL
        SELECT a.day, a.credential_id, NULL, NULL, a.validated_records, a.valid_records
        FROM servicetitan_data_quality_daily AS a
    ) AS u
    GROUP BY u.day, u.credential_id
) AS d
JOIN servicetitan_credentials AS c ON c.id = d.credential_id
