-- Active credentials with no completed sync since :since, with their last success: one summary row per
-- credential, never the sync log.
SELECT c.id, c.company_name, c.environment, c.tenant_id, s.last_success_at
FROM servicetitan_credentials AS c
LEFT JOIN servicetitan_credential_sync_summary AS s ON s.credential_id = c.id
WHERE c.is_active
  AND (s.last_success_at IS NULL OR s.last_success_at < :since)
ORDER BY c.company_name, c.environment, c.tenant_id
