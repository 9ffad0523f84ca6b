"""The health page from a report: one finding per cause with its links, human units, data quality."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from servicetitan_pipeline.monitoring.airflow_links import SyncTask
from servicetitan_pipeline.monitoring.health import CheckResult, HealthReport, HealthStatus
from servicetitan_pipeline.monitoring.health_page import findings, render_health_page

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
REFUSED = {
    "credential": "Crest Electric (integration, tenant 1003)",
    "credential_id": "5b0c2f4e-1f0a-4f57-9d0c-1e0d3c0a1003",
    "airflow_conn_id": "servicetitan_integration_1003",
}
SECRET_REFUSED = "401 Unauthorized: invalid_client"


def report(**extra: Any) -> HealthReport:
    """A credential refused by ServiceTitan, as the three checks it trips report it, and a big disk."""
    failure_at = (NOW - timedelta(hours=1)).isoformat()
    checks = {
        "credentials": CheckResult(
            "credentials",
            HealthStatus.DEGRADED,
            {"active_in_error": [{**REFUSED, "last_error": SECRET_REFUSED, "last_failure_at": failure_at}]},
            ["1 active credential(s) in error: Crest Electric (integration, tenant 1003)"],
        ),
        "api_connectivity": CheckResult(
            "api_connectivity",
            HealthStatus.UNHEALTHY,
            {
                "checked": 1,
                "ok": [],
                "failed": [{**REFUSED, "error": "BadCredentialsError", "message": SECRET_REFUSED}],
            },
            [f"Crest Electric (integration, tenant 1003): BadCredentialsError: {SECRET_REFUSED}"],
        ),
        "recent_syncs": CheckResult(
            "recent_syncs",
            HealthStatus.UNHEALTHY,
            {
                "failure_rate": 0.25,
                "stale_credentials": [
                    {**REFUSED, "onboarded_at": (NOW - timedelta(days=9)).isoformat(), "last_success_at": None}
                ],
            },
            ["25% of the syncs of the last 24 h failed", "1 active credential(s) without a successful sync in 48 h"],
        ),
        "system_resources": CheckResult(
            "system_resources",
            HealthStatus.HEALTHY,
            {"disk": {"total_bytes": 270553174016, "free_fraction": 0.4123}, "memory": {"system_percent": 41.5}},
        ),
    }
    return HealthReport(HealthStatus.UNHEALTHY, NOW, checks)


def test_a_refused_credential_is_one_finding_with_each_symptom_once() -> None:
    found = findings(report())
    [credential] = [f for f in found if f.credential_id]
    assert credential.title == REFUSED["credential"]
    assert credential.status is HealthStatus.UNHEALTHY
    assert sum(SECRET_REFUSED in line for line in credential.lines) == 1  # the long error is said once
    assert any(line.startswith("No successful sync ever (onboarded 2026-11-11") for line in credential.lines)
    # The pipeline-wide failure rate is its own finding; the per-credential counts are not repeated.
    assert [f.lines for f in found if not f.credential_id] == [["25% of the syncs of the last 24 h failed"]]


def test_the_finding_links_to_the_connection_the_failed_run_and_the_tenant_page() -> None:
    html = render_health_page(report(), [], {REFUSED["credential_id"]: SyncTask("manual__2026-11-20T11:00", 0)})
    assert 'href="../connections?name_pattern=servicetitan_integration_1003" target="_top"' in html
    assert 'href="../dags/servicetitan_sync/runs/manual__2026-11-20T11%3A00/tasks/sync/mapped/0" target="_top"' in html
    assert f'href="tenants/{REFUSED["credential_id"]}"' in html
    cards, _details = html.split('<details class="checks">')
    assert cards.count(f"<h2>{REFUSED['credential']}") == 1
    assert cards.count(SECRET_REFUSED) == 1


def test_human_units_in_the_details() -> None:
    html = render_health_page(report())
    assert "270.6 GB" in html
    assert "270553174016" not in html
    assert "41 %" in html or "41.5 %" in html
    assert "25 %" in html
    assert "0.25" not in html


def test_the_data_quality_section_says_nothing_to_score() -> None:
    rows = [
        {
            "company_name": "Acme",
            "environment": "integration",
            "tenant_id": 1,
            "data_type": "invoices",
            "score": Decimal("92.66"),
            "total_records": 3000,
            "validated_at": NOW,
        },
        {
            "company_name": "Empty",
            "environment": "integration",
            "tenant_id": 2,
            "data_type": "invoices",
            "score": None,
            "total_records": 0,
            "validated_at": NOW,
        },
    ]
    html = render_health_page(report(), rows)
    assert "92.66 %" in html
    assert "3,000" in html
    assert "nothing to score" in html
    assert "100 %" not in html
    assert "No sync has been validated yet." in render_health_page(report(), [])
