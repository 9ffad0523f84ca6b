from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from servicetitan_pipeline.monitoring.health import HealthStatus, ServiceTitanHealthCheck
from tests.factories import make_credential, make_sync_log
from tests.sync_world import tenant

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def check(session: Session, **kwargs: Any) -> ServiceTitanHealthCheck:
    return ServiceTitanHealthCheck(session.get_bind(), now=lambda: NOW, **kwargs)  # type: ignore[arg-type]


def finished(credential: Any, status: str, hours_ago: float, **kw: Any) -> Any:
    started = NOW - timedelta(hours=hours_ago)
    values = {"status": status, "started_at": started, "completed_at": started + timedelta(minutes=1)}
    if status == "failed":
        values.update(records_successful=0, records_failed=0, records_processed=0)
    values.update(kw)
    return make_sync_log(credential, **values)


def test_credentials_healthy_when_all_connected(session: Session) -> None:
    session.add_all([make_credential(connection_status="connected", token_expires_at=NOW + timedelta(minutes=10))])
    session.commit()
    result = check(session).check_credentials()
    assert result.status is HealthStatus.HEALTHY
    assert result.details["by_status"] == {"connected": 1}
    assert result.details["tokens_valid"] == 1


def test_credentials_degraded_by_secret_expiring_within_7_days_and_one_in_error(session: Session) -> None:
    session.add_all(
        [
            make_credential(company_name="Ok", connection_status="connected"),
            make_credential(company_name="Broken", connection_status="error"),
            make_credential(company_name="Soon", client_secret_expires_at=NOW + timedelta(days=3)),
            make_credential(company_name="Later", client_secret_expires_at=NOW + timedelta(days=30)),
        ]
    )
    session.commit()
    result = check(session).check_credentials()
    assert result.status is HealthStatus.DEGRADED
    assert [e["credential"].split(" (")[0] for e in result.details["secrets_expiring"]] == ["Soon"]
    assert [c["credential"].split(" (")[0] for c in result.details["active_in_error"]] == ["Broken"]
    assert result.details["by_status"] == {"connected": 1, "error": 1, "pending": 2}


def test_credentials_unhealthy_when_a_secret_has_expired(session: Session) -> None:
    session.add(make_credential(client_secret_expires_at=NOW - timedelta(days=1)))
    session.commit()
    assert check(session).check_credentials().status is HealthStatus.UNHEALTHY


def test_recent_syncs_healthy_degraded_unhealthy_by_failure_rate(session: Session) -> None:
    credential = make_credential()
    session.add_all([finished(credential, "completed", h) for h in (1, 2, 3, 4, 5, 6, 7, 8, 9)])
    session.add(finished(credential, "failed", 1))
    session.add(finished(credential, "failed", 30))  # outside the 24 h window
    session.commit()
    result = check(session).check_recent_syncs()
    assert (result.details["completed"], result.details["failed"]) == (9, 1)
    assert result.details["failure_rate"] == 0.1
    assert result.status is HealthStatus.DEGRADED
    assert check(session, failure_rate_degraded=0.2).check_recent_syncs().status is HealthStatus.HEALTHY
    assert check(session, failure_rate_unhealthy=0.1).check_recent_syncs().status is HealthStatus.UNHEALTHY


def test_recent_syncs_reports_stuck_running_rows_and_stale_credentials(session: Session) -> None:
    fresh = make_credential(company_name="Fresh", created_at=NOW - timedelta(days=30))
    stale = make_credential(company_name="Stale", created_at=NOW - timedelta(days=30))
    # Onboarded an hour ago, never synced yet: not stale (judged from its onboarding).
    just_onboarded = make_credential(company_name="Just onboarded", created_at=NOW - timedelta(hours=1))
    session.add_all(
        [
            just_onboarded,
            finished(fresh, "completed", 1),
            finished(stale, "completed", 60),
            make_sync_log(
                fresh,
                status="running",
                started_at=NOW - timedelta(hours=3),
                completed_at=None,
                processing_time_seconds=None,
            ),
            make_sync_log(
                fresh,
                status="running",
                started_at=NOW - timedelta(minutes=30),
                completed_at=None,
                processing_time_seconds=None,
            ),
        ]
    )
    session.commit()
    result = check(session).check_recent_syncs()
    assert result.status is HealthStatus.DEGRADED
    assert result.details["running"] == 2
    assert len(result.details["stuck_running"]) == 1
    assert [s["credential"].split(" (")[0] for s in result.details["stale_credentials"]] == ["Stale"]


def test_system_resources_reports_database_disk_and_memory(session: Session) -> None:
    result = check(session).check_system_resources()
    assert result.status is HealthStatus.HEALTHY
    assert result.details["database"]["reachable"] is True
    assert result.details["database"]["size_bytes"] > 0
    assert result.details["disk"]["free_bytes"] > 0
    assert result.details["memory"]["process_rss_mb"] > 0
    assert check(session, memory_degraded_mb=1).check_system_resources().status is HealthStatus.DEGRADED
    assert check(session, disk_free_unhealthy_fraction=1.01).check_system_resources().status is HealthStatus.UNHEALTHY


def test_api_connectivity_against_the_sandbox(make_world: Any) -> None:
    world = make_world(tenant(4101), tenant(4102, faults={"invalid_credentials": True}))
    result = ServiceTitanHealthCheck(world.engine).check_api_connectivity()
    assert result.details["checked"] == 2
    assert [o["credential"] for o in result.details["ok"]] == [world.credentials[4101].label]
    [failure] = result.details["failed"]
    assert failure["credential"] == world.credentials[4102].label
    assert failure["error"] == "BadCredentialsError"
    assert "secret-4102" not in str(result.as_dict())
    assert result.status is HealthStatus.DEGRADED


def test_api_connectivity_is_time_boxed(session: Session) -> None:
    import time

    session.add(make_credential())
    session.commit()
    slow = check(session, api_timeout_seconds=0.2, authenticate=lambda c: time.sleep(2))
    started = time.monotonic()
    result = slow.check_api_connectivity()
    assert time.monotonic() - started < 1.5
    assert result.status is HealthStatus.UNHEALTHY
    assert result.details["failed"][0]["error"] == "TimeoutError"


def test_overall_status_is_the_worst_check(session: Session) -> None:
    session.add(make_credential(client_secret_expires_at=NOW - timedelta(days=1)))
    session.commit()
    report = check(session, authenticate=lambda c: None).run()
    assert report.checks["credentials"].status is HealthStatus.UNHEALTHY
    assert report.status is HealthStatus.UNHEALTHY
    assert set(report.as_dict()["checks"]) == set(ServiceTitanHealthCheck.CHECKS)


def test_the_api_probe_is_reused_for_its_time_while_the_sample_is_the_same(session: Session) -> None:
    from servicetitan_pipeline.monitoring.health import ApiProbeCache

    session.add(make_credential())
    session.commit()
    calls: list[str] = []
    cache = ApiProbeCache(seconds=60)
    probe = check(session, authenticate=lambda c: calls.append(c.airflow_conn_id), api_cache=cache)
    first = probe.check_api_connectivity()
    again = probe.check_api_connectivity()
    assert len(calls) == 1  # one token request for two page views
    assert again.status is first.status
    assert "cached_seconds_ago" in again.details
    session.add(make_credential())  # a new credential in the sample: probed at once
    session.commit()
    probe.check_api_connectivity()
    assert len(calls) == 3
    expired = check(session, authenticate=lambda c: calls.append(c.airflow_conn_id), api_cache=ApiProbeCache(0))
    expired.check_api_connectivity()
    expired.check_api_connectivity()
    assert len(calls) == 7


def test_settings_healthy_when_the_variables_parse_and_none_of_the_old_form_is_left(session: Session) -> None:
    values = {"servicetitan_alert_settings": '{"failure_threshold": 5}'}
    result = check(session, read_variable=values.get, legacy_variables=list).check_settings()
    assert result.status is HealthStatus.HEALTHY
    assert result.problems == []


def test_settings_unhealthy_on_a_variable_the_tasks_would_fail_on(session: Session) -> None:
    values = {"servicetitan_anomaly_settings": '{"band_width": "wide"}'}
    result = check(session, read_variable=values.get, legacy_variables=list).check_settings()
    assert result.status is HealthStatus.UNHEALTHY
    assert result.details["invalid"] == ["servicetitan_anomaly_settings"]
    assert result.problems == [
        'Airflow Variable servicetitan_anomaly_settings: band_width is "wide", not a number. '
        "The tasks that read it fail until it is fixed."
    ]


def test_settings_degraded_by_a_variable_of_the_old_form_and_says_where_it_belongs(session: Session) -> None:
    result = check(
        session, read_variable={}.get, legacy_variables=lambda: ["servicetitan_alert_failure_threshold"]
    ).check_settings()
    assert result.status is HealthStatus.DEGRADED
    assert result.problems == [
        'Airflow Variable servicetitan_alert_failure_threshold is no longer read: set "failure_threshold" in the '
        "Variable servicetitan_alert_settings instead (a JSON object), then delete it (`servicetitan settings "
        "upgrade-variables` does both)"
    ]


def test_the_stored_variables_of_the_old_form_are_found_in_airflow(monkeypatch: Any) -> None:
    from airflow.models.variable import Variable

    from servicetitan_pipeline.airflow_variables import stored_legacy_variables

    monkeypatch.setenv("AIRFLOW_VAR_SERVICETITAN_SYNC_WORKERS", "4")
    Variable.set("servicetitan_alert_stale_sync_hours", "24")
    Variable.set("servicetitan_alert_settings", "{}")
    try:
        assert stored_legacy_variables() == ["servicetitan_alert_stale_sync_hours", "servicetitan_sync_workers"]
    finally:
        Variable.delete("servicetitan_alert_stale_sync_hours")
        Variable.delete("servicetitan_alert_settings")


def test_configured_takes_the_alert_rules_thresholds() -> None:
    from servicetitan_pipeline.alerts.settings import AlertSettings

    alerts = AlertSettings(stale_sync_hours=24, running_timeout_minutes=90, secret_expiry_days=14, api_sample_size=1)
    configured = ServiceTitanHealthCheck.configured(alerts)
    assert (configured.stale_after_hours, configured.stuck_after_hours) == (24, 1.5)
    assert (configured.secret_expiry_warning_days, configured.api_sample_size) == (14, 1)
