"""The settings Variables: one JSON object per group, a field left out keeps its default, a wrong name or type
is an error naming the Variable and the field; airflow_settings.yaml and docs/operations.md list every field;
reading them registers no short value with Airflow's secrets masker; the pages' cached reader."""

from __future__ import annotations

import json
from dataclasses import fields
from typing import Any

import pytest

from servicetitan_devtools.airflow_settings import load_settings
from servicetitan_devtools.dev_environment import PROJECT_ROOT
from servicetitan_pipeline.airflow_variables import (
    ServerSettings,
    legacy_variable_names,
    settings_from_json,
    variable_for_legacy,
)
from servicetitan_pipeline.alerts import settings as alerts
from servicetitan_pipeline.anomalies import settings as anomalies
from servicetitan_pipeline.maintenance import settings as retention
from servicetitan_pipeline.sync import batch_runner

GROUPS = [
    (alerts.AlertSettings, alerts.VARIABLE),
    (anomalies.AnomalySettings, anomalies.VARIABLE),
    (retention.RetentionSettings, retention.VARIABLE),
    (batch_runner.BatchSettings, batch_runner.VARIABLE),
]
IDS = [variable for _cls, variable in GROUPS]


@pytest.mark.parametrize(("cls", "variable"), GROUPS, ids=IDS)
def test_airflow_settings_file_sets_each_variable_to_every_default(cls: type, variable: str) -> None:
    values = {v.key: v.value for v in load_settings(PROJECT_ROOT / "airflow_settings.yaml").variables}
    assert json.loads(values[variable]) == {field.name: getattr(cls, field.name) for field in fields(cls)}
    assert settings_from_json(cls, variable, values[variable]) == cls()


def test_airflow_settings_file_values_are_one_line_each() -> None:
    # Astro's `astro dev object import` runs `airflow variables set NAME 'VALUE'` in a shell.
    values = [v.value for v in load_settings(PROJECT_ROOT / "airflow_settings.yaml").variables]
    assert [value for value in values if "\n" in value or "'" in value] == []


def test_airflow_settings_file_sets_no_value_the_masker_would_warn_about() -> None:
    # Airflow's masker warns ("too short") in every task log that reads a Variable of under five characters.
    short = [v.key for v in load_settings(PROJECT_ROOT / "airflow_settings.yaml").variables if len(v.value) < 5]
    assert short == []


@pytest.mark.parametrize(("cls", "variable"), GROUPS, ids=IDS)
def test_the_operations_guide_describes_every_field(cls: type, variable: str) -> None:
    guide = (PROJECT_ROOT / "docs" / "operations.md").read_text()
    section = guide.split("## Settings", 1)[1].split("\n## ", 1)[0]
    table = section.split(f"`{variable}`", 1)[1].split("\n\n", 2)[1]
    documented = [line.split("|")[1].strip().strip("`") for line in table.splitlines()[2:]]
    assert documented == [field.name for field in fields(cls)]
    defaults = [line.split("|")[2].strip() for line in table.splitlines()[2:]]
    assert defaults == [str(getattr(cls, field.name)) for field in fields(cls)]


def test_a_field_left_out_keeps_its_default_and_numbers_may_be_written_as_text() -> None:
    settings = settings_from_json(alerts.AlertSettings, "v", '{"failure_threshold": 5, "repeat_interval_hours": "1.5"}')
    assert (settings.failure_threshold, settings.repeat_interval_hours) == (5, 1.5)
    assert settings.stale_sync_hours == 48


@pytest.mark.parametrize("raw", [None, "", "  \n"])
def test_unset_or_blank_is_every_default(raw: str | None) -> None:
    assert settings_from_json(alerts.AlertSettings, "v", raw) == alerts.AlertSettings()


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("failure_threshold=5", "Airflow Variable servicetitan_alert_settings is not JSON: write an object such as "),
        ("[5]", "servicetitan_alert_settings is not a JSON object"),
        ('{"failure_treshold": 5}', "has no setting 'failure_treshold': its settings are api_sample_size, "),
        ('{"failure_threshold": "three"}', 'servicetitan_alert_settings: failure_threshold is "three", not a whole'),
        ('{"failure_threshold": 2.5}', "failure_threshold is 2.5, not a whole number"),
        ('{"failure_threshold": true}', "failure_threshold is true, not a whole number"),
        ('{"repeat_interval_hours": null}', "repeat_interval_hours is null, not a number"),
    ],
)
def test_a_bad_value_says_which_variable_and_field(raw: str, message: str) -> None:
    with pytest.raises(ValueError) as raised:
        settings_from_json(alerts.AlertSettings, alerts.VARIABLE, raw)
    assert message in str(raised.value)


@pytest.mark.parametrize(("cls", "variable"), GROUPS, ids=IDS)
def test_tasks_read_the_variable(cls: type, variable: str, monkeypatch: pytest.MonkeyPatch) -> None:
    first = fields(cls)[0]
    changed = getattr(cls, first.name) * 2
    monkeypatch.setenv(f"AIRFLOW_VAR_{variable.upper()}", json.dumps({first.name: changed}))
    assert getattr(cls.from_variables(), first.name) == changed  # type: ignore[attr-defined]


def test_reading_the_settings_registers_no_short_secret(
    monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    from airflow.sdk._shared.secrets_masker.secrets_masker import SecretsMasker

    monkeypatch.setattr(SecretsMasker, "_has_warned_short_secret", False)  # it warns once per process
    monkeypatch.setenv("AIRFLOW_VAR_SERVICETITAN_ALERT_SETTINGS", '{"failure_threshold": 3, "api_sample_size": 0}')
    assert alerts.AlertSettings.from_variables().failure_threshold == 3
    output = capfd.readouterr()
    assert "too short" not in output.out + output.err


def test_the_legacy_per_field_variables_are_recognised_and_placed() -> None:
    keys = [
        "servicetitan_alert_failure_threshold",
        "servicetitan_alert_settings",
        "servicetitan_sync_credential_choices",
        "servicetitan_sync_workers",
        "servicetitan_anomaly_band_width",
        "someone_elses_variable",
    ]
    assert legacy_variable_names(keys) == [
        "servicetitan_alert_failure_threshold",
        "servicetitan_anomaly_band_width",
        "servicetitan_sync_workers",
    ]
    assert variable_for_legacy("servicetitan_sync_workers") == ("servicetitan_sync_settings", "workers")
    assert variable_for_legacy("servicetitan_alert_failure_threshold") == (
        "servicetitan_alert_settings",
        "failure_threshold",
    )


def test_the_pages_reader_caches_and_falls_back_to_the_defaults_on_a_bad_value() -> None:
    reads: list[str] = []
    value: dict[str, Any] = {"raw": '{"min_data_quality_score": 90}'}

    def read(name: str) -> Any:
        reads.append(name)
        return value["raw"]

    cached = ServerSettings(alerts.AlertSettings, alerts.VARIABLE, seconds=3600, read=read)
    assert cached.get() == (alerts.AlertSettings(min_data_quality_score=90.0), None)
    value["raw"] = '{"min_data_quality_score": "high"}'
    assert cached.get()[0].min_data_quality_score == 90.0  # within the minute: not read again
    assert reads == [alerts.VARIABLE]

    fresh = ServerSettings(alerts.AlertSettings, alerts.VARIABLE, seconds=0, read=read)
    settings, problem = fresh.get()
    assert settings == alerts.AlertSettings()
    assert problem is not None
    assert 'min_data_quality_score is "high", not a number' in problem


def test_the_pages_reader_survives_a_variable_that_cannot_be_read() -> None:
    def unreachable(name: str) -> Any:
        raise ConnectionError("secrets backend down")

    settings, problem = ServerSettings(alerts.AlertSettings, alerts.VARIABLE, read=unreachable).get()
    assert settings == alerts.AlertSettings()
    assert problem == "Airflow Variable servicetitan_alert_settings could not be read (ConnectionError)"
