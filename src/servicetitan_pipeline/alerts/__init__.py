"""Alerting: conditions found in the database, their state, and Slack notifications without fatigue."""
