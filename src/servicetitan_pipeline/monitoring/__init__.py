"""Monitoring (seed story ST-021): the health check, the dashboard and the metrics collector."""
