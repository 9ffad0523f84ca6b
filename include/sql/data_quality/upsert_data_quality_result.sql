-- One data-quality result per sync and data type; validating the same sync again replaces it, but never
-- with an emptier result (a run that found the records already validated and gone must not erase the score).
INSERT INTO servicetitan_data_quality_results (
    id, sync_log_id, credential_id, data_type, suite_name, validated_at, total_records, valid_records,
    invalid_records, score, expectation_results, field_completeness, validation_seconds, data_docs_page
)
VALUES (
    gen_random_uuid(), %(sync_log_id)s, %(credential_id)s, %(data_type)s, %(suite_name)s, %(validated_at)s,
    %(total_records)s, %(valid_records)s, %(invalid_records)s, %(score)s, %(expectation_results)s,
    %(field_completeness)s, %(validation_seconds)s, %(data_docs_page)s
)
ON CONFLICT (sync_log_id, data_type) DO UPDATE SET
    suite_name = EXCLUDED.suite_name,
    validated_at = EXCLUDED.validated_at,
    total_records = EXCLUDED.total_records,
    valid_records = EXCLUDED.valid_records,
    invalid_records = EXCLUDED.invalid_records,
    score = EXCLUDED.score,
    expectation_results = EXCLUDED.expectation_results,
    field_completeness = EXCLUDED.field_completeness,
    validation_seconds = EXCLUDED.validation_seconds,
    data_docs_page = EXCLUDED.data_docs_page
WHERE EXCLUDED.total_records >= servicetitan_data_quality_results.total_records
