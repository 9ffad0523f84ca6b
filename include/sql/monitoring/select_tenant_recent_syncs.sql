-- One credential's latest sync attempts, newest first, each with its data-quality results as a JSON list
-- (a "both" sync has one per data type; score NULL: nothing to score; empty list: not validated). The
-- duration comes from the timestamps, with fractions (the integer processing_time_seconds rounds 0.4 s to 0).
-- docs_page_syncs: how many syncs share the result's data-docs page (one suite run of a group: same page, data
-- type and time; the day term serves it from ix_servicetitan_data_quality_results_validated_day).
-- Served by ix_servicetitan_sync_logs_credential_started and the results' sync_log_id lookups.
SELECT l.id, l.sync_type, l.data_type, l.status, l.started_at, l.completed_at,
       l.records_processed, l.records_successful, l.records_failed, l.error_message,
       l.airflow_run_id, l.airflow_map_index,
       extract(epoch FROM (l.completed_at - l.started_at))::float AS duration_seconds,
       coalesce(
           (SELECT jsonb_agg(jsonb_build_object(
                       'data_type', q.data_type, 'score', q.score, 'total_records', q.total_records,
                       'invalid_records', q.invalid_records, 'data_docs_page', q.data_docs_page,
                       'docs_page_syncs', (SELECT count(*) FROM servicetitan_data_quality_results AS s
                                           WHERE (s.validated_at AT TIME ZONE 'UTC')::date
                                                     = (q.validated_at AT TIME ZONE 'UTC')::date
                                               AND s.validated_at = q.validated_at AND s.data_type = q.data_type
                                               AND s.data_docs_page = q.data_docs_page))
                   ORDER BY q.data_type)
            FROM servicetitan_data_quality_results AS q
            WHERE q.sync_log_id = l.id),
           '[]'::jsonb
       ) AS quality
FROM servicetitan_sync_logs AS l
WHERE l.credential_id = :credential_id
ORDER BY l.started_at DESC
LIMIT :limit
