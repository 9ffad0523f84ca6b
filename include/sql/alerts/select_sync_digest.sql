-- What happened in the last %(window_hours)s hours, per status: the 6-hour digest.
SELECT status, count(*) AS syncs, coalesce(sum(records_processed), 0) AS records,
       coalesce(sum(records_failed), 0) AS failed_records, count(DISTINCT credential_id) AS credentials
FROM servicetitan_sync_logs
WHERE started_at >= now() - make_interval(hours => %(window_hours)s)
GROUP BY status
ORDER BY status
