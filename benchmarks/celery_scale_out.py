"""``make scale-out``: servicetitan_sync under the CeleryExecutor (Redis broker, two workers), checked.

Prepares the ``celery`` profile (Airflow home .airflow/celery, databases airflow_celery and
servicetitan_celery in the embedded PostgreSQL, Redis db 7 as the broker, Celery results in
PostgreSQL), starts the sandbox with N healthy tenants as its own process, onboards them, starts
Airflow's scheduler, DAG processor, API server and Celery workers as processes (logs in
.airflow/celery/logs/), then:

1. runs the DAG (credential=all, data_type=both, full_refresh=true) with ONE worker: one worker's capacity;
2. starts a second worker and runs it again on emptied tables: the speed-up, and both workers used;
3. stops Airflow and runs the same sync with ``airflow dags test`` (local, in one process) on emptied
   tables: the same rows per tenant must come out.

Checks: each run succeeded; every mapped sync ran on a Celery worker, both workers ran some in run 2;
one ``completed`` sync-log row per tenant and run; rows per tenant equal the sandbox's counts (minus bad
records) and equal the local run's. Prints a report and writes bench-results/celery_scale_out.json.
Everything it starts is stopped on exit (also on Ctrl-C), and its Redis db is flushed.

Importing this module is cheap on purpose: the workers import ``worker_hostname`` from it.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parents[1]
RESULTS_FILE = PROJECT_ROOT / "bench-results" / "celery_scale_out.json"
DAG_ID = "servicetitan_sync"
POOL = "servicetitan_api"
APP_KEY = "scale-out-app-key"
FIRST_TENANT = 5001
# What a run reloads; the credentials and the sync-log rows stay (rows are told apart by their run's window).
DATA_TABLES = (
    "servicetitan_data_quality_results",
    "servicetitan_sync_loaded_records",
    "servicetitan_sync_checkpoints",
    "servicetitan_invoices",
    "servicetitan_customers",
)


def worker_hostname() -> str:
    """``[core] hostname_callable`` of the workers: task instances' ``hostname`` then names the Celery
    worker (w1@host, w2@host), which tells two workers on one machine apart."""
    return f"{os.environ.get('SCALE_OUT_WORKER', 'worker')}@{socket.gethostname()}"


class ScaleOutError(RuntimeError):
    """Something did not start or a check failed; the message says what and where to look."""


@dataclass
class Options:
    tenants: int = 8
    customers: int = 1500
    invoices: int = 4000
    concurrency: int = 4
    redis_db: int = 7
    run_timeout: float = 1200.0
    startup_timeout: float = 240.0
    results_file: Path = RESULTS_FILE


@dataclass
class Component:
    name: str
    process: subprocess.Popen[bytes]
    log: Path


@dataclass
class Stack:
    """Every process this script started, stopped in reverse order."""

    log_dir: Path
    env: dict[str, str]
    components: list[Component] = field(default_factory=list)

    def start(self, name: str, argv: list[str], extra_env: dict[str, str] | None = None) -> Component:
        log = self.log_dir / f"{name}.log"
        out = log.open("wb")
        process = subprocess.Popen(
            argv,
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**self.env, **(extra_env or {})},
            cwd=PROJECT_ROOT,
            start_new_session=True,  # its own process group: stopped with all its children
        )
        out.close()
        component = Component(name, process, log)
        self.components.append(component)
        return component

    def stop(self, names: set[str] | None = None) -> None:
        chosen = [c for c in reversed(self.components) if names is None or c.name in names]
        for component in chosen:
            _signal_group(component.process, signal.SIGTERM)
        deadline = time.monotonic() + 30
        for component in chosen:
            try:
                component.process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                _signal_group(component.process, signal.SIGKILL)
                component.process.wait(timeout=10)
            _signal_group(component.process, signal.SIGKILL)  # children left behind by the leader
            self.components.remove(component)

    def check_alive(self, component: Component) -> None:
        if component.process.poll() is not None:
            raise ScaleOutError(
                f"{component.name} exited with status {component.process.returncode}; "
                f"the end of {component.log}:\n{_tail(component.log)}"
            )


def _signal_group(process: subprocess.Popen[bytes], sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, sig)


def _tail(path: Path, lines: int = 40) -> str:
    if not path.exists():
        return "  (no log written)"
    return "\n".join("  " + line for line in path.read_text(errors="replace").splitlines()[-lines:])


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for(what: str, ready: Callable[[], bool], timeout: float, component: Component, stack: Stack) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        stack.check_alive(component)
        with contextlib.suppress(Exception):  # not ready yet: connection refused, table missing, ...
            if ready():
                return time.monotonic() - started
        time.sleep(1)
    raise ScaleOutError(f"{what} not ready after {timeout:.0f} s; the end of {component.log}:\n{_tail(component.log)}")


def _bin(name: str) -> str:
    return shutil.which(name, path=str(Path(sys.executable).parent)) or name


# --- environment -----------------------------------------------------------------------------------


def prepare_environment(options: Options, api_port: int) -> dict[str, str]:
    """The celery profile, with the Celery settings; also exported into this process."""
    env = prepare_profile("celery", "CeleryExecutor", api_port)
    metadata_url = env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]
    celery = {
        "AIRFLOW__CELERY__BROKER_URL": f"redis://127.0.0.1:6379/{options.redis_db}",
        "AIRFLOW__CELERY__RESULT_BACKEND": "db+postgresql://" + metadata_url.split("://", 1)[1],
        "AIRFLOW__CELERY__WORKER_CONCURRENCY": str(options.concurrency),
        # Batches small enough that both workers' slots fill: the sync maps over batches of tenants, and one
        # batch of every tenant would run on one worker.
        "AIRFLOW_VAR_SERVICETITAN_SYNC_SETTINGS": json.dumps(
            {"batch_size": max(1, options.tenants // (2 * options.concurrency))}
        ),
    }
    os.environ.update(celery)
    return {**os.environ}


def prepare_profile(profile: str, executor: str, api_port: int) -> dict[str, str]:
    """A dev profile (its own Airflow home and databases) for a run of real Airflow processes with this
    executor and API port, no scheduled run joining in; also exported into this process."""
    from servicetitan_devtools.dev_environment import DevEnvironment

    os.environ["AIRFLOW__CORE__EXECUTOR"] = executor
    DevEnvironment(profile).prepare()
    settings = {
        "AIRFLOW__CORE__EXECUTOR": executor,
        "AIRFLOW__API__PORT": str(api_port),
        "AIRFLOW__API__BASE_URL": f"http://127.0.0.1:{api_port}",
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{api_port}/execution/",
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "True",
        # The scheduler serves task logs on this port: 8793 by default, which another stack may hold.
        "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(free_port()),
        # No scheduled run may join in: only the runs this script triggers.
        "SERVICETITAN_SYNC_SCHEDULE": "@yearly",
        "PYTHONPATH": os.pathsep.join(p for p in (str(PROJECT_ROOT), os.environ.get("PYTHONPATH", "")) if p),
    }
    os.environ.update(settings)
    return {**os.environ}


def flush_redis(db: int) -> None:
    import redis

    redis.Redis(host="127.0.0.1", port=6379, db=db).flushdb()


def configure_airflow(pool_slots: int, slack_url: str) -> list[str]:
    """airflow_settings.yaml (as ``make run`` imports it), then the pool sized for the workers and
    ``slack_alerts`` pointed at this run's receiver."""
    from airflow.models import Pool
    from airflow.models.connection import Connection
    from airflow.utils.session import create_session

    from servicetitan_devtools.airflow_settings import import_settings

    report = import_settings(PROJECT_ROOT / "airflow_settings.yaml")
    with create_session() as session:
        session.query(Connection).filter(Connection.conn_id == "slack_alerts").delete()
        session.add(Connection(conn_id="slack_alerts", conn_type="slackwebhook", password=slack_url))
        session.query(Connection).filter(Connection.conn_type == "servicetitan").delete()
    Pool.create_or_update_pool(POOL, slots=pool_slots, description="scale-out run", include_deferred=False)
    return report


def empty_tables(only: tuple[str, ...] | None = None) -> None:
    """The project's tables, or ``only`` those."""
    from servicetitan_devtools.database import empty_project_tables
    from servicetitan_pipeline.db.engine import get_engine

    empty_project_tables(get_engine(), only)


# --- sandbox ---------------------------------------------------------------------------------------


def tenant_ids(options: Options) -> list[int]:
    return list(range(FIRST_TENANT, FIRST_TENANT + options.tenants))


def write_sandbox_config(options: Options, path: Path) -> None:
    import yaml

    config = {
        "rate_limit_per_second": 60,
        "tenants": [
            {
                "tenant_id": tenant_id,
                "client_id": f"scale-{tenant_id}",
                "client_secret": f"scale-secret-{tenant_id}",
                "app_key": APP_KEY,
                "customers": options.customers,
                "invoices": options.invoices,
            }
            for tenant_id in tenant_ids(options)
        ],
    }
    path.write_text(yaml.safe_dump(config, sort_keys=False))


def onboard(options: Options, base_url: str) -> None:
    from servicetitan_pipeline.credentials import management
    from servicetitan_pipeline.credentials.secret_store import AirflowConnectionSecretStore
    from servicetitan_pipeline.db.engine import session_scope

    store = AirflowConnectionSecretStore()
    for tenant_id in tenant_ids(options):
        new = management.NewCredential(
            company_name=f"Scale {tenant_id}",
            environment="integration",
            tenant_id=str(tenant_id),
            client_id=f"scale-{tenant_id}",
            client_secret=f"scale-secret-{tenant_id}",
            app_key=APP_KEY,
            base_url=base_url,
        )
        with session_scope() as session:
            management.onboard(session, new, store)


def expected_counts(base_url: str, tenants: list[int]) -> dict[int, dict[str, int]]:
    """The sandbox's own counts minus its bad records (which never load), per tenant."""
    import httpx

    expected = {}
    for tenant_id in tenants:
        summary = httpx.get(f"{base_url}/sandbox/tenants/{tenant_id}/summary", timeout=30).json()
        bad = summary["bad_records"]
        expected[tenant_id] = {
            kind: summary[kind] - bad.get(kind, {}).get("count", 0) for kind in ("customers", "invoices")
        }
    return expected


# --- runs ------------------------------------------------------------------------------------------


def query_metadata(sql: str, params: dict[str, Any]) -> list[Any]:
    import sqlalchemy as sa

    with _metadata_engine().connect() as conn:
        return list(conn.execute(sa.text(sql), params))


def execute_metadata(sql: str, params: dict[str, Any]) -> None:
    """A write to Airflow's metadata database, committed."""
    import sqlalchemy as sa

    with _metadata_engine().begin() as conn:
        conn.execute(sa.text(sql), params)


_ENGINES: dict[str, Any] = {}


def _metadata_engine() -> Any:
    import sqlalchemy as sa

    url = os.environ["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]
    if url not in _ENGINES:
        _ENGINES[url] = sa.create_engine(url, pool_pre_ping=True)
    return _ENGINES[url]


def airflow_cli(*args: str, timeout: float = 120) -> str:
    result = subprocess.run(
        [_bin("airflow"), *args], capture_output=True, text=True, env=os.environ, timeout=timeout, check=False
    )
    if result.returncode != 0:
        raise ScaleOutError(f"airflow {' '.join(args)} failed:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
    return result.stdout


def run_conf() -> str:
    return json.dumps({"credential": "all", "data_type": "both", "full_refresh": True})


def trigger_and_wait(run_id: str, timeout: float, stack: Stack) -> str:
    trigger(run_id, run_conf())
    return wait_for_run(run_id, timeout, stack)


def trigger(run_id: str, conf: str) -> None:
    airflow_cli("dags", "trigger", DAG_ID, "--run-id", run_id, "--conf", conf)


def wait_for_run(run_id: str, timeout: float, stack: Stack) -> str:
    """The run's final state (success or failed), while every component of ``stack`` stays alive."""
    started = time.monotonic()
    state = "queued"
    while time.monotonic() - started < timeout:
        for component in stack.components:
            stack.check_alive(component)
        rows = query_metadata("SELECT state FROM dag_run WHERE dag_id = :d AND run_id = :r", {"d": DAG_ID, "r": run_id})
        state = rows[0][0] if rows else "missing"
        if state in ("success", "failed"):
            return str(state)
        time.sleep(3)
    raise ScaleOutError(f"run {run_id} still {state} after {timeout:.0f} s; see {stack.log_dir}")


@dataclass
class RunResult:
    label: str
    run_id: str
    state: str
    workers: int
    wall_seconds: float
    sync_phase_seconds: float
    tasks: list[dict[str, Any]]
    sync_logs: list[dict[str, Any]]
    counts: dict[int, dict[str, int]]

    @property
    def records(self) -> int:
        return sum(int(row["records_processed"]) for row in self.sync_logs)

    def summary(self) -> dict[str, Any]:
        by_host: dict[str, int] = {}
        for task in self.tasks:
            if task["task_id"] == "sync":
                by_host[task["hostname"]] = by_host.get(task["hostname"], 0) + 1
        return {
            "label": self.label,
            "run_id": self.run_id,
            "state": self.state,
            "workers": self.workers,
            "wall_seconds": round(self.wall_seconds, 1),
            "sync_phase_seconds": round(self.sync_phase_seconds, 1),
            "records": self.records,
            "records_per_second": round(self.records / self.sync_phase_seconds, 1) if self.sync_phase_seconds else None,
            "sync_tasks_per_host": by_host,
            "tasks": self.tasks,
            "sync_logs": self.sync_logs,
            "counts": {str(k): v for k, v in self.counts.items()},
        }


def collect(label: str, run_id: str, state: str, workers: int, wall: float, since: datetime) -> RunResult:
    tasks = [
        {
            "task_id": row.task_id,
            "map_index": row.map_index,
            "state": row.state,
            "hostname": row.hostname,
            "executor": row.executor,
            "queue": row.queue,
            "try_number": row.try_number,
            "seconds": round(row.duration or 0.0, 1),
        }
        for row in query_metadata(
            "SELECT task_id, map_index, state, hostname, executor, queue, try_number, duration FROM task_instance"
            " WHERE dag_id = :d AND run_id = :r ORDER BY task_id, map_index",
            {"d": DAG_ID, "r": run_id},
        )
    ]
    phase = query_metadata(
        "SELECT EXTRACT(EPOCH FROM max(end_date) - min(start_date)) FROM task_instance"
        " WHERE dag_id = :d AND run_id = :r AND task_id = 'sync'",
        {"d": DAG_ID, "r": run_id},
    )
    sync_phase = float(phase[0][0] or 0.0) if phase else 0.0
    if not tasks:  # `airflow dags test`: its task instances are kept too, but time it from the sync logs
        sync_phase = 0.0
    sync_logs, counts = project_results(since)
    if not sync_phase and sync_logs:
        sync_phase = max(row["ended"] for row in sync_logs) - min(row["started"] for row in sync_logs)
    return RunResult(label, run_id, state, workers, wall, sync_phase, tasks, sync_logs, counts)


def project_results(since: datetime) -> tuple[list[dict[str, Any]], dict[int, dict[str, int]]]:
    import sqlalchemy as sa

    from servicetitan_pipeline.db.engine import get_engine

    with get_engine().connect() as conn:
        logs = [
            {
                "tenant_id": int(row.tenant_id),
                "status": row.status,
                "data_type": row.data_type,
                "records_processed": int(row.records_processed or 0),
                "records_failed": int(row.records_failed or 0),
                "processing_time_seconds": float(row.processing_time_seconds or 0.0),
                "started": row.started_at.timestamp(),
                "ended": (row.completed_at or row.started_at).timestamp(),
            }
            for row in conn.execute(
                sa.text(
                    "SELECT c.tenant_id, l.status, l.data_type, l.records_processed, l.records_failed,"
                    " l.processing_time_seconds, l.started_at, l.completed_at FROM servicetitan_sync_logs l"
                    " JOIN servicetitan_credentials c ON c.id = l.credential_id WHERE l.started_at >= :since"
                    " ORDER BY c.tenant_id, l.started_at"
                ),
                {"since": since},
            )
        ]
        counts = {
            int(row.tenant_id): {"customers": int(row.customers), "invoices": int(row.invoices)}
            for row in conn.execute(
                sa.text(
                    "SELECT c.tenant_id,"
                    " (SELECT count(*) FROM servicetitan_customers WHERE credential_id = c.id) AS customers,"
                    " (SELECT count(*) FROM servicetitan_invoices WHERE credential_id = c.id) AS invoices"
                    " FROM servicetitan_credentials c ORDER BY c.tenant_id"
                )
            )
        }
    return logs, counts


def celery_run(label: str, workers: int, options: Options, stack: Stack, say: Callable[[str], None]) -> RunResult:
    empty_tables(DATA_TABLES)
    run_id = f"scale_out_{workers}w_{datetime.now(UTC):%Y%m%dT%H%M%S}"
    say(f"  triggering {run_id} ({workers} worker{'s' if workers > 1 else ''}) ...")
    since = datetime.now(UTC)
    started = time.monotonic()
    state = trigger_and_wait(run_id, options.run_timeout, stack)
    result = collect(label, run_id, state, workers, time.monotonic() - started, since)
    say(f"  {run_id}: {state} in {result.wall_seconds:.0f} s (sync phase {result.sync_phase_seconds:.0f} s)")
    return result


def local_run(options: Options, log_file: Path, say: Callable[[str], None]) -> RunResult:
    """The same sync under the local executor: ``airflow dags test``, every task in one process."""
    empty_tables(DATA_TABLES)
    env = {**os.environ, "AIRFLOW__CORE__EXECUTOR": "LocalExecutor"}
    since = datetime.now(UTC)
    started = time.monotonic()
    say("  airflow dags test servicetitan_sync (local, in one process) ...")
    with log_file.open("w") as out:
        subprocess.run(
            [_bin("airflow"), "dags", "test", DAG_ID, "--conf", run_conf()],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            timeout=options.run_timeout,
            check=False,
        )
    state = "did not finish"
    for line in reversed(log_file.read_text(errors="replace").splitlines()):
        if "DagRun Finished" in line and "state=" in line:
            state = line.split("state=", 1)[1].split(",", 1)[0]
            break
    result = collect("local executor (airflow dags test)", "dags-test", state, 1, time.monotonic() - started, since)
    result.tasks = []
    say(f"  local run: {state} in {result.wall_seconds:.0f} s (sync phase {result.sync_phase_seconds:.0f} s)")
    return result


# --- checks and report -----------------------------------------------------------------------------


def check_run(
    run: RunResult, expected: dict[int, dict[str, int]], *, celery: bool, workers: list[str]
) -> list[tuple[str, bool, str]]:
    checks: list[tuple[str, bool, str]] = [(f"{run.label}: run succeeded", run.state == "success", run.state)]
    tenants = sorted(expected)
    if celery:
        syncs = [t for t in run.tasks if t["task_id"] == "sync"]
        on_celery = [t for t in syncs if (t["executor"] or "").endswith("CeleryExecutor") or t["hostname"] in workers]
        on_workers = {t["hostname"] for t in syncs}
        checks.append(
            (
                f"{run.label}: every mapped sync ran on a Celery worker",
                len(syncs) == len(tenants)
                and all(t["state"] == "success" for t in syncs)
                and on_workers <= set(workers),
                f"{len(syncs)} sync tasks, on {', '.join(sorted(on_workers))}; {len(on_celery)} via Celery",
            )
        )
        if len(workers) > 1:
            checks.append(
                (
                    f"{run.label}: both workers ran syncs",
                    on_workers == set(workers),
                    ", ".join(f"{h}: {sum(1 for t in syncs if t['hostname'] == h)}" for h in sorted(workers)),
                )
            )
    completed = [row["tenant_id"] for row in run.sync_logs if row["status"] == "completed"]
    checks.append(
        (
            f"{run.label}: one completed sync-log row per tenant",
            sorted(completed) == tenants and len(run.sync_logs) == len(tenants),
            f"{len(completed)} completed of {len(run.sync_logs)} rows, {len(tenants)} tenants",
        )
    )
    wrong = {t: run.counts.get(t) for t in tenants if run.counts.get(t) != expected[t]}
    checks.append(
        (
            f"{run.label}: rows per tenant = sandbox counts",
            not wrong,
            "all equal" if not wrong else f"differ: {wrong} (expected {[expected[t] for t in wrong]})",
        )
    )
    return checks


def capacity(one: RunResult, two: RunResult, options: Options) -> dict[str, Any]:
    per_task = [
        row["records_processed"] / row["processing_time_seconds"]
        for row in one.sync_logs
        if row["processing_time_seconds"]
    ]
    one_rps = one.records / one.sync_phase_seconds if one.sync_phase_seconds else 0.0
    two_rps = two.records / two.sync_phase_seconds if two.sync_phase_seconds else 0.0
    per_tenant = options.customers + options.invoices
    return {
        "one_worker_records_per_second": round(one_rps, 1),
        "two_workers_records_per_second": round(two_rps, 1),
        "two_workers_records_per_second_per_worker": round(two_rps / 2, 1),
        "speed_up_from_second_worker": round(two_rps / one_rps, 2) if one_rps else None,
        "one_sync_task_records_per_second_median": round(sorted(per_task)[len(per_task) // 2], 1) if per_task else None,
        "records_per_hour_per_worker": int(one_rps * 3600),
        "tenants_per_hour_per_worker": int(one_rps * 3600 / per_tenant) if per_tenant else None,
        "tenant_size_records": per_tenant,
        "worker_concurrency": options.concurrency,
    }


def _table(rows: list[list[str]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  " + "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)) for row in rows
    )


# --- main ------------------------------------------------------------------------------------------


def run(options: Options, say: Callable[[str], None] = print) -> dict[str, Any]:
    api_port = free_port()
    sandbox_port = free_port()
    env = prepare_environment(options, api_port)
    home = Path(env["AIRFLOW_HOME"])
    log_dir = home / "logs" / "scale-out"
    log_dir.mkdir(parents=True, exist_ok=True)
    stack = Stack(log_dir, env)
    say(f"Airflow home {home}; component logs in {log_dir}")
    database = env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].rsplit("/", 1)[-1]
    say(f"metadata DB {database}, broker redis db {options.redis_db}")
    flush_redis(options.redis_db)
    from servicetitan_devtools.slack_receiver import SlackReceiver

    try:
        with SlackReceiver().start() as slack:
            configure_airflow(options.concurrency * 2, slack.webhook_url)
            empty_tables()
            return _run_with_stack(options, stack, api_port, sandbox_port, say)
    finally:
        stack.stop()
        flush_redis(options.redis_db)
        say("stopped everything this run started; redis db flushed")


def _run_with_stack(
    options: Options, stack: Stack, api_port: int, sandbox_port: int, say: Callable[[str], None]
) -> dict[str, Any]:
    import httpx

    tenants = tenant_ids(options)
    config = stack.log_dir / "sandbox.yaml"
    write_sandbox_config(options, config)
    sandbox = stack.start(
        "sandbox", [_bin("servicetitan"), "sandbox", "--port", str(sandbox_port), "--config", str(config)]
    )
    base_url = f"http://127.0.0.1:{sandbox_port}"
    _wait_for("sandbox", lambda: httpx.get(f"{base_url}/sandbox/health").status_code == 200, 60, sandbox, stack)
    onboard(options, base_url)
    expected = expected_counts(base_url, tenants)
    size = f"{options.customers} customers + {options.invoices} invoices"
    say(f"sandbox {base_url}: {len(tenants)} tenants x ({size}); onboarded")

    start_airflow(stack, api_port, options.startup_timeout, say)
    start_worker(stack, "w1", options)
    airflow_cli("dags", "unpause", DAG_ID)

    checks: list[tuple[str, bool, str]] = []
    say("\n-- run 1: one Celery worker --")
    one = celery_run("celery, 1 worker", 1, options, stack, say)
    hosts1 = [worker_name("w1")]
    checks += check_run(one, expected, celery=True, workers=hosts1)

    say("\n-- run 2: two Celery workers --")
    start_worker(stack, "w2", options)
    two = celery_run("celery, 2 workers", 2, options, stack, say)
    hosts2 = [worker_name("w1"), worker_name("w2")]
    checks += check_run(two, expected, celery=True, workers=hosts2)

    say("\n-- run 3: local executor --")
    airflow_cli("dags", "pause", DAG_ID)
    stack.stop({"w1", "w2", "scheduler", "dag-processor", "api-server"})
    local = local_run(options, stack.log_dir / "local-dags-test.log", say)
    checks += check_run(local, expected, celery=False, workers=[])
    same = all(two.counts.get(t) == local.counts.get(t) for t in tenants)
    checks.append(("celery and local runs: same rows per tenant", same, "equal" if same else "differ"))

    figures = capacity(one, two, options)
    result = {
        "name": "celery_scale_out",
        "tenants": len(tenants),
        "customers_per_tenant": options.customers,
        "invoices_per_tenant": options.invoices,
        "pool_slots": options.concurrency * 2,
        "expected_counts": {str(k): v for k, v in expected.items()},
        "runs": [one.summary(), two.summary(), local.summary()],
        "capacity": figures,
        "checks": [{"check": c, "passed": ok, "detail": d} for c, ok, d in checks],
        "passed": all(ok for _, ok, _ in checks),
        "machine": {"python": platform.python_version(), "cpu_count": os.cpu_count(), "platform": platform.platform()},
        "finished_at": datetime.now(UTC).isoformat(),
    }
    report(result, say)
    return result


def start_airflow(stack: Stack, api_port: int, startup_timeout: float, say: Callable[[str], None]) -> None:
    """The API server, scheduler and DAG processor, each waited for until ready (servicetitan_sync parsed);
    the executor is the environment's (``AIRFLOW__CORE__EXECUTOR`` in ``stack.env``)."""
    import httpx

    api = stack.start("api-server", [_bin("airflow"), "api-server", "--port", str(api_port), "--workers", "1"])
    scheduler = stack.start("scheduler", [_bin("airflow"), "scheduler"])
    processor = stack.start("dag-processor", [_bin("airflow"), "dag-processor"])
    health = f"http://127.0.0.1:{api_port}/api/v2/monitor/health"
    waited = _wait_for("API server", lambda: httpx.get(health).status_code == 200, startup_timeout, api, stack)
    say(f"  api-server ready ({waited:.0f} s)")
    waited = _wait_for(
        "scheduler",
        lambda: httpx.get(health).json()["scheduler"]["status"] == "healthy",
        startup_timeout,
        scheduler,
        stack,
    )
    say(f"  scheduler ready ({waited:.0f} s)")
    waited = _wait_for(
        "DAG processor (servicetitan_sync parsed)",
        lambda: bool(query_metadata("SELECT 1 FROM serialized_dag WHERE dag_id = :d", {"d": DAG_ID})),
        startup_timeout,
        processor,
        stack,
    )
    say(f"  dag-processor ready: {DAG_ID} parsed ({waited:.0f} s)")


def worker_name(short: str) -> str:
    return f"{short}@{socket.gethostname()}"


def start_worker(stack: Stack, short: str, options: Options) -> None:
    worker = stack.start(
        short,
        [
            _bin("airflow"),
            "celery",
            "worker",
            "--celery-hostname",
            f"{short}@%h",
            "--concurrency",
            str(options.concurrency),
            "--skip-serve-logs",  # two workers on one machine would both want port 8793
        ],
        {
            "SCALE_OUT_WORKER": short,
            "AIRFLOW__CORE__HOSTNAME_CALLABLE": "benchmarks.celery_scale_out.worker_hostname",
        },
    )
    waited = _wait_for(
        f"Celery worker {short}",
        lambda: " ready." in worker.log.read_text(errors="replace"),
        options.startup_timeout,
        worker,
        stack,
    )
    print(f"  celery worker {short} ready ({waited:.0f} s, concurrency {options.concurrency})", flush=True)


def report(result: dict[str, Any], say: Callable[[str], None]) -> None:
    say("\n== scale-out report ==")
    rows = [["RUN", "STATE", "WALL s", "SYNC PHASE s", "RECORDS", "RECORDS/s", "SYNC TASKS PER WORKER"]]
    for run_ in result["runs"]:
        hosts = ", ".join(f"{h.split('@')[0]}: {n}" for h, n in sorted(run_["sync_tasks_per_host"].items())) or "-"
        rows.append(
            [
                run_["label"],
                run_["state"],
                f"{run_['wall_seconds']:.0f}",
                f"{run_['sync_phase_seconds']:.0f}",
                f"{run_['records']:,}",
                f"{run_['records_per_second'] or 0:,.0f}",
                hosts,
            ]
        )
    say(_table(rows))
    say("\nrows per tenant (customers / invoices): sandbox | celery 2 workers | local")
    two, local = result["runs"][1], result["runs"][2]
    for tenant, want in result["expected_counts"].items():
        got, base = two["counts"].get(tenant, {}), local["counts"].get(tenant, {})
        say(
            f"  {tenant}: {want['customers']} / {want['invoices']} | {got.get('customers')} / {got.get('invoices')}"
            f" | {base.get('customers')} / {base.get('invoices')}"
        )
    cap = result["capacity"]
    say(
        f"\none worker (concurrency {cap['worker_concurrency']}): {cap['one_worker_records_per_second']:,.0f} records/s"
        f" = {cap['records_per_hour_per_worker']:,} records/hour = {cap['tenants_per_hour_per_worker']:,} tenants/hour"
        f" of {cap['tenant_size_records']:,} records (full refresh)"
    )
    say(
        f"two workers: {cap['two_workers_records_per_second']:,.0f} records/s"
        f" (speed-up x{cap['speed_up_from_second_worker']}); one sync task alone:"
        f" {cap['one_sync_task_records_per_second_median']} records/s (median)"
    )
    say(f"machine: {result['machine']['cpu_count']} CPUs; every process of the run shares them")
    say("\nchecks:")
    for check in result["checks"]:
        say(f"  [{'ok' if check['passed'] else 'FAILED'}] {check['check']}: {check['detail']}")
    say(f"\n{'PASSED' if result['passed'] else 'FAILED'}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.celery_scale_out", description=__doc__.splitlines()[0])
    defaults = Options()
    parser.add_argument("--tenants", type=int, default=defaults.tenants)
    parser.add_argument("--customers", type=int, default=defaults.customers, help="per tenant")
    parser.add_argument("--invoices", type=int, default=defaults.invoices, help="per tenant")
    parser.add_argument("--concurrency", type=int, default=defaults.concurrency, help="per worker")
    parser.add_argument("--redis-db", type=int, default=defaults.redis_db, help="flushed at start and end")
    parser.add_argument("--run-timeout", type=float, default=defaults.run_timeout, help="seconds per DAG run")
    parser.add_argument("--results-file", type=Path, default=defaults.results_file)
    args = parser.parse_args(argv)
    options = Options(
        tenants=args.tenants,
        customers=args.customers,
        invoices=args.invoices,
        concurrency=args.concurrency,
        redis_db=args.redis_db,
        run_timeout=args.run_timeout,
        results_file=args.results_file,
    )
    return run_and_save(lambda say: run(options, say), options.results_file, passed=lambda result: result["passed"])


def run_and_save(
    run: Callable[[Callable[[str], None]], dict[str, Any]],
    results_file: Path,
    passed: Callable[[dict[str, Any]], bool] = lambda _: True,
) -> int:
    """The ending of a benchmark that runs real Airflow: progress to stdout, the result to ``results_file``,
    and an exit status (1: a stack error or a failed check; 130: interrupted)."""

    def say(line: str) -> None:
        print(line, flush=True)

    # `kill` stops it as cleanly as Ctrl-C does: the finally blocks stop what it started.
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    try:
        result = run(say)
    except ScaleOutError as error:
        say(f"\nerror: {error}")
        return 1
    except KeyboardInterrupt:
        say("\ninterrupted")
        return 130
    results_file.parent.mkdir(parents=True, exist_ok=True)
    results_file.write_text(json.dumps(result, indent=2, default=str))
    say(f"-> {results_file}")
    return 0 if passed(result) else 1


if __name__ == "__main__":
    sys.exit(main())
