"""Anomaly tests' fixtures: the alert tests' local Slack receiver."""

from tests.servicetitan_pipeline.alerts.conftest import slack

__all__ = ["slack"]
