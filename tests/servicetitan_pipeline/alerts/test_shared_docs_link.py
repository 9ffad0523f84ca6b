"""A data-quality alert links the validation's data-docs page; when several syncs' validation shared one suite
run (one page), the link says so and names the alerting tenant, not the run's first one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import psycopg
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from servicetitan_pipeline.alerts.rules import data_quality_score
from servicetitan_pipeline.alerts.settings import AlertSettings
from servicetitan_pipeline.db.engine import psycopg_conninfo
from tests.factories import make_credential, make_data_quality_result, make_sync_log

SHARED = "validations/servicetitan_invoices/invoices-shared-by-2-syncs-0a1b2c3d/20261203T100000Z/batch.html"
ALONE = "validations/servicetitan_invoices/cool-air-integration-tenant-1003-invoices-sync-0e0f0a0b/x/batch.html"


def test_a_shared_pages_link_says_how_many_syncs_share_it_and_which_tenant_alerted(
    session: Session, engine: Engine
) -> None:
    validated = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    acme = make_credential(tenant_id=1001, company_name="Acme Plumbing")
    bright = make_credential(tenant_id=1002, company_name="Bright HVAC")
    cool = make_credential(tenant_id=1003, company_name="Cool Air")
    syncs = {
        c.company_name: make_sync_log(c, data_type="invoices", started_at=validated, completed_at=validated)
        for c in (acme, bright, cool)
    }
    session.add_all([acme, bright, cool, *syncs.values()])
    session.flush()
    session.add_all(
        [
            # One suite run validated Acme's and Bright's syncs: one page, one time.
            make_data_quality_result(syncs["Acme Plumbing"], data_type="invoices", invalid_records=0,
                                     validated_at=validated, data_docs_page=SHARED),
            make_data_quality_result(syncs["Bright HVAC"], data_type="invoices", invalid_records=30,
                                     validated_at=validated, data_docs_page=SHARED),
            # Cool Air's run was its own, at the same time.
            make_data_quality_result(syncs["Cool Air"], data_type="invoices", invalid_records=20,
                                     validated_at=validated, data_docs_page=ALONE),
        ]
    )  # fmt: skip
    session.commit()

    with psycopg.connect(psycopg_conninfo(engine)) as conn:
        evaluation = data_quality_score(conn, AlertSettings(api_sample_size=0))

    actions = {c.company: c.action for c in evaluation.conditions}
    assert set(actions) == {"Bright HVAC", "Cool Air"}  # Acme's score is fine
    assert (
        f"/servicetitan/data-docs/{quote(SHARED)}|validation report shared by 2 syncs (look for tenant 1002)>"
        in (actions["Bright HVAC"])
    )
    assert f"/servicetitan/data-docs/{quote(ALONE)}|validation report>" in actions["Cool Air"]
