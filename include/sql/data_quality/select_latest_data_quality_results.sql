-- The latest data-quality result of each active credential and data type.
SELECT DISTINCT ON (r.credential_id, r.data_type)
    c.company_name,
    c.environment,
    c.tenant_id,
    r.data_type,
    r.validated_at,
    r.total_records,
    r.invalid_records,
    r.score,
    r.expectation_results,
    r.data_docs_page
FROM servicetitan_data_quality_results AS r
JOIN servicetitan_credentials AS c ON c.id = r.credential_id
WHERE c.is_active
ORDER BY r.credential_id, r.data_type, r.validated_at DESC
