-- Dashboard, credential health: every credential (its id names it in the dashboard's filter).
SELECT credential_id, company_name, environment, tenant_id, connection_status, is_active, client_secret_expires_at,
    secret_days_left, last_success_at, last_failure_at
FROM servicetitan_dashboard_credential_health
ORDER BY company_name, environment, tenant_id
