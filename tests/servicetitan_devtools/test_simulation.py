"""The simulation harness: hourly syncs at simulated times against the sandbox's hourly activity."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import httpx
import sqlalchemy as sa

from servicetitan_devtools.simulation import SimulatedSync, hours, simulate_syncs
from servicetitan_sandbox.activity import hourly_counts
from servicetitan_sandbox.config import HourlyActivity
from servicetitan_sandbox.timestamps import ticks_from_datetime
from tests.sync_world import SyncWorld, fast_client, tenant

START = datetime(2026, 11, 1, 0, tzinfo=UTC)  # the end of the sandbox's default history (a Sunday)


def test_each_simulated_hour_syncs_what_the_sandbox_did_in_that_hour(make_world: Callable[..., SyncWorld]) -> None:
    world = make_world(tenant(1001, customers=20, invoices=50))
    seen: list[SimulatedSync] = []
    ended: list[float] = []

    def after_sync(simulated: SimulatedSync) -> None:
        seen.append(simulated)
        ended.append(time.perf_counter())

    done = simulate_syncs(
        world.engine,
        world.server.base_url,
        world.credentials[1001],
        hours(START + timedelta(hours=1), 48),
        after_sync=after_sync,
        make_client=fast_client,
    )
    # After the first (which loads the history, and imports Airflow's SDK for the hook): what an hour costs.
    print(f"simulated hourly syncs: {(ended[-1] - ended[0]) / 47 * 1000:.0f} ms each")
    assert seen == done
    assert [s.at for s in done] == [START + timedelta(hours=n) for n in range(1, 49)]
    assert all(s.error is None for s in done)
    assert done[0].activity["hours"] == 1  # the hour before the first sync; then one hour per sync
    assert all(s.activity["hours"] == 1 for s in done)
    with world.engine.connect() as conn:
        logs = conn.execute(
            sa.text("SELECT started_at, status FROM servicetitan_sync_logs ORDER BY started_at")
        ).fetchall()
        volumes = conn.execute(
            sa.text(
                "SELECT l.started_at, v.records_new, v.records_changed FROM servicetitan_sync_volumes v"
                " JOIN servicetitan_sync_logs l ON l.id = v.sync_log_id WHERE v.resource = 'invoices'"
                " ORDER BY l.started_at"
            )
        ).fetchall()
    assert [row.started_at for row in logs] == [s.at for s in done]  # stamped at the simulated hours
    assert {row.status for row in logs} == {"completed"}
    # The first sync loads the history as well; each later one exactly its hour's new and changed invoices.
    assert volumes[0].records_new == 50 + done[0].activity["new_invoices"]
    for simulated, row in list(zip(done, volumes, strict=True))[1:]:
        assert (row.records_new, row.records_changed) == (
            simulated.activity["new_invoices"],
            simulated.activity["modified_invoices"],
        ), simulated.at
    # The shape of a day: the busy afternoon (UTC) brings more than the night.
    by_hour = {row.started_at.hour: row.records_new for row in volumes[24:]}
    assert sum(by_hour[h] for h in (16, 17, 18)) > sum(by_hour[h] for h in (5, 6, 7))


def test_a_scenario_added_mid_simulation_shows_in_the_syncs_after_it(make_world: Callable[..., SyncWorld]) -> None:
    world = make_world(tenant(1001, customers=20, invoices=50, activity={"new_invoices": 30, "noise": 0}))
    drop_from = START + timedelta(days=1, hours=12)

    def drop_at_noon(simulated: SimulatedSync) -> None:
        if simulated.at == drop_from:
            scenario = {"kind": "volume", "resource": "invoices", "from": drop_from.isoformat(), "factor": 0.1}
            httpx.post(f"{world.server.base_url}/sandbox/tenants/1001/scenarios", json=scenario).raise_for_status()

    done = simulate_syncs(
        world.engine,
        world.server.base_url,
        world.credentials[1001],
        hours(START + timedelta(days=1, hours=1), 16),
        after_sync=drop_at_noon,
        make_client=fast_client,
    )
    activity = HourlyActivity(new_invoices=30, noise=0)
    assert done[0].activity["hours"] == 25  # the first sync's advance applies the hours since the history's end
    for simulated in done[1:]:
        hour = simulated.at - timedelta(hours=1)  # the hour the sync at ``at`` received
        normal = hourly_counts(1001, activity, (), ticks_from_datetime(hour))["new_invoices"]
        if hour < drop_from:
            assert simulated.activity["new_invoices"] == normal
        else:
            assert abs(simulated.activity["new_invoices"] - 0.1 * normal) < 1
    # What the syncs loaded follows.
    with world.engine.connect() as conn:
        loaded = conn.execute(
            sa.text(
                "SELECT l.started_at, v.records_new FROM servicetitan_sync_volumes v"
                " JOIN servicetitan_sync_logs l ON l.id = v.sync_log_id WHERE v.resource = 'invoices'"
            )
        ).fetchall()
    assert {
        row.started_at: row.records_new for row in loaded if row.started_at > START + timedelta(days=1, hours=1)
    } == {s.at: s.activity["new_invoices"] for s in done[1:]}
