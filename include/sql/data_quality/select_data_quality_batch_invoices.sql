-- The invoices one sync loaded, as the servicetitan_invoices suite checks them: one row per record
-- received (an id received twice appears twice), money as received (text) and as stored, whether the
-- named customer exists, ordered by id so a chunk boundary never splits a repeated id. Whether the
-- customer exists is not judged (NULL) while the tenant has no customers loaded at all: an invoices-only
-- first sync would otherwise mark every invoice invalid. Parameters: sync_log_id.
SELECT
    ledger.record_id AS id,
    i.customer_id,
    CASE
        WHEN i.customer_id IS NULL OR known.id IS NOT NULL THEN true
        WHEN tenant.has_customers THEN false
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
JOIN servicetitan_sync_logs AS sync ON sync.id = ledger.sync_log_id
JOIN servicetitan_invoices AS i ON i.credential_id = sync.credential_id AND i.id = ledger.record_id
LEFT JOIN servicetitan_customers AS known ON known.credential_id = i.credential_id AND known.id = i.customer_id
-- Once per query, not per row: does this sync's tenant have any customer loaded?
CROSS JOIN (
    SELECT EXISTS (
        SELECT 1 FROM servicetitan_customers AS c
        JOIN servicetitan_sync_logs AS s ON s.credential_id = c.credential_id
        WHERE s.id = %(sync_log_id)s
    ) AS has_customers
) AS tenant
-- One pass over the raw record for all its fields (each ->> would read the whole record again).
CROSS JOIN LATERAL jsonb_to_record(i.raw) AS received (
    "syncStatus" text, "subTotal" text, "salesTax" text, total text, balance text
)
WHERE ledger.sync_log_id = %(sync_log_id)s AND ledger.resource = 'invoices'
ORDER BY ledger.record_id
