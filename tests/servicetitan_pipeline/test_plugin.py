"""The plugin's app, mounted by Airflow's own API server app, behind Airflow's authentication."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.conftest import api_token
from tests.factories import make_credential


def test_plugin_declares_the_app_and_a_nav_entry() -> None:
    from servicetitan_pipeline.plugin import ServiceTitanPlugin

    assert ServiceTitanPlugin.fastapi_apps[0]["url_prefix"] == "/servicetitan"
    assert [(view["href"], view["destination"]) for view in ServiceTitanPlugin.external_views] == [
        ("servicetitan/dashboard", "nav"),
        ("servicetitan/health", "nav"),
        ("servicetitan/tenants", "nav"),
        ("servicetitan/data-docs/", "nav"),
    ]


@pytest.mark.parametrize(
    "path", ["/servicetitan/health", "/servicetitan/dashboard", "/servicetitan/static/dashboard.css"]
)
def test_without_a_token_is_401(airflow_api: TestClient, path: str) -> None:
    assert airflow_api.get(path).status_code == 401


def test_health_with_a_token_returns_the_report(airflow_api: TestClient, session: Session) -> None:
    session.add(make_credential(connection_status="connected", is_active=False))
    session.commit()
    answer = airflow_api.get("/servicetitan/health", headers={"Authorization": f"Bearer {api_token(airflow_api)}"})
    assert answer.status_code == 200, answer.text[:3000]
    body = answer.json()
    assert body["status"] in {"healthy", "degraded"}
    assert set(body["checks"]) == {"credentials", "api_connectivity", "recent_syncs", "system_resources", "settings"}
    assert body["checks"]["credentials"]["details"]["by_status"] == {"connected": 1}


def test_a_browser_gets_the_health_report_as_a_page(airflow_api: TestClient, session: Session) -> None:
    session.add(make_credential(company_name="Paged Co", connection_status="error", is_active=True))
    session.commit()
    auth = {"Authorization": f"Bearer {api_token(airflow_api)}"}
    page = airflow_api.get("/servicetitan/health", headers={**auth, "Accept": "text/html,application/xhtml+xml"})
    assert page.headers["content-type"].startswith("text/html")
    assert page.status_code == airflow_api.get("/servicetitan/health", headers=auth).status_code
    assert '<h2 id="credentials-title">Credentials: ' in page.text
    # One finding for the credential, with its links to act.
    assert page.text.count('<section class="finding unhealthy"><h2>Paged Co (') == 1
    assert "Fix the connection" in page.text
    assert "Tenant page" in page.text
    assert 'href="health?format=json"' in page.text
    forced = airflow_api.get("/servicetitan/health?format=json", headers={**auth, "Accept": "text/html"})
    assert forced.json()["checks"]["credentials"]["status"] in {"degraded", "unhealthy"}


def test_health_is_503_when_unhealthy(airflow_api: TestClient, session: Session) -> None:
    session.add(
        make_credential(
            client_secret_expires_at=datetime.now(UTC) - timedelta(days=1), is_active=True, connection_status="error"
        )
    )
    session.commit()
    airflow_api.cookies.set("_token", api_token(airflow_api))
    try:
        answer = airflow_api.get("/servicetitan/health")  # the UI's cookie works as well as a bearer token
    finally:
        airflow_api.cookies.clear()
    assert answer.status_code == 503
    assert answer.json()["checks"]["credentials"]["status"] == "unhealthy"


def test_dashboard_and_its_stylesheet_are_served_with_a_token(airflow_api: TestClient, session: Session) -> None:
    session.add(make_credential(company_name="Dash Co", connection_status="connected", is_active=False))
    session.commit()
    headers = {"Authorization": f"Bearer {api_token(airflow_api)}"}
    page = airflow_api.get("/servicetitan/dashboard", headers=headers)
    assert page.status_code == 200
    assert "Dash Co" in page.text
    assert "<h2>Sync health</h2>" in page.text
    css = airflow_api.get("/servicetitan/static/dashboard.css", headers=headers)
    assert css.status_code == 200
    assert css.headers["content-type"].startswith("text/css")


def test_airflow_lists_the_nav_entry_for_the_ui(airflow_api: TestClient) -> None:
    answer = airflow_api.get("/api/v2/plugins", headers={"Authorization": f"Bearer {api_token(airflow_api)}"})
    assert answer.status_code == 200
    [plugin] = [p for p in answer.json()["plugins"] if p["name"] == "servicetitan"]
    assert [(v["name"], v["href"], v["destination"], v["url_route"]) for v in plugin["external_views"]] == [
        ("ServiceTitan", "servicetitan/dashboard", "nav", "monitoring"),
        ("ServiceTitan health", "servicetitan/health", "nav", "monitoring-health"),
        ("ServiceTitan tenants", "servicetitan/tenants", "nav", "monitoring-tenants"),
        ("ServiceTitan data docs", "servicetitan/data-docs/", "nav", "monitoring-data-docs"),
    ]


def test_an_invalid_token_is_refused(airflow_api: TestClient) -> None:
    answer = airflow_api.get("/servicetitan/health", headers={"Authorization": "Bearer not-a-jwt"})
    assert answer.status_code == 403  # Airflow: 401 without a token, 403 "Invalid JWT token" with a bad one
