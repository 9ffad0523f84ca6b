"""The anomaly panels read from the database: a tenant's page shows its bands, freshness and source schema, and
the dashboard lists the anomaly firing now, as the tables hold them."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from servicetitan_pipeline.alerts.settings import AlertSettings
from servicetitan_pipeline.anomalies import rules
from servicetitan_pipeline.anomalies.baseline import Band, freshness_band
from servicetitan_pipeline.anomalies.rules import AnomalyRules
from servicetitan_pipeline.anomalies.settings import AnomalySettings
from servicetitan_pipeline.db.engine import psycopg_conninfo
from servicetitan_pipeline.monitoring.anomaly_panels import freshness_table, load_tenant_anomalies
from servicetitan_pipeline.monitoring.dashboard import DashboardFilter, load_dashboard, render_dashboard
from servicetitan_pipeline.monitoring.tenant_page import load_tenant, render_tenant_page
from tests.conftest import api_token
from tests.factories import make_credential
from tests.servicetitan_pipeline.anomalies.volumes import NOW, add_syncs, hours, steady
from tests.servicetitan_pipeline.monitoring.anomaly_seed import DROP, seed_anomalies


def seeded(session: Session, engine: Engine) -> tuple[object, object]:
    acme = make_credential(company_name="Acme Plumbing", tenant_id=4242)
    quiet = make_credential(company_name="Quiet Co", tenant_id=4343)
    session.add_all([acme, quiet])
    session.commit()
    seed_anomalies(engine, acme.id, 4242, "Acme Plumbing", NOW)
    return acme.id, quiet.id


def test_the_tenant_page_shows_the_drop_against_its_band_freshness_and_schema_changes(
    session: Session, engine: Engine
) -> None:
    acme_id, _ = seeded(session, engine)
    view = load_tenant_anomalies(engine, acme_id, now=NOW)  # type: ignore[arg-type]
    tenant = load_tenant(engine, acme_id)  # type: ignore[arg-type]
    assert tenant is not None
    html = render_tenant_page(tenant, view)

    invoices = re.search(r'<div class="volume" id="volume-invoices">.*?</div>', html)
    assert invoices is not None
    # Every invoice sync of the week has a band (four weeks of history); only the drop is outside it.
    assert invoices.group(0).count('class="outside"') == 1
    assert f"{NOW:%Y-%m-%d} 10:05 UTC: {DROP} records new or changed, expected" in invoices.group(0)
    assert "Not enough history" not in invoices.group(0)
    # Three days of customers: no band, said so.
    customers = re.search(r'<div class="volume" id="volume-customers">.*?</div>', html)
    assert customers is not None
    assert "Not enough history yet" in customers.group(0)
    assert 'class="band"' not in customers.group(0)

    freshness = re.search(r'<table class="freshness">.*?</table>', html)
    assert freshness is not None
    assert "usually up to 6.0 h (median 0.1 h)" in freshness.group(0)  # invoices: weeks of 3-minute lags
    assert "Wednesday 10:00 UTC, 20 syncs" in freshness.group(0)
    assert "not enough history yet" in freshness.group(0)  # customers: three days, under a week

    schema = re.search(r'<section id="source-schema">.*?</section>', html)
    assert schema is not None
    assert schema.group(0).count("<tr class=changed>") == 2
    assert "discountCode" in schema.group(0)
    assert "40.0 %" in schema.group(0)  # memo: 2,000 nulls of 5,000


def test_the_dashboard_lists_the_firing_anomaly_for_its_credential_only(session: Session, engine: Engine) -> None:
    acme_id, quiet_id = seeded(session, engine)
    every = load_dashboard(engine, now=NOW)
    html = render_dashboard(every, NOW)
    panel = re.search(r'<section id="anomalies">.*?</section>', html)
    assert panel is not None
    assert f'href="tenants/{acme_id}"' in panel.group(0)
    assert f"<td>{DROP} vs " in panel.group(0)
    assert "Volume per sync" in panel.group(0)

    only_quiet = DashboardFilter.from_query(NOW, credential=str(quiet_id))
    quiet_html = render_dashboard(load_dashboard(engine, now=NOW, filters=only_quiet), NOW)
    assert "No anomaly" in quiet_html
    only_customers = DashboardFilter.from_query(NOW, data_type="customers")
    assert "No anomaly" in render_dashboard(load_dashboard(engine, now=NOW, filters=only_customers), NOW)


def test_the_tenant_route_serves_the_panels(airflow_api: TestClient, session: Session, engine: Engine) -> None:
    acme_id, _ = seeded(session, engine)
    answer = airflow_api.get(
        f"/servicetitan/tenants/{acme_id}", headers={"Authorization": f"Bearer {api_token(airflow_api)}"}
    )
    assert answer.status_code == 200
    assert '<section id="volume">' in answer.text
    assert '<section id="source-schema">' in answer.text
    # Served now, weeks after the seeded syncs: the window holds none of them.
    assert "no completed sync in this window" in answer.text


def judge_freshness(engine: Engine, now: datetime, monkeypatch: pytest.MonkeyPatch) -> tuple[list[str], list[Band]]:
    """freshness_anomaly run at ``now``: the keys it fires and the bands it judged by."""
    judged: list[Band] = []

    def recorded(*args: Any) -> Band | None:
        band = freshness_band(*args)
        if band is not None:
            judged.append(band)
        return band

    monkeypatch.setattr(rules, "freshness_band", recorded)
    with psycopg.connect(psycopg_conninfo(engine)) as conn:
        evaluation = AnomalyRules(AnomalySettings(), now).freshness_anomaly(conn, AlertSettings(api_sample_size=0))
    return [condition.key for condition in evaluation.conditions], judged


def test_the_tenant_page_judges_freshness_by_the_rule_s_own_band(
    session: Session, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    credential = make_credential(company_name="Stopped Co", tenant_id=4444)
    session.add(credential)
    session.commit()
    # A small tenant whose records stopped changing 30 hours ago, its syncs still completing every hour.
    stop = NOW - timedelta(hours=30)
    add_syncs(engine, credential.id, hours(stop, 28), steady(4, peak=3))
    add_syncs(engine, credential.id, hours(NOW.replace(minute=0), 28)[-29:], lambda _m: 0)
    # An earlier sync of the judged sync's own hour and day, with a lag of its own: not the rule's history.
    add_syncs(engine, credential.id, [NOW.replace(minute=1)], lambda _m: 2, modified_lag_seconds=40 * 3600)
    add_syncs(engine, credential.id, [NOW.replace(minute=5)], lambda _m: 0)

    fired, (band,) = judge_freshness(engine, NOW, monkeypatch)
    assert fired == ["freshness_anomaly:invoices:integration:4444"]
    view = load_tenant_anomalies(engine, credential.id, now=NOW)
    (invoices,) = view.freshness
    assert invoices.latest_started_at == NOW.replace(minute=5)
    assert invoices.band == band  # the same band: expected, limits, samples and slot
    assert invoices.late(NOW)
    html = freshness_table(view)
    row = re.search(r"<tr class=late><th scope=row>invoices</th>.*?</tr>", html)
    assert row is not None
    assert 'class="badge failed">late</span>' in row.group(0)
    assert f"usually up to {band.high / 3600:.1f} h (median {band.expected / 3600:.1f} h)" in row.group(0)
    assert f"{band.basis}, {band.samples} syncs" in row.group(0)

    # Records change again: the rule is quiet, and the page no longer says late.
    add_syncs(engine, credential.id, [NOW.replace(minute=5) + timedelta(hours=1)], lambda _m: 3)
    later = NOW + timedelta(hours=1)
    fired, (band,) = judge_freshness(engine, later, monkeypatch)
    assert fired == []
    (invoices,) = load_tenant_anomalies(engine, credential.id, now=later).freshness
    assert invoices.band == band
    assert not invoices.late(later)
