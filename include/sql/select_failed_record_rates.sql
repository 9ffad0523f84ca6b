-- Credentials whose completed syncs of the last %(window_hours)s hours failed more than
-- %(max_failed_percent)s %% of their records.
SELECT c.id AS credential_id, c.company_name, c.environment, c.tenant_id,
       sum(l.records_processed) AS processed,
       sum(l.records_failed) AS failed,
       round(100.0 * sum(l.records_failed) / sum(l.records_processed), 2) AS failed_percent
FROM servicetitan_sync_logs l
JOIN servicetitan_credentials c ON c.id = l.credential_id
WHERE l.status = 'completed'
  AND l.started_at >= now() - make_interval(hours => %(window_hours)s)
  AND c.is_active
GROUP BY c.id, c.company_name, c.environment, c.tenant_id
HAVING sum(l.records_processed) > 0
   AND 100.0 * sum(l.records_failed) / sum(l.records_processed) > %(max_failed_percent)s
ORDER BY failed_percent DESC
