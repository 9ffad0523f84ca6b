-- A random sample of active credentials whose API access the 6-hour monitor checks.
SELECT id, company_name, environment, tenant_id, airflow_conn_id
FROM servicetitan_credentials
WHERE is_active AND connection_status <> 'disabled'
ORDER BY random()
LIMIT %(sample_size)s
