"""The FastAPI app the Airflow plugin mounts at ``/servicetitan``: the health report and the dashboard.

Every route requires Airflow's authentication through Airflow's own dependency
(``airflow.api_fastapi.core_api.security.requires_access_view``): a JWT in ``Authorization: Bearer`` (from
``POST /auth/token``) or the UI's ``_token`` cookie, checked by the configured auth manager; no token → 401.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from fastapi import Depends, FastAPI
from fastapi.responses import HTMLResponse, JSONResponse, Response

from servicetitan_pipeline.monitoring.health import HealthStatus, ServiceTitanHealthCheck

STATIC_DIR = Path(__file__).parent / "static"


def _auth_dependency() -> Any:
    from airflow.api_fastapi.auth.managers.models.resource_details import AccessView
    from airflow.api_fastapi.core_api.security import requires_access_view

    # WEBSITE: the permission every user of the Airflow UI has (viewer and above).
    return Depends(requires_access_view(AccessView.WEBSITE))


def create_app() -> FastAPI:
    app = FastAPI(
        title="ServiceTitan pipeline monitoring",
        dependencies=[_auth_dependency()],
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )

    @app.get("/health")
    async def health() -> JSONResponse:
        report = await asyncio.to_thread(lambda: ServiceTitanHealthCheck().run())
        code = 503 if report.status is HealthStatus.UNHEALTHY else 200
        return JSONResponse(report.as_dict(), status_code=code)

    @app.get("/dashboard", response_class=HTMLResponse)
    async def dashboard(days: int = 14) -> HTMLResponse:
        from servicetitan_pipeline.db.engine import get_engine
        from servicetitan_pipeline.monitoring.dashboard import load_dashboard, render_dashboard

        days = min(max(days, 1), 90)
        data = await asyncio.to_thread(load_dashboard, get_engine(), days)
        return HTMLResponse(render_dashboard(data))

    @app.get("/static/dashboard.css")
    async def stylesheet() -> Response:
        return Response((STATIC_DIR / "dashboard.css").read_text(), media_type="text/css")

    return app
