-- The customers some syncs loaded, as the servicetitan_customers suite checks them: one row per record
-- received (an id received twice appears twice), blank text as NULL, ordered by sync and id so a chunk
-- boundary never splits a repeated id of one sync. Parameters: sync_log_ids (uuid[]).
SELECT
    ledger.sync_log_id,
    ledger.record_id AS id,
    nullif(btrim(c.name), '') AS name,
    c.customer_type,
    nullif(btrim(c.raw -> 'address' ->> 'street'), '') AS street,
    nullif(btrim(c.city), '') AS city,
    nullif(btrim(c.state), '') AS state,
    nullif(btrim(c.zip), '') AS zip
FROM servicetitan_sync_loaded_records AS ledger
JOIN servicetitan_sync_logs AS sync ON sync.id = ledger.sync_log_id
JOIN servicetitan_customers AS c ON c.credential_id = sync.credential_id AND c.id = ledger.record_id
WHERE ledger.sync_log_id = ANY(%(sync_log_ids)s) AND ledger.resource = 'customers'
ORDER BY ledger.sync_log_id, ledger.record_id
