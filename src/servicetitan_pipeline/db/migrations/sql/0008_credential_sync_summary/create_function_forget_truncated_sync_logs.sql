-- Trigger function (AFTER TRUNCATE of servicetitan_sync_logs): no sync left, so no latest sync either.
CREATE FUNCTION servicetitan_forget_truncated_sync_logs() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM servicetitan_credential_sync_summary;
    RETURN NULL;
END
$$
