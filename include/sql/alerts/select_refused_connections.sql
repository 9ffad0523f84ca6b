-- Of the given credentials, those ServiceTitan refused (connection_status 'error', set by the sync), with
-- the Airflow connection to fix: a failed task's Slack message links to it.
SELECT id, airflow_conn_id
FROM servicetitan_credentials
WHERE id = ANY(%(credential_ids)s::uuid[]) AND connection_status = 'error'
