-- The resources of active credentials profiled within [%(since)s, %(now)s] (what the schema-drift rule
-- judges: one row each with field NULL when nothing could have changed), with every type row of the fields
-- that may have: one first seen (with any type) since %(window_start)s, or last seen since then but not on the
-- latest profiled page. Reads the judged resources' fields (capped per resource by the profiler), whatever the
-- sync log's size; only the few candidates leave the database.
WITH profiled AS (
    SELECT p.credential_id, p.resource, p.records_profiled, p.first_profiled_at, p.last_profiled_at,
           c.company_name, c.environment, c.tenant_id
    FROM servicetitan_resource_profiles AS p
    JOIN servicetitan_credentials AS c ON c.id = p.credential_id
    WHERE c.is_active AND p.last_profiled_at >= %(since)s AND p.last_profiled_at <= %(now)s
), candidates AS (
    SELECT f.credential_id, f.resource, f.field
    FROM profiled AS p
    JOIN servicetitan_source_fields AS f ON f.credential_id = p.credential_id AND f.resource = p.resource
    GROUP BY f.credential_id, f.resource, f.field
    HAVING max(f.first_seen_at) >= %(window_start)s
        OR (max(f.last_seen_at) >= %(window_start)s AND max(f.last_seen_at) < max(p.last_profiled_at))
)
SELECT p.credential_id, p.resource, p.records_profiled, p.first_profiled_at, p.last_profiled_at,
       p.company_name, p.environment, p.tenant_id,
       NULL AS field, NULL AS json_type, NULL::timestamptz AS first_seen_at, NULL::timestamptz AS last_seen_at,
       NULL::bigint AS occurrences, NULL::bigint AS records_profiled_at_last_seen
FROM profiled AS p
UNION ALL
SELECT p.credential_id, p.resource, p.records_profiled, p.first_profiled_at, p.last_profiled_at,
       p.company_name, p.environment, p.tenant_id,
       f.field, f.json_type, f.first_seen_at, f.last_seen_at, f.occurrences, f.records_profiled_at_last_seen
FROM candidates AS k
JOIN profiled AS p ON p.credential_id = k.credential_id AND p.resource = k.resource
JOIN servicetitan_source_fields AS f
  ON f.credential_id = k.credential_id AND f.resource = k.resource AND f.field = k.field
ORDER BY company_name, tenant_id, resource, field NULLS FIRST, json_type
