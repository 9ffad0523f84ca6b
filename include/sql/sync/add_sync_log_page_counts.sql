-- Add a page's records to its sync-log row, in the page's transaction: the row always shows what its attempt
-- committed, also when it is closed as abandoned after its worker died. Touches no column the summary trigger
-- follows (status, started_at, completed_at, credential_id), so the trigger does not fire, and no indexed column.
UPDATE servicetitan_sync_logs
SET records_processed = records_processed + %(processed)s,
    records_successful = records_successful + %(successful)s,
    records_failed = records_failed + %(failed)s
WHERE id = %(sync_log_id)s
