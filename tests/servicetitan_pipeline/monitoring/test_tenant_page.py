"""The per-tenant pages: the list of credentials, and one credential's syncs, data-quality trend, links to
its Airflow runs and "Sync now"."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from servicetitan_pipeline.monitoring.airflow_links import SyncTask
from servicetitan_pipeline.monitoring.health import HealthStatus
from servicetitan_pipeline.monitoring.health_page import Finding, failed_run_links
from servicetitan_pipeline.monitoring.tenant_page import (
    load_tenant,
    load_tenant_list,
    render_tenant_list,
    render_tenant_page,
)
from tests.conftest import api_token
from tests.factories import make_credential, make_data_quality_result, make_sync_log

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def seed(session: Session) -> tuple[object, object]:
    acme = make_credential(company_name="Acme Plumbing", connection_status="connected")
    other = make_credential(company_name="Other Co")
    scored = make_sync_log(acme, data_type="both", started_at=T0, completed_at=T0 + timedelta(seconds=1.87))
    empty = make_sync_log(
        acme,
        started_at=T0 + timedelta(hours=1),
        completed_at=T0 + timedelta(hours=1, seconds=0.4),
        records_processed=0,
        records_successful=0,
        records_failed=0,
    )
    failed = make_sync_log(
        acme,
        status="failed",
        started_at=T0 + timedelta(hours=2),
        completed_at=T0 + timedelta(hours=2, seconds=20),
        records_processed=0,
        records_successful=0,
        records_failed=0,
        error_message="ServiceTitan refused the credentials (401)",
        airflow_run_id="manual__2026-11-20T11:00:00+00:00",
        airflow_map_index=0,
    )
    session.add_all([acme, other, scored, empty, failed, make_sync_log(other)])
    session.flush()
    session.add_all(
        [
            make_data_quality_result(scored, data_type="customers", total_records=100, invalid_records=8),
            make_data_quality_result(scored, data_type="invoices", total_records=50, invalid_records=0),
            make_data_quality_result(empty, data_type="invoices", total_records=0, invalid_records=0, score=None),
        ]
    )
    session.commit()
    return acme.id, failed.started_at


def test_the_page_shows_syncs_with_fractional_durations_errors_and_scores(session: Session) -> None:
    acme_id, _ = seed(session)
    tenant = load_tenant(session.get_bind(), acme_id)  # type: ignore[arg-type]
    assert tenant is not None
    assert [s.status for s in tenant.syncs] == ["failed", "completed", "completed"]  # newest first
    html = render_tenant_page(tenant)
    assert "<h1>Acme Plumbing (integration, tenant" in html
    assert "1.9 s" in html
    assert "0.4 s" in html
    assert "ServiceTitan refused the credentials (401)" in html
    assert "customers: 92 %" in html
    assert "invoices: 100 %" in html
    assert 'invoices: <span class="nothing">nothing to score</span>' in html
    assert "Other Co" not in html
    assert f'data-credential="{acme_id}"' in html  # what "Sync now" sends as conf.credential
    assert 'src="../static/tenant.js"' in html
    assert 'aria-label="Data-quality score per sync' in html


def test_each_sync_links_to_the_airflow_task_its_row_records(session: Session) -> None:
    acme_id, _failed_at = seed(session)
    tenant = load_tenant(session.get_bind(), acme_id)  # type: ignore[arg-type]
    assert tenant is not None
    assert tenant.syncs[0].task == SyncTask("manual__2026-11-20T11:00:00+00:00", 0)
    assert tenant.syncs[2].task is None  # the row records no task: no link, and no guess
    html = render_tenant_page(tenant)
    run = "../../dags/servicetitan_sync/runs/manual__2026-11-20T11%3A00%3A00%2B00%3A00"
    assert f'<a href="{run}" target="_top">Run</a>' in html
    assert f'<a href="{run}/tasks/sync/mapped/0" target="_top">Log</a>' in html
    assert "not recorded" in html


def test_the_health_finding_links_the_latest_failed_syncs_task(session: Session) -> None:
    acme_id, failed_at = seed(session)
    finding = Finding("Acme Plumbing", HealthStatus.UNHEALTHY, [], str(acme_id), None, failed_at)  # type: ignore[arg-type]
    links = failed_run_links([finding], session.get_bind())  # type: ignore[arg-type]
    assert links == {str(acme_id): SyncTask("manual__2026-11-20T11:00:00+00:00", 0)}


def test_the_list_links_to_each_tenant_page(session: Session) -> None:
    acme_id, _ = seed(session)
    html = render_tenant_list(load_tenant_list(session.get_bind()))  # type: ignore[arg-type]
    assert f'<a href="tenants/{acme_id}">Acme Plumbing</a>' in html
    assert "Other Co" in html
    assert "No credential is onboarded yet" in render_tenant_list([])


def test_the_pages_are_served_behind_airflow_auth(airflow_api: TestClient, session: Session) -> None:
    acme_id, _ = seed(session)
    assert airflow_api.get("/servicetitan/tenants").status_code == 401
    assert airflow_api.get(f"/servicetitan/tenants/{acme_id}").status_code == 401
    headers = {"Authorization": f"Bearer {api_token(airflow_api)}"}
    listing = airflow_api.get("/servicetitan/tenants", headers=headers)
    assert listing.status_code == 200
    assert "Acme Plumbing" in listing.text
    page = airflow_api.get(f"/servicetitan/tenants/{acme_id}", headers=headers)
    assert page.status_code == 200
    assert "Sync now" in page.text
    assert airflow_api.get("/servicetitan/tenants/not-a-uuid", headers=headers).status_code == 404
    assert airflow_api.get(f"/servicetitan/tenants/{'0' * 32}", headers=headers).status_code == 404
    script = airflow_api.get("/servicetitan/static/tenant.js", headers=headers)
    assert script.status_code == 200
    assert "api/v2/dags/servicetitan_sync" in script.text
    assert "/dagRuns" in script.text
    assert airflow_api.get("/servicetitan/static/web.py", headers=headers).status_code == 404


def test_each_validation_links_its_data_docs_page_saying_when_other_syncs_share_it(session: Session) -> None:
    acme = make_credential(tenant_id=1001, company_name="Acme Plumbing")
    bright = make_credential(tenant_id=1002, company_name="Bright HVAC")
    acme_sync = make_sync_log(acme, data_type="invoices", started_at=T0, completed_at=T0)
    bright_sync = make_sync_log(bright, data_type="invoices", started_at=T0, completed_at=T0)
    alone = make_sync_log(
        bright, data_type="customers", started_at=T0 + timedelta(hours=1), completed_at=T0 + timedelta(hours=1)
    )
    session.add_all([acme, bright, acme_sync, bright_sync, alone])
    session.flush()
    shared = "validations/servicetitan_invoices/invoices-shared-by-2-syncs-0a/20261120T090005Z/b.html"
    session.add_all(
        [
            make_data_quality_result(acme_sync, validated_at=T0, data_docs_page=shared),
            make_data_quality_result(bright_sync, validated_at=T0, data_docs_page=shared),
            make_data_quality_result(alone, data_docs_page="validations/servicetitan_customers/own run/b.html"),
        ]
    )
    session.commit()
    tenant = load_tenant(session.get_bind(), bright.id)  # type: ignore[arg-type]
    assert tenant is not None
    html = render_tenant_page(tenant)
    # From /servicetitan/tenants/<id>: the plugin's data docs, the page's name quoted as a URL path.
    docs = "../../servicetitan/data-docs/"
    assert f'<a href="{docs}{shared}">validation report shared by 2 syncs (look for tenant 1002)</a>' in html
    assert f'<a href="{docs}validations/servicetitan_customers/own%20run/b.html">validation report</a>' in html
