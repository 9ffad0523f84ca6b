-- Note every record of the staged page in the sync's ledger, in the page's transaction; the
-- data-quality validation of the sync reads exactly these. {stage} is the staging table.
INSERT INTO servicetitan_sync_loaded_records (sync_log_id, resource, record_id)
SELECT %(sync_log_id)s, %(resource)s, id
FROM {stage}
