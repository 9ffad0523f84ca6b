SELECT day, syncs, completed, failed, running, success_rate_pct, avg_duration_seconds,
    p95_duration_seconds, max_duration_seconds, records_processed
FROM servicetitan_dashboard_sync_daily
WHERE day >= :since_day
ORDER BY day
