"""servicetitan_sync as Airflow runs it: a manual run with the trigger form's Params, end to end."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest
import sqlalchemy as sa

from servicetitan_devtools.dev_environment import PROJECT_ROOT
from servicetitan_devtools.slack_receiver import SlackReceiver
from tests.sync_world import SyncWorld, tenant


@pytest.fixture(scope="module")
def sync_dag():  # type: ignore[no-untyped-def]
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(PROJECT_ROOT / "dags" / "servicetitan_sync.py")).dags["servicetitan_sync"]


@pytest.fixture(autouse=True)
def no_earlier_runs() -> None:
    """dag.test also works on runs it finds unfinished; an interrupted earlier test run must not leak in."""
    from airflow.models.dagrun import DagRun
    from airflow.utils.session import create_session

    with create_session() as session:
        session.query(DagRun).filter(DagRun.dag_id == "servicetitan_sync").delete()


def test_shape(sync_dag) -> None:  # type: ignore[no-untyped-def]
    assert set(sync_dag.task_ids) == {"plan", "sync", "validate_data_quality", "fail_run_if_a_sync_failed"}
    # Validation runs after every sync ended, succeeded or not.
    assert sync_dag.get_task("validate_data_quality").trigger_rule == "all_done"
    assert sync_dag.get_task("validate_data_quality").upstream_task_ids == {"sync"}
    assert sync_dag.get_task("fail_run_if_a_sync_failed").trigger_rule == "one_failed"
    sync_task = sync_dag.get_task("sync")
    assert sync_task.pool == "servicetitan_api"
    assert sync_dag.params["data_type"] == "both"
    assert sync_dag.params["credential"] == "all"
    assert sync_dag.params["full_refresh"] is False


def test_manual_run_from_the_trigger_form(make_world: Callable[..., SyncWorld], sync_dag) -> None:  # type: ignore[no-untyped-def]
    from airflow.models import Pool

    Pool.create_or_update_pool("servicetitan_api", slots=4, description="test", include_deferred=False)
    world = make_world(tenant(1001), tenant(1003, faults={"invalid_credentials": True}))
    world.sync(1001, "customers")  # as the hourly run would have: invoices are checked against customers
    run = sync_dag.test(run_conf={"credential": "integration:1001", "data_type": "invoices", "full_refresh": False})
    assert run.state == "success"
    _, row = world.logs(1001)
    assert (row.sync_type, row.data_type, row.status) == ("manual", "invoices", "completed")
    assert world.count("servicetitan_invoices", 1001) == world.summary(1001)["invoices"]
    assert world.logs(1003) == []  # not chosen, not touched
    # What the sync loaded was validated in the same run: one data-quality result, every record in it.
    with world.engine.connect() as conn:
        quality = conn.execute(
            sa.text("SELECT * FROM servicetitan_data_quality_results WHERE sync_log_id = :id"), {"id": row.id}
        ).one()
    assert (quality.data_type, quality.total_records, quality.score) == ("invoices", row.records_successful, 100)


def test_all_credentials_one_failing_does_not_stop_the_other(
    make_world: Callable[..., SyncWorld],
    sync_dag,  # type: ignore[no-untyped-def]
) -> None:
    world = make_world(tenant(1001), tenant(1003, faults={"invalid_credentials": True}))
    from airflow.models.connection import Connection
    from airflow.utils.session import create_session

    with SlackReceiver() as slack:
        # As airflow_settings.yaml defines it: a connection in the metadata database.
        with create_session() as session:
            session.query(Connection).filter(Connection.conn_id == "slack_alerts").delete()
            session.add(Connection(conn_id="slack_alerts", conn_type="slackwebhook", password=slack.webhook_url))
        run = sync_dag.test(run_conf={"credential": "all", "data_type": "customers"})
        messages = slack.snapshot()
    # The run is failed (a sync failed), and what the good sync loaded was still validated.
    assert run.state == "failed"
    assert {ti.task_id: ti.state for ti in run.get_task_instances() if ti.task_id != "sync"} == {
        "plan": "success",
        "validate_data_quality": "success",
        "fail_run_if_a_sync_failed": "failed",
    }
    # The failed task told Slack, once, naming the credential and never a secret.
    (message,) = messages
    assert "servicetitan_sync: task sync failed for Company 1003 (integration, tenant 1003)" in message["text"]
    assert "secret-1003" not in message["text"]
    (good,) = world.logs(1001)
    assert good.status == "completed"
    failed = world.logs(1003)
    assert failed
    assert all(row.status == "failed" for row in failed)
    with world.engine.connect() as conn:
        assert (
            conn.execute(sa.text("SELECT count(*) FROM servicetitan_sync_logs WHERE status = 'running'")).scalar_one()
            == 0
        )


def test_bad_params_fail_at_once(make_world: Callable[..., SyncWorld], sync_dag) -> None:  # type: ignore[no-untyped-def]
    world = make_world(tenant(1001))
    run = sync_dag.test(run_conf={"credential": "No Such Company"})
    assert run.state == "failed"
    assert world.logs(1001) == []


def test_sync_task_log_has_no_masking_warning(
    make_world: Callable[..., SyncWorld],
    sync_dag,  # type: ignore[no-untyped-def]
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from airflow._shared.secrets_masker import SecretsMasker
    from airflow.sdk._shared.secrets_masker import SecretsMasker as TaskSecretsMasker

    # The masker warns once a process: this run must be free to warn if anything gives it a short secret.
    for masker in (SecretsMasker, TaskSecretsMasker):
        monkeypatch.setattr(masker, "_has_warned_short_secret", False)
    world = make_world(tenant(1001))
    with caplog.at_level(logging.WARNING):
        run = sync_dag.test(run_conf={"credential": "integration:1001", "data_type": "customers"})
    assert run.state == "success"
    (row,) = world.logs(1001)
    assert row.status == "completed"  # the sync task read the credential's connection and ran
    assert "Skipping masking" not in caplog.text
