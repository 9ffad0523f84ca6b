-- Credentials whose completed syncs of the last %(window_hours)s hours processed records, with the share of
-- them that failed and whether it is above %(max_failed_percent)s %%: every credential judged, not only those
-- alerting, so that an alert resolves only for a credential whose recent syncs show it cleared.
SELECT c.id AS credential_id, c.company_name, c.environment, c.tenant_id,
       sum(l.records_processed) AS processed,
       sum(l.records_failed) AS failed,
       round(100.0 * sum(l.records_failed) / sum(l.records_processed), 2) AS failed_percent,
       100.0 * sum(l.records_failed) / sum(l.records_processed) > %(max_failed_percent)s AS above_threshold
FROM servicetitan_sync_logs l
JOIN servicetitan_credentials c ON c.id = l.credential_id
WHERE l.status = 'completed'
  AND l.started_at >= now() - make_interval(hours => %(window_hours)s)
  AND c.is_active
GROUP BY c.id, c.company_name, c.environment, c.tenant_id
HAVING sum(l.records_processed) > 0
ORDER BY failed_percent DESC
