-- The Airflow task of each credential's latest failed sync (NULL run: the row recorded none). Parameters:
-- credential_ids (uuid[]). Served by ix_servicetitan_sync_logs_last_failure.
SELECT DISTINCT ON (credential_id) credential_id, airflow_run_id, airflow_map_index
FROM servicetitan_sync_logs
WHERE credential_id = ANY(:credential_ids) AND status = 'failed'
ORDER BY credential_id, started_at DESC
