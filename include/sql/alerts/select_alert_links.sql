-- What an alert message links to, for each credential it names: its Airflow connection ("fix the connection")
-- and the Airflow task of its latest failed sync (its task log; NULL run: none failed, or the row recorded
-- none). Parameters: credential_ids (uuid[]). The lateral read is served by ix_servicetitan_sync_logs_last_failure.
SELECT c.id AS credential_id, c.airflow_conn_id, failed.airflow_run_id, failed.airflow_map_index
FROM servicetitan_credentials AS c
LEFT JOIN LATERAL (
    SELECT l.airflow_run_id, l.airflow_map_index
    FROM servicetitan_sync_logs AS l
    WHERE l.credential_id = c.id AND l.status = 'failed'
    ORDER BY l.started_at DESC
    LIMIT 1
) AS failed ON true
WHERE c.id = ANY(%(credential_ids)s)
