"""``make demo``: the main job end to end on embedded defaults, then what happened.

In the demo's world (``demo_world``: the sandbox with four tenants from sandbox.example.yaml, healthy, some
bad records, invalid credentials, and the drift tenant; a local Slack webhook receiver; the four credentials
onboarded), runs the real ``servicetitan_sync`` DAG with ``airflow dags test``, and prints the sync-log rows and
the record counts; then runs the health monitor once, shows one anomaly caught (a field retyped by the sandbox in
the drift tenant's invoices, first profiled days ago; a sync and the 15-minute monitor's schema_drift alert, now),
and prints every Slack message the local receiver got (the failed task's, the alerts', the drift, the digest).
Everything it writes is dated now, or in the past for what it simulates.
Idempotent: a second demo resumes from the stored export positions and loads nothing twice.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

from servicetitan_devtools.demo_world import COMPANIES, DRIFT_TENANT, demo_world
from servicetitan_devtools.dev_environment import PROJECT_ROOT
from servicetitan_devtools.slack_receiver import SlackReceiver, as_text
from servicetitan_pipeline.cli.output import format_table
from servicetitan_pipeline.data_quality.locations import data_docs_dir
from servicetitan_pipeline.data_quality.report import format_score
from servicetitan_pipeline.db import migrate
from servicetitan_pipeline.db.engine import get_engine

# A scenario's start before any version: the retype applies to every invoice the sandbox serves.
EVERY_VERSION = "2000-01-01T00:00:00Z"


def run_demo(say: Callable[[str], None] = print) -> None:
    engine = get_engine()
    home = Path(os.environ.get("AIRFLOW_HOME", PROJECT_ROOT / ".airflow" / "local"))
    say("== ServiceTitan → PostgreSQL: demo ==")
    database = engine.url.render_as_string(hide_password=True)
    say(f"project database: {database} (schema revision {migrate.current_revision(engine)})")
    with demo_world() as world:
        tenants = ", ".join(str(tenant_id) for tenant_id in world.tenant_ids)
        say(f"ServiceTitan sandbox: {world.sandbox.base_url} (tenants {tenants})")
        say(f"Slack webhook receiver: {world.slack.base_url}")
        say("\n-- onboarding (secrets go into encrypted Airflow connections) --")
        for line in world.onboarding:
            say(f"  {line}")

        say("\n-- running the servicetitan_sync DAG (airflow dags test) --")
        started = datetime.now(UTC)
        log_file = home / "demo-dag-run.log"
        state = _run_dag(log_file)
        say(f"  DAG run {state}; its task logs: {log_file}")
        if state != "success":
            say(
                "  (a failed run is expected here: Crest Electric's credentials are invalid; its sync fails, and so"
                " does the sync task holding it, after the other tenants completed)"
            )

        say("\n-- sync-log rows written by this run --")
        say(_sync_log_table(engine, started))
        say("\n-- records in PostgreSQL against the sandbox's own counts --")
        say(_counts_table(engine, world.sandbox.base_url, world.tenant_ids))
        say("\n-- data quality of what this run validated (records loaded since the last validation; expectations/) --")
        say(_quality_table(engine, started))
        say("\n-- the health monitor (servicetitan_monitor_health's work, run here once) --")
        say(f"  {_run_health_monitor(engine, world.slack)}")
        say(f"\n-- an anomaly caught: ServiceTitan retypes a field of {COMPANIES[DRIFT_TENANT]}'s invoices --")
        for line in catch_schema_drift(engine, world.sandbox.base_url, DRIFT_TENANT, _slack_sender(world.slack)):
            say(f"  {line}")
        sent = len(world.slack.snapshot())
        say(f"\n-- Slack messages sent ({sent}; the local receiver at {world.slack.base_url} kept them) --")
        say(_slack_messages(world.slack))
    say(
        "\nWhere to look next:\n"
        "  make run                                   Airflow UI on http://localhost:8080 (admin / admin): DAG "
        "servicetitan_sync, Trigger with a credential and data type\n"
        "  http://localhost:8080/servicetitan/dashboard  (under make run) sync, credential, API and quality charts\n"
        "  http://localhost:8080/servicetitan/data-docs/ (under make run) the data docs of every validation\n"
        f"  {data_docs_dir() / 'index.html'}  the same data docs on disk\n"
        "  .venv/bin/servicetitan health              credentials, API, recent syncs, resources (exit 2 if unhealthy)\n"
        "  .venv/bin/servicetitan alerts list         firing alerts and silences (the monitor DAGs raise them)\n"
        "  .venv/bin/servicetitan credentials list    connection status and last error of each credential\n"
        f"  {log_file}    the run's task logs (pages, records, records/s)\n"
        "  make demo again                            resumes from the stored export positions: nothing is loaded "
        "twice"
    )


def _slack_sender(slack: SlackReceiver) -> Callable[[str, list[dict[str, Any]]], None]:
    def send(text: str, blocks: list[dict[str, Any]]) -> None:
        httpx.post(slack.webhook_url, json={"text": text, "blocks": blocks}).raise_for_status()

    return send


def catch_schema_drift(
    engine: sa.Engine, sandbox_url: str, tenant_id: int, send: Callable[[str, list[dict[str, Any]]], None]
) -> list[str]:
    """One anomaly caught, at the real time: the sandbox serves ``summary`` as a number in every invoice of the
    tenant, whose invoices were first profiled days ago (``demo_world.first_sync_in_the_past``), before the drift
    rule's 24 h window; a full sync of its invoices, then the 15-minute monitor, posting with ``send``."""
    from servicetitan_devtools.simulation import NullMetrics
    from servicetitan_pipeline.alerts.monitor import run_sync_failure_monitor
    from servicetitan_pipeline.alerts.settings import AlertSettings
    from servicetitan_pipeline.db.engine import session_scope
    from servicetitan_pipeline.db.models import ServiceTitanCredential, ServiceTitanResourceProfile
    from servicetitan_pipeline.sync.runner import run_sync
    from servicetitan_pipeline.sync.targets import SyncTarget

    with session_scope(engine) as session:
        credential = session.query(ServiceTitanCredential).filter_by(tenant_id=tenant_id).one()
        # A full sync: the sandbox adds no new versions (a position in versions added here would be unknown to
        # the next demo's sandbox, which starts again from the initial history), so only reading every invoice
        # again sees the new type.
        target = SyncTarget(str(credential.id), credential.label, "invoices", "manual", True)
        credential_id = credential.id
        profile = session.get(ServiceTitanResourceProfile, (credential_id, "invoices"))
        first_profiled = profile.first_profiled_at if profile else None
    scenario = {"kind": "field_retyped", "resource": "invoices", "from": EVERY_VERSION, "field": "summary"}
    httpx.post(f"{sandbox_url}/sandbox/tenants/{tenant_id}/scenarios", json=scenario).raise_for_status()
    # The summary below says what the sync and the monitor did.
    for name in ("servicetitan_pipeline.sync", "servicetitan_pipeline.alerts"):
        logging.getLogger(name).setLevel(logging.WARNING)
    began = time.perf_counter()
    synced = datetime.now(UTC)
    outcome = run_sync(target, engine=engine, metrics_backend=NullMetrics())
    checked = datetime.now(UTC)
    report = run_sync_failure_monitor(engine, AlertSettings(api_sample_size=0), send, now=checked)
    drift = [key for key in report.conditions if key.startswith("schema_drift:")]
    # A demo run again within a day finds the alert it raised still firing: found again, not sent twice.
    sent = "sent to Slack" if any(key.startswith("firing:schema_drift:") for key in report.sent) else "already sent"
    found = (
        f"{', '.join(drift)} ({sent})" if drift else f"no drift found{_why_no_drift(engine, credential_id, checked)}"
    )
    history = f"{first_profiled:%Y-%m-%d %H:%M} UTC (simulated when onboarded)" if first_profiled else "never"
    return [
        f"its invoices first profiled: {history}",
        "sandbox: summary retyped (text → number) in every invoice, from now on",
        f"full sync of invoices at {synced:%H:%M} UTC (now): {outcome.status}, {outcome.processed:,} read",
        f"15-minute monitor at {checked:%H:%M} UTC (now): {found} ({time.perf_counter() - began:.1f} s)",
    ]


def _why_no_drift(engine: sa.Engine, credential_id: uuid.UUID, now: datetime) -> str:
    """Why the rule saw no retype: its window holds the first profile, or the retype was seen before it."""
    from servicetitan_pipeline.anomalies.settings import AnomalySettings
    from servicetitan_pipeline.db.engine import session_scope
    from servicetitan_pipeline.db.models import ServiceTitanResourceProfile, ServiceTitanSourceField

    hours = AnomalySettings.from_variables().schema_drift_window_hours
    with session_scope(engine) as session:
        profile = session.get(ServiceTitanResourceProfile, (credential_id, "invoices"))
        retyped = session.get(ServiceTitanSourceField, (credential_id, "invoices", "summary", "number"))
        if (
            profile is not None
            and profile.first_profiled_at
            and profile.first_profiled_at > now - timedelta(hours=hours)
        ):
            return f": its first profile is within the rule's {hours} h window"
        if retyped is not None and retyped.first_seen_at < now - timedelta(hours=hours):
            return f": summary is a number since {retyped.first_seen_at:%Y-%m-%d %H:%M} UTC, over {hours} h ago"
    return ""


def _run_health_monitor(engine: sa.Engine, slack: SlackReceiver) -> str:
    """The 6-hour monitor's rules and digest, in this process, posting to the local receiver."""
    from servicetitan_pipeline.alerts.monitor import run_health_monitor
    from servicetitan_pipeline.alerts.settings import AlertSettings

    send = _slack_sender(slack)
    logging.getLogger("servicetitan_pipeline.alerts").setLevel(logging.WARNING)  # the summary below says it
    try:
        report = run_health_monitor(engine, AlertSettings(), send=send)
    except Exception as exc:  # a rule that could not run is named; what the others found was still sent
        return f"finished with an error: {exc}"
    held = " (alerts already sent and unchanged repeat only after 6 h)" if report.conditions and not report.sent else ""
    digest = "digest sent" if report.digest_sent else "digest unchanged, not sent again"
    return f"{len(report.conditions)} condition(s) found, {len(report.sent)} notification(s) sent{held}, {digest}"


def _slack_messages(slack: SlackReceiver) -> str:
    messages = slack.snapshot()
    if not messages:
        return "  none"
    return "\n\n".join(
        f"  [{number}]\n" + "\n".join(f"    {line}" for line in as_text(message).splitlines())
        for number, message in enumerate(messages, 1)
    )


def _run_dag(log_file: Path) -> str:
    airflow = shutil.which("airflow", path=str(Path(sys.executable).parent)) or "airflow"
    conf = json.dumps({"credential": "all", "data_type": "both", "full_refresh": False})
    with log_file.open("w") as out:
        subprocess.run(
            [airflow, "dags", "test", "servicetitan_sync", "--conf", conf],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=os.environ,
            check=False,
        )
    text = log_file.read_text(errors="replace")
    for line in reversed(text.splitlines()):
        if "DagRun Finished" in line and "state=" in line:
            return line.split("state=", 1)[1].split(",", 1)[0]
    return "did not finish (see the log)"


def _sync_log_table(engine: sa.Engine, since: datetime) -> str:
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT c.company_name, l.sync_type, l.data_type, l.status, l.records_processed,"
                " l.records_successful, l.records_failed, l.processing_time_seconds, l.error_message"
                " FROM servicetitan_sync_logs l JOIN servicetitan_credentials c ON c.id = l.credential_id"
                " WHERE l.started_at >= :since ORDER BY c.company_name, l.started_at"
            ),
            {"since": since},
        ).all()
    headers = ["COMPANY", "TYPE", "DATA", "STATUS", "PROCESSED", "OK", "FAILED", "SECONDS"]
    table = format_table(headers, [row[:-1] for row in rows])
    notes = [f"  {row[0]}: {row[-1]}" for row in rows if row[-1]]
    return "\n".join([table, *notes])


def _quality_table(engine: sa.Engine, since: datetime) -> str:
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT c.company_name, r.data_type, r.total_records, r.invalid_records, r.score,"
                " r.expectation_results FROM servicetitan_data_quality_results r"
                " JOIN servicetitan_credentials c ON c.id = r.credential_id"
                " WHERE r.validated_at >= :since ORDER BY c.company_name, r.data_type"
            ),
            {"since": since},
        ).all()
    if not rows:
        return "  nothing validated (no sync loaded records)"
    table_rows = []
    for company, data_type, total, invalid, score, outcomes in rows:
        failing = sorted((o for o in outcomes if not o["success"]), key=lambda o: -o["unexpected_count"])
        worst = "; ".join(f"{o['description']} ({o['unexpected_count']})" for o in failing[:2]) or "-"
        table_rows.append([company, data_type, total, invalid, format_score(score), worst])
    return format_table(["COMPANY", "DATA", "VALIDATED", "INVALID", "SCORE", "FAILING EXPECTATIONS"], table_rows)


def _counts_table(engine: sa.Engine, sandbox_url: str, tenant_ids: list[int]) -> str:
    rows = []
    with engine.connect() as conn:
        for tenant_id in tenant_ids:
            summary = httpx.get(f"{sandbox_url}/sandbox/tenants/{tenant_id}/summary").json()
            bad = summary["bad_records"]
            quality = summary.get("quality_faults", {})
            counts = conn.execute(
                sa.text(
                    "SELECT (SELECT count(*) FROM servicetitan_customers WHERE credential_id = c.id),"
                    " (SELECT count(*) FROM servicetitan_invoices WHERE credential_id = c.id)"
                    " FROM servicetitan_credentials c WHERE c.environment = 'integration' AND c.tenant_id = :t"
                ),
                {"t": tenant_id},
            ).one()
            rows.append(
                [
                    COMPANIES.get(tenant_id, tenant_id),
                    f"{counts[0]} / {summary['customers']} ({bad['customers']['count']} bad, "
                    f"{quality.get('customers', {}).get('count', 0)} wrong)",
                    f"{counts[1]} / {summary['invoices']} ({bad['invoices']['count']} bad, "
                    f"{quality.get('invoices', {}).get('count', 0)} wrong)",
                ]
            )
    return format_table(["COMPANY", "CUSTOMERS loaded / in sandbox", "INVOICES loaded / in sandbox"], rows)
