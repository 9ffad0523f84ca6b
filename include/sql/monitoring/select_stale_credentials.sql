-- Active credentials with no completed sync since :since, with their last success and failure: one summary
-- row per credential, never the sync log. Only those onboarded before :since: a credential added minutes ago
-- has had no chance to sync yet.
SELECT c.id, c.airflow_conn_id, c.company_name, c.environment, c.tenant_id, c.created_at,
       s.last_success_at, s.last_failure_at
FROM servicetitan_credentials AS c
LEFT JOIN servicetitan_credential_sync_summary AS s ON s.credential_id = c.id
WHERE c.is_active
  AND c.created_at < :since
  AND (s.last_success_at IS NULL OR s.last_success_at < :since)
ORDER BY c.company_name, c.environment, c.tenant_id
