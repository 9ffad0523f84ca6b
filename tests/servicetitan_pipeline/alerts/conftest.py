"""Alert tests' shared fixtures."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from servicetitan_devtools.slack_receiver import SlackReceiver


@pytest.fixture
def slack(monkeypatch: pytest.MonkeyPatch) -> Iterator[SlackReceiver]:
    """A local Slack webhook receiver, named by the slack_alerts connection."""
    with SlackReceiver() as receiver:
        monkeypatch.setenv(
            "AIRFLOW_CONN_SLACK_ALERTS", json.dumps({"conn_type": "slackwebhook", "password": receiver.webhook_url})
        )
        yield receiver
