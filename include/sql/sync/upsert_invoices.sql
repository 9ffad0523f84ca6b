-- Move one staged page of invoices into servicetitan_invoices (see upsert_customers.sql).
-- Returns how many rows it inserted and updated, as upsert_customers.sql.
WITH upserted AS (
    INSERT INTO servicetitan_invoices AS target (
        credential_id, id, customer_id, reference_number, active, invoice_date, due_date,
        sub_total, sales_tax, total, balance, created_on, modified_on, raw, synced_at
    )
    SELECT DISTINCT ON (id)
        credential_id, id, customer_id, reference_number, active, invoice_date, due_date,
        sub_total, sales_tax, total, balance, created_on, modified_on, raw, now()
    FROM stage_servicetitan_invoices
    ORDER BY id, modified_on DESC NULLS LAST
    ON CONFLICT (credential_id, id) DO UPDATE SET
        customer_id = EXCLUDED.customer_id,
        reference_number = EXCLUDED.reference_number,
        active = EXCLUDED.active,
        invoice_date = EXCLUDED.invoice_date,
        due_date = EXCLUDED.due_date,
        sub_total = EXCLUDED.sub_total,
        sales_tax = EXCLUDED.sales_tax,
        total = EXCLUDED.total,
        balance = EXCLUDED.balance,
        created_on = EXCLUDED.created_on,
        modified_on = EXCLUDED.modified_on,
        raw = EXCLUDED.raw,
        synced_at = EXCLUDED.synced_at
    WHERE target.raw IS DISTINCT FROM EXCLUDED.raw
    RETURNING (xmax = 0) AS inserted
)
SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted)
FROM upserted
