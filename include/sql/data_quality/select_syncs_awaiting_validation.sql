-- Finished syncs whose loaded records have not been validated yet, with how many, oldest first, customers
-- before invoices (an invoice is checked against the customers loaded before it). A sync still running is
-- left alone: its ledger is still growing.
SELECT
    pending.sync_log_id,
    pending.resource,
    pending.records,
    sync.credential_id,
    sync.status,
    c.company_name,
    c.environment,
    c.tenant_id
FROM (
    SELECT sync_log_id, resource, count(*) AS records
    FROM servicetitan_sync_loaded_records
    GROUP BY sync_log_id, resource
) AS pending
JOIN servicetitan_sync_logs AS sync ON sync.id = pending.sync_log_id
JOIN servicetitan_credentials AS c ON c.id = sync.credential_id
WHERE sync.status <> 'running'
ORDER BY sync.started_at, pending.resource
