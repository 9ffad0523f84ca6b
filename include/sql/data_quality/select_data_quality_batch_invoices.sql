-- The invoices some syncs loaded, as the servicetitan_invoices suite checks them: one row per record
-- received (an id received twice appears twice), money as received (text) and as stored, whether the
-- named customer exists, ordered by sync and id so a chunk boundary never splits a repeated id of one sync.
-- Whether the customer exists is not judged (NULL) while the sync's tenant has no customers loaded at all:
-- an invoices-only first sync would otherwise mark every invoice invalid. Parameters: sync_log_ids (uuid[]).
WITH syncs AS (
    -- Once per sync, not per row: does its tenant have any customer loaded?
    SELECT
        s.id,
        s.credential_id,
        EXISTS (SELECT 1 FROM servicetitan_customers AS c WHERE c.credential_id = s.credential_id) AS has_customers
    FROM servicetitan_sync_logs AS s
    WHERE s.id = ANY(%(sync_log_ids)s)
)
SELECT
    ledger.sync_log_id,
    ledger.record_id AS id,
    i.customer_id,
    CASE
        WHEN i.customer_id IS NULL OR known.id IS NOT NULL THEN true
        WHEN sync.has_customers THEN false
    END AS customer_exists,
    received."syncStatus" AS sync_status,
    i.invoice_date,
    i.due_date,
    received."subTotal" AS sub_total_text,
    received."salesTax" AS sales_tax_text,
    received.total AS total_text,
    received.balance AS balance_text,
    i.total::float8 AS total,
    abs(i.total - (i.sub_total + i.sales_tax))::float8 AS total_difference
FROM servicetitan_sync_loaded_records AS ledger
JOIN syncs AS sync ON sync.id = ledger.sync_log_id
JOIN servicetitan_invoices AS i ON i.credential_id = sync.credential_id AND i.id = ledger.record_id
LEFT JOIN servicetitan_customers AS known ON known.credential_id = i.credential_id AND known.id = i.customer_id
-- One pass over the raw record for all its fields (each ->> would read the whole record again).
CROSS JOIN LATERAL jsonb_to_record(i.raw) AS received (
    "syncStatus" text, "subTotal" text, "salesTax" text, total text, balance text
)
WHERE ledger.sync_log_id = ANY(%(sync_log_ids)s) AND ledger.resource = 'invoices'
ORDER BY ledger.sync_log_id, ledger.record_id
