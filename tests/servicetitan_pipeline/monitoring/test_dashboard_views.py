from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from servicetitan_pipeline.db.models import ServiceTitanMetricSnapshot
from servicetitan_pipeline.monitoring.dashboard import DashboardFilter, load_dashboard, render_dashboard
from tests.factories import make_credential, make_data_quality_result, make_sync_log

DAY1 = datetime(2026, 11, 18, 10, 0, tzinfo=UTC)
DAY2 = DAY1 + timedelta(days=1)


def log(credential: Any, status: str, started: datetime, seconds: int, processed: int, failed: int) -> Any:
    return make_sync_log(
        credential,
        status=status,
        started_at=started,
        completed_at=None if status == "running" else started + timedelta(seconds=seconds),
        processing_time_seconds=None if status == "running" else seconds,
        records_processed=processed,
        records_successful=processed - failed,
        records_failed=failed,
    )


def fixture(session: Session) -> tuple[Any, Any]:
    acme = make_credential(
        company_name="Acme",
        connection_status="connected",
        client_secret_expires_at=datetime.now(UTC) + timedelta(days=3),
    )
    bright = make_credential(company_name="Bright", connection_status="error")
    acme_day1 = log(acme, "completed", DAY1, 10, 100, 2)
    acme_day2 = log(acme, "completed", DAY2, 40, 200, 10)
    session.add_all(
        [
            acme_day1,
            log(acme, "completed", DAY1 + timedelta(hours=1), 30, 100, 0),
            log(bright, "failed", DAY1 + timedelta(hours=2), 20, 50, 5),
            acme_day2,
            log(acme, "running", DAY2 + timedelta(hours=1), 0, 0, 0),
        ]
    )
    session.flush()
    session.add_all(
        [
            # Day 1: 98 + 90 valid of 200 validated -> 94.00; day 2: 99 of 100 -> 99.00. Bright: never validated.
            make_data_quality_result(
                acme_day1, data_type="customers", total_records=100, invalid_records=2,
                field_completeness={"name": 100.0, "zip": 80.0}, data_docs_page="validations/old-customers.html",
            ),
            make_data_quality_result(acme_day1, data_type="invoices", total_records=100, invalid_records=10),
            make_data_quality_result(
                acme_day2, data_type="customers", total_records=100, invalid_records=1,
                field_completeness={"name": 99.5, "zip": 62.25}, data_docs_page="validations/customers run.html",
            ),
        ]
    )  # fmt: skip
    session.commit()
    return acme, bright


def rows(session: Session, view: str) -> list[dict[str, Any]]:
    return [dict(r._mapping) for r in session.execute(sa.text(f"SELECT * FROM {view} ORDER BY 1"))]


def test_sync_daily_view_counts_rates_and_durations(session: Session) -> None:
    fixture(session)
    day1, day2 = rows(session, "servicetitan_dashboard_sync_daily")
    assert (day1["day"], day1["syncs"], day1["completed"], day1["failed"], day1["running"]) == (DAY1.date(), 3, 2, 1, 0)
    assert float(day1["success_rate_pct"]) == 66.67
    assert float(day1["avg_duration_seconds"]) == 20.0
    assert day1["max_duration_seconds"] == 30
    assert (day2["syncs"], day2["completed"], day2["running"]) == (2, 1, 1)
    assert float(day2["success_rate_pct"]) == 100.0
    assert float(day2["avg_duration_seconds"]) == 40.0


def test_credential_health_view_has_status_expiry_and_last_success(session: Session) -> None:
    fixture(session)
    acme, bright = rows(session, "servicetitan_dashboard_credential_health")[0:2]
    by_name = {r["company_name"]: r for r in (acme, bright)}
    assert by_name["Acme"]["connection_status"] == "connected"
    assert 2.9 < float(by_name["Acme"]["secret_days_left"]) <= 3
    assert by_name["Acme"]["last_success_at"] == DAY2 + timedelta(seconds=40)
    assert by_name["Bright"]["last_success_at"] is None
    assert by_name["Bright"]["last_failure_at"] == DAY1 + timedelta(hours=2)


def test_data_quality_view_failed_record_rate_per_credential_per_day(session: Session) -> None:
    fixture(session)
    found = {(r["company_name"], r["day"]): r for r in rows(session, "servicetitan_dashboard_data_quality")}
    assert float(found[("Acme", DAY1.date())]["failed_record_rate_pct"]) == 1.0  # 2 of 200
    assert float(found[("Bright", DAY1.date())]["failed_record_rate_pct"]) == 10.0
    assert float(found[("Acme", DAY2.date())]["failed_record_rate_pct"]) == 5.0  # the running row is left out
    assert float(found[("Acme", DAY1.date())]["expectations_score"]) == 94.0  # (98 + 90) / 200
    assert float(found[("Acme", DAY2.date())]["expectations_score"]) == 99.0
    assert found[("Bright", DAY1.date())]["expectations_score"] is None


def test_api_performance_view_per_hour(session: Session) -> None:
    hour = datetime(2026, 11, 18, 10, 0, tzinfo=UTC)
    snapshots = [
        ("servicetitan.api.response_time_ms", 100.0, hour + timedelta(minutes=5)),
        ("servicetitan.api.response_time_ms", 300.0, hour + timedelta(minutes=35)),
        ("servicetitan.api.requests", 40.0, hour + timedelta(minutes=5)),
        ("servicetitan.api.requests", 60.0, hour + timedelta(minutes=35)),
        ("servicetitan.api.errors", 2.0, hour + timedelta(minutes=35)),
        ("servicetitan.api.errors", 1.0, hour + timedelta(minutes=35)),  # another endpoint, same collection
    ]
    session.add_all(ServiceTitanMetricSnapshot(name=n, value=v, collected_at=t, tags={}) for n, v, t in snapshots)
    session.commit()
    [row] = rows(session, "servicetitan_dashboard_api_performance")
    assert row["avg_response_time_ms"] == 200.0
    assert (row["requests"], row["errors"]) == (60.0, 3.0)


def test_dashboard_page_shows_the_real_numbers(session: Session) -> None:
    acme_tenant = fixture(session)[0].tenant_id
    now = DAY2 + timedelta(hours=5)
    html = render_dashboard(load_dashboard(session.get_bind(), days=7, now=now), now=now)  # type: ignore[arg-type]
    for group in ("Sync health", "Credential health", "API performance", "Data quality"):
        assert f"<h2>{group}</h2>" in html
    assert "<b>5</b> syncs" in html
    assert "<b>3</b> completed" in html
    assert "<b>1</b> failed" in html
    assert "<b>75.0 %</b> success rate" in html
    assert "11-18 completed: 2" in html
    assert "11-18 failed: 1" in html
    assert "Acme" in html
    assert "Bright" in html
    assert 'id="expectations-score"' in html
    assert "placeholder" not in html
    acme = f"Acme (integration, {acme_tenant})"
    assert f"<title>11-18 {acme}: 94</title>" in html  # the score trend, per credential per day
    assert f"<title>11-19 {acme}: 99</title>" in html
    assert "Great Expectations score per credential per day" in html
    assert "<svg" in html
    assert "http://" not in html
    assert "https://" not in html
    assert 'href="static/dashboard.css"' in html


def test_dashboard_completeness_table_shows_each_latest_validation(session: Session) -> None:
    acme, _bright = fixture(session)
    now = DAY2 + timedelta(hours=5)
    html = render_dashboard(load_dashboard(session.get_bind(), days=7, now=now), now=now)  # type: ignore[arg-type]
    customers = html[html.index("<caption>Customers:") :]
    customers = customers[: customers.index("</table>")]
    assert "<th>name</th><th>zip</th>" in customers
    row = customers[customers.index(f"<td>Acme (integration, {acme.tenant_id})</td>") :]
    assert row.startswith(f"<td>Acme (integration, {acme.tenant_id})</td><td>2026-11-19 10:00 UTC</td>")
    # The latest result only (day 2): its score, counts, fields (62.25 % is marked low) and its own page.
    assert "<td>99.00 %</td><td>100</td><td>1</td><td>99.50 %</td>" in row
    assert '<td class="low" title="below 95 %"><strong>62.25 %</strong> ▼</td>' in row
    # Relative to the dashboard page: right under any base URL or sub-path.
    assert 'href="../servicetitan/data-docs/validations/customers%20run.html"' in row
    assert "old-customers" not in html
    invoices = html[html.index("<caption>Invoices:") :]
    assert '<td class="low" title="below 95 %"><strong>90.00 %</strong> ▼</td><td>100</td><td>10</td>' in invoices
    assert 'href="../servicetitan/data-docs/index.html"' in html
    assert "://" not in html  # nothing external
    # Marked by the data-quality alert's threshold: at 90 % (the operator's Variable) the 90.00 % score is not low.
    relaxed = render_dashboard(load_dashboard(session.get_bind(), days=7, now=now), now=now, low_score_below=90.0)  # type: ignore[arg-type]
    relaxed_invoices = relaxed[relaxed.index("<caption>Invoices:") :]
    assert "(below 90 %, the data-quality alert's threshold, marked ▼)" in relaxed_invoices
    assert "<td>90.00 %</td><td>100</td><td>10</td>" in relaxed_invoices


def test_dashboard_without_validations_says_so(session: Session) -> None:
    session.add(make_credential(company_name="Fresh"))
    session.commit()
    html = render_dashboard(load_dashboard(session.get_bind(), days=7))  # type: ignore[arg-type]
    assert "Great Expectations score per credential per day (% of validated records valid): no data yet." in html
    assert "Field completeness: no validation yet." in html


def test_a_validation_of_no_records_shows_as_nothing_to_score(session: Session) -> None:
    credential = make_credential(company_name="Bright HVAC")
    sync_log = log(credential, "completed", DAY2, 5, 0, 0)
    session.add_all([credential, sync_log])
    session.flush()
    session.add(make_data_quality_result(sync_log, total_records=0, invalid_records=0, data_docs_page=None))
    session.commit()
    now = DAY2 + timedelta(hours=5)
    html = render_dashboard(load_dashboard(session.get_bind(), days=7, now=now), now=now)  # type: ignore[arg-type]
    row = html[html.index(f"<td>Bright HVAC (integration, {credential.tenant_id})</td>") :]
    assert row.startswith(
        f"<td>Bright HVAC (integration, {credential.tenant_id})</td><td>2026-11-19 10:00 UTC</td>"
        "<td>nothing to score</td><td>0</td><td>0</td>"
    )
    # No point on the score trend: neither 100 nor 0.
    (day,) = [r for r in rows(session, "servicetitan_dashboard_data_quality") if r["company_name"] == "Bright HVAC"]
    assert day["expectations_score"] is None
    assert "Great Expectations score per credential per day (% of validated records valid): no data yet." in html


def _snapshot(name: str, value: float, at: datetime, company: str = "Acme", **tags: str) -> ServiceTitanMetricSnapshot:
    return ServiceTitanMetricSnapshot(
        name=name,
        value=value,
        collected_at=at,
        tags={"company": company, "environment": "integration", "data_type": "invoices", **tags},
    )


def test_the_api_chart_adds_up_the_hours_requests(session: Session) -> None:
    acme, _bright = fixture(session)
    hour = DAY2 + timedelta(hours=1)
    # Three syncs in one hour: 4 + 9 + 8 = 21 requests, 2 failed, one 429, one circuit opening.
    session.add_all(
        [
            _snapshot("servicetitan.api.requests", 4, hour, endpoint="invoices"),
            _snapshot("servicetitan.api.response_time_ms", 100, hour, endpoint="invoices"),
            _snapshot("servicetitan.api.requests", 9, hour + timedelta(minutes=20), endpoint="invoices"),
            _snapshot("servicetitan.api.response_time_ms", 200, hour + timedelta(minutes=20), endpoint="invoices"),
            _snapshot("servicetitan.api.request_errors", 2, hour + timedelta(minutes=20), endpoint="invoices"),
            _snapshot("servicetitan.api.rate_limited", 1, hour + timedelta(minutes=20), endpoint="invoices"),
            _snapshot("servicetitan.api.requests", 8, hour + timedelta(minutes=40), "Bright", endpoint="customers"),
            _snapshot(
                "servicetitan.api.circuit_opened", 1, hour + timedelta(minutes=40), "Bright", endpoint="customers"
            ),
        ]
    )
    session.commit()
    now = DAY2 + timedelta(hours=5)
    data = load_dashboard(session.get_bind(), days=7, now=now)  # type: ignore[arg-type]
    [row] = data.api
    assert (row["requests"], row["errors"], row["rate_limited"], row["circuit_opened"]) == (21, 2, 1, 1)
    assert round(float(row["avg_response_time_ms"]), 2) == round((4 * 100 + 9 * 200) / 13, 2)  # weighted
    html = render_dashboard(data, now=now)
    assert "11-19 11:00 succeeded: 19" in html
    assert "11-19 11:00 failed: 2" in html
    assert "11-19 11:00 429 answers: 1" in html
    assert "11-19 11:00 circuit opened: 1" in html
    endpoints = html[html.index("<caption>Errors by endpoint") :]
    assert "<td>invoices</td><td>13</td><td>2</td><td>15.38 %</td><td>1</td><td>0</td>" in endpoints
    assert "<td>customers</td><td>8</td><td>0</td><td>0.00 %</td><td>0</td><td>1</td>" in endpoints

    # Filtered to Acme: Bright's syncs, requests and circuit opening are left out.
    filters = DashboardFilter.from_query(now, credential=str(acme.id), since="2026-11-18", until="2026-11-19")
    acme_only = load_dashboard(session.get_bind(), now=now, filters=filters)  # type: ignore[arg-type]
    assert [(r["requests"], r["circuit_opened"]) for r in acme_only.api] == [(13, 0)]
    assert acme_only.api_endpoints == [
        {"endpoint": "invoices", "requests": 13, "errors": 2, "rate_limited": 1, "circuit_opened": 0}
    ]
    assert sum(r["syncs"] for r in acme_only.sync_daily) == 4
    assert {r["company_name"] for r in acme_only.quality} == {"Acme"}
    html = render_dashboard(acme_only, now=now)
    assert f'<option value="{acme.id}" selected>' in html
    assert "Bright (integration" in html  # still a choice in the filter
    assert "<td>Bright</td>" not in html  # but not in the credential table


def test_durations_keep_their_fractions(session: Session) -> None:
    credential = make_credential(company_name="Quick")
    started = DAY2
    session.add_all(
        [
            make_sync_log(
                credential, status="completed", started_at=started,
                completed_at=started + timedelta(seconds=1.87), processing_time_seconds=2,
            ),
            make_sync_log(
                credential, status="completed", started_at=started + timedelta(hours=1),
                completed_at=started + timedelta(hours=1, seconds=0.4), processing_time_seconds=0,
            ),
        ]
    )  # fmt: skip
    session.commit()
    now = DAY2 + timedelta(hours=5)
    data = load_dashboard(session.get_bind(), days=7, now=now)  # type: ignore[arg-type]
    [day] = data.sync_daily
    assert float(day["avg_duration_seconds"]) == 1.14  # (1.87 + 0.4) / 2, not (2 + 0) / 2
    html = render_dashboard(data, now=now)
    assert "11-19 average: 1.14" in html


def test_a_data_type_filter_and_a_bad_query(session: Session) -> None:
    fixture(session)
    now = DAY2 + timedelta(hours=5)
    assert DashboardFilter.from_query(now, days=7, since="nonsense", credential="x", data_type="drop table") == (
        DashboardFilter(DAY2.date() - timedelta(days=6), DAY2.date())
    )
    customers = DashboardFilter.from_query(now, days=7, data_type="customers")
    data = load_dashboard(session.get_bind(), now=now, filters=customers)  # type: ignore[arg-type]
    assert data.sync_daily == []  # the fixture's syncs are all invoices
    assert {r["data_type"] for r in data.latest_quality} == {"customers"}
    assert '<option value="customers" selected>' in render_dashboard(data, now=now)


def test_a_page_shared_by_a_groups_syncs_says_so_in_each_tenants_row(session: Session) -> None:
    acme, bright = make_credential(company_name="Acme"), make_credential(company_name="Bright")
    acme_sync, bright_sync = log(acme, "completed", DAY1, 10, 100, 0), log(bright, "completed", DAY1, 10, 100, 0)
    session.add_all([acme_sync, bright_sync])
    session.flush()
    shared = "validations/servicetitan_invoices/invoices-shared-by-2-syncs-0a/20261118T100015Z/b.html"
    validated = DAY1 + timedelta(seconds=15)
    session.add_all(
        [
            make_data_quality_result(sync, data_type="invoices", validated_at=validated, data_docs_page=shared)
            for sync in (acme_sync, bright_sync)
        ]
    )
    session.commit()
    now = DAY1 + timedelta(hours=5)
    html = render_dashboard(load_dashboard(session.get_bind(), days=7, now=now), now=now)  # type: ignore[arg-type]
    for credential in (acme, bright):
        assert f">validation report shared by 2 syncs (look for tenant {credential.tenant_id})</a>" in html, (
            credential.company_name
        )
