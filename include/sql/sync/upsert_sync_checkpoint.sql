-- Remember where the next export of a resource resumes; written in the transaction of the page it follows.
INSERT INTO servicetitan_sync_checkpoints (credential_id, resource, continue_from, updated_at)
VALUES (%(credential_id)s, %(resource)s, %(continue_from)s, now())
ON CONFLICT (credential_id, resource) DO UPDATE SET
    continue_from = EXCLUDED.continue_from,
    updated_at = EXCLUDED.updated_at
