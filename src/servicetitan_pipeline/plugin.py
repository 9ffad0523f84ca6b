"""Airflow plugin: mounts the ServiceTitan monitoring app at /servicetitan and adds "ServiceTitan" to the UI's
navigation (an external view shown inside the Airflow UI). The code lives in servicetitan_pipeline.monitoring."""

from __future__ import annotations

from airflow.plugins_manager import AirflowPlugin

from servicetitan_pipeline.monitoring.web import create_app

URL_PREFIX = "/servicetitan"


class ServiceTitanPlugin(AirflowPlugin):
    name = "servicetitan"
    fastapi_apps = [{"app": create_app(), "url_prefix": URL_PREFIX, "name": "ServiceTitan monitoring"}]
    # Under Browse in the navigation, shown inside the Airflow UI. Relative hrefs (no leading slash), so
    # they work under a base URL or a reverse proxy.
    external_views = [
        {
            "name": "ServiceTitan",
            "href": "servicetitan/dashboard",
            "destination": "nav",
            "category": "browse",
            "url_route": "servicetitan",
        },
        {
            "name": "ServiceTitan health",
            "href": "servicetitan/health",
            "destination": "nav",
            "category": "browse",
            "url_route": "servicetitan-health",
        },
        {
            "name": "ServiceTitan tenants",
            "href": "servicetitan/tenants",
            "destination": "nav",
            "category": "browse",
            "url_route": "servicetitan-tenants",
        },
        {
            "name": "ServiceTitan data docs",
            "href": "servicetitan/data-docs/",
            "destination": "nav",
            "category": "browse",
            "url_route": "servicetitan-data-docs",
        },
    ]
