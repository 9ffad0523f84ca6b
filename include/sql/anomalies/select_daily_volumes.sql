-- Per active credential and resource with a completed sync on the UTC day [%(day_start)s, %(day_end)s): its
-- daily totals of records new or changed (completed syncs only) from %(history_start)s to that day. A day of
-- completed syncs that received nothing is a total of zero, the case this rule exists for. Reads the window
-- of the started_at index only.
-- stale_during_day: whether the subject's freshness alert (its latest episode: one row per key, found by its
-- primary key) was firing at some moment of the day: a low day then has that one cause, already alerted.
SELECT d.credential_id, d.resource, c.company_name, c.environment, c.tenant_id,
       array_agg(d.day ORDER BY d.day) AS days, array_agg(d.records ORDER BY d.day) AS totals,
       EXISTS (
           SELECT 1 FROM servicetitan_alerts AS a
           WHERE a.key = 'freshness_anomaly:' || d.resource || ':' || c.environment::text || ':' || c.tenant_id
             AND a.first_seen_at < %(day_end)s AND (a.resolved_at IS NULL OR a.resolved_at >= %(day_start)s)
       ) AS stale_during_day
FROM (
    SELECT credential_id, resource, date_trunc('day', started_at, 'UTC') AS day,
           sum(records_new + records_changed) AS records
    FROM servicetitan_sync_volumes
    WHERE started_at >= %(history_start)s AND started_at < %(day_end)s AND completed_at IS NOT NULL
    GROUP BY credential_id, resource, date_trunc('day', started_at, 'UTC')
) AS d
JOIN servicetitan_credentials AS c ON c.id = d.credential_id
WHERE c.is_active
GROUP BY d.credential_id, d.resource, c.company_name, c.environment, c.tenant_id
HAVING bool_or(d.day = %(day_start)s)
ORDER BY c.company_name, c.tenant_id, d.resource
