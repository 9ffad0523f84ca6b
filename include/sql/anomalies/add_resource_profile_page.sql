-- Add a page's profiled records to the credential's profile of the resource, and keep the newest modifiedOn
-- ever loaded; in the page's transaction. Returns the running total, which the page's source fields record as
-- records_profiled_at_last_seen.
INSERT INTO servicetitan_resource_profiles AS profile (
    credential_id, resource, records_profiled, first_profiled_at, last_profiled_at, last_profiled_sync_log_id,
    newest_modified_on
)
VALUES (
    %(credential_id)s::uuid, %(resource)s::text, %(records_profiled)s::bigint, %(profiled_at)s::timestamptz,
    %(profiled_at)s::timestamptz, %(sync_log_id)s::uuid, %(newest_modified_on)s::timestamptz
)
ON CONFLICT (credential_id, resource) DO UPDATE SET
    records_profiled = profile.records_profiled + EXCLUDED.records_profiled,
    last_profiled_at = EXCLUDED.last_profiled_at,
    last_profiled_sync_log_id = EXCLUDED.last_profiled_sync_log_id,
    newest_modified_on = GREATEST(profile.newest_modified_on, EXCLUDED.newest_modified_on)
RETURNING records_profiled
