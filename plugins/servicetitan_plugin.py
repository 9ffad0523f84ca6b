"""Airflow plugin: mounts the ServiceTitan monitoring app at /servicetitan and adds "ServiceTitan" to the UI's
navigation (an external view shown inside the Airflow UI). The code lives in servicetitan_pipeline.monitoring."""

from __future__ import annotations

from airflow.plugins_manager import AirflowPlugin

from servicetitan_pipeline.monitoring.web import create_app

URL_PREFIX = "/servicetitan"


class ServiceTitanPlugin(AirflowPlugin):
    name = "servicetitan"
    fastapi_apps = [{"app": create_app(), "url_prefix": URL_PREFIX, "name": "ServiceTitan monitoring"}]
    external_views = [
        {
            "name": "ServiceTitan",
            # Relative (no leading slash), so it works under a base URL or reverse proxy.
            "href": "servicetitan/dashboard",
            "destination": "nav",
            "category": "browse",
            "url_route": "servicetitan",
        }
    ]
