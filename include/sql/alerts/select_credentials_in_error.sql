-- Active credentials that ServiceTitan refuses (connection_status set by the sync).
SELECT id, company_name, environment, tenant_id, last_error
FROM servicetitan_credentials
WHERE is_active AND connection_status = 'error'
ORDER BY company_name
