-- Deletes the sync-log rows :ids just added to the daily aggregates (same transaction); their data-quality
-- results and loaded-record ledger go with them (ON DELETE CASCADE).
DELETE FROM servicetitan_sync_logs
WHERE id = ANY(:ids) AND status <> 'running'
