"""Each anomaly kind driven through the sandbox end to end: real hourly syncs at simulated times
(servicetitan_devtools.simulation), the monitors run at each simulated hour (the 15-minute monitor after every
sync, the 6-hour one every 6th hour), Slack captured. Each kind raises exactly one alert, and resolves once the
data is normal again; nothing else fires. One history serves every kind: the drift kinds need only a profile
before their window, so they run during the week the volume baselines need; the volume kinds follow, one a day.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from servicetitan_devtools.simulation import SimulatedSync, hours, simulate_syncs
from servicetitan_pipeline.alerts.monitor import MonitorReport, run_health_monitor, run_sync_failure_monitor
from servicetitan_pipeline.alerts.settings import AlertSettings
from servicetitan_pipeline.anomalies.settings import AnomalySettings
from servicetitan_pipeline.db.models import ServiceTitanCredential
from tests.sync_world import RecordingMetrics, SyncWorld, fast_client, tenant

START = datetime(2026, 11, 1, 0, tzinfo=UTC)  # the sandbox's default history ends here (a Sunday)
SETTINGS = AlertSettings(api_sample_size=0)
ANOMALY = AnomalySettings()  # the defaults: the history is as short as they allow (7 days, 4 samples a slot)
MONITOR_DELAY = timedelta(minutes=15)  # the monitor runs this long after the hour's sync started


def at(day: int, hour: int) -> datetime:
    return START + timedelta(days=day, hours=hour)


@dataclass(frozen=True)
class Case:
    kind: str
    rule: str
    start: datetime
    until: datetime
    in_message: str  # what the firing message says of this case
    scenario: dict[str, Any]
    # The firing is expected within this long of the start (disappearance waits for enough records missing;
    # freshness for the usual lag to be well exceeded); the resolution within this long of the end.
    fires_within: timedelta = timedelta(hours=1)
    resolves_within: timedelta = timedelta(hours=1)


def cases() -> list[Case]:
    def case(kind: str, rule: str, start: datetime, until: datetime, in_message: str, **more: Any) -> Case:
        timing = {key: more.pop(key) for key in ("fires_within", "resolves_within") if key in more}
        scenario = {"kind": kind, "resource": "invoices", "from": start.isoformat(), "until": until.isoformat()}
        return Case(kind, rule, start, until, in_message, {**scenario, **more}, **timing)

    day = timedelta(days=1)
    # A field retyped, added or removed stays in the window (24 h) after its first sighting, then resolves.
    return [
        case("field_retyped", "schema_drift", at(1, 6), at(1, 12), "retyped: summary (string → number)",
             field="summary", resolves_within=day),
        case("field_added", "schema_drift", at(2, 12), at(2, 18), "appeared: loyaltyTier (string)",
             field="loyaltyTier", resolves_within=day),
        case("field_removed", "schema_drift", at(3, 18), at(4, 12), "disappeared: summary (absent from the last",
             field="summary", fires_within=timedelta(hours=12)),
        # The volume kinds need the week of history: Monday the 9th on, a busy hour each.
        case("volume", "volume_anomaly", at(8, 15), at(8, 16), "5.", factor=5),
        case("volume", "volume_anomaly", at(9, 15), at(9, 16), "% below the usual", factor=0.1),
        # A day and a half without a record new or changed, through a whole UTC day: one freshness alert (the
        # zero syncs and the zero day are its evidence, not volume anomalies).
        case("stale", "freshness_anomaly", at(10, 0), at(11, 12), "the newest record loaded was modified",
             fires_within=timedelta(hours=9)),
    ]  # fmt: skip


@dataclass
class Sent:
    at: datetime
    item: str  # "firing:<rule>:<subject>" or "resolved:<rule>:<subject>"
    text: str


def simulate_with_monitors(
    world: SyncWorld,
    credential: ServiceTitanCredential,
    times: list[datetime],
    data_type: str = "both",
    metrics: RecordingMetrics | None = None,
) -> tuple[list[Sent], list[str]]:
    """Hourly syncs at ``times`` with the monitors after each; the alert notifications sent, and any other
    condition found (none expected)."""
    sent: list[Sent] = []
    others: list[str] = []
    messages: list[str] = []

    def send(text: str, blocks: list[dict[str, Any]]) -> None:
        messages.append(text + "\n" + "\n".join(str(block) for block in blocks))

    def record(now: datetime, report: MonitorReport) -> None:
        if report.sent:
            alert_text = next(message for message in reversed(messages) if "last 6 hours" not in message)
            sent.extend(Sent(now, item, alert_text) for item in report.sent)
        others.extend(f"{now:%m-%d %H:%M} {condition}" for condition in report.conditions)

    def monitors(simulated: SimulatedSync) -> None:
        assert simulated.error is None, simulated.error
        now = simulated.at + MONITOR_DELAY
        options: dict[str, Any] = {"now": now, "anomaly_settings": ANOMALY, "metrics": metrics or RecordingMetrics()}
        record(now, run_sync_failure_monitor(world.engine, SETTINGS, send, **options))
        if simulated.at.hour % 6 == 0:
            record(now, run_health_monitor(world.engine, SETTINGS, send, **options))

    # The monitors' lines (a dozen a run, thousands here) would cost time and bury the test's own.
    logging.getLogger("servicetitan_pipeline.alerts").setLevel(logging.WARNING)
    simulate_syncs(
        world.engine,
        world.server.base_url,
        credential,
        times,
        after_sync=monitors,
        make_client=fast_client,
        data_type=data_type,
    )
    return sent, others


def test_each_anomaly_kind_alerts_once_and_resolves(make_world: Callable[..., SyncWorld]) -> None:
    all_cases = cases()
    activity = {"new_invoices": 20, "modified_invoices": 20, "noise": 0.15}
    world = make_world(tenant(1001, customers=20, invoices=300, activity=activity,
                              scenarios=[case.scenario for case in all_cases]))  # fmt: skip
    credential = world.credentials[1001]
    began = time.perf_counter()
    # Invoices only: every kind is per data type, and customers take the same path (the false-positive test
    # syncs both).
    # Up to the Friday's 00:00: the stale Thursday's daily volume is judged too.
    sent, conditions = simulate_with_monitors(world, credential, list(hours(at(0, 1), 12 * 24)), "invoices")
    print(f"\n{12 * 24} simulated hourly syncs with their monitors: {time.perf_counter() - began:.0f} s")
    for line in sent:
        print(f"  {line.at:%m-%d %H:%M} {line.item}")
    # A firing alert is repeated every repeat_interval_hours (6) as one still firing: the same alert, not another.
    repeats = [line for line in sent if "still firing" in line.text]
    assert all(line.item.startswith("firing:") for line in repeats)
    sent = [line for line in sent if line not in repeats]

    subject = f"invoices:{credential.environment}:{credential.tenant_id}"
    expected = [
        item for case in all_cases for item in (f"firing:{case.rule}:{subject}", f"resolved:{case.rule}:{subject}")
    ]
    assert [line.item for line in sent] == expected  # exactly one alert per case, its resolution, nothing else
    for case, (firing, resolved) in zip(all_cases, zip(sent[::2], sent[1::2], strict=True), strict=True):
        assert case.start < firing.at <= case.start + case.fires_within + MONITOR_DELAY, (case, firing.at)
        assert case.in_message in firing.text, (case, firing.text)
        assert "Resolved" in resolved.text
        assert case.until < resolved.at <= case.until + case.resolves_within + MONITOR_DELAY, (case, resolved.at)
    # Conditions found while firing are the cases' own (a volume alert judged twice, a drift within its window).
    assert {condition.split(" ", 2)[2] for condition in conditions} <= {f"{case.rule}:{subject}" for case in all_cases}


def test_a_steady_tenant_raises_no_alert_over_30_days_of_hourly_syncs(make_world: Callable[..., SyncWorld]) -> None:
    """The false-positive test: the sandbox's default activity (seeded, with its noise, quiet nights and weekends),
    both data types, 30 days of real hourly syncs with the monitors after each: no alert of any rule."""
    world = make_world(tenant(1001, seed=20261101))
    began = time.perf_counter()
    metrics = RecordingMetrics()
    times = list(hours(at(0, 1), 30 * 24))
    sent, conditions = simulate_with_monitors(world, world.credentials[1001], times, metrics=metrics)
    print(f"\n{30 * 24} simulated hourly syncs with their monitors: {time.perf_counter() - began:.0f} s")
    assert conditions == []
    assert sent == []
    # And not for want of judging: each anomaly rule judged this tenant's data types, run after run.
    judged: dict[str, float] = defaultdict(float)
    for _kind, stat, value, tags in metrics.sent:
        if stat == "servicetitan.data_quality.anomalies_judged":
            judged[tags["rule"]] += value
    assert judged["volume_anomaly"] > 2 * 20 * 12  # both data types, the weekdays' hours from the second week
    assert judged["freshness_anomaly"] > 2 * 20 * 12
    assert judged["daily_volume_anomaly"] > 2 * 15 * 4
    assert judged["schema_drift"] > 1.8 * len(times)  # every sync that received records of a data type
