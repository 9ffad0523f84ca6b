"""The plugin's pages judge by the thresholds the monitors use: Airflow Variables set the way an operator sets
them (Airflow's REST API), read by the API server; an invalid one, or one of the old per-field form, is the
health page's Settings finding."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.conftest import api_token
from tests.factories import make_credential


@pytest.fixture
def set_variable(airflow_api: TestClient) -> Iterator[Callable[[str, str], None]]:
    auth = {"Authorization": f"Bearer {api_token(airflow_api)}"}
    created: list[str] = []

    def set_(key: str, value: str) -> None:
        answer = airflow_api.post("/api/v2/variables", headers=auth, json={"key": key, "value": value})
        assert answer.status_code == 201, answer.text
        created.append(key)

    yield set_
    for key in created:
        airflow_api.delete(f"/api/v2/variables/{key}", headers=auth)


def health(airflow_api: TestClient) -> Any:
    answer = airflow_api.get("/servicetitan/health", headers={"Authorization": f"Bearer {api_token(airflow_api)}"})
    return answer.json()


def test_the_health_page_uses_the_alert_rules_stale_threshold_and_names_bad_settings(
    airflow_api: TestClient, session: Session, set_variable: Callable[[str, str], None]
) -> None:
    # Onboarded 30 h ago, never synced: stale by a 24 h rule, not (yet) by the default 48 h one.
    session.add(
        make_credential(company_name="Slow Co", is_active=True, created_at=datetime.now(UTC) - timedelta(hours=30))
    )
    session.commit()
    set_variable("servicetitan_alert_settings", '{"stale_sync_hours": 24}')
    set_variable("servicetitan_anomaly_settings", '{"band_width": "wide"}')
    set_variable("servicetitan_sync_workers", "16")

    report = health(airflow_api)

    stale = report["checks"]["recent_syncs"]["details"]["stale_credentials"]
    assert [entry["credential"].split(" (")[0] for entry in stale] == ["Slow Co"]
    settings = report["checks"]["settings"]
    assert settings["status"] == "unhealthy"
    assert settings["details"]["invalid"] == ["servicetitan_anomaly_settings"]
    assert settings["details"]["no_longer_read"] == ["servicetitan_sync_workers"]
    assert 'band_width is "wide", not a number' in settings["problems"][0]
    assert 'set "workers" in the Variable servicetitan_sync_settings' in settings["problems"][1]
