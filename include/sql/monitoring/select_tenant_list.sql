-- The per-tenant pages' index: every credential with its state and its last success and failure, from the
-- one summary row per credential (never the sync log).
SELECT c.id, c.company_name, c.environment, c.tenant_id, c.airflow_conn_id, c.connection_status, c.is_active,
       c.created_at, s.last_success_at, s.last_failure_at
FROM servicetitan_credentials AS c
LEFT JOIN servicetitan_credential_sync_summary AS s ON s.credential_id = c.id
ORDER BY c.company_name, c.environment, c.tenant_id
