-- What one page observed of its source, in one statement in the page's transaction (one round trip a page):
-- 1. its records new, changed and unchanged and their newest modifiedOn, added to its sync's volume row for the
--    resource (the row is always what the attempt committed; GREATEST ignores NULL);
-- 2. its profiled records added to the credential's profile of the resource, whose newest modifiedOn ever
--    loaded it keeps;
-- 3. the fields and JSON types its profiled records held (three parallel arrays), with the profile's running
--    total as records_profiled_at_last_seen. A field not yet known is added only while the resource has fewer
--    than max_fields of them: records that invent keys (ids as keys, say) cannot grow the table without bound.
WITH volume AS (
    INSERT INTO servicetitan_sync_volumes AS volume (
        sync_log_id, resource, credential_id, started_at, records_new, records_changed, records_unchanged,
        newest_modified_on
    )
    VALUES (
        %(sync_log_id)s::uuid, %(resource)s::text, %(credential_id)s::uuid, %(started_at)s::timestamptz,
        %(new)s, %(changed)s, %(unchanged)s, %(newest_modified_on)s::timestamptz
    )
    ON CONFLICT (sync_log_id, resource) DO UPDATE SET
        records_new = volume.records_new + EXCLUDED.records_new,
        records_changed = volume.records_changed + EXCLUDED.records_changed,
        records_unchanged = volume.records_unchanged + EXCLUDED.records_unchanged,
        newest_modified_on = GREATEST(volume.newest_modified_on, EXCLUDED.newest_modified_on)
),
profile AS (
    INSERT INTO servicetitan_resource_profiles AS profile (
        credential_id, resource, records_profiled, first_profiled_at, last_profiled_at, last_profiled_sync_log_id,
        newest_modified_on
    )
    VALUES (
        %(credential_id)s::uuid, %(resource)s::text, %(records_profiled)s::bigint, %(seen_at)s::timestamptz,
        %(seen_at)s::timestamptz, %(sync_log_id)s::uuid, %(newest_modified_on)s::timestamptz
    )
    ON CONFLICT (credential_id, resource) DO UPDATE SET
        records_profiled = profile.records_profiled + EXCLUDED.records_profiled,
        last_profiled_at = EXCLUDED.last_profiled_at,
        last_profiled_sync_log_id = EXCLUDED.last_profiled_sync_log_id,
        newest_modified_on = GREATEST(profile.newest_modified_on, EXCLUDED.newest_modified_on)
    RETURNING profile.records_profiled
)
INSERT INTO servicetitan_source_fields AS known (
    credential_id, resource, field, json_type, first_seen_at, last_seen_at, first_seen_sync_log_id,
    last_seen_sync_log_id, occurrences, records_profiled_at_last_seen
)
SELECT
    %(credential_id)s::uuid, %(resource)s::text, seen.field, seen.json_type, %(seen_at)s::timestamptz,
    %(seen_at)s::timestamptz, %(sync_log_id)s::uuid, %(sync_log_id)s::uuid, seen.occurrences,
    profile.records_profiled
FROM unnest(%(fields)s::text[], %(json_types)s::text[], %(occurrences)s::bigint[])
    AS seen (field, json_type, occurrences)
CROSS JOIN profile
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
