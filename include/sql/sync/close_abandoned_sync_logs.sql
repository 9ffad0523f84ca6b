-- Close as failed a credential's sync-log rows of these data types still 'running' whose worker is gone. The
-- caller holds the advisory locks of these data types, so no live sync can own such a row. A sync_log_id closes
-- that row only (the sweep's overdue row); NULL closes all of them (the next sync, before it starts).
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
  AND (%(sync_log_id)s::uuid IS NULL OR id = %(sync_log_id)s::uuid)
RETURNING id, started_at, records_processed, records_successful, records_failed
