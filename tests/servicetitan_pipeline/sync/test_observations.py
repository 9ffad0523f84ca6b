"""What each sync observes of its source, on real PostgreSQL and the sandbox: volumes per sync and resource,
the resource profile, the source fields, and the sync's clock."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from servicetitan_pipeline.sync.runner import run_sync
from tests.sync_world import SyncWorld, fast_client, tenant

World = Callable[..., SyncWorld]
T0 = datetime(2026, 11, 2, 15, tzinfo=UTC)


def stepping_clock(start: datetime) -> Callable[[], datetime]:
    ticks = itertools.count()
    return lambda: start + timedelta(seconds=next(ticks))


def rows(world: SyncWorld, query: str, tenant_id: int, **params: Any) -> list[Any]:
    with world.engine.connect() as conn:
        return list(conn.execute(sa.text(query), {"id": world.credentials[tenant_id].id, **params}))


def volumes(world: SyncWorld, tenant_id: int) -> dict[tuple[int, str], Any]:
    """Volume rows by (sync number, resource), syncs numbered in order of start."""
    found = rows(
        world,
        "SELECT v.*, dense_rank() OVER (ORDER BY v.started_at, v.sync_log_id) - 1 AS n"
        " FROM servicetitan_sync_volumes v WHERE credential_id = :id",
        tenant_id,
    )
    return {(row.n, row.resource): row for row in found}


def sync_at(world: SyncWorld, tenant_id: int, at: datetime | Callable[[], datetime], **kwargs: Any) -> Any:
    return run_sync(
        world.target(tenant_id, **kwargs),
        engine=world.engine,
        make_client=fast_client,
        metrics_backend=world.metrics,
        clock=at if callable(at) else stepping_clock(at),
    )


def newest_modified(world: SyncWorld, tenant_id: int, table: str) -> datetime:
    (row,) = rows(world, f"SELECT max(modified_on) AS newest FROM {table} WHERE credential_id = :id", tenant_id)
    return row.newest  # type: ignore[no-any-return]


def test_a_full_sync_observes_every_record_as_new_at_the_syncs_clock(make_world: World) -> None:
    world = make_world(tenant(1001))
    sync_at(world, 1001, T0)
    expected = world.summary(1001)
    (log,) = world.logs(1001)
    assert log.started_at == T0  # the clock's, not the wall's
    assert log.completed_at > log.started_at
    last_connected = world.credential(1001).last_connected_at
    assert last_connected is not None
    assert log.completed_at <= last_connected < T0 + timedelta(minutes=1)
    found = volumes(world, 1001)
    assert set(found) == {(0, "customers"), (0, "invoices")}
    for resource, table in (("customers", "servicetitan_customers"), ("invoices", "servicetitan_invoices")):
        row = found[(0, resource)]
        assert (row.records_new, row.records_changed, row.records_unchanged) == (expected[resource], 0, 0)
        assert row.sync_log_id == log.id
        assert row.started_at == T0
        assert T0 < row.completed_at <= log.completed_at
        newest = newest_modified(world, 1001, table)
        assert row.newest_modified_on == newest
        assert row.freshness_lag_seconds == pytest.approx((row.completed_at - newest).total_seconds())


def test_an_incremental_sync_counts_new_changed_and_nothing_else(make_world: World) -> None:
    world = make_world(tenant(1001))
    sync_at(world, 1001, T0)
    world.advance(1001, new_invoices=6, modified_invoices=4, new_customers=2, modified_customers=3)
    sync_at(world, 1001, T0 + timedelta(hours=1))
    found = volumes(world, 1001)
    customers, invoices = found[(1, "customers")], found[(1, "invoices")]
    assert (customers.records_new, customers.records_changed, customers.records_unchanged) == (2, 3, 0)
    assert (invoices.records_new, invoices.records_changed, invoices.records_unchanged) == (6, 4, 0)
    assert invoices.newest_modified_on == newest_modified(world, 1001, "servicetitan_invoices")


def test_records_delivered_again_unchanged_count_as_unchanged(make_world: World) -> None:
    world = make_world(tenant(1001))
    sync_at(world, 1001, T0)
    sync_at(world, 1001, T0 + timedelta(hours=1), full_refresh=True)
    expected = world.summary(1001)
    found = volumes(world, 1001)
    for resource in ("customers", "invoices"):
        row = found[(1, resource)]
        assert (row.records_new, row.records_changed, row.records_unchanged) == (0, 0, expected[resource])


def test_a_sync_that_received_nothing_still_has_its_completed_rows(make_world: World) -> None:
    world = make_world(tenant(1001))
    sync_at(world, 1001, T0)
    later = T0 + timedelta(hours=5)
    sync_at(world, 1001, later)
    newest = newest_modified(world, 1001, "servicetitan_invoices")
    row = volumes(world, 1001)[(1, "invoices")]
    assert (row.records_new, row.records_changed, row.records_unchanged) == (0, 0, 0)
    assert row.newest_modified_on is None  # this sync saw nothing ...
    assert row.completed_at is not None
    # ... and its lag is from the newest modifiedOn ever loaded: it grows while nothing comes.
    assert row.freshness_lag_seconds == pytest.approx((row.completed_at - newest).total_seconds())
    assert row.freshness_lag_seconds > volumes(world, 1001)[(0, "invoices")].freshness_lag_seconds


def test_the_profile_and_source_fields_describe_the_raw_records(make_world: World) -> None:
    world = make_world(tenant(1001, customers=30, invoices=50))
    sync_at(world, 1001, T0)
    (log,) = world.logs(1001)
    (profile,) = rows(
        world, "SELECT * FROM servicetitan_resource_profiles WHERE credential_id = :id AND resource = 'invoices'", 1001
    )
    # Pages of 100 are profiled whole (the sample is 100 a page).
    assert profile.records_profiled == 50
    assert profile.last_profiled_sync_log_id == log.id
    assert profile.newest_modified_on == newest_modified(world, 1001, "servicetitan_invoices")
    fields = {
        (row.field, row.json_type): row
        for row in rows(
            world, "SELECT * FROM servicetitan_source_fields WHERE credential_id = :id AND resource = 'invoices'", 1001
        )
    }
    assert fields[("id", "number")].occurrences == 50
    assert fields[("customer.id", "number")].occurrences == 50
    assert fields[("items", "array")].occurrences == 50
    assert ("items[].skuId", "number") in fields
    for row in fields.values():
        assert row.first_seen_sync_log_id == row.last_seen_sync_log_id == log.id
        assert row.records_profiled_at_last_seen == 50
        assert T0 <= row.first_seen_at == row.last_seen_at <= log.completed_at
    # Every record's raw JSON agrees with the profile's count of a field.
    (summary,) = rows(
        world,
        "SELECT count(*) FILTER (WHERE raw ? 'summary') AS with_summary FROM servicetitan_invoices"
        " WHERE credential_id = :id",
        1001,
    )
    assert sum(row.occurrences for (path, _), row in fields.items() if path == "summary") == summary.with_summary


def test_a_crash_mid_page_leaves_no_partial_observation(make_world: World) -> None:
    world = make_world(tenant(1001, customers=20, invoices=200), export_page_size=20)
    # The clock is read inside each page's transaction, after its upsert and volume counts: failing it once,
    # on the fourth page of invoices, crashes that page half way through its writes.
    readings = itertools.count()
    crash_at = 1 + 1 + 1 + 3  # the row's start, one customer page, the customers' end, three invoice pages

    def clock() -> datetime:
        n = next(readings)
        if n == crash_at:
            raise RuntimeError("crashed mid-page")
        return T0 + timedelta(seconds=n)

    with pytest.raises(RuntimeError, match="crashed mid-page"):
        sync_at(world, 1001, clock)
    (log,) = world.logs(1001)
    assert log.status == "failed"
    found = volumes(world, 1001)
    invoices = found[(0, "invoices")]
    loaded = world.count("servicetitan_invoices", 1001)
    assert loaded == 60  # three committed pages of 20
    assert invoices.records_new == loaded
    assert invoices.completed_at is None  # a partial sync is never part of a baseline
    assert found[(0, "customers")].completed_at is not None  # the customers did end
    assert log.records_successful == 20 + loaded
    (profile,) = rows(
        world, "SELECT * FROM servicetitan_resource_profiles WHERE credential_id = :id AND resource = 'invoices'", 1001
    )
    assert profile.records_profiled == loaded
    (ids,) = rows(
        world,
        "SELECT occurrences FROM servicetitan_source_fields WHERE credential_id = :id AND resource = 'invoices'"
        " AND field = 'id'",
        1001,
    )
    assert ids.occurrences == loaded
    # The next sync resumes after the committed pages, and its own row counts the rest.
    sync_at(world, 1001, T0 + timedelta(hours=1))
    assert volumes(world, 1001)[(1, "invoices")].records_new == 200 - loaded


def test_field_drift_in_the_sandbox_reaches_the_source_fields(make_world: World) -> None:
    world = make_world(tenant(1001, activity={"new_invoices": 10, "modified_invoices": 10, "noise": 0}))
    url = world.server.base_url
    start = datetime(2026, 11, 2, 14, tzinfo=UTC)
    httpx.post(f"{url}/sandbox/tenants/1001/advance", json={"until": "2026-11-02T14:00:00Z"}).raise_for_status()
    sync_at(world, 1001, start)
    scenario = {"kind": "field_retyped", "resource": "invoices", "from": "2026-11-02T14:00:00Z", "field": "summary"}
    httpx.post(f"{url}/sandbox/tenants/1001/scenarios", json=scenario).raise_for_status()
    httpx.post(f"{url}/sandbox/tenants/1001/advance", json={"until": "2026-11-02T15:00:00Z"}).raise_for_status()
    sync_at(world, 1001, start + timedelta(hours=1))
    second = world.logs(1001)[1]
    found = {
        row.json_type: row
        for row in rows(
            world,
            "SELECT * FROM servicetitan_source_fields WHERE credential_id = :id AND resource = 'invoices'"
            " AND field = 'summary'",
            1001,
        )
    }
    assert set(found) == {"string", "number"}
    assert found["number"].first_seen_sync_log_id == second.id
    assert found["string"].last_seen_sync_log_id != second.id  # no record of the second sync had it as a text
    drifted = volumes(world, 1001)[(1, "invoices")]
    assert found["number"].occurrences == drifted.records_new + drifted.records_changed
