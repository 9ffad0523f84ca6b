-- Move one staged page of customers into servicetitan_customers.
-- A record seen twice in one page keeps its latest version; an unchanged record is not rewritten,
-- so a rerun changes nothing (synced_at included).
-- Returns how many rows it inserted (xmax = 0: a row version no update has touched) and how many it updated;
-- the page's other records were unchanged.
WITH upserted AS (
    INSERT INTO servicetitan_customers AS target (
        credential_id, id, name, customer_type, active, balance, merged_to_id, city, state, zip,
        created_on, modified_on, raw, synced_at
    )
    SELECT DISTINCT ON (id)
        credential_id, id, name, customer_type, active, balance, merged_to_id, city, state, zip,
        created_on, modified_on, raw, now()
    FROM stage_servicetitan_customers
    ORDER BY id, modified_on DESC
    ON CONFLICT (credential_id, id) DO UPDATE SET
        name = EXCLUDED.name,
        customer_type = EXCLUDED.customer_type,
        active = EXCLUDED.active,
        balance = EXCLUDED.balance,
        merged_to_id = EXCLUDED.merged_to_id,
        city = EXCLUDED.city,
        state = EXCLUDED.state,
        zip = EXCLUDED.zip,
        created_on = EXCLUDED.created_on,
        modified_on = EXCLUDED.modified_on,
        raw = EXCLUDED.raw,
        synced_at = EXCLUDED.synced_at
    WHERE target.raw IS DISTINCT FROM EXCLUDED.raw
    RETURNING (xmax = 0) AS inserted
)
SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted)
FROM upserted
