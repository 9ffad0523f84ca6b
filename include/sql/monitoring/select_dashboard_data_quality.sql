SELECT day, company_name, environment, tenant_id, records_processed, records_failed,
    failed_record_rate_pct, expectations_score
FROM servicetitan_dashboard_data_quality
WHERE day >= :since_day
ORDER BY company_name, environment, tenant_id, day
