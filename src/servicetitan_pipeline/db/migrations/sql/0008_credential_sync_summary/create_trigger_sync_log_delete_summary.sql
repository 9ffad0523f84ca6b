-- Once per DELETE statement (retention batches, a credential's cascade, plain SQL), with the deleted rows.
CREATE TRIGGER servicetitan_sync_log_delete_summary
AFTER DELETE ON servicetitan_sync_logs
REFERENCING OLD TABLE AS deleted_sync_logs
FOR EACH STATEMENT EXECUTE FUNCTION servicetitan_follow_deleted_sync_logs()
