-- Active credentials' latest Great Expectations result of each data type, among those of the last
-- %(window_hours)s hours, and whether it scores below %(min_score)s: the latest decides, so a later good
-- result resolves. Every result judged is returned, so that an alert resolves only on such evidence. A
-- validation of no records (score NULL, nothing to score) is no evidence either way: it is passed over.
-- docs_page_syncs: how many syncs share its data-docs page (one suite run validates a group of syncs: same
-- page, data type and time); the day term lets ix_servicetitan_data_quality_results_validated_day find them.
SELECT c.id AS credential_id, c.company_name, c.environment, c.tenant_id,
       r.data_type, r.validated_at, r.score, r.total_records, r.invalid_records,
       r.expectation_results, r.data_docs_page,
       (SELECT count(*) FROM servicetitan_data_quality_results AS s
        WHERE (s.validated_at AT TIME ZONE 'UTC')::date = (r.validated_at AT TIME ZONE 'UTC')::date
            AND s.validated_at = r.validated_at AND s.data_type = r.data_type
            AND s.data_docs_page = r.data_docs_page) AS docs_page_syncs,
       r.score < %(min_score)s AS below_threshold
FROM (
    SELECT DISTINCT ON (credential_id, data_type) *
    FROM servicetitan_data_quality_results
    WHERE validated_at >= now() - make_interval(hours => %(window_hours)s) AND score IS NOT NULL
    ORDER BY credential_id, data_type, validated_at DESC
) AS r
JOIN servicetitan_credentials AS c ON c.id = r.credential_id
WHERE c.is_active
ORDER BY r.score, c.company_name, r.data_type
