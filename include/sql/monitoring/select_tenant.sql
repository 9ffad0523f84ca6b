-- One credential for its page (no secret: those live in the Airflow connection).
SELECT c.id, c.company_name, c.environment, c.tenant_id, c.airflow_conn_id, c.connection_status, c.is_active,
       c.last_error, c.last_connected_at, c.client_secret_expires_at, c.created_at
FROM servicetitan_credentials AS c
WHERE c.id = :credential_id
