"""Airflow plugin: mounts the ServiceTitan monitoring app at /servicetitan and adds "ServiceTitan" to the UI's
navigation (an external view shown inside the Airflow UI). The code lives in servicetitan_pipeline.monitoring."""

from __future__ import annotations

from airflow.plugins_manager import AirflowPlugin

from servicetitan_pipeline.monitoring.web import create_app
from servicetitan_pipeline.sync import run_note

URL_PREFIX = "/servicetitan"


class ServiceTitanPlugin(AirflowPlugin):
    name = "servicetitan"
    # Names each manual servicetitan_sync run after what it syncs (its note), in the scheduler.
    listeners = [run_note]
    fastapi_apps = [{"app": create_app(), "url_prefix": URL_PREFIX, "name": "ServiceTitan monitoring"}]
    # Under Browse in the navigation, shown inside the Airflow UI. Relative hrefs (no leading slash), so
    # they work under a base URL or a reverse proxy. Airflow 3.3 mirrors the iframe's path into its address as
    # /plugin/<url_route><path> (so a link followed inside the page moves the address too): a url_route of
    # "servicetitan" would read /plugin/servicetitan/servicetitan/dashboard, hence "monitoring".
    external_views = [
        {
            "name": "ServiceTitan",
            "href": "servicetitan/dashboard",
            "destination": "nav",
            "category": "browse",
            "url_route": "monitoring",
        },
        {
            "name": "ServiceTitan health",
            "href": "servicetitan/health",
            "destination": "nav",
            "category": "browse",
            "url_route": "monitoring-health",
        },
        {
            "name": "ServiceTitan tenants",
            "href": "servicetitan/tenants",
            "destination": "nav",
            "category": "browse",
            "url_route": "monitoring-tenants",
        },
        {
            "name": "ServiceTitan data docs",
            "href": "servicetitan/data-docs/",
            "destination": "nav",
            "category": "browse",
            "url_route": "monitoring-data-docs",
        },
    ]
