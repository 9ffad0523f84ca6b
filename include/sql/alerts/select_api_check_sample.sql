-- The active credentials whose API access the 6-hour monitor checks, %(sample_size)s of them: first those
-- whose api_unreachable alert is firing (so that it resolves once access is back; a credential not checked
-- keeps its alert), then a random few.
SELECT c.id, c.company_name, c.environment, c.tenant_id, c.airflow_conn_id
FROM servicetitan_credentials AS c
LEFT JOIN servicetitan_alerts AS a
    ON a.key = 'api_unreachable:' || c.environment || ':' || c.tenant_id AND a.state = 'firing'
WHERE c.is_active AND c.connection_status <> 'disabled'
ORDER BY a.key IS NULL, random()
LIMIT %(sample_size)s
