-- The Airflow connection of each credential an alert message names (its "fix the connection" link).
SELECT id, airflow_conn_id
FROM servicetitan_credentials
WHERE id = ANY(%(credential_ids)s)
