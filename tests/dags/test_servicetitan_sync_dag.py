"""servicetitan_sync as Airflow runs it: a manual run with the trigger form's Params, end to end."""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable
from datetime import timedelta

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
    assert set(sync_dag.task_ids) == {
        "plan",
        "sync",
        "validate_data_quality",
        "update_customers_asset",
        "update_invoices_asset",
    }
    # plan is the setup; validation and the asset updates its teardowns, after every sync ended, succeeded or
    # not, and left out of the run's state: the syncs decide it.
    assert sync_dag.get_task("plan").is_setup
    validate = sync_dag.get_task("validate_data_quality")
    assert (validate.is_teardown, validate.trigger_rule) == (True, "all_done_setup_success")
    assert validate.upstream_task_ids == {"plan", "sync"}
    assert not validate.on_failure_fail_dagrun
    sync_task = sync_dag.get_task("sync")
    assert sync_task.pool == "servicetitan_api"
    assert not sync_task.is_teardown
    # Each asset is updated by its own task, after every batch ended (what a failed batch's good tenants
    # loaded counts too).
    for task_id, asset in [
        ("update_customers_asset", "servicetitan_customers"),
        ("update_invoices_asset", "servicetitan_invoices"),
    ]:
        task = sync_dag.get_task(task_id)
        assert [outlet.name for outlet in task.outlets] == [asset]
        assert (task.is_teardown, task.trigger_rule, task.upstream_task_ids) == (
            True,
            "all_done_setup_success",
            {"plan", "sync"},
        )
        assert not task.on_failure_fail_dagrun
    # Every task fails an expected failure at once and retries anything else.
    from servicetitan_pipeline.sync.expected_failures import NOT_RETRIED

    assert {task.task_id for task in sync_dag.tasks if task.retry_policy is NOT_RETRIED} == set(sync_dag.task_ids)
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
    capfd: pytest.CaptureFixture[str],
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
    task_log = capfd.readouterr().out
    # The run is failed (a sync failed), and what the good sync loaded was still validated.
    assert run.state == "failed"
    # The batch failed at its first try and was not retried (its good tenant would sync again), and its log
    # says why in one line, without a traceback.
    assert [(ti.state, ti.try_number) for ti in run.get_task_instances() if ti.task_id == "sync"] == [("failed", 1)]
    assert "Traceback" not in task_log
    assert _before("1 of 2 tenants of this batch failed (the others completed): Company 1003", "Task exited", task_log)
    assert {ti.task_id: ti.state for ti in run.get_task_instances() if ti.task_id != "sync"} == {
        "plan": "success",
        "validate_data_quality": "success",
        # The good tenant loaded customers; no invoices were synced.
        "update_customers_asset": "success",
        "update_invoices_asset": "skipped",
    }
    # The failed task told Slack, once, naming the credential and never a secret.
    (message,) = messages
    assert "servicetitan_sync: task sync failed for Company 1003 (integration, tenant 1003)" in message["text"]
    assert "secret-1003" not in message["text"]
    assert "try (try 1 of 4): not retried, the batch already retried each tenant itself" in message["text"]
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


def test_a_wrong_credential_is_refused_before_anything_runs(
    make_world: Callable[..., SyncWorld],
    sync_dag,  # type: ignore[no-untyped-def]
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    world = make_world(tenant(1001))
    from airflow.models.connection import Connection
    from airflow.utils.session import create_session

    with SlackReceiver() as slack:
        with create_session() as session:
            session.query(Connection).filter(Connection.conn_id == "slack_alerts").delete()
            session.add(Connection(conn_id="slack_alerts", conn_type="slackwebhook", password=slack.webhook_url))
        with caplog.at_level(logging.ERROR):
            run = sync_dag.test(run_conf={"credential": "Company 100l"})
        messages = slack.snapshot()
    assert run.state == "failed"
    # plan failed once (no retry); nothing after it ran, validation included.
    states = {ti.task_id: (ti.state, ti.try_number) for ti in run.get_task_instances()}
    assert states == {
        "plan": ("failed", 1),
        "sync": ("upstream_failed", 0),
        "validate_data_quality": ("upstream_failed", 0),
        "update_customers_asset": ("upstream_failed", 0),
        "update_invoices_asset": ("upstream_failed", 0),
    }
    assert world.logs(1001) == []
    # The log line leads with what happened and what to do; Slack is not told of a typo.
    assert (
        "refused: No credential 'Company 100l': did you mean Company 1001 (integration, tenant 1001)? "
        "Trigger again with 'all' or one of the form's choices" in caplog.text
    )
    assert messages == []
    # The refusal is the task log's last word before Airflow's one line; no traceback follows.
    task_log = capfd.readouterr().out
    assert _before("refused: No credential 'Company 100l'", "Task exited", task_log)
    assert "Traceback" not in task_log


def test_an_unexpected_error_keeps_its_traceback_and_its_retries(
    make_world: Callable[..., SyncWorld],
    sync_dag,  # type: ignore[no-untyped-def]
    capfd: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import airflow.sdk.definitions.dag as dag_module
    from airflow.models.connection import Connection
    from airflow.models.taskinstance import TaskInstance
    from airflow.utils.session import create_session

    from servicetitan_pipeline.sync import airflow_tasks

    make_world(tenant(1001))

    def broken_plan(params: dict[str, object], run_type: str) -> list[dict[str, object]]:
        raise RuntimeError("the database went away")

    sleep = time.sleep

    def waited_out(seconds: float) -> None:
        """dag.test waits for a retry's time a second at a time: the retry delay has passed instead (the scheduler
        counts it from the try's end)."""
        if sys._getframe(1).f_code.co_filename != dag_module.__file__:
            return sleep(seconds)
        with create_session() as session:
            for ti in session.query(TaskInstance).filter(TaskInstance.state == "up_for_retry"):
                ti.end_date = ti.end_date - timedelta(hours=1)
        return None

    monkeypatch.setattr(airflow_tasks, "plan", broken_plan)
    monkeypatch.setattr(time, "sleep", waited_out)
    with SlackReceiver() as slack:
        with create_session() as session:
            session.query(Connection).filter(Connection.conn_id == "slack_alerts").delete()
            session.add(Connection(conn_id="slack_alerts", conn_type="slackwebhook", password=slack.webhook_url))
        run = sync_dag.test(run_conf={"credential": "all"})
        messages = slack.snapshot()
    task_log = capfd.readouterr().out
    # plan's retries=2: three tries, each with its traceback; a message for each retry and one after the last.
    plan = next(ti for ti in run.get_task_instances() if ti.task_id == "plan")
    assert (run.state, plan.state, plan.try_number) == ("failed", "failed", 3)
    assert task_log.count("Task failed with exception") == 3
    assert task_log.count("RuntimeError: the database went away") == 3
    assert "Traceback" in task_log
    assert [message["text"].split(" ")[0] for message in messages] == [":repeat:", ":repeat:", ":x:"]


def _before(first: str, then: str, log: str) -> bool:
    """Whether ``first`` is in the log, and ``then`` follows it."""
    return first in log and then in log[log.index(first) :]


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


def test_more_batches_than_max_map_length_allows_still_syncs_every_credential(
    make_world: Callable[..., SyncWorld],
    sync_dag,  # type: ignore[no-untyped-def]
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # One tenant a batch would take three mapped tasks; Airflow maps at most two: the batches grow instead.
    monkeypatch.setenv("AIRFLOW__CORE__MAX_MAP_LENGTH", "2")
    monkeypatch.setenv("AIRFLOW_VAR_SERVICETITAN_SYNC_SETTINGS", '{"batch_size": 1}')
    world = make_world(tenant(1001), tenant(1002), tenant(1003, faults={"invalid_credentials": True}))
    run = sync_dag.test(run_conf={"credential": "all", "data_type": "customers"})
    batches = sorted(
        (ti.map_index, ti.rendered_map_index, ti.state) for ti in run.get_task_instances() if ti.task_id == "sync"
    )
    assert batches == [
        (0, "Company 1001 (integration, tenant 1001) + 1 more (1\N{EN DASH}2 of 3)", "success"),
        (1, "Company 1003 (integration, tenant 1003)", "failed"),
    ]
    assert run.state == "failed"  # Company 1003's credentials are refused, as they should be
    for tenant_id in (1001, 1002):
        (row,) = world.logs(tenant_id)
        assert row.status == "completed"
        assert world.count("servicetitan_customers", tenant_id) == world.summary(tenant_id)["customers"]
    (refused,) = world.logs(1003)  # attempted once: refused credentials are not retried
    assert refused.status == "failed"


def _asset_events(run_id: str) -> dict[str, dict[str, object]]:
    from airflow.models.asset import AssetEvent, AssetModel
    from airflow.utils.session import create_session

    with create_session() as session:
        rows = (
            session.query(AssetModel.name, AssetEvent.extra)
            .join(AssetEvent, AssetEvent.asset_id == AssetModel.id)
            .filter(AssetEvent.source_dag_id == "servicetitan_sync", AssetEvent.source_run_id == run_id)
            .all()
        )
    return {name: dict(extra) for name, extra in rows}


def test_a_run_that_loaded_records_updates_both_assets_and_one_that_loaded_none_updates_neither(
    make_world: Callable[..., SyncWorld],
    sync_dag,  # type: ignore[no-untyped-def]
) -> None:
    world = make_world(tenant(1001), tenant(1002))
    first = sync_dag.test(run_conf={"credential": "all", "data_type": "both"})
    assert first.state == "success"
    customers = sum(world.summary(t)["customers"] for t in (1001, 1002))
    invoices = sum(world.count("servicetitan_invoices", t) for t in (1001, 1002))
    assert invoices > 0
    events = _asset_events(first.run_id)
    assert {name: (extra["records"], extra["tenants"]) for name, extra in events.items()} == {
        "servicetitan_customers": (customers, 2),
        "servicetitan_invoices": (invoices, 2),
    }
    # Nothing changed at the source: the next run resumes after what it has and loads nothing, so no events.
    second = sync_dag.test(run_conf={"credential": "all", "data_type": "both"})
    assert second.state == "success"
    assert _asset_events(second.run_id) == {}
    states = {ti.task_id: ti.state for ti in second.get_task_instances()}
    assert (states["update_customers_asset"], states["update_invoices_asset"]) == ("skipped", "skipped")


CHOICES = ["Acme Plumbing (integration, tenant 1001)", "Bright HVAC (integration, tenant 1002)"]


def test_the_form_lists_the_choices_of_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    """A plain DagBag reads Variables from the environment only (no metadata database at parse time)."""
    import json

    from airflow.dag_processing.dagbag import DagBag

    monkeypatch.setenv("AIRFLOW_VAR_SERVICETITAN_SYNC_CREDENTIAL_CHOICES", json.dumps(CHOICES))
    dag = DagBag(dag_folder=str(PROJECT_ROOT / "dags" / "servicetitan_sync.py")).dags["servicetitan_sync"]
    schema = dag.params.get_param("credential").schema
    # A string with examples: the form shows a list to pick from and still takes any text.
    assert (schema["type"], schema["examples"]) == ("string", ["all", *CHOICES])
    assert "enum" not in schema


def test_the_dag_processor_puts_the_variable_into_the_serialized_form() -> None:
    """As Airflow runs it: the DAG processor parses the file with the Variable from the metadata database
    (a plain DagBag would see only its default), and the UI's form reads the serialized DAG it wrote."""
    import os
    import subprocess
    import sys

    from airflow.models.serialized_dag import SerializedDagModel
    from airflow.models.variable import Variable
    from airflow.utils.session import create_session

    from servicetitan_pipeline.sync.trigger_form import CHOICES_VARIABLE, publish

    publish(CHOICES)
    # The earlier tests' dag.test() runs wrote the serialized DAG seconds ago; within [core]
    # min_serialized_dag_update_interval (30 s) of that, the processor would keep it as it is.
    environment = {**os.environ, "AIRFLOW__CORE__MIN_SERIALIZED_DAG_UPDATE_INTERVAL": "0"}
    try:
        airflow = os.path.join(os.path.dirname(sys.executable), "airflow")
        result = subprocess.run(
            [airflow, "dag-processor", "--num-runs", "1"], capture_output=True, text=True, env=environment
        )
        assert result.returncode == 0, result.stderr[-2000:]
        with create_session() as session:
            serialized = SerializedDagModel.get("servicetitan_sync", session=session)
            assert serialized is not None
            schema = serialized.dag.params.get_param("credential").schema
    finally:
        Variable.delete(CHOICES_VARIABLE)
    assert schema["examples"] == ["all", *CHOICES]


def test_a_manual_run_is_named_after_what_it_syncs(make_world: Callable[..., SyncWorld], sync_dag) -> None:  # type: ignore[no-untyped-def]
    """The scheduler's listener call when it starts a run, as the plugin registers it."""
    from airflow.models.dagrun import DagRun
    from airflow.utils.session import create_session
    from airflow.utils.state import DagRunState

    make_world(tenant(1001))
    run = sync_dag.test(run_conf={"credential": "integration:1001", "data_type": "invoices", "full_refresh": True})
    with create_session() as session:
        stored = session.query(DagRun).filter(DagRun.run_id == run.run_id).one()
        stored.note = None
        stored.state = DagRunState.RUNNING
        session.flush()
        stored.notify_dagrun_state_changed(msg="started")
    with create_session() as session:
        stored = session.query(DagRun).filter(DagRun.run_id == run.run_id).one()
        assert stored.note == "integration:1001 · invoices · full refresh"
        # A note the user typed is kept.
        stored.note = "rerun for ticket 42"
        session.flush()
        stored.notify_dagrun_state_changed(msg="started")
        assert stored.note == "rerun for ticket 42"
