"""Monitoring: the health check, the dashboard and the metrics collector."""
