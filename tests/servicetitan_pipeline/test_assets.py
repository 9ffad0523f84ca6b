"""The Assets servicetitan_sync updates, and what a downstream DAG reads of their events."""

from __future__ import annotations

from types import SimpleNamespace

from servicetitan_pipeline.assets import (
    ASSET_FOR_RESOURCE,
    CUSTOMERS_ASSET,
    INVOICES_ASSET,
    describe_asset_events,
)
from servicetitan_pipeline.sync.airflow_tasks import loaded_totals


def test_one_asset_per_resource() -> None:
    assert {resource: asset.name for resource, asset in ASSET_FOR_RESOURCE.items()} == {
        "customers": "servicetitan_customers",
        "invoices": "servicetitan_invoices",
    }


def test_the_event_extra_adds_up_the_batches() -> None:
    summaries = [
        {"loaded": {"customers": {"records": 120, "tenants": 2}, "invoices": {"records": 900, "tenants": 2}}},
        {"loaded": {"customers": {"records": 30, "tenants": 1}}},  # a batch that loaded no invoices
        {"loaded": {}},  # a batch whose every tenant failed
    ]
    assert loaded_totals(summaries, "customers") == {"records": 150, "tenants": 3}
    assert loaded_totals(summaries, "invoices") == {"records": 900, "tenants": 2}
    assert loaded_totals([], "invoices") == {"records": 0, "tenants": 0}


def test_a_downstream_run_describes_its_triggering_events() -> None:
    event = SimpleNamespace(
        extra={"records": 1968, "tenants": 2},
        source_dag_id="servicetitan_sync",
        source_run_id="manual__1",
        timestamp="2026-12-01T10:00:00+00:00",
    )
    lines = describe_asset_events({CUSTOMERS_ASSET: [event], INVOICES_ASSET: []})
    assert lines == [
        "servicetitan_customers: 1968 records of 2 tenant(s) loaded by servicetitan_sync run manual__1 at "
        "2026-12-01T10:00:00+00:00"
    ]
    assert describe_asset_events(None) == ["no asset events triggered this run (a manual trigger?)"]
