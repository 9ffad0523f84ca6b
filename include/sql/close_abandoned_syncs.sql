-- Close as failed the sync-log rows still 'running' whose worker is gone. The caller holds the
-- advisory locks of these data types, so no live sync can own such a row.
UPDATE servicetitan_sync_logs
SET status = 'failed',
    completed_at = greatest(now(), started_at),
    processing_time_seconds = greatest(0, extract(epoch FROM now() - started_at))::integer,
    -- The row's counts are what its attempt committed (the loader keeps them page by page); they stay.
    error_message = format(%(reason)s::text, records_processed, records_successful, records_failed),
    error_details = jsonb_build_object('exception', 'WorkerLost', 'closed_by', %(closed_by)s::text)
WHERE credential_id = %(credential_id)s
  AND status = 'running'
  AND data_type = ANY(%(data_types)s)
RETURNING started_at, records_processed, records_successful, records_failed
