-- One credential's completed syncs of one resource started in [%(since)s, %(until)s): the records new or
-- changed and the freshness lag of each, for the expected-band charts. One range of the
-- (credential_id, resource, started_at) index.
SELECT started_at, records_new + records_changed AS records, freshness_lag_seconds
FROM servicetitan_sync_volumes
WHERE credential_id = %(credential_id)s AND resource = %(resource)s
  AND started_at >= %(since)s AND started_at < %(until)s
  AND completed_at IS NOT NULL
ORDER BY started_at
