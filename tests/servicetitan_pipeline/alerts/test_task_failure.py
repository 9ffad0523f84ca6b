"""The Slack message of a failed servicetitan_sync task: what failed, for whom, why, last try or not, and links
(the task log, the connection to fix), rendered as Slack shows it."""

from __future__ import annotations

import json
from typing import Any

import pytest

from servicetitan_pipeline.alerts.task_failure import failed_tenants, task_failure_message

CREST_ID = "0b6c3c4e-8f7a-4c1e-9a55-1b2c3d4e5f60"
BASE = "https://airflow.example.com/ops"


class BatchFailed(Exception):
    """As sync.airflow_tasks.TenantsFailed: the failed tenants, with their credential and error."""

    def __init__(self, failures: list[dict[str, str]]) -> None:
        super().__init__(f"{len(failures)} of 3 tenants of this batch failed (the others completed)")
        self.failed_tenants = [failure["label"] for failure in failures]
        self.failures = failures


def _ti(**values: Any) -> Any:
    from airflow.sdk.execution_time.task_runner import RuntimeTaskInstance

    defaults: dict[str, Any] = {
        "dag_id": "servicetitan_sync",
        "run_id": "manual__2026-11-18T10:00:00+00:00",
        "task_id": "sync",
        "map_index": 1,
        "try_number": 1,
        "max_tries": 3,
        "rendered_map_index": "Acme Plumbing (integration, tenant 1001) … Crest Electric (integration, tenant 1003)",
    }
    return RuntimeTaskInstance.model_construct(**{**defaults, **values})


def _rendered(blocks: list[dict[str, Any]]) -> str:
    return "\n".join(block["text"]["text"] for block in blocks)


@pytest.fixture(autouse=True)
def _base_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIRFLOW__API__BASE_URL", BASE + "/")


def test_a_refused_tenant_is_named_once_with_the_reason_the_log_and_the_connection_to_fix() -> None:
    crest = "Crest Electric (integration, tenant 1003)"
    error = (
        "tenant 1003 (integration, connection 'servicetitan_crest'): ServiceTitan refused the credentials"
        " (invalid_client): client_secret=s3cr3t-value is wrong\nTraceback…"
    )
    exception = BatchFailed([{"label": crest, "credential_id": CREST_ID, "error": error}])
    text, blocks = task_failure_message({"ti": _ti(), "exception": exception}, {CREST_ID: "servicetitan_crest"})
    rendered = _rendered(blocks)
    print(rendered)
    assert rendered.startswith(f":x: *servicetitan_sync: task sync failed for {crest}*")
    # Named once, in the headline, never as "(integration, integration:1003)".
    assert rendered.count("Crest Electric") == 1
    assert rendered.count("1003") == 1
    assert "integration:1003" not in rendered
    assert "*Why:* ServiceTitan refused the credentials (invalid_client): client_secret=*** is wrong" in rendered
    assert "s3cr3t" not in json.dumps([text, blocks])
    assert "Traceback" not in rendered
    assert "*Retries:* last try (try 1 of 4): not retried, the batch already retried each tenant itself" in rendered
    log_url = f"{BASE}/dags/servicetitan_sync/runs/manual__2026-11-18T10%3A00%3A00%2B00%3A00/tasks/sync/mapped/1"
    assert f"<{log_url}?try_number=1|Task log (try 1)>" in rendered
    assert f"<{BASE}/connections?name_pattern=servicetitan_crest|fix the connection servicetitan_crest>" in rendered
    assert "localhost" not in rendered
    assert text.startswith(f":x: servicetitan_sync: task sync failed for {crest}. Why: ServiceTitan refused the")


def test_a_task_that_used_its_retries_says_last_try() -> None:
    exception = RuntimeError("could not connect to server: Connection refused\n\tIs the server running?")
    ti = _ti(task_id="validate_data_quality", map_index=-1, try_number=3, max_tries=2, rendered_map_index=None)
    _text, blocks = task_failure_message({"ti": ti, "exception": exception, "params": {"credential": "all"}})
    rendered = _rendered(blocks)
    print(rendered)
    assert "task validate_data_quality failed for the run's request (every active credential, data type both)" in (
        rendered
    )
    assert "*Why:* could not connect to server: Connection refused\n" in rendered
    assert "*Retries:* last try (try 3 of 3)" in rendered
    assert "all credentials" not in rendered


def test_a_plan_failure_names_the_credential_asked_for_not_all_credentials() -> None:
    exception = ValueError("No credential matches 'Acme Plumbng'. Choose 'all' or one of: Acme Plumbing (…)")
    ti = _ti(task_id="plan", map_index=-1, try_number=1, max_tries=0, rendered_map_index=None)
    params = {"credential": "Acme Plumbng", "data_type": "invoices"}
    text, _blocks = task_failure_message({"ti": ti, "exception": exception, "params": params})
    assert text.startswith(
        ":x: servicetitan_sync: task plan failed for the run's request"
        ' (credential "Acme Plumbng", data type invoices).'
        " Why: No credential matches 'Acme Plumbng'."
    )
    assert text.endswith("Last try (try 1 of 1).")


def test_a_failed_batch_names_its_failed_tenants() -> None:
    exception = BatchFailed([{"label": name, "credential_id": "x", "error": "e"} for name in ("Crest", "Dune")])
    assert failed_tenants(exception) == "Crest, Dune"


def test_many_failed_tenants_are_counted_past_ten() -> None:
    exception = BatchFailed([{"label": f"Tenant {i}", "credential_id": str(i), "error": "503"} for i in range(25)])
    assert failed_tenants(exception).endswith("Tenant 9 and 15 more")
    _text, blocks = task_failure_message({"ti": _ti(), "exception": exception})
    assert "• *Tenant 0*: 503" in _rendered(blocks)
    assert "• … and 15 more tenants: the task log names them all" in _rendered(blocks)


def test_another_failure_names_no_tenant() -> None:
    assert failed_tenants(RuntimeError("the database is down")) == ""
    assert failed_tenants(None) == ""


def test_a_try_that_airflow_retries_says_when_and_which_try_comes_next() -> None:
    from datetime import UTC, datetime, timedelta
    from types import SimpleNamespace

    from servicetitan_pipeline.alerts.task_failure import next_retry_at

    ti = _ti(task_id="validate_data_quality", map_index=-1, try_number=1, max_tries=3, rendered_map_index=None)
    # servicetitan_sync's default_args: 2 minutes, doubling, at most 30 minutes.
    task = SimpleNamespace(
        retry_delay=timedelta(minutes=2), retry_exponential_backoff=2.0, max_retry_delay=timedelta(minutes=30)
    )
    failed_at = datetime(2026, 11, 18, 10, 0, tzinfo=UTC)
    retry_at = next_retry_at(ti, task, None, failed_at)
    assert failed_at + timedelta(minutes=2) <= retry_at < failed_at + timedelta(minutes=4)
    assert retry_at == next_retry_at(ti, task, None, failed_at)  # deterministic, as Airflow's scheduler
    late = _ti(task_id="validate_data_quality", try_number=6, max_tries=8)
    assert next_retry_at(late, task, None, failed_at) == failed_at + timedelta(minutes=30)

    exception = RuntimeError("server closed the connection unexpectedly")
    text, blocks = task_failure_message({"ti": ti, "exception": exception}, retry_at=retry_at)
    rendered = _rendered(blocks)
    print(rendered)
    assert rendered.startswith(":repeat: *servicetitan_sync: task validate_data_quality failed for")
    assert f"*Retries:* will retry at {retry_at:%H:%M} UTC, try 2 of 4" in rendered
    assert "last try" not in text
