-- What the notifier (the digest) just sent: its content hash, now. One row a notifier: its last send.
INSERT INTO servicetitan_notification_log (name, content_hash, sent_at)
VALUES (%(name)s, %(content_hash)s, now())
ON CONFLICT (name) DO UPDATE SET content_hash = EXCLUDED.content_hash, sent_at = EXCLUDED.sent_at
