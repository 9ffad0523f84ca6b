"""Steady hourly activity (``advance`` with ``until``) and the scenarios that break it from a given moment."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from servicetitan_sandbox import SandboxServer
from servicetitan_sandbox.activity import hourly_counts, shape
from servicetitan_sandbox.config import HourlyActivity, Scenario
from servicetitan_sandbox.timestamps import ticks_from_datetime
from tests.servicetitan_sandbox.conftest import StartSandbox
from tests.servicetitan_sandbox.session import TenantSession, config, tenant

START = datetime(2026, 11, 1, tzinfo=UTC)  # the default history's end: a Sunday


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def scenarios_url(server: SandboxServer) -> str:
    return f"{server.base_url}/sandbox/tenants/1001/scenarios"


def test_a_week_of_hours_averages_the_declared_rates() -> None:
    hours = [START + timedelta(hours=n) for n in range(24 * 7)]
    assert sum(shape(hour) for hour in hours) == pytest.approx(24 * 7)
    counts = [hourly_counts(7, HourlyActivity(), (), ticks_from_datetime(hour)) for hour in hours]
    for kind, rate in HourlyActivity().model_dump().items():
        if kind != "noise":
            assert sum(c[kind] for c in counts) == pytest.approx(rate * 24 * 7, rel=0.1)


def test_hours_have_a_daily_and_weekly_shape() -> None:
    monday = datetime(2026, 11, 2, tzinfo=UTC)
    assert shape(monday.replace(hour=16)) > 4 * shape(monday.replace(hour=5))
    assert shape(monday.replace(hour=16)) > 2 * shape(monday.replace(hour=16) + timedelta(days=6))


def test_hourly_counts_are_deterministic_by_seed() -> None:
    hour = ticks_from_datetime(START + timedelta(hours=15))
    activity = HourlyActivity()
    assert hourly_counts(1, activity, (), hour) == hourly_counts(1, activity, (), hour)
    many = [ticks_from_datetime(START + timedelta(hours=n)) for n in range(48)]
    assert [hourly_counts(1, activity, (), h) for h in many] != [hourly_counts(2, activity, (), h) for h in many]


def test_volume_and_stale_scenarios_scale_the_hours_from_their_moment() -> None:
    activity = HourlyActivity(new_invoices=100, modified_invoices=100, noise=0)
    hour = START + timedelta(days=1, hours=15)
    before, after = ticks_from_datetime(hour - timedelta(hours=24)), ticks_from_datetime(hour)
    drop = Scenario.model_validate({"kind": "volume", "resource": "invoices", "from": iso(hour), "factor": 0.1})
    stale = Scenario.model_validate({"kind": "stale", "resource": "invoices", "from": iso(hour)})
    normal = hourly_counts(1, activity, (), after)
    assert hourly_counts(1, activity, (drop,), before) == hourly_counts(1, activity, (), before)
    dropped = hourly_counts(1, activity, (drop,), after)
    assert dropped["new_invoices"] == pytest.approx(normal["new_invoices"] * 0.1, abs=1)
    assert dropped["new_customers"] == normal["new_customers"]
    stopped = hourly_counts(1, activity, (stale,), after)
    assert stopped["new_invoices"] == stopped["modified_invoices"] == 0
    assert stopped["modified_customers"] == normal["modified_customers"]


def test_advance_until_applies_each_hour_once(start_sandbox: StartSandbox) -> None:
    server = start_sandbox()
    session = TenantSession(server.base_url)
    first = session.advance(until=iso(START + timedelta(hours=5, minutes=30)))
    # Whole hours only: the half hour waits for the next call.
    assert (first["from"][:19], first["until"][:19], first["hours"]) == (
        iso(START)[:19],
        iso(START + timedelta(hours=5))[:19],
        5,
    )
    again = session.advance(until=iso(START + timedelta(hours=5)))
    assert again["hours"] == 0
    assert again["new_invoices"] == 0
    later = session.advance(until=iso(START + timedelta(hours=29)))
    assert later["hours"] == 24
    total_new = first["new_invoices"] + later["new_invoices"]
    assert session.summary()["invoices"] == 120 + total_new
    # What the API serves after a moment is what the hours after it created and changed (a record changed in two
    # of those hours is served once).
    since = iso(START + timedelta(hours=5))
    served = session.list_all("invoices", modifiedOnOrAfter=since, active="Any")
    created = [record for record in served if record["createdOn"] >= since]
    assert len(created) == later["new_invoices"]
    assert 0 < len(served) - len(created) <= later["modified_invoices"]
    session.close()


def test_advance_until_refuses_a_bad_request(sandbox: SandboxServer) -> None:
    url = f"{sandbox.base_url}/sandbox/tenants/1001/advance"
    assert httpx.post(url, json={"until": "soon"}).status_code == 400
    assert httpx.post(url, json={"until": iso(START), "new_invoices": 3}).status_code == 400


def test_scenarios_are_declared_in_the_config_and_added_at_run_time(start_sandbox: StartSandbox) -> None:
    declared = {"kind": "stale", "resource": "customers", "from": iso(START + timedelta(days=2))}
    server = start_sandbox(config(tenant(scenarios=[declared])))
    listed = httpx.get(scenarios_url(server)).json()["scenarios"]
    assert [s["kind"] for s in listed] == ["stale"]
    added = {"kind": "volume", "resource": "invoices", "from": iso(START), "factor": 5}
    response = httpx.post(scenarios_url(server), json=added)
    assert response.status_code == 201
    assert [s["kind"] for s in response.json()["scenarios"]] == ["stale", "volume"]
    refused = httpx.post(scenarios_url(server), json={"kind": "volume", "resource": "invoices", "from": iso(START)})
    assert refused.status_code == 400
    assert "factor" in refused.json()["error"]


def test_a_spike_from_a_moment_multiplies_the_hours_after_it(start_sandbox: StartSandbox) -> None:
    activity = {"new_invoices": 20, "modified_invoices": 0, "noise": 0}
    server = start_sandbox(config(tenant(activity=activity)))
    session = TenantSession(server.base_url)
    # The same hour of day, a day apart (both weekdays), before and after the spike.
    monday, tuesday = START + timedelta(days=1, hours=15), START + timedelta(days=2, hours=15)
    session.advance(until=iso(monday))
    normal = session.advance(until=iso(monday + timedelta(hours=1)))["new_invoices"]
    spike = {"kind": "volume", "resource": "invoices", "from": iso(tuesday), "factor": 5}
    assert httpx.post(scenarios_url(server), json=spike).status_code == 201
    session.advance(until=iso(tuesday))
    spiked = session.advance(until=iso(tuesday + timedelta(hours=1)))["new_invoices"]
    assert spiked == pytest.approx(5 * normal, rel=0.1)
    session.close()


@pytest.mark.parametrize(
    ("kind", "field", "check"),
    [
        ("field_added", "warrantyCode", lambda record: record.get("warrantyCode") == "sandbox drift warrantyCode"),
        ("field_removed", "summary", lambda record: "summary" not in record),
        ("field_retyped", "summary", lambda record: isinstance(record["summary"], int)),
    ],
)
def test_field_drift_changes_the_versions_stamped_from_its_moment(
    start_sandbox: StartSandbox, kind: str, field: str, check: Any
) -> None:
    server = start_sandbox(config(tenant(activity={"new_invoices": 10, "modified_invoices": 10, "noise": 0})))
    session = TenantSession(server.base_url)
    drift_from = START + timedelta(days=1, hours=14)
    session.advance(until=iso(drift_from))
    scenario = {"kind": kind, "resource": "invoices", "from": iso(drift_from), "field": field}
    assert httpx.post(scenarios_url(server), json=scenario).status_code == 201
    session.advance(until=iso(drift_from + timedelta(hours=3)))
    records, _ = session.export_all("invoices")
    after = [r for r in records if r["modifiedOn"] >= iso(drift_from)]
    before = [r for r in records if r["modifiedOn"] < iso(drift_from)]
    assert after
    assert before
    assert all(check(record) for record in after)
    assert not any(check(record) for record in before)
    customers, _ = session.export_all("customers")
    assert not any(field in c and check(c) for c in customers)  # only the scenario's resource drifts
    session.close()


@pytest.mark.parametrize(
    ("scenario", "problem"),
    [
        ({"kind": "volume", "resource": "invoices", "from": "2026-11-02T00:00:00Z"}, "factor is required"),
        ({"kind": "stale", "resource": "invoices", "from": "2026-11-02T00:00:00Z", "factor": 2}, "factor is required"),
        ({"kind": "field_added", "resource": "invoices", "from": "2026-11-02T00:00:00Z"}, "field is required"),
        ({"kind": "stale", "resource": "jobs", "from": "2026-11-02T00:00:00Z"}, "resource"),
        (
            {"kind": "stale", "resource": "invoices", "from": "2026-11-02T00:00:00Z", "until": "2026-11-01T00:00:00Z"},
            "until must be after from",
        ),
    ],
)
def test_a_scenario_that_does_not_fit_its_kind_is_refused(scenario: dict[str, Any], problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        Scenario.model_validate(scenario)


def test_a_scenario_ends_at_its_until() -> None:
    activity = HourlyActivity(new_invoices=100, noise=0)
    start, end = START + timedelta(days=1, hours=15), START + timedelta(days=1, hours=17)
    stale = Scenario.model_validate({"kind": "stale", "resource": "invoices", "from": iso(start), "until": iso(end)})
    inside, after = ticks_from_datetime(start + timedelta(hours=1)), ticks_from_datetime(end)
    assert hourly_counts(1, activity, (stale,), inside)["new_invoices"] == 0
    assert hourly_counts(1, activity, (stale,), after) == hourly_counts(1, activity, (), after)
