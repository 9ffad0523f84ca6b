-- Dashboard, credential health: one row per credential with its status, secret expiry and last success.
CREATE VIEW servicetitan_dashboard_credential_health AS
SELECT
    c.id AS credential_id,
    c.company_name,
    c.environment,
    c.tenant_id,
    c.connection_status,
    c.is_active,
    c.last_error,
    c.token_expires_at,
    c.client_secret_expires_at,
    extract(EPOCH FROM (c.client_secret_expires_at - now())) / 86400.0 AS secret_days_left,
    (SELECT max(l.completed_at) FROM servicetitan_sync_logs AS l
     WHERE l.credential_id = c.id AND l.status = 'completed') AS last_success_at,
    (SELECT max(l.started_at) FROM servicetitan_sync_logs AS l
     WHERE l.credential_id = c.id AND l.status = 'failed') AS last_failure_at
FROM servicetitan_credentials AS c
