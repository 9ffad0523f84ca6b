"""Anomaly settings come from Airflow Variables servicetitan_anomaly_* (defaults in airflow_settings.yaml)."""

from __future__ import annotations

from dataclasses import fields

import pytest

from servicetitan_devtools.airflow_settings import load_settings
from servicetitan_devtools.dev_environment import PROJECT_ROOT
from servicetitan_pipeline.anomalies.settings import AnomalySettings


def test_airflow_settings_file_declares_every_setting_with_its_default() -> None:
    variables = {v.key: v.value for v in load_settings(PROJECT_ROOT / "airflow_settings.yaml").variables}
    defaults = AnomalySettings()
    for field in fields(AnomalySettings):
        key = f"servicetitan_anomaly_{field.name}"
        assert key in variables, f"{key} is missing from airflow_settings.yaml"
        assert type(getattr(defaults, field.name))(variables[key]) == getattr(defaults, field.name)


def test_variables_override_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIRFLOW_VAR_SERVICETITAN_ANOMALY_HISTORY_DAYS", "56")
    monkeypatch.setenv("AIRFLOW_VAR_SERVICETITAN_ANOMALY_BAND_WIDTH", "4.5")
    settings = AnomalySettings.from_variables()
    assert (settings.history_days, settings.band_width) == (56, 4.5)
    assert settings.schema_drift_window_hours == 24


def test_a_bad_variable_says_which(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIRFLOW_VAR_SERVICETITAN_ANOMALY_HISTORY_DAYS", "a month")
    with pytest.raises(ValueError, match="servicetitan_anomaly_history_days='a month' is not a whole number"):
        AnomalySettings.from_variables()
