-- Dashboard, credential health: one row per credential with its status, secret expiry, last success and last
-- failure, the latter two from servicetitan_credential_sync_summary (migration 0008): one row per credential,
-- so the view costs the same however long the sync log grows.
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
    s.last_success_at,
    s.last_failure_at
FROM servicetitan_credentials AS c
LEFT JOIN servicetitan_credential_sync_summary AS s ON s.credential_id = c.id
