-- Close one sync-log row whose worker is gone (its advisory locks are free), as failed with the reason.
UPDATE servicetitan_sync_logs
SET status = 'failed',
    completed_at = greatest(now(), started_at),
    processing_time_seconds = greatest(0, extract(epoch FROM now() - started_at))::integer,
    -- The row's counts are what its attempt committed (the loader keeps them page by page); they stay.
    error_message = format(%(reason)s::text, records_processed, records_successful, records_failed),
    error_details = jsonb_build_object('exception', 'WorkerLost', 'closed_by', 'servicetitan_monitor_sync_failures')
WHERE id = %(id)s AND status = 'running'
RETURNING records_processed, records_successful, records_failed
