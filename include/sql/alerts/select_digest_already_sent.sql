-- Whether the notifier (the digest) sent this very content within its window (the notification log): then a
-- re-run has nothing new to say. One row when it did, none otherwise.
SELECT sent_at
FROM servicetitan_notification_log
WHERE name = %(name)s
  AND content_hash = %(content_hash)s
  AND sent_at > now() - make_interval(hours => %(window_hours)s)
