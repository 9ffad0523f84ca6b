-- One credential's source fields, one row per field and JSON type, with its resource's profile: the columns
-- of anomalies/select_source_fields, so the page marks a change exactly as the schema-drift rule judges it.
-- Bounded: the profiler caps the distinct fields per resource.
SELECT f.resource, f.field, f.json_type, f.first_seen_at, f.last_seen_at, f.occurrences,
       f.records_profiled_at_last_seen,
       p.records_profiled, p.first_profiled_at, p.last_profiled_at
FROM servicetitan_source_fields AS f
JOIN servicetitan_resource_profiles AS p ON p.credential_id = f.credential_id AND p.resource = f.resource
WHERE f.credential_id = :credential_id
ORDER BY f.resource, f.field, f.json_type
