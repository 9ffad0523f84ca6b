-- Active credentials with no successful sync in the last %(stale_hours)s hours (and onboarded before
-- that), with their last success. Served by ix_servicetitan_sync_logs_last_success.
SELECT c.id AS credential_id, c.company_name, c.environment, c.tenant_id, last.completed_at AS last_success_at
FROM servicetitan_credentials c
LEFT JOIN LATERAL (
    SELECT l.completed_at
    FROM servicetitan_sync_logs l
    WHERE l.credential_id = c.id AND l.status = 'completed'
    ORDER BY l.completed_at DESC
    LIMIT 1
) last ON true
WHERE c.is_active
  AND c.connection_status <> 'disabled'
  AND c.created_at < now() - make_interval(hours => %(stale_hours)s)
  AND (last.completed_at IS NULL OR last.completed_at < now() - make_interval(hours => %(stale_hours)s))
ORDER BY c.company_name
