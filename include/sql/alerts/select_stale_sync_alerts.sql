-- Active credentials with no successful sync in the last %(stale_hours)s hours (and onboarded before
-- that), with their last success: one summary row per credential, never the sync log.
SELECT c.id AS credential_id, c.company_name, c.environment, c.tenant_id, s.last_success_at
FROM servicetitan_credentials c
LEFT JOIN servicetitan_credential_sync_summary s ON s.credential_id = c.id
WHERE c.is_active
  AND c.connection_status <> 'disabled'
  AND c.created_at < now() - make_interval(hours => %(stale_hours)s)
  AND (s.last_success_at IS NULL OR s.last_success_at < now() - make_interval(hours => %(stale_hours)s))
ORDER BY c.company_name
