"""What happens to an API call before an endpoint sees it: authentication, the app key, the tenant,
the rate limit and the tenant's faults. Checked in that order; the first failure answers.

| check | answer |
| --- | --- |
| no ``Authorization: Bearer`` token, or an unknown or expired one | 401 |
| ``ST-App-Key`` header (or ``servicetitanapplicationkey`` query parameter) missing or not the tenant's | 401 |
| the tenant's app key is revoked (fault ``revoked_app_key``) | 403 |
| the token was issued for another tenant (any other tenant id, configured or not) | 403 |
| over ``rate_limit_per_second`` calls in the last second | 429, with ``Retry-After`` unless disabled |
| fault ``error_rate`` | 500 or 503 |
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response

from servicetitan_sandbox.auth import same_secret
from servicetitan_sandbox.config import TenantConfig
from servicetitan_sandbox.dataset import TenantDataset
from servicetitan_sandbox.errors import api_error
from servicetitan_sandbox.faults import CallFault, DroppedConnectionResponse
from servicetitan_sandbox.state import SandboxState

APP_KEY_HEADER = "st-app-key"
APP_KEY_QUERY_PARAMETER = "servicetitanapplicationkey"  # the specs' second security scheme

MISSING_BEARER = "Unauthorized: no access token was sent (expected an 'Authorization: Bearer <token>' header)."
UNKNOWN_BEARER = "Unauthorized: the access token is invalid or has expired."
APP_KEY_INVALID = "Unauthorized: the application key (ST-App-Key) is missing or invalid."
APP_KEY_REVOKED = "Forbidden: the application key (ST-App-Key) has been revoked."
SERVER_ERROR = "An unexpected error occurred. Please try again later."
UNAVAILABLE = "The service is temporarily unavailable. Please try again later."


def tenant_forbidden(tenant_id: int) -> str:
    return f"Forbidden: the access token does not grant access to tenant {tenant_id}."


def too_many_requests(wait_seconds: int) -> str:
    return f"Too many requests. Please try again in {wait_seconds} seconds."


@dataclass(frozen=True)
class Admitted:
    tenant: TenantConfig
    dataset: TenantDataset


Endpoint = Callable[[Request, Admitted], Awaitable[Response]]


def through_gateway(endpoint: Endpoint) -> Callable[[Request], Awaitable[Response]]:
    async def handle(request: Request) -> Response:
        state: SandboxState = request.app.state.sandbox
        admitted = _admit(request, state)
        if isinstance(admitted, Response):
            return admitted
        injector = state.fault_injectors[admitted.tenant.tenant_id]
        profile = injector.profile
        if profile.latency_ms:
            await asyncio.sleep(profile.latency_ms / 1000)
        fault = injector.next_fault()
        if fault is CallFault.SERVER_ERROR:
            return api_error(500, SERVER_ERROR)
        if fault is CallFault.SERVICE_UNAVAILABLE:
            return api_error(503, UNAVAILABLE)
        if fault is CallFault.TIMEOUT:
            await asyncio.sleep(profile.timeout_seconds)
        response = await endpoint(request, admitted)
        return DroppedConnectionResponse(response) if fault is CallFault.DROP else response

    return handle


def _admit(request: Request, state: SandboxState) -> Admitted | Response:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return api_error(401, MISSING_BEARER, headers={"WWW-Authenticate": "Bearer"})
    grant = state.tokens.grant_for(token.strip())
    if grant is None:
        return api_error(401, UNKNOWN_BEARER, headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})
    tenant = grant.tenant
    app_key = request.headers.get(APP_KEY_HEADER) or _query_value(request, APP_KEY_QUERY_PARAMETER)
    if not app_key or not same_secret(tenant.app_key.get_secret_value(), app_key):
        return api_error(401, APP_KEY_INVALID)
    if tenant.faults.revoked_app_key:
        return api_error(403, APP_KEY_REVOKED)
    path_tenant: int = request.path_params["tenant"]
    if path_tenant != tenant.tenant_id:
        return api_error(403, tenant_forbidden(path_tenant))
    wait = state.rate_limiter.wait_seconds(tenant.tenant_id, state.config.rate_limit_for(tenant))
    if wait is not None:
        headers = {"Retry-After": str(wait)} if tenant.faults.retry_after_header else None
        return api_error(429, too_many_requests(wait), headers=headers)
    return Admitted(tenant=tenant, dataset=state.datasets[tenant.tenant_id])


def _query_value(request: Request, name: str) -> str | None:
    return next((value for key, value in request.query_params.multi_items() if key.lower() == name), None)
