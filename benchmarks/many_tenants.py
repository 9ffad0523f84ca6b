"""many_tenants: N small tenants through servicetitan_sync under the scheduler (LocalExecutor), first and incremental.

For each size (default 500 and 5,000): the sandbox serves N generated healthy tenants of ``customers`` +
``invoices`` records with ``latency_ms`` added to every API call; they are onboarded as an operator
would (``management.onboard``, one credential at a time); then the DAG is triggered twice through the
scheduler, as one machine runs it (LocalExecutor, as `make run`; Celery is for more machines), a
first run and an incremental one. Each run is measured from the trigger to the run's end:

- completed / failed: tenants with a ``completed`` sync-log row in the run's window / tenants with rows
  but none completed. Read from the sync-log table, whatever the DAG's tasks are called or hold.
- peak RSS: the resident memory of the scheduler's descendants (the executor's workers and the task
  processes they start), shared pages counted once (PSS), sampled twice a second.
- peak PostgreSQL connections: ``pg_stat_activity`` rows on the project database, sampled likewise.

A run that does not finish within ``run_timeout`` is marked failed and reported as such. Airflow (own
profile ``tenants``: .airflow/tenants, databases airflow_tenants and servicetitan_tenants) is started
once; everything started is stopped on exit. Component logs: .airflow/tenants/logs/many-tenants/.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks.celery_scale_out import (
    DAG_ID,
    POOL,
    PROJECT_ROOT,
    ScaleOutError,
    Stack,
    _bin,
    _wait_for,
    airflow_cli,
    configure_airflow,
    empty_tables,
    execute_metadata,
    free_port,
    prepare_profile,
    query_metadata,
    run_and_save,
    start_airflow,
    trigger,
    wait_for_run,
)

RESULTS_FILE = PROJECT_ROOT / "bench-results" / "many_tenants.json"
PROFILE = "tenants"
DEFAULT_SIZES = (500, 5000)
FIRST_TENANT = 200_001
RUNS = ("first", "incremental")
APP_KEY = "many-tenants-app-key"
SAMPLE_SECONDS = 0.5


@dataclass
class Options:
    sizes: tuple[int, ...] = DEFAULT_SIZES
    customers: int = 50
    invoices: int = 50
    latency_ms: int = 100
    run_timeout: float = 3600.0
    startup_timeout: float = 240.0
    results_file: Path = RESULTS_FILE


# --- pure: the sandbox config, the figures, the table ------------------------------------------------


def sandbox_config(tenants: int, options: Options) -> dict[str, Any]:
    """N generated healthy tenants; the rate limit is ServiceTitan's (per tenant, so never the bottleneck)."""
    return {
        "rate_limit_per_second": 60,
        "generated_tenants": {
            "count": tenants,
            "first_tenant_id": FIRST_TENANT,
            "client_id": "many-{tenant_id}",
            "client_secret": "many-secret-{tenant_id}",
            "app_key": APP_KEY,
            "customers": options.customers,
            "invoices": options.invoices,
            "faults": {"latency_ms": options.latency_ms},
        },
    }


def run_figures(
    *,
    tenants: int,
    run: str,
    state: str,
    completed: int,
    failed: int,
    seconds: float,
    peak_rss_mb: float,
    peak_pg_connections: int,
    error: str | None = None,
) -> dict[str, Any]:
    """One row of ``{"runs": [...]}``; tenants per second counts completed tenants only."""
    figures: dict[str, Any] = {
        "tenants": tenants,
        "run": run,
        "state": state,
        "completed": completed,
        "failed": failed,
        "dag_run_seconds": round(seconds, 1),
        "tenants_per_second": round(completed / seconds, 2) if seconds > 0 else 0.0,
        "peak_rss_mb": round(peak_rss_mb, 1),
        "peak_pg_connections": peak_pg_connections,
    }
    if error:
        figures["error"] = error
    return figures


def per_tenant_cost_ratio(runs: list[dict[str, Any]], run: str = "incremental") -> float | None:
    """Seconds per completed tenant at the largest size over that at the smallest (the goal: at most 1.3)."""
    chosen = sorted((r for r in runs if r["run"] == run and r["completed"]), key=lambda r: r["tenants"])
    if len(chosen) < 2 or chosen[0]["tenants"] == chosen[-1]["tenants"]:
        return None
    small, large = chosen[0], chosen[-1]
    ratio = (large["dag_run_seconds"] / large["completed"]) / (small["dag_run_seconds"] / small["completed"])
    return round(float(ratio), 2)


def format_table(runs: list[dict[str, Any]]) -> str:
    header = ["TENANTS", "RUN", "STATE", "COMPLETED", "FAILED", "DAG RUN s", "TENANTS/s", "PEAK RSS MB", "PEAK PG"]
    rows = [header] + [
        [
            f"{r['tenants']:,}",
            r["run"],
            r["state"],
            f"{r['completed']:,}",
            f"{r['failed']:,}",
            f"{r['dag_run_seconds']:.1f}",
            f"{r['tenants_per_second']:.2f}",
            f"{r['peak_rss_mb']:.0f}",
            str(r["peak_pg_connections"]),
        ]
        for r in runs
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = [
        "  "
        + "  ".join(
            cell.rjust(w) if i != 1 else cell.ljust(w) for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        )
        for row in rows
    ]
    errors = [f"  {r['tenants']:,} {r['run']}: {r['error']}" for r in runs if r.get("error")]
    return "\n".join(lines + errors)


def result_rows(runs: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    """The rows ``python -m benchmarks`` prints: label, figure, note."""
    return [
        (
            f"{r['tenants']:,} tenants, {r['run']} run",
            f"{r['tenants_per_second']:.2f} tenants/s",
            f"{r['state']}: {r['completed']:,} completed, {r['failed']:,} failed in {r['dag_run_seconds']:.0f} s;"
            f" peak RSS {r['peak_rss_mb']:.0f} MB, peak {r['peak_pg_connections']} PostgreSQL connections",
        )
        for r in runs
    ]


# --- sampling ---------------------------------------------------------------------------------------


@dataclass
class Peaks:
    rss_mb: float = 0.0
    pg_connections: int = 0


@dataclass
class Sampler:
    """Samples, in a thread, the RSS of ``root``'s descendants and the connections to ``database``."""

    root_pid: int
    database: str
    peaks: Peaks = field(default_factory=Peaks)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def __enter__(self) -> Peaks:
        self._thread = threading.Thread(target=self._loop, name="many-tenants-sampler", daemon=True)
        self._thread.start()
        return self.peaks

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _loop(self) -> None:
        while not self._stop.is_set():
            with contextlib.suppress(Exception):  # a process that exits while it is read
                self.peaks.rss_mb = max(self.peaks.rss_mb, descendants_rss_mb(self.root_pid))
            with contextlib.suppress(Exception):
                rows = query_metadata("SELECT count(*) FROM pg_stat_activity WHERE datname = :d", {"d": self.database})
                self.peaks.pg_connections = max(self.peaks.pg_connections, int(rows[0][0]))
            self._stop.wait(SAMPLE_SECONDS)


def descendants_rss_mb(pid: int) -> float:
    """Their resident memory, each shared page counted once (PSS): the executor's workers are forked from
    the scheduler and share most of their pages, which a sum of plain RSS would count once per process."""
    import psutil

    total = 0
    for child in psutil.Process(pid).children(recursive=True):
        with contextlib.suppress(psutil.Error):
            total += child.memory_full_info().pss
    return total / 2**20


# --- steps ------------------------------------------------------------------------------------------


def pool_slots() -> int:
    """The API pool as airflow_settings.yaml sizes it (what `make run` gets)."""
    import yaml

    settings = yaml.safe_load((PROJECT_ROOT / "airflow_settings.yaml").read_text())
    pools = settings["airflow"]["pools"]
    return int(next(p["pool_slot"] for p in pools if p["pool_name"] == POOL))


def tenant_ids(tenants: int) -> range:
    return range(FIRST_TENANT, FIRST_TENANT + tenants)


def onboard(tenants: int, base_url: str) -> float:
    """Each tenant as `servicetitan credentials add` onboards it (one transaction each); seconds taken."""
    from servicetitan_pipeline.credentials import management
    from servicetitan_pipeline.credentials.secret_store import AirflowConnectionSecretStore
    from servicetitan_pipeline.db.engine import session_scope

    store = AirflowConnectionSecretStore()
    started = time.monotonic()
    for tenant_id in tenant_ids(tenants):
        new = management.NewCredential(
            company_name=f"Many {tenant_id}",
            environment="integration",
            tenant_id=str(tenant_id),
            client_id=f"many-{tenant_id}",
            client_secret=f"many-secret-{tenant_id}",
            app_key=APP_KEY,
            base_url=base_url,
        )
        with session_scope() as session:
            management.onboard(session, new, store)
    return time.monotonic() - started


def sync_log_outcome(since: datetime) -> tuple[int, int]:
    """(tenants with a completed sync-log row since ``since``, tenants with rows but none completed)."""
    import sqlalchemy as sa

    from servicetitan_pipeline.db.engine import get_engine

    with get_engine().connect() as conn:
        row = conn.execute(
            sa.text(
                "SELECT count(*) FILTER (WHERE done), count(*) FILTER (WHERE NOT done) FROM ("
                " SELECT credential_id, bool_or(status = 'completed') AS done FROM servicetitan_sync_logs"
                " WHERE started_at >= :since GROUP BY credential_id) AS per_tenant"
            ),
            {"since": since},
        ).one()
    return int(row[0]), int(row[1])


def failure_summary(run_id: str) -> str | None:
    """Which tasks of the run failed or are still waiting for a retry (what a reader looks for first)."""
    rows = query_metadata(
        "SELECT task_id, state, count(*) FROM task_instance WHERE dag_id = :d AND run_id = :r"
        " AND state IN ('failed', 'up_for_retry', 'upstream_failed') GROUP BY task_id, state ORDER BY task_id",
        {"d": DAG_ID, "r": run_id},
    )
    return "; ".join(f"{task} {state} x{count}" for task, state, count in rows) or None


def one_run(
    tenants: int, label: str, options: Options, stack: Stack, database: str, say: Callable[[str], None]
) -> dict[str, Any]:
    run_id = f"many_tenants_{tenants}_{label}_{datetime.now(UTC):%Y%m%dT%H%M%S}"
    conf = json.dumps({"credential": "all", "data_type": "both", "full_refresh": False})
    scheduler = next(c for c in stack.components if c.name == "scheduler")
    say(f"  {run_id}: triggered")
    since = datetime.now(UTC)
    started = time.monotonic()
    error = None
    with Sampler(scheduler.process.pid, database) as peaks:
        trigger(run_id, conf)
        try:
            state = wait_for_run(run_id, options.run_timeout, stack)
        except ScaleOutError as exc:
            if not str(exc).startswith(f"run {run_id} still"):
                raise  # a component died: nothing more can be measured
            state, error = "timed out", f"not finished after {options.run_timeout:.0f} s: marked failed"
            execute_metadata(
                "UPDATE dag_run SET state = 'failed' WHERE dag_id = :d AND run_id = :r", {"d": DAG_ID, "r": run_id}
            )
    seconds = time.monotonic() - started
    completed, failed = sync_log_outcome(since)
    if state != "success":
        error = "; ".join(part for part in (error, failure_summary(run_id)) if part) or None
    figures = run_figures(
        tenants=tenants,
        run=label,
        state=state,
        completed=completed,
        failed=failed,
        seconds=seconds,
        peak_rss_mb=peaks.rss_mb,
        peak_pg_connections=peaks.pg_connections,
        error=error,
    )
    say(f"  {run_id}: {state} in {seconds:.0f} s; {completed} completed, {failed} failed")
    return figures


def measure_size(
    tenants: int,
    options: Options,
    stack: Stack,
    ports_and_urls: tuple[int, str],
    database: str,
    say: Callable[[str], None],
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    import httpx
    import yaml

    sandbox_port, slack_url = ports_and_urls
    empty_tables()
    configure_airflow(pool_slots(), slack_url)  # also drops the servicetitan connections of the last size
    config = stack.log_dir / f"sandbox-{tenants}.yaml"
    config.write_text(yaml.safe_dump(sandbox_config(tenants, options), sort_keys=False))
    name = f"sandbox-{tenants}"
    sandbox = stack.start(name, [_bin("servicetitan"), "sandbox", "--port", str(sandbox_port), "--config", str(config)])
    base_url = f"http://127.0.0.1:{sandbox_port}"
    try:
        _wait_for("sandbox", lambda: httpx.get(f"{base_url}/sandbox/health").status_code == 200, 60, sandbox, stack)
        onboarding = onboard(tenants, base_url)
        say(f"{tenants:,} tenants onboarded in {onboarding:.1f} s ({onboarding / tenants * 1000:.1f} ms each)")
        runs = [one_run(tenants, label, options, stack, database, say) for label in RUNS]
    finally:
        stack.stop({name})
    return runs, {
        "tenants": tenants,
        "seconds": round(onboarding, 1),
        "ms_per_credential": round(onboarding / tenants * 1000, 2),
    }


def run(
    tenants: int | None = None, options: Options | None = None, say: Callable[[str], None] = print
) -> dict[str, Any]:
    """What ``python -m benchmarks many_tenants`` runs; ``tenants`` replaces the default sizes."""
    options = options or Options()
    if tenants:
        options.sizes = (tenants,)
    api_port, sandbox_port = free_port(), free_port()
    env = prepare_profile(PROFILE, "LocalExecutor", api_port)
    log_dir = Path(env["AIRFLOW_HOME"]) / "logs" / "many-tenants"
    log_dir.mkdir(parents=True, exist_ok=True)
    stack = Stack(log_dir, env)
    database = env["AIRFLOW_CONN_SERVICETITAN_DB"].rsplit("/", 1)[-1].split("?", 1)[0]
    say(f"Airflow home {env['AIRFLOW_HOME']} (LocalExecutor); project database {database}; logs in {log_dir}")
    from servicetitan_devtools.slack_receiver import SlackReceiver

    runs: list[dict[str, Any]] = []
    onboarding: list[dict[str, Any]] = []
    try:
        with SlackReceiver().start() as slack:
            configure_airflow(pool_slots(), slack.webhook_url)
            empty_tables()
            start_airflow(stack, api_port, options.startup_timeout, say)
            airflow_cli("dags", "unpause", DAG_ID)
            for size in options.sizes:
                say(f"\n-- {size:,} tenants --")
                size_runs, size_onboarding = measure_size(
                    size, options, stack, (sandbox_port, slack.webhook_url), database, say
                )
                runs += size_runs
                onboarding.append(size_onboarding)
    finally:
        stack.stop()
    say("\n" + format_table(runs))
    return results_document(runs, onboarding, options)


def results_document(
    runs: list[dict[str, Any]], onboarding: Iterable[dict[str, Any]], options: Options
) -> dict[str, Any]:
    return {
        "name": "many_tenants",
        "runs": runs,
        "onboarding": list(onboarding),
        "per_tenant_cost_ratio_incremental": per_tenant_cost_ratio(runs),
        "tenant": {"customers": options.customers, "invoices": options.invoices, "latency_ms": options.latency_ms},
        "executor": "LocalExecutor",
        "pool_slots": pool_slots(),
        "rows": result_rows(runs),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.many_tenants", description=__doc__.splitlines()[0])
    defaults = Options()
    parser.add_argument("--tenants", type=int, action="append", help="a size (repeatable); default: 500 and 5000")
    parser.add_argument("--customers", type=int, default=defaults.customers, help="per tenant")
    parser.add_argument("--invoices", type=int, default=defaults.invoices, help="per tenant")
    parser.add_argument("--latency-ms", type=int, default=defaults.latency_ms, help="added to every API call")
    parser.add_argument("--run-timeout", type=float, default=defaults.run_timeout, help="seconds per DAG run")
    parser.add_argument("--results-file", type=Path, default=defaults.results_file)
    args = parser.parse_args(argv)
    options = Options(
        sizes=tuple(args.tenants or DEFAULT_SIZES),
        customers=args.customers,
        invoices=args.invoices,
        latency_ms=args.latency_ms,
        run_timeout=args.run_timeout,
        results_file=args.results_file,
    )
    return run_and_save(lambda say: run(options=options, say=say), options.results_file)


if __name__ == "__main__":
    sys.exit(main())
