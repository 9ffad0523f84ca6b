-- Active credentials whose client secret expires before %(horizon)s (or has expired).
SELECT id, company_name, environment, tenant_id, client_secret_expires_at
FROM servicetitan_credentials
WHERE is_active AND client_secret_expires_at IS NOT NULL AND client_secret_expires_at <= %(horizon)s
ORDER BY client_secret_expires_at
