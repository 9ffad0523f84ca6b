-- A resource's sync ended successfully: its volume row (written now if no page came: a completed sync that
-- received nothing is an observation too) gets completed_at and how old the newest modifiedOn ever loaded for
-- the credential and resource then was (never below 0: a record stamped ahead of the sync's clock is fresh).
INSERT INTO servicetitan_sync_volumes AS volume (
    sync_log_id, resource, credential_id, started_at, completed_at, freshness_lag_seconds
)
SELECT
    %(sync_log_id)s::uuid, %(resource)s::text, %(credential_id)s::uuid, %(started_at)s::timestamptz,
    %(completed_at)s::timestamptz,
    GREATEST(0, extract(epoch FROM %(completed_at)s::timestamptz - profile.newest_modified_on))::double precision
FROM (SELECT 1) AS one
LEFT JOIN servicetitan_resource_profiles AS profile
    ON profile.credential_id = %(credential_id)s::uuid AND profile.resource = %(resource)s::text
ON CONFLICT (sync_log_id, resource) DO UPDATE SET
    completed_at = EXCLUDED.completed_at,
    freshness_lag_seconds = EXCLUDED.freshness_lag_seconds
