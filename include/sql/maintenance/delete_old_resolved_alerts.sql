-- Alerts resolved before :cutoff whose resolved notice has reached Slack (a pending one is kept until sent).
-- If the condition comes back, the alert starts again as new.
DELETE FROM servicetitan_alerts
WHERE state = 'resolved'
  AND resolved_at < :cutoff
  AND pending_notification IS NULL
