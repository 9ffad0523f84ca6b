-- Keeps servicetitan_credential_sync_summary in step with every insert and every update that can change a
-- credential's latest completed or failed sync, whoever writes it (the sync, the sweeps, plain SQL).
CREATE TRIGGER servicetitan_sync_log_row_summary
AFTER INSERT OR UPDATE OF status, started_at, completed_at, credential_id ON servicetitan_sync_logs
FOR EACH ROW EXECUTE FUNCTION servicetitan_follow_sync_log_row()
