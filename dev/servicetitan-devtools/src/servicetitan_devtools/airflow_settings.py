"""Import ``airflow_settings.yaml`` (the Astro CLI's format) into a plain Airflow.

``astro dev start`` reads the file itself; ``make run`` and ``make demo`` run Airflow
without Astro, so this converter applies the same connections, pools and variables.
A connection also defined by an ``AIRFLOW_CONN_*`` environment variable is skipped:
the variable wins in Airflow anyway, and a second, different copy in the UI would mislead.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from servicetitan_pipeline.airflow_variables import metadata_legacy_variables, variable_for_legacy


class SettingsFileError(ValueError):
    """The settings file does not follow the Astro schema; the message says where."""


@dataclass(frozen=True)
class ConnectionSetting:
    conn_id: str
    conn_type: str
    host: str | None
    schema: str | None
    login: str | None
    password: str | None
    port: int | None
    extra: str | None
    description: str | None


@dataclass(frozen=True)
class PoolSetting:
    name: str
    slots: int
    description: str


@dataclass(frozen=True)
class VariableSetting:
    key: str
    value: str
    description: str | None


@dataclass(frozen=True)
class AirflowSettings:
    connections: list[ConnectionSetting]
    pools: list[PoolSetting]
    variables: list[VariableSetting]


def load_settings(path: Path) -> AirflowSettings:
    try:
        document = yaml.safe_load(path.read_text()) or {}
    except FileNotFoundError:
        raise SettingsFileError(f"{path}: no such file") from None
    except yaml.YAMLError as exc:
        raise SettingsFileError(f"{path}: not valid YAML: {exc}") from None
    airflow = document.get("airflow") or {}
    if not isinstance(airflow, dict):
        raise SettingsFileError(f"{path}: top-level key 'airflow' must be a mapping")
    return AirflowSettings(
        connections=[_connection(path, i, item) for i, item in enumerate(airflow.get("connections") or [])],
        pools=[_pool(path, i, item) for i, item in enumerate(airflow.get("pools") or [])],
        variables=[_variable(path, i, item) for i, item in enumerate(airflow.get("variables") or [])],
    )


def _require(path: Path, where: str, item: dict[str, Any], key: str) -> Any:
    value = item.get(key)
    if value in (None, ""):
        raise SettingsFileError(f"{path}: {where} needs '{key}'")
    return value


def _connection(path: Path, index: int, item: dict[str, Any]) -> ConnectionSetting:
    where = f"connections[{index}]"
    extra = item.get("conn_extra")
    port = item.get("conn_port")
    return ConnectionSetting(
        conn_id=str(_require(path, where, item, "conn_id")),
        conn_type=str(_require(path, where, item, "conn_type")),
        host=item.get("conn_host") or None,
        schema=item.get("conn_schema") or None,
        login=item.get("conn_login") or None,
        password=item.get("conn_password") or None,
        port=int(port) if port not in (None, "") else None,
        extra=json.dumps(extra) if isinstance(extra, dict) else (extra or None),
        description=item.get("conn_description") or None,
    )


def _pool(path: Path, index: int, item: dict[str, Any]) -> PoolSetting:
    where = f"pools[{index}]"
    slots = _require(path, where, item, "pool_slot")
    if not isinstance(slots, int) or slots < 1:
        raise SettingsFileError(f"{path}: {where}.pool_slot must be a positive integer, got {slots!r}")
    return PoolSetting(
        name=str(_require(path, where, item, "pool_name")),
        slots=slots,
        description=str(item.get("pool_description") or ""),
    )


def _variable(path: Path, index: int, item: dict[str, Any]) -> VariableSetting:
    where = f"variables[{index}]"
    value = item.get("variable_value")
    if value is None:
        raise SettingsFileError(f"{path}: {where} needs 'variable_value'")
    return VariableSetting(
        key=str(_require(path, where, item, "variable_name")),
        value=value if isinstance(value, str) else json.dumps(value),
        description=item.get("variable_description") or None,
    )


def import_settings(path: Path) -> list[str]:
    """Create or update every connection, pool and variable of the file; returns what was done."""
    from airflow.models import Pool, Variable
    from airflow.models.connection import Connection
    from airflow.utils.session import create_session

    settings = load_settings(path)
    report: list[str] = []
    with create_session() as session:
        for setting in settings.connections:
            if f"AIRFLOW_CONN_{setting.conn_id.upper()}" in os.environ:
                report.append(
                    f"connection {setting.conn_id}: from AIRFLOW_CONN_{setting.conn_id.upper()}, not imported"
                )
                continue
            session.query(Connection).filter(Connection.conn_id == setting.conn_id).delete()
            session.add(
                Connection(
                    conn_id=setting.conn_id,
                    conn_type=setting.conn_type,
                    host=setting.host,
                    schema=setting.schema,
                    login=setting.login,
                    password=setting.password,
                    port=setting.port,
                    extra=setting.extra,
                    description=setting.description,
                )
            )
            report.append(f"connection {setting.conn_id}: imported ({setting.conn_type})")
        session.flush()
        for pool in settings.pools:
            Pool.create_or_update_pool(
                name=pool.name, slots=pool.slots, description=pool.description, include_deferred=False, session=session
            )
            report.append(f"pool {pool.name}: {pool.slots} slots")
    for variable in settings.variables:
        Variable.set(variable.key, variable.value, description=variable.description)
        report.append(f"variable {variable.key}: set")
    # An earlier release's per-field settings, which the file's JSON Variables replace (and overwrite anyway).
    for key in metadata_legacy_variables():
        Variable.delete(key)
        report.append(f"variable {key}: deleted (no longer read; {variable_for_legacy(key)[0]} holds it)")
    return report
