"""The FastAPI app the Airflow plugin mounts at ``/servicetitan``: the health report, the dashboard and the
Great Expectations data docs.

Every route requires Airflow's authentication through Airflow's own dependency
(``airflow.api_fastapi.core_api.security.requires_access_view``): a JWT in ``Authorization: Bearer`` (from
``POST /auth/token``) or the UI's ``_token`` cookie, checked by the configured auth manager; no token → 401.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response

from servicetitan_pipeline.airflow_variables import ServerSettings
from servicetitan_pipeline.alerts import settings as alert_settings
from servicetitan_pipeline.anomalies import settings as anomaly_settings
from servicetitan_pipeline.data_quality.locations import data_docs_dir
from servicetitan_pipeline.monitoring.health import ApiProbeCache, HealthReport, HealthStatus, ServiceTitanHealthCheck
from servicetitan_pipeline.monitoring.health_page import failed_run_links, findings, render_health_page

STATIC_DIR = Path(__file__).parent / "static"
# The health endpoint's ServiceTitan probe (a token request per sampled tenant) is reused for this long
# (docs/operations.md): page views and probes within it ask ServiceTitan nothing.
API_PROBE_CACHE = ApiProbeCache(seconds=60)
# What /static serves: only these, never a path a request names.
STATIC_FILES = {
    "dashboard.css": "text/css",
    "pages.css": "text/css",
    "theme.js": "text/javascript",
    "tenant.js": "text/javascript",
    "top_links.js": "text/javascript",
}

log = logging.getLogger("servicetitan_pipeline.monitoring")


def missing_data_docs_page(page: str, site_exists: bool) -> str:
    """The 404 page; its links are relative (to the site root, from ``page``'s folder) so that they work
    whatever path Airflow itself is served under."""
    to_root = "../" * page.count("/")
    if site_exists:
        title = "Not found"
        text = f'No such page in the data docs. <a href="{to_root}index.html">Data docs index</a>'
    else:
        title = "No data-quality validation has run yet"
        text = (
            "The Great Expectations data docs are written by the validation step of the "
            "<code>servicetitan_sync</code> DAG. Trigger <code>servicetitan_sync</code> (or wait for its next "
            "scheduled run): once it has validated what it loaded, the docs appear here. "
            f'<a href="{to_root}../dashboard">Back to the dashboard</a>'
        )
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title></head>'
        f"<body><h1>{title}</h1><p>{text}</p></body></html>"
    )


def data_docs_file(page: str) -> Path | None:
    """The file of the data-docs site that ``page`` names, or None: nothing outside the site is served,
    whether asked for with ``..``, an absolute path or a symlink pointing out of it."""
    root = data_docs_dir().resolve()
    if page == "" or page.endswith("/"):
        page += "index.html"
    try:
        candidate = (root / page).resolve()
    except (OSError, ValueError):  # a NUL byte, a symlink loop
        return None
    if not candidate.is_relative_to(root) or not candidate.is_file():
        return None
    return candidate


def wants_html(accept: str, format: str | None) -> bool:
    """``format`` decides when given; else a browser's Accept (text/html) gets the page, anything else JSON."""
    if format is not None:
        return format == "html"
    return "text/html" in accept


def _health_page(report: HealthReport) -> str:
    """The page: the report, with the latest data-quality scores and the failed runs to link to."""
    import sqlalchemy as sa

    from servicetitan_pipeline.db.engine import get_engine
    from servicetitan_pipeline.monitoring.dashboard import DashboardFilter, query_params
    from servicetitan_pipeline.sql_files import load_sql

    try:
        with get_engine().connect() as conn:
            sql = sa.text(load_sql("monitoring/select_dashboard_latest_data_quality"))
            every = query_params(DashboardFilter.from_query(datetime.now(UTC)))  # every credential and data type
            quality: list[dict[str, Any]] | None = [dict(row._mapping) for row in conn.execute(sql, every)]
    except Exception:  # the page still shows the rest; the API server's log says why
        log.warning("the health page's data-quality section could not be read", exc_info=True)
        quality = None
    return render_health_page(report, quality, failed_run_links(findings(report), get_engine()))


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
    # The thresholds the monitors judge by, so the pages mark what the alerts fire on; read from Airflow's
    # Variables at most once a minute (docs/operations.md, "Settings").
    alert_thresholds = ServerSettings(alert_settings.AlertSettings, alert_settings.VARIABLE)
    anomaly_thresholds = ServerSettings(anomaly_settings.AnomalySettings, anomaly_settings.VARIABLE)

    @app.get("/health")
    async def health(request: Request, format: str | None = None) -> Response:
        """JSON for probes and scripts; a page for a browser (it asks for text/html), or ``?format=html``."""

        def check() -> HealthReport:
            alerts, _problem = alert_thresholds.get()  # an invalid Variable is the settings check's finding
            return ServiceTitanHealthCheck.configured(alerts, api_cache=API_PROBE_CACHE).run()

        report = await asyncio.to_thread(check)
        code = 503 if report.status is HealthStatus.UNHEALTHY else 200
        if wants_html(request.headers.get("accept", ""), format):
            page = await asyncio.to_thread(_health_page, report)
            return HTMLResponse(page, status_code=code)
        return JSONResponse(report.as_dict(), status_code=code)

    @app.get("/dashboard", response_class=HTMLResponse)
    async def dashboard(
        days: int = 14,
        since: str | None = None,
        until: str | None = None,
        credential: str | None = None,
        data_type: str | None = None,
    ) -> HTMLResponse:
        """The last ``days`` days, or ``since``..``until`` (YYYY-MM-DD), for every credential or one (its id)
        and every data type or one; values it cannot read fall back to the default."""
        from servicetitan_pipeline.db.engine import get_engine
        from servicetitan_pipeline.monitoring.dashboard import DashboardFilter, load_dashboard, render_dashboard

        now = datetime.now(UTC)
        filters = DashboardFilter.from_query(now, days, since, until, credential, data_type)
        data = await asyncio.to_thread(load_dashboard, get_engine(), now=now, filters=filters)
        alerts, _problem = await asyncio.to_thread(alert_thresholds.get)
        return HTMLResponse(render_dashboard(data, now, low_score_below=alerts.min_data_quality_score))

    @app.get("/data-docs", include_in_schema=False)
    def data_docs_root() -> RedirectResponse:
        # The site's pages link relatively (validations/..., static/...): they resolve only under the slash.
        return RedirectResponse("data-docs/", status_code=307)

    @app.get("/data-docs/{page:path}")
    def data_docs(page: str) -> Response:
        path = data_docs_file(page)
        if path is not None:
            return FileResponse(path, headers={"X-Content-Type-Options": "nosniff"})
        site_exists = (data_docs_dir() / "index.html").is_file()
        return HTMLResponse(missing_data_docs_page(page, site_exists), status_code=404)

    @app.get("/tenants", response_class=HTMLResponse)
    async def tenants() -> HTMLResponse:
        from servicetitan_pipeline.db.engine import get_engine
        from servicetitan_pipeline.monitoring.tenant_page import load_tenant_list, render_tenant_list

        rows = await asyncio.to_thread(load_tenant_list, get_engine())
        return HTMLResponse(render_tenant_list(rows))

    @app.get("/tenants/{credential_id}", response_class=HTMLResponse)
    async def tenant(credential_id: str) -> HTMLResponse:
        from servicetitan_pipeline.db.engine import get_engine
        from servicetitan_pipeline.monitoring.anomaly_panels import load_tenant_anomalies
        from servicetitan_pipeline.monitoring.tenant_page import load_tenant, render_tenant_page

        try:
            key = uuid.UUID(credential_id)
        except ValueError:
            key = None
        found = await asyncio.to_thread(load_tenant, get_engine(), key) if key else None
        if found is None:
            return HTMLResponse(
                '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>No such credential</title>'
                '</head><body><h1>No such credential</h1><p><a href="../tenants">All tenants</a></p></body></html>',
                status_code=404,
            )
        settings, _problem = await asyncio.to_thread(anomaly_thresholds.get)
        anomalies = await asyncio.to_thread(load_tenant_anomalies, get_engine(), found.id, settings=settings)
        return HTMLResponse(render_tenant_page(found, anomalies))

    @app.get("/static/{name}")
    async def static_file(name: str) -> Response:
        if name not in STATIC_FILES:
            return Response("not found", status_code=404, media_type="text/plain")
        return Response((STATIC_DIR / name).read_text(), media_type=STATIC_FILES[name])

    return app
