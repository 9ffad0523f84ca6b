"""Schema drift from one resource's field rows (pure): appeared, retyped, disappeared, and what is not drift."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from servicetitan_pipeline.anomalies.rules import schema_changes
from servicetitan_pipeline.anomalies.settings import AnomalySettings

NOW = datetime(2026, 11, 18, 10, 30, tzinfo=UTC)
WINDOW_START = NOW - timedelta(hours=24)
LONG_AGO = NOW - timedelta(days=10)


def field(name: str, json_type: str, first: datetime, last: datetime, occurrences: int, at_last: int) -> dict[str, Any]:
    return {
        "records_profiled": 10_000,
        "first_profiled_at": LONG_AGO,
        "field": name,
        "json_type": json_type,
        "first_seen_at": first,
        "last_seen_at": last,
        "occurrences": occurrences,
        "records_profiled_at_last_seen": at_last,
    }


def test_nothing_changed_is_no_drift() -> None:
    rows = [field("id", "number", LONG_AGO, NOW, 10_000, 10_000), field("memo", "null", LONG_AGO, NOW, 50, 10_000)]
    assert schema_changes(rows, WINDOW_START, AnomalySettings()) == {"appeared": [], "disappeared": [], "retyped": []}


def test_a_field_turning_null_is_a_share_of_nulls_not_a_retype() -> None:
    rows = [
        field("memo", "string", LONG_AGO, NOW, 9_000, 10_000),
        field("memo", "null", NOW - timedelta(hours=1), NOW, 100, 10_000),
    ]
    assert schema_changes(rows, WINDOW_START, AnomalySettings())["retyped"] == []


def test_a_disappearance_needs_enough_records_since() -> None:
    gone = field("summary", "string", LONG_AGO, NOW - timedelta(hours=2), 9_800, 9_800)
    assert schema_changes([gone], WINDOW_START, AnomalySettings())["disappeared"] == []  # 200 records since
    assert schema_changes([gone], WINDOW_START, AnomalySettings(schema_min_records_missing=200))["disappeared"] == [
        "summary (absent from the last 200 records)"
    ]


def test_a_field_that_disappeared_before_the_window_is_no_longer_reported() -> None:
    gone = field("summary", "string", LONG_AGO, NOW - timedelta(hours=30), 5_000, 5_000)
    assert schema_changes([gone], WINDOW_START, AnomalySettings())["disappeared"] == []


def test_new_fields_of_a_first_profile_are_no_drift() -> None:
    row = field("id", "number", NOW - timedelta(hours=1), NOW, 100, 100)
    row["first_profiled_at"] = NOW - timedelta(hours=1)
    assert schema_changes([row], WINDOW_START, AnomalySettings())["appeared"] == []
    row["first_profiled_at"] = LONG_AGO
    assert schema_changes([row], WINDOW_START, AnomalySettings())["appeared"] == ["id (number)"]
