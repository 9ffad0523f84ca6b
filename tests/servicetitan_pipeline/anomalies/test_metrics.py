"""The anomaly metrics: names under servicetitan.data_quality.*, tags that do not grow with the tenants."""

from __future__ import annotations

from typing import Any

from servicetitan_pipeline.metrics import DataQualityMetrics


class Recorded:
    def __init__(self) -> None:
        self.gauges: list[tuple[str, float, dict[str, Any]]] = []

    def incr(self, stat: str, count: int = 1, *, tags: dict[str, Any]) -> None:
        raise AssertionError("the anomaly metrics are gauges")

    def gauge(self, stat: str, value: float, *, tags: dict[str, Any]) -> None:
        self.gauges.append((stat, value, tags))

    def timing(self, stat: str, milliseconds: float, *, tags: dict[str, Any]) -> None:
        raise AssertionError("the anomaly metrics are gauges")


def test_freshness_lags_of_5000_tenants_are_three_series() -> None:
    backend = Recorded()
    DataQualityMetrics(backend).freshness_lags("invoices", [float(seconds) for seconds in range(5000)])
    assert backend.gauges == [
        ("servicetitan.data_quality.freshness_lag_seconds", 2500.0, {"resource": "invoices", "stat": "p50"}),
        ("servicetitan.data_quality.freshness_lag_seconds", 4750.0, {"resource": "invoices", "stat": "p95"}),
        ("servicetitan.data_quality.freshness_lag_seconds", 4999.0, {"resource": "invoices", "stat": "max"}),
    ]


def test_nothing_judged_sends_no_lag_and_counts_are_per_rule() -> None:
    backend = Recorded()
    metrics = DataQualityMetrics(backend)
    metrics.freshness_lags("customers", [])
    metrics.anomalies("schema_drift", firing=2, judged=40)
    metrics.schema_changes("invoices", {"appeared": 1, "disappeared": 0, "retyped": 1})
    assert backend.gauges == [
        ("servicetitan.data_quality.anomalies", 2, {"rule": "schema_drift"}),
        ("servicetitan.data_quality.anomalies_judged", 40, {"rule": "schema_drift"}),
        ("servicetitan.data_quality.schema_changes", 1, {"resource": "invoices", "change": "appeared"}),
        ("servicetitan.data_quality.schema_changes", 0, {"resource": "invoices", "change": "disappeared"}),
        ("servicetitan.data_quality.schema_changes", 1, {"resource": "invoices", "change": "retyped"}),
    ]
