-- Dashboard, the latest Great Expectations result of each credential and data type: its score, counts,
-- field completeness and data-docs page,
-- for one credential and data type or all (NULL). Served by ix_servicetitan_data_quality_results_credential_validated.
SELECT c.company_name, c.environment, c.tenant_id,
       r.data_type, r.validated_at, r.score, r.total_records, r.invalid_records,
       r.field_completeness, r.data_docs_page,
       -- How many syncs share its data-docs page: one suite run (same page, data type and time) of a group.
       (SELECT count(*) FROM servicetitan_data_quality_results AS s
        WHERE (s.validated_at AT TIME ZONE 'UTC')::date = (r.validated_at AT TIME ZONE 'UTC')::date
            AND s.validated_at = r.validated_at AND s.data_type = r.data_type
            AND s.data_docs_page = r.data_docs_page) AS docs_page_syncs
FROM (
    SELECT DISTINCT ON (credential_id, data_type) *
    FROM servicetitan_data_quality_results
    WHERE (CAST(:credential_id AS uuid) IS NULL OR credential_id = CAST(:credential_id AS uuid))
        AND (CAST(:data_type AS text) IS NULL OR data_type = CAST(:data_type AS text))
    ORDER BY credential_id, data_type, validated_at DESC
) AS r
JOIN servicetitan_credentials AS c ON c.id = r.credential_id
ORDER BY r.data_type, c.company_name, c.environment, c.tenant_id
