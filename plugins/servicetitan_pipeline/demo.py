"""``make demo``: show what the project does today, end to end, on the local environment.

Idempotent: the demo tenants are onboarded once and reused by later runs.
"""

from __future__ import annotations

import os
from collections.abc import Callable

import sqlalchemy as sa

from servicetitan_pipeline.cli.output import format_table
from servicetitan_pipeline.credentials import management
from servicetitan_pipeline.credentials.secret_store import AirflowConnectionSecretStore
from servicetitan_pipeline.db import migrate
from servicetitan_pipeline.db.engine import get_engine, session_scope

# Three sandbox tenants: healthy, with some bad records, with invalid credentials.
DEMO_TENANTS = [
    ("Acme Plumbing", 1001, "demo-acme-client", "demo-acme-secret"),
    ("Bright HVAC", 1002, "demo-bright-client", "demo-bright-secret"),
    ("Crest Electric", 1003, "demo-crest-client", "demo-crest-wrong-secret"),
]
DEMO_APP_KEY = "demo-app-key"


def run_demo(say: Callable[[str], None] = print) -> None:
    engine = get_engine()
    say("== ServiceTitan pipeline demo ==")
    say(f"project database:  {engine.url.render_as_string(hide_password=True)}")
    say(f"Airflow home:      {os.environ.get('AIRFLOW_HOME', '(Airflow default)')}")
    say(f"schema revision:   {migrate.current_revision(engine)} (latest {migrate.head_revision()})")

    store = AirflowConnectionSecretStore()
    say("\n-- onboarding the demo tenants (integration environment) --")
    for company, tenant_id, client_id, client_secret in DEMO_TENANTS:
        new = management.NewCredential(
            company_name=company,
            environment="integration",
            tenant_id=str(tenant_id),
            client_id=client_id,
            client_secret=client_secret,
            app_key=DEMO_APP_KEY,
        )
        try:
            with session_scope(engine) as session:
                credential = management.onboard(session, new, store)
            say(f"onboarded {credential.label}; secrets in Airflow connection {credential.airflow_conn_id!r}")
        except management.CredentialInputError as exc:
            say(f"already onboarded: {exc.problems[0].split(': ')[0]}")

    say("\n-- bad input is refused with what to fix, and nothing is written --")
    bad = management.NewCredential(company_name="", environment="staging", tenant_id="12a", client_id="x")
    try:
        management.validate(bad)
    except management.CredentialInputError as exc:
        for problem in exc.problems:
            say(f"  refused: {problem}")

    say("\n-- credentials (secrets are never shown) --")
    with session_scope(engine) as session:
        rows = [
            [c.company_name, c.environment.value, c.tenant_id, c.connection_status.value, c.airflow_conn_id]
            for c in management.list_credentials(session)
        ]
    say(format_table(["COMPANY", "ENVIRONMENT", "TENANT", "STATUS", "SECRETS IN CONNECTION"], rows))

    with engine.connect() as conn:
        sync_logs = conn.execute(sa.text("SELECT count(*) FROM servicetitan_sync_logs")).scalar_one()
    say(f"\nsync log rows: {sync_logs}")
    say(
        "\nWhat exists so far: the data model (credentials, sync logs) with its rules enforced by PostgreSQL, "
        "migrations, and credential onboarding. Syncs, the sandbox, monitoring and data quality come with "
        "the next issues.\nNext: `make run` opens Airflow at http://localhost:8080 (admin / admin); "
        "`.venv/bin/servicetitan credentials list` lists credentials."
    )
