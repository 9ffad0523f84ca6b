-- Close one sync-log row whose worker is gone (its advisory locks are free), as failed with the reason.
UPDATE servicetitan_sync_logs
SET status = 'failed',
    completed_at = greatest(now(), started_at),
    processing_time_seconds = greatest(0, extract(epoch FROM now() - started_at))::integer,
    error_message = %(reason)s::text,
    error_details = jsonb_build_object('exception', 'WorkerLost', 'closed_by', 'servicetitan_monitor_sync_failures')
WHERE id = %(id)s AND status = 'running'
