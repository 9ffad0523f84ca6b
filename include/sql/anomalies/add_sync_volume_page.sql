-- Add a page's records to its sync's volume row for the resource, in the page's transaction (as the sync-log
-- row's counts): the row is always what the attempt committed. GREATEST ignores NULL (a page of bad records).
INSERT INTO servicetitan_sync_volumes AS volume (
    sync_log_id, resource, credential_id, started_at, records_new, records_changed, records_unchanged,
    newest_modified_on
)
VALUES (
    %(sync_log_id)s, %(resource)s, %(credential_id)s, %(started_at)s, %(new)s, %(changed)s, %(unchanged)s,
    %(newest_modified_on)s
)
ON CONFLICT (sync_log_id, resource) DO UPDATE SET
    records_new = volume.records_new + EXCLUDED.records_new,
    records_changed = volume.records_changed + EXCLUDED.records_changed,
    records_unchanged = volume.records_unchanged + EXCLUDED.records_unchanged,
    newest_modified_on = GREATEST(volume.newest_modified_on, EXCLUDED.newest_modified_on)
