-- The fields and JSON types a page's profiled records held (three parallel arrays), in one statement in the
-- page's transaction. A field not yet known is added only while the resource has fewer than max_fields of them:
-- records that invent keys (ids as keys, say) cannot grow the table without bound.
INSERT INTO servicetitan_source_fields AS known (
    credential_id, resource, field, json_type, first_seen_at, last_seen_at, first_seen_sync_log_id,
    last_seen_sync_log_id, occurrences, records_profiled_at_last_seen
)
SELECT
    %(credential_id)s::uuid, %(resource)s::text, seen.field, seen.json_type, %(seen_at)s::timestamptz,
    %(seen_at)s::timestamptz, %(sync_log_id)s::uuid, %(sync_log_id)s::uuid, seen.occurrences,
    %(records_profiled)s::bigint
FROM unnest(%(fields)s::text[], %(json_types)s::text[], %(occurrences)s::bigint[])
    AS seen (field, json_type, occurrences)
WHERE (
    SELECT count(*) FROM servicetitan_source_fields
    WHERE credential_id = %(credential_id)s::uuid AND resource = %(resource)s::text
) < %(max_fields)s::bigint
OR EXISTS (
    SELECT 1 FROM servicetitan_source_fields AS existing
    WHERE existing.credential_id = %(credential_id)s::uuid
      AND existing.resource = %(resource)s::text
      AND existing.field = seen.field
      AND existing.json_type = seen.json_type
)
ON CONFLICT (credential_id, resource, field, json_type) DO UPDATE SET
    last_seen_at = EXCLUDED.last_seen_at,
    last_seen_sync_log_id = EXCLUDED.last_seen_sync_log_id,
    occurrences = known.occurrences + EXCLUDED.occurrences,
    records_profiled_at_last_seen = EXCLUDED.records_profiled_at_last_seen
