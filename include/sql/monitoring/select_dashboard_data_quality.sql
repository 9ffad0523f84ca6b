-- Dashboard, data quality per credential per UTC day from :since_day to :until_day, for one credential or
-- all (NULL); the view has no data type (it adds up a day's syncs of both).
SELECT day, company_name, environment, tenant_id, records_processed, records_failed,
    failed_record_rate_pct, expectations_score
FROM servicetitan_dashboard_data_quality
WHERE day BETWEEN :since_day AND :until_day
    AND (CAST(:credential_id AS uuid) IS NULL OR credential_id = CAST(:credential_id AS uuid))
ORDER BY company_name, environment, tenant_id, day
