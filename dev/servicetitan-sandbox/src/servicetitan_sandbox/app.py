"""``create_app(config)``: the sandbox as an ASGI application (Starlette)."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response

from servicetitan_sandbox import admin_routes, api_routes
from servicetitan_sandbox.config import SandboxConfig, default_config
from servicetitan_sandbox.errors import api_error
from servicetitan_sandbox.request_log import RequestLogMiddleware
from servicetitan_sandbox.state import SandboxState


def create_app(config: SandboxConfig | None = None) -> Starlette:
    """A fresh sandbox (its own data, tokens and logs) serving ``config``, or the default single tenant."""
    state = SandboxState(config or default_config())
    app = Starlette(
        routes=[*api_routes.ROUTES, *admin_routes.ROUTES],
        middleware=[Middleware(RequestLogMiddleware, log=state.request_log)],
        exception_handlers={HTTPException: _http_error},
    )
    app.state.sandbox = state
    return app


async def _http_error(request: Request, exc: Exception) -> Response:
    # Unknown paths and wrong methods get ServiceTitan's error body too.
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    return api_error(status, str(getattr(exc, "detail", "")) or "Error", headers=getattr(exc, "headers", None))
