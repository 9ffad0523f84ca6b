"""Registers the ``servicetitan`` connection type with Airflow (entry point ``apache_airflow_provider``),
so Admin > Connections shows its own form: client id and secret, tenant id, app key, environment,
base-URL override."""

from __future__ import annotations

from typing import Any

from servicetitan_pipeline.credentials.secret_store import APP_KEY_FIELD


def get_provider_info() -> dict[str, Any]:
    return {
        "package-name": "servicetitan-pipeline",
        "name": "ServiceTitan",
        "description": "ServiceTitan to PostgreSQL syncs and their monitoring.",
        "versions": ["0.1.0"],
        "connection-types": [
            {
                "hook-class-name": "servicetitan_pipeline.servicetitan.hook.ServiceTitanHook",
                "hook-name": "ServiceTitan",
                "connection-type": "servicetitan",
                "ui-field-behaviour": {
                    "hidden-fields": ["host", "schema", "port", "extra"],
                    "relabeling": {"login": "Client ID", "password": "Client Secret"},
                    "placeholders": {"login": "cid.xxxxxxxxxxxxxxxx", "password": "cs1.xxxxxxxxxxxxxxxx"},
                },
                "conn-fields": {
                    "tenant_id": {
                        "label": "Tenant ID",
                        # A number, as onboarding stores it (secret_store.connection_extra says why).
                        "schema": {"type": ["integer", "null"], "minimum": 1},
                        "description": "The numeric ServiceTitan tenant id.",
                    },
                    # A name Airflow hides; "format": "password" makes the form's widget a password field.
                    APP_KEY_FIELD: {
                        "label": "App Key",
                        "schema": {"type": ["string", "null"], "format": "password"},
                        "description": "The application key (ST-App-Key) of this integration.",
                    },
                    "environment": {
                        "label": "Environment",
                        "schema": {
                            "type": ["string", "null"],
                            "default": "production",
                            "enum": ["production", "integration"],
                        },
                        "description": "ServiceTitan's production or integration (sandbox) environment.",
                    },
                    "base_url": {
                        "label": "Base URL override",
                        "schema": {"type": ["string", "null"]},
                        "description": "Optional. Serves both auth and API (the local sandbox); "
                        "empty means ServiceTitan's own hosts.",
                    },
                },
            }
        ],
    }
