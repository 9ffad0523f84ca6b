"""Simulated hourly syncs of one credential against a running sandbox, at simulated times.

Each simulated hour ``t``: the sandbox applies the tenant's hourly activity (and its scenarios) up to ``t``
(``advance`` with ``until``), then ``run_sync`` runs with a clock at ``t``, so its sync-log row and what it
observed of the source are stamped as if it ran then; a hook is then called with ``t`` (where a test or the demo
runs the monitors at ``t``). Used by tests (false positives over 30 days, each anomaly caught and resolved) and
by the demo.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy.engine import Engine

from servicetitan_pipeline.db.models import ServiceTitanCredential
from servicetitan_pipeline.sync.runner import ClientFactory, SyncOutcome, hook_client, run_sync
from servicetitan_pipeline.sync.targets import SyncTarget

# Their lines, a dozen a simulated sync, would bury the simulation's own (and cost a third of its time).
QUIETED_LOGGERS = ("servicetitan_pipeline", "servicetitan_sandbox", "uvicorn", "httpx")

# How far the simulated clock moves on each reading: a sync's completed_at comes after its started_at.
CLOCK_STEP = timedelta(milliseconds=10)


class SimulatedClock:
    """A clock set to a simulated moment, moving ``CLOCK_STEP`` on each reading (deterministic)."""

    def __init__(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("a simulated time must be aware (UTC)")
        self._now = at

    def __call__(self) -> datetime:
        now = self._now
        self._now += CLOCK_STEP
        return now


@dataclass(frozen=True)
class SimulatedSync:
    at: datetime  # the simulated hour the sync ran at
    outcome: SyncOutcome | None  # None when it raised (its row says why)
    activity: dict[str, Any]  # what the sandbox applied up to ``at``: hours and records new and changed per kind
    error: Exception | None = None


class NullMetrics:
    """Metrics of simulated syncs go nowhere (they are not the system's)."""

    def incr(self, stat: str, count: int = 1, *, tags: dict[str, Any]) -> None:
        pass

    def gauge(self, stat: str, value: float, *, tags: dict[str, Any]) -> None:
        pass

    def timing(self, stat: str, milliseconds: float, *, tags: dict[str, Any]) -> None:
        pass


def hours(start: datetime, count: int, step: timedelta = timedelta(hours=1)) -> Iterator[datetime]:
    for n in range(count):
        yield start + n * step


def simulate_syncs(
    engine: Engine,
    sandbox_url: str,
    credential: ServiceTitanCredential,
    times: Iterable[datetime],
    *,
    after_sync: Callable[[SimulatedSync], None] | None = None,
    make_client: ClientFactory = hook_client,
    data_type: str = "both",
    http: httpx.Client | None = None,
    quiet: bool = True,
) -> list[SimulatedSync]:
    """Run one sync of ``credential`` at each of ``times`` (ascending; ``hours(start, n)`` for hourly), the sandbox
    advanced to each first; ``after_sync`` is called after each. A sync that fails does not stop the simulation
    (a failing tenant is a case to simulate too): its outcome is None and its error kept. ``quiet``: the sync's,
    the sandbox's and the HTTP client's lines below WARNING are dropped while the sandbox advances and the sync
    runs (not in ``after_sync``)."""
    target = SyncTarget(
        credential_id=str(credential.id),
        label=credential.label,
        data_type=data_type,
        sync_type="scheduled",
        full_refresh=False,
    )
    advance_url = f"{sandbox_url}/sandbox/tenants/{credential.tenant_id}/advance"
    client = http or httpx.Client(timeout=30)
    done: list[SimulatedSync] = []
    try:
        for at in times:
            with quieted(QUIETED_LOGGERS if quiet else ()):
                simulated = _sync_at(client, advance_url, at, target, engine, make_client)
            done.append(simulated)
            if after_sync is not None:
                after_sync(simulated)
    finally:
        if http is None:
            client.close()
    return done


def _sync_at(
    client: httpx.Client, advance_url: str, at: datetime, target: SyncTarget, engine: Engine, make_client: ClientFactory
) -> SimulatedSync:
    response = client.post(advance_url, json={"until": at.isoformat().replace("+00:00", "Z")})
    response.raise_for_status()
    try:
        outcome = sync_at(target, at, engine=engine, make_client=make_client)
    except Exception as exc:  # the sync's row says why; the simulation goes on
        return SimulatedSync(at, None, response.json(), error=exc)
    return SimulatedSync(at, outcome, response.json())


def sync_at(
    target: SyncTarget, at: datetime, *, engine: Engine, make_client: ClientFactory = hook_client
) -> SyncOutcome:
    """One sync of ``target`` as if it ran at ``at``: its sync-log row and what it observed are stamped then.
    The sandbox is not advanced: the caller decides what the tenant holds by then."""
    return run_sync(
        target, engine=engine, make_client=make_client, metrics_backend=NullMetrics(), clock=SimulatedClock(at)
    )


@contextmanager
def quieted(names: Iterable[str]) -> Iterator[None]:
    loggers = [logging.getLogger(name) for name in names]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(max(logger.getEffectiveLevel(), logging.WARNING))
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)
