-- TRUNCATE fires no DELETE trigger: the summary is emptied with the log.
CREATE TRIGGER servicetitan_sync_log_truncate_summary
AFTER TRUNCATE ON servicetitan_sync_logs
FOR EACH STATEMENT EXECUTE FUNCTION servicetitan_forget_truncated_sync_logs()
