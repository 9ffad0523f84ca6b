-- Adds the data-quality results of the sync-log rows :ids (about to be deleted, which cascades to them) to
-- their daily aggregates, by UTC day of validation, credential and data type: what the score trend reads.
INSERT INTO servicetitan_data_quality_daily AS d (
    day, credential_id, data_type, validations, validated_records, valid_records
)
SELECT
    (r.validated_at AT TIME ZONE 'UTC')::date,
    r.credential_id,
    r.data_type,
    count(*),
    sum(r.total_records),
    sum(r.valid_records)
FROM servicetitan_data_quality_results AS r
WHERE r.sync_log_id = ANY(:ids)
GROUP BY 1, 2, 3
ON CONFLICT (day, credential_id, data_type) DO UPDATE SET
    validations = d.validations + excluded.validations,
    validated_records = d.validated_records + excluded.validated_records,
    valid_records = d.valid_records + excluded.valid_records,
    updated_at = now()
