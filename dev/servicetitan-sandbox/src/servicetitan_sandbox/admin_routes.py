"""The sandbox's own endpoints, under ``/sandbox``: not ServiceTitan's, so no auth and no faults.

- ``GET /sandbox/health``: ``{"status": "ok"}``
- ``GET /sandbox/tenants``: the tenants, their sizes and generations
- ``GET /sandbox/tenants/{tenant}/summary``: counts, bad records and data-quality faults, to compare a sync with
- ``POST /sandbox/tenants/{tenant}/advance``: make the tenant's data change (a new generation), or with
  ``{"until": "<time>"}`` apply its hourly activity and scenarios, hour by hour, up to that moment
- ``GET /sandbox/tenants/{tenant}/scenarios`` and ``POST`` one (``{"kind": ..., "resource": ..., "from": ...}``)
- ``GET /sandbox/requests`` (``?tenant=N`` to filter) and ``DELETE /sandbox/requests``: the request log
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from servicetitan_sandbox.config import Scenario
from servicetitan_sandbox.dataset import Advance, TenantDataset
from servicetitan_sandbox.state import SandboxState
from servicetitan_sandbox.timestamps import TICKS_PER_SECOND, format_timestamp, now_ticks, parse_query_datetime

ADVANCE_COUNTS = ("new_customers", "new_invoices", "modified_customers", "modified_invoices")
# An advance returns once its changes are in the past (they are stamped a microsecond apart from its
# start), unless that would take longer than this (an explicit `at` in the future).
MAX_SETTLE_SECONDS = 2.0


def _state(request: Request) -> SandboxState:
    state: SandboxState = request.app.state.sandbox
    return state


def _problem(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def _dataset(request: Request) -> TenantDataset | JSONResponse:
    tenant_id: int = request.path_params["tenant"]
    dataset = _state(request).datasets.get(tenant_id)
    return dataset if dataset is not None else _problem(404, f"the sandbox has no tenant {tenant_id}")


async def health(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def tenants(request: Request) -> Response:
    return JSONResponse(
        {
            "tenants": [
                {
                    "tenant_id": dataset.tenant_id,
                    "generation": dataset.generation,
                    "customers": dataset.customers.size,
                    "invoices": dataset.invoices.size,
                }
                for dataset in _state(request).datasets.values()
            ]
        }
    )


async def summary(request: Request) -> Response:
    dataset = _dataset(request)
    if isinstance(dataset, Response):
        return dataset
    return JSONResponse(dataset.summary())


async def advance(request: Request) -> Response:
    dataset = _dataset(request)
    if isinstance(dataset, Response):
        return dataset
    try:
        body = json.loads(await request.body() or b"{}")
    except json.JSONDecodeError:
        return _problem(400, "the body must be a JSON object")
    if isinstance(body, dict) and "until" in body:
        return _advance_until(dataset, body)
    change = _parse_advance(body)
    if isinstance(change, str):
        return _problem(400, change)
    try:
        result = dataset.advance(change)
    except ValueError as exc:
        return _problem(400, str(exc))
    settle = (result.ended_at - now_ticks()) / TICKS_PER_SECOND
    if 0 < settle <= MAX_SETTLE_SECONDS:
        await asyncio.sleep(settle)
    return JSONResponse(
        {
            "generation": result.generation,
            "started_at": format_timestamp(result.started_at),
            "ended_at": format_timestamp(result.ended_at),
            "customers": dataset.customers.size,
            "invoices": dataset.invoices.size,
        }
    )


def _advance_until(dataset: TenantDataset, body: dict[str, Any]) -> Response:
    if set(body) != {"until"}:
        return _problem(400, "until applies the tenant's hourly activity and goes alone, without counts or at")
    until = body["until"]
    try:
        applied = dataset.advance_until(parse_query_datetime(until) if isinstance(until, str) else -1)
    except ValueError:
        return _problem(400, "until must be a date-time string such as 2026-11-02T08:00:00Z")
    return JSONResponse(
        {
            "generation": applied.generation,
            "from": format_timestamp(applied.start),
            "until": format_timestamp(applied.end),
            "hours": applied.hours,
            **applied.counts,
            "customers": dataset.customers.size,
            "invoices": dataset.invoices.size,
        }
    )


async def scenarios(request: Request) -> Response:
    dataset = _dataset(request)
    if isinstance(dataset, Response):
        return dataset
    if request.method == "POST":
        try:
            scenario = Scenario.model_validate_json(await request.body() or b"{}")
        except ValidationError as exc:
            problems = [f"{'.'.join(map(str, e['loc'])) or 'body'}: {e['msg']}" for e in exc.errors()]
            return _problem(400, "; ".join(problems))
        dataset.add_scenario(scenario)
        _state(request).page_cache.clear()  # pages rendered before may hold versions the scenario changes
    body = {"scenarios": [scenario.model_dump(mode="json", by_alias=True) for scenario in dataset.scenarios]}
    return JSONResponse(body, status_code=201 if request.method == "POST" else 200)


def _parse_advance(body: Any) -> Advance | str:
    """The requested change, or what is wrong with the request."""
    if not isinstance(body, dict):
        return "the body must be a JSON object"
    unknown = sorted(set(body) - {*ADVANCE_COUNTS, "at"})
    if unknown:
        return f"unknown fields {unknown}; expected some of {[*ADVANCE_COUNTS, 'at']}"
    counts: dict[str, int] = {}
    for name in ADVANCE_COUNTS:
        value = body.get(name, 0)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            return f"{name} must be a non-negative integer"
        counts[name] = value
    at = body.get("at")
    if at is None:
        return Advance(**counts)
    if not isinstance(at, str):
        return "at must be a date-time string such as 2026-11-02T08:00:00Z"
    try:
        return Advance(**counts, at=parse_query_datetime(at))
    except ValueError:
        return "at must be a date-time string such as 2026-11-02T08:00:00Z"


async def requests(request: Request) -> Response:
    entries = _state(request).request_log.entries()
    tenant = request.query_params.get("tenant")
    if tenant is not None:
        if not tenant.isdigit():
            return _problem(400, "tenant must be a tenant id")
        entries = [entry for entry in entries if entry["tenant"] == int(tenant)]
    return JSONResponse({"requests": entries})


async def clear_requests(request: Request) -> Response:
    _state(request).request_log.clear()
    return Response(status_code=204)


ROUTES = [
    Route("/sandbox/health", health),
    Route("/sandbox/tenants", tenants),
    Route("/sandbox/tenants/{tenant:int}/summary", summary),
    Route("/sandbox/tenants/{tenant:int}/advance", advance, methods=["POST"]),
    Route("/sandbox/tenants/{tenant:int}/scenarios", scenarios, methods=["GET", "POST"]),
    Route("/sandbox/requests", requests, methods=["GET"]),
    Route("/sandbox/requests", clear_requests, methods=["DELETE"]),
]
