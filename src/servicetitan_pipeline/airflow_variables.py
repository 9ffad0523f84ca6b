"""Settings dataclasses filled from Airflow Variables: one Variable per dataclass, a JSON object of the fields to
change (``{"failure_threshold": 5}``); a field it leaves out keeps the dataclass's default, and a value of the
wrong name or type is a clear error naming the Variable and the field.

One JSON Variable rather than one per field: Airflow hands every Variable's raw value to its secrets masker,
which warns "Skipping masking for a secret as it's too short" on stdout and in the task log for a value under
five characters, and thresholds ("3", "60") are all that short. It is also one read instead of a dozen.

Tasks read with the Task SDK (``airflow.sdk.Variable``); Airflow's own processes (the API server that serves the
plugin's pages, the command line) read through ``airflow.models``: the secrets backends, then the metadata
database, so a page judges by the thresholds the monitors use."""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any, Generic, TypeVar

T = TypeVar("T")
_KIND_NAMES = {int: "whole number", float: "number", str: "text"}

log = logging.getLogger(__name__)

Reader = Callable[[str], Any]
_LEGACY_ENVIRONMENT_PREFIX = "AIRFLOW_VAR_"


def task_variable(name: str) -> Any:
    """The Variable's raw value as a task reads it (None when unset)."""
    from airflow.sdk import Variable

    return Variable.get(name, default=None)


def server_variable(name: str) -> Any:
    """The Variable's raw value as Airflow's own processes read it (None when unset)."""
    from airflow.models.variable import Variable

    return Variable.get(name, default_var=None)


def settings_from_variables(cls: type[T], variable: str, read: Reader = task_variable) -> T:
    """``cls(**overrides)``, the overrides being the JSON object in the Airflow Variable ``variable``."""
    return settings_from_json(cls, variable, read(variable))


def settings_from_json(cls: type[T], variable: str, raw: Any) -> T:
    """``cls(**overrides)`` from ``raw``, the Variable's value: None or blank for none, else a JSON object whose
    keys are field names and values numbers (or numbers written as text)."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return cls()
    try:
        overrides = json.loads(raw) if isinstance(raw, str) else raw
    except ValueError:
        raise ValueError(f"Airflow Variable {variable} is not JSON: write an object such as {_example(cls)}") from None
    if not isinstance(overrides, dict):
        raise ValueError(f"Airflow Variable {variable} is not a JSON object: write one such as {_example(cls)}")
    known = {field.name for field in fields(cls)}  # type: ignore[arg-type]
    unknown = sorted(set(overrides) - known)
    if unknown:
        raise ValueError(
            f"Airflow Variable {variable} has no setting {', '.join(map(repr, unknown))}: "
            f"its settings are {', '.join(sorted(known))}"
        )
    values: dict[str, Any] = {}
    for name, value in overrides.items():
        kind = type(getattr(cls, name))
        values[name] = _convert(variable, name, value, kind)
    return cls(**values)


def _convert(variable: str, name: str, value: Any, kind: type) -> Any:
    wrong = ValueError(
        f"Airflow Variable {variable}: {name} is {json.dumps(value)}, not a {_KIND_NAMES.get(kind, kind.__name__)}"
    )
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise wrong
    try:
        number = kind(value)
    except ValueError:
        raise wrong from None
    if kind is int and isinstance(value, float) and value != number:
        raise wrong  # 2.5 is not a whole number, whatever int() makes of it
    return number


def _example(cls: type) -> str:
    first = fields(cls)[0]
    return json.dumps({first.name: getattr(cls, first.name)})


def _legacy_names() -> dict[str, tuple[str, str]]:
    """Each per-field Variable of earlier releases (``servicetitan_alert_failure_threshold``, nothing reads them
    now): the settings Variable and the field its value belongs in."""
    names = {}
    for cls, variable in settings_groups():
        prefix = variable.removesuffix("settings")
        names.update({f"{prefix}{field.name}": (variable, field.name) for field in fields(cls)})
    return names


def legacy_variable_names(keys: list[str]) -> list[str]:
    """Of Variable keys, the per-field settings of earlier releases, which nothing reads any more."""
    legacy = _legacy_names()
    return sorted({key for key in keys if key in legacy})


def variable_for_legacy(key: str) -> tuple[str, str]:
    """(the settings Variable, the field) that a legacy per-field Variable's value belongs in."""
    return _legacy_names()[key]


def settings_groups() -> list[tuple[type, str]]:
    """Every settings dataclass and its Variable."""
    from servicetitan_pipeline.alerts import settings as alerts
    from servicetitan_pipeline.anomalies import settings as anomalies
    from servicetitan_pipeline.maintenance import settings as retention
    from servicetitan_pipeline.sync import batch_runner

    return [
        (alerts.AlertSettings, alerts.VARIABLE),
        (anomalies.AnomalySettings, anomalies.VARIABLE),
        (retention.RetentionSettings, retention.VARIABLE),
        (batch_runner.BatchSettings, batch_runner.VARIABLE),
    ]


@dataclass
class LegacyUpgrade:
    moved: list[str]  # "servicetitan_alert_failure_threshold=5 -> servicetitan_alert_settings failure_threshold"
    refused: list[str]  # a value its setting cannot take, or a name no setting has: left in place, said why
    in_environment: list[str]  # AIRFLOW_VAR_* names: only whoever sets the environment can change them


def upgrade_legacy_variables() -> LegacyUpgrade:
    """Move each legacy per-field Variable of Airflow's metadata database into its settings Variable (its value
    wins over the field's there: it is what applied before the upgrade), then delete it. Airflow's own
    processes only (the command line)."""
    from airflow.models.variable import Variable

    legacy = metadata_legacy_variables()
    result = LegacyUpgrade([], [], sorted(_LEGACY_ENVIRONMENT_PREFIX + key.upper() for key in _environment_legacy()))
    for cls, variable in settings_groups():
        keys = [key for key in legacy if variable_for_legacy(key)[0] == variable]
        if not keys:
            continue
        raw = Variable.get(variable, default_var=None)
        settings_from_json(cls, variable, raw)  # a broken settings Variable is fixed by hand first
        overrides = json.loads(raw) if raw and raw.strip() else {}
        moved = []
        for key in keys:
            field_name = variable_for_legacy(key)[1]
            value = Variable.get(key)
            try:
                overrides[field_name] = getattr(settings_from_json(cls, variable, {field_name: value}), field_name)
            except ValueError as exc:
                result.refused.append(f"{key}={value!r}: {exc}; left in place")
                continue
            moved.append(key)
            result.moved.append(f"{key}={value} -> {variable} {field_name}")
        if moved:
            Variable.set(variable, json.dumps(overrides))
            for key in moved:
                Variable.delete(key)
    return result


def metadata_legacy_variables() -> list[str]:
    """The legacy per-field Variables in Airflow's metadata database (Airflow's own processes only)."""
    import sqlalchemy as sa
    from airflow.models.variable import Variable
    from airflow.utils.session import create_session

    with create_session() as session:
        keys = list(session.scalars(sa.select(Variable.key).where(Variable.key.like("servicetitan\\_%"))))
    return legacy_variable_names(keys)


def _environment_legacy() -> list[str]:
    """The keys of the legacy per-field Variables set as ``AIRFLOW_VAR_*`` environment variables."""
    return legacy_variable_names(
        [
            name.removeprefix(_LEGACY_ENVIRONMENT_PREFIX).lower()
            for name in os.environ
            if name.startswith("AIRFLOW_VAR_")
        ]
    )


def stored_legacy_variables() -> list[str]:
    """The legacy per-field Variables set in Airflow's metadata database or as ``AIRFLOW_VAR_*`` environment
    variables (Airflow's own processes only)."""
    return sorted({*metadata_legacy_variables(), *_environment_legacy()})


class ServerSettings(Generic[T]):
    """Settings as the plugin's pages use them: read with ``server_variable``, reused for ``seconds`` (a page
    view reads no Variable within it). An invalid Variable gives the defaults and its error in ``problem``:
    the page still renders, and says so; the monitors, which read the same Variable, fail on it."""

    def __init__(self, cls: type[T], variable: str, seconds: float = 60.0, read: Reader = server_variable) -> None:
        self.cls, self.variable, self.seconds, self._read = cls, variable, seconds, read
        self._lock = threading.Lock()
        self._entry: tuple[float, T, str | None] | None = None

    def get(self) -> tuple[T, str | None]:
        """(settings, problem): the problem is None when the Variable is unset or valid."""
        with self._lock:
            if self._entry is not None and time.monotonic() - self._entry[0] < self.seconds:
                return self._entry[1], self._entry[2]
            try:
                settings, problem = settings_from_variables(self.cls, self.variable, self._read), None
            except ValueError as exc:
                settings, problem = self.cls(), str(exc)
                log.warning("%s; the pages use the defaults", problem)
            except Exception as exc:  # a secrets backend or the database unreachable: the page still renders
                settings = self.cls()
                problem = f"Airflow Variable {self.variable} could not be read ({type(exc).__name__})"
                log.warning("%s; the pages use the defaults: %s", problem, exc)
            self._entry = (time.monotonic(), settings, problem)
            return settings, problem
