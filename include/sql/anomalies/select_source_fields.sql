-- The fields seen in the raw records of each active credential's resources profiled within
-- [%(since)s, %(now)s] (what the schema-drift rule judges), one row per field and JSON type. Bounded by the
-- profiled resources' fields (capped per resource by the profiler), whatever the sync log's size.
SELECT p.credential_id, p.resource, p.records_profiled, p.first_profiled_at, p.last_profiled_at,
       c.company_name, c.environment, c.tenant_id,
       f.field, f.json_type, f.first_seen_at, f.last_seen_at, f.occurrences, f.records_profiled_at_last_seen
FROM servicetitan_resource_profiles AS p
JOIN servicetitan_credentials AS c ON c.id = p.credential_id
LEFT JOIN servicetitan_source_fields AS f ON f.credential_id = p.credential_id AND f.resource = p.resource
WHERE c.is_active AND p.last_profiled_at >= %(since)s AND p.last_profiled_at <= %(now)s
ORDER BY c.company_name, c.tenant_id, p.resource, f.field, f.json_type
