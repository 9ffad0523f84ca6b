"""Links in Slack point at this Airflow's UI as Airflow itself knows it: ``[api] base_url``."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

import pytest

from servicetitan_devtools.slack_receiver import SlackReceiver
from servicetitan_pipeline.airflow_ui import DEFAULT_BASE_URL, airflow_base_url
from servicetitan_pipeline.alerts.slack_messages import alert_message, digest_message
from servicetitan_pipeline.alerts.state import FIRING, Notification
from servicetitan_pipeline.db.models import ServiceTitanAlert

BASE_URLS = [
    ("https://airflow.example.com/", "https://airflow.example.com"),
    ("https://example.com/airflow/", "https://example.com/airflow"),
]


def _firing_alert() -> Notification:
    now = datetime(2026, 11, 18, 10, 0, tzinfo=UTC)
    alert = ServiceTitanAlert(
        key="stale_sync:integration:1001",
        rule="stale_sync",
        severity="medium",
        state=FIRING,
        summary="no successful sync in 48 hours",
        details={"company": "Acme Plumbing", "environment": "integration", "subject": "integration:1001",
                 "action": "Check that servicetitan_sync runs.", "numbers": {"last_success_at": "never"}},
        first_seen_at=now,
        last_seen_at=now,
        send_count=0,
    )  # fmt: skip
    return Notification(alert, FIRING)


def _links(blocks: list[dict[str, Any]]) -> list[str]:
    return re.findall(r"<([^|>]+)\|", json.dumps(blocks))


@pytest.mark.parametrize(("configured", "base"), BASE_URLS)
def test_alert_and_digest_messages_link_to_the_configured_base_url(
    monkeypatch: pytest.MonkeyPatch, configured: str, base: str
) -> None:
    monkeypatch.setenv("AIRFLOW__API__BASE_URL", configured)
    _text, blocks = alert_message([_firing_alert()])
    # The alert's own link goes to the failed runs (and their logs), not to the generic runs list.
    assert _links(blocks) == [f"{base}/dags/servicetitan_sync/runs?state=failed", f"{base}/servicetitan/dashboard"]
    _text, digest = digest_message([], 0)
    assert _links(digest) == [f"{base}/servicetitan/dashboard"]


def test_without_a_base_url_links_fall_back_to_airflows_own_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AIRFLOW__API__BASE_URL", raising=False)
    monkeypatch.delenv("AIRFLOW__WEBSERVER__BASE_URL", raising=False)
    assert airflow_base_url() == DEFAULT_BASE_URL == "http://localhost:8080"
    _text, blocks = alert_message([_firing_alert()])
    assert _links(blocks)[0] == "http://localhost:8080/dags/servicetitan_sync/runs?state=failed"


@pytest.mark.parametrize(("configured", "base"), BASE_URLS)
def test_the_task_failure_notice_links_to_the_configured_base_url(
    monkeypatch: pytest.MonkeyPatch, slack: SlackReceiver, configured: str, base: str
) -> None:
    from airflow.sdk.execution_time.task_runner import RuntimeTaskInstance

    from servicetitan_pipeline.alerts.task_failure import notify_task_failure

    monkeypatch.setenv("AIRFLOW__API__BASE_URL", configured)
    # The task instance the worker hands its failure callback (its log_url is the one under test).
    ti = RuntimeTaskInstance.model_construct(
        dag_id="servicetitan_sync",
        run_id="manual__2026-11-18T10:00:00+00:00",
        task_id="sync",
        map_index=1,
        try_number=4,
        max_tries=3,
        rendered_map_index="Bright HVAC (integration, tenant 1002)",
    )
    notify_task_failure({"ti": ti, "task_instance": ti, "exception": RuntimeError("boom")})
    (message,) = slack.snapshot()
    assert message["text"].startswith(":x: servicetitan_sync: task sync failed for Bright HVAC (integration, tenant")
    assert (
        f"<{base}/dags/servicetitan_sync/runs/manual__2026-11-18T10%3A00%3A00%2B00%3A00/tasks/sync/mapped/1"
        "?try_number=4|Task log (try 4)>"
    ) in json.dumps(message["blocks"])
