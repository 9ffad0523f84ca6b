-- Active credentials with no completed sync since :since
-- (the NOT EXISTS probe is served by ix_servicetitan_sync_logs_last_success).
SELECT c.id, c.company_name, c.environment, c.tenant_id,
    (SELECT max(l.completed_at) FROM servicetitan_sync_logs AS l
     WHERE l.credential_id = c.id AND l.status = 'completed') AS last_success_at
FROM servicetitan_credentials AS c
WHERE c.is_active
  AND NOT EXISTS (
    SELECT 1 FROM servicetitan_sync_logs AS l
    WHERE l.credential_id = c.id AND l.status = 'completed' AND l.completed_at >= :since
  )
ORDER BY c.company_name, c.environment, c.tenant_id
