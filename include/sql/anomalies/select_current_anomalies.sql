-- The anomaly alerts firing now, for the dashboard, newest first. The company and environment are the
-- credential's as they are now (a renamed company shows its new name), else what the alert recorded (its
-- credential deleted). The resource is the one the alert recorded; alerts raised before it was recorded have
-- it only in their key (rule:resource:environment:tenant).
SELECT a.rule, a.key,
       coalesce(a.details ->> 'resource', split_part(a.key, ':', 2)) AS resource,
       a.credential_id,
       coalesce(c.company_name, a.details ->> 'company') AS company,
       coalesce(c.environment::text, a.details ->> 'environment') AS environment,
       a.severity, a.summary,
       coalesce(a.details -> 'numbers', '{}'::jsonb) AS numbers,
       a.first_seen_at
FROM servicetitan_alerts AS a
LEFT JOIN servicetitan_credentials AS c ON c.id = a.credential_id
WHERE a.state = 'firing' AND a.rule = ANY(%(rules)s::text[])
ORDER BY a.first_seen_at DESC, a.key
