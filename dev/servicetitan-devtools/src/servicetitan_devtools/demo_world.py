"""The demo's world: the ServiceTitan sandbox with the four tenants of sandbox.example.yaml, the local Slack
webhook receiver with the ``slack_alerts`` connection pointed at it, and the four credentials onboarded
against that sandbox, the drift tenant's with a first sync days back (simulated). ``make demo`` runs one DAG
in it; ``make run`` (and the browser tests) run Airflow in it.

Needs the Airflow environment prepared (``DevEnvironment.prepare``): it writes Airflow connections.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from servicetitan_devtools.dev_environment import PROJECT_ROOT
from servicetitan_devtools.slack_receiver import DEFAULT_PORT, SlackReceiver
from servicetitan_pipeline.connection_ids import servicetitan_credential_conn_id
from servicetitan_pipeline.credentials import management
from servicetitan_pipeline.credentials.secret_store import AirflowConnectionSecretStore, CredentialSecrets
from servicetitan_pipeline.db.engine import session_scope
from servicetitan_sandbox import SandboxServer
from servicetitan_sandbox.config import TenantConfig, load_config

SANDBOX_CONFIG = PROJECT_ROOT / "sandbox.example.yaml"
COMPANIES = {1001: "Acme Plumbing", 1002: "Bright HVAC", 1003: "Crest Electric", 1004: "Drift Demo Roofing"}
# The demo's schema-drift section retypes a field of this tenant's invoices. A tenant of its own: the rule
# needs the field seen before its 24 h window, and the others' first profiles are the DAG run's, made now.
DRIFT_TENANT = 1004
FIRST_SYNC_DAYS_BACK = 3


@dataclass
class DemoWorld:
    sandbox: SandboxServer
    slack: SlackReceiver
    tenant_ids: list[int]
    onboarding: list[str] = field(default_factory=list)  # one line per credential: what was done


@contextmanager
def demo_world(sandbox_port: int = 0, slack_port: int = DEFAULT_PORT) -> Iterator[DemoWorld]:
    """Start the sandbox (``sandbox_port`` 0: any free port) and the Slack receiver (on ``slack_port``, or
    any free one when it is taken), point ``slack_alerts`` at the receiver and onboard the tenants."""
    config = load_config(SANDBOX_CONFIG)
    # The sandbox narrates every request; callers print their own summary instead.
    for noisy in ("servicetitan_sandbox", "uvicorn", "uvicorn.error"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    with SandboxServer(config, port=sandbox_port) as sandbox, _slack_receiver(slack_port) as slack:
        _point_slack_connection_at(slack)
        store = AirflowConnectionSecretStore()
        tenants = [tenant for tenant_id in config.tenant_ids() if (tenant := config.tenant(tenant_id))]
        world = DemoWorld(sandbox, slack, [tenant.tenant_id for tenant in tenants])
        world.onboarding = [_onboard(store, tenant, sandbox.base_url) for tenant in tenants]
        if DRIFT_TENANT in world.tenant_ids and (first := first_sync_in_the_past(DRIFT_TENANT)) is not None:
            world.onboarding.append(
                f"{COMPANIES[DRIFT_TENANT]}: its first sync simulated at {first:%Y-%m-%d %H:%M} UTC "
                f"({FIRST_SYNC_DAYS_BACK} days back)"
            )
        _publish_trigger_form_choices()
        yield world


def first_sync_in_the_past(tenant_id: int, engine: sa.Engine | None = None) -> datetime | None:
    """The first sync of the tenant's credential, simulated ``FIRST_SYNC_DAYS_BACK`` days ago (on the hour), if it
    was never synced; its time, or None when it had been. The sandbox is not advanced: the sync reads the tenant's
    initial history (all of it older than that), so the export positions it stores are in every later sandbox.
    Validated at once, as the DAG run after it would have: the next run validates only what it loads."""
    from servicetitan_devtools.simulation import QUIETED_LOGGERS, NullMetrics, quieted, sync_at
    from servicetitan_pipeline.data_quality.runner import validate_pending_syncs
    from servicetitan_pipeline.db.engine import get_engine
    from servicetitan_pipeline.db.models import ServiceTitanCredential, ServiceTitanSyncLog
    from servicetitan_pipeline.sync.targets import SyncTarget

    engine = engine or get_engine()
    with session_scope(engine) as session:
        credential = session.query(ServiceTitanCredential).filter_by(tenant_id=tenant_id).one()
        if session.query(ServiceTitanSyncLog.id).filter_by(credential_id=credential.id).first() is not None:
            return None
        target = SyncTarget(str(credential.id), credential.label, "both", "scheduled", False)
    at = (datetime.now(UTC) - timedelta(days=FIRST_SYNC_DAYS_BACK)).replace(minute=0, second=0, microsecond=0)
    with quieted(QUIETED_LOGGERS):
        sync_at(target, at, engine=engine)
        # No data docs here: the next validation's build includes these results.
        validate_pending_syncs(engine=engine, metrics_backend=NullMetrics(), build_docs=False)
    return at


def _publish_trigger_form_choices() -> None:
    """As `servicetitan credentials add` does: the trigger form of `make run` lists the demo's credentials."""
    from servicetitan_pipeline.sync import trigger_form

    with session_scope() as session:
        names = management.trigger_form_choices(session)
    trigger_form.publish(names)


def _slack_receiver(port: int) -> SlackReceiver:
    try:
        return SlackReceiver(port=port)
    except OSError:  # the port is taken (another receiver of `make run`): any free one will do
        return SlackReceiver()


def _point_slack_connection_at(slack: SlackReceiver) -> None:
    from airflow.models.connection import Connection
    from airflow.utils.session import create_session

    with create_session() as session:
        session.query(Connection).filter(Connection.conn_id == "slack_alerts").delete()
        session.add(Connection(conn_id="slack_alerts", conn_type="slackwebhook", password=slack.webhook_url))


def _onboard(store: AirflowConnectionSecretStore, tenant: TenantConfig, base_url: str) -> str:
    tenant_id = tenant.tenant_id
    secrets = CredentialSecrets(
        client_id=tenant.client_id,
        client_secret=tenant.client_secret.get_secret_value(),
        app_key=tenant.app_key.get_secret_value(),
    )
    new = management.NewCredential(
        company_name=COMPANIES.get(tenant_id, f"Company {tenant_id}"),
        environment="integration",
        tenant_id=str(tenant_id),
        client_id=secrets.client_id,
        client_secret=secrets.client_secret,
        app_key=secrets.app_key,
        base_url=base_url,
    )
    with session_scope() as session:
        try:
            credential = management.find_credential(session, f"integration:{tenant_id}")
        except management.CredentialNotFound:
            # A connection left by a world whose tables were emptied since: this world's own, replaced.
            store.delete(servicetitan_credential_conn_id("integration", tenant_id))
            credential = management.onboard(session, new, store)
            return f"onboarded {credential.label}"
        # Known from an earlier run: the sandbox may listen on another port now.
        store.delete(credential.airflow_conn_id)
        store.save(
            credential.airflow_conn_id,
            description=f"ServiceTitan: {credential.label}",
            secrets=secrets,
            tenant_id=tenant_id,
            environment="integration",
            base_url=base_url,
        )
        return f"already onboarded: {credential.label} (connection pointed at this sandbox)"
