SELECT hour, avg_response_time_ms, requests, errors
FROM servicetitan_dashboard_api_performance
WHERE hour >= :since_hour
ORDER BY hour
