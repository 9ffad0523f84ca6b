"""Alert settings come from Airflow Variables (defaults in airflow_settings.yaml); silences from the CLI."""

from __future__ import annotations

from dataclasses import fields
from datetime import timedelta

import pytest

from servicetitan_devtools.airflow_settings import load_settings
from servicetitan_devtools.dev_environment import PROJECT_ROOT
from servicetitan_pipeline.alerts import silences
from servicetitan_pipeline.alerts.settings import AlertSettings
from servicetitan_pipeline.cli.main import main


def test_airflow_settings_file_declares_every_setting_with_its_default() -> None:
    variables = {v.key: v.value for v in load_settings(PROJECT_ROOT / "airflow_settings.yaml").variables}
    defaults = AlertSettings()
    for field in fields(AlertSettings):
        key = f"servicetitan_alert_{field.name}"
        assert key in variables, f"{key} is missing from airflow_settings.yaml"
        assert type(getattr(defaults, field.name))(variables[key]) == getattr(defaults, field.name)


def test_variables_override_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIRFLOW_VAR_SERVICETITAN_ALERT_FAILURE_THRESHOLD", "5")
    monkeypatch.setenv("AIRFLOW_VAR_SERVICETITAN_ALERT_REPEAT_INTERVAL_HOURS", "1.5")
    settings = AlertSettings.from_variables()
    assert settings.failure_threshold == 5
    assert settings.repeat_interval_hours == 1.5
    assert settings.stale_sync_hours == 48


def test_a_bad_variable_says_which(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIRFLOW_VAR_SERVICETITAN_ALERT_FAILURE_THRESHOLD", "three")
    with pytest.raises(ValueError, match="servicetitan_alert_failure_threshold='three' is not a whole number"):
        AlertSettings.from_variables()


@pytest.mark.parametrize(
    ("rule", "credential", "pattern"),
    [
        ("stale_sync", "production:7", "stale_sync:production:7"),
        ("stale_sync", None, "stale_sync:*"),
        (None, "integration:1001", "*:integration:1001"),
        ("volume_anomaly", "production:7", "volume_anomaly:*:production:7"),  # invoices:production:7 and customers
        ("data_quality_score", "production:7", "data_quality_score:*:production:7"),
    ],
)
def test_key_patterns(rule: str | None, credential: str | None, pattern: str) -> None:
    assert silences.key_pattern(rule, credential) == pattern


@pytest.mark.parametrize(
    ("text", "expected"), [("30m", timedelta(minutes=30)), ("6h", timedelta(hours=6)), ("2d", timedelta(days=2))]
)
def test_durations(text: str, expected: timedelta) -> None:
    assert silences.parse_duration(text) == expected


@pytest.mark.usefixtures("clean_db")
def test_silence_list_unsilence_from_the_command_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["alerts", "silence", "--rule", "stale_sync", "--for", "2h", "--reason", "maintenance"]) == 0
    out = capsys.readouterr().out
    assert "silenced stale_sync:* until" in out
    silence_id = out.strip().rsplit("(id ", 1)[1].rstrip(")")
    assert main(["alerts", "list"]) == 0
    listing = capsys.readouterr().out
    assert "stale_sync:*" in listing
    assert "maintenance" in listing
    assert main(["alerts", "unsilence", silence_id]) == 0
    assert "ended the silence of stale_sync:*" in capsys.readouterr().out
    main(["alerts", "list"])
    assert "no silences" in capsys.readouterr().out


@pytest.mark.usefixtures("clean_db")
@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--rule", "nope", "--for", "1h", "--reason", "x"], None),  # argparse refuses the choice
        (["--credential", "prod-7", "--for", "1h", "--reason", "x"], "must be environment:tenant_id"),
        (["--rule", "stale_sync", "--for", "forever", "--reason", "x"], "is not like 30m, 6h or 2d"),
        (["--for", "1h", "--reason", "x"], "give --rule, --credential, or both"),
    ],
)
def test_bad_silences_are_refused(
    capsys: pytest.CaptureFixture[str], arguments: list[str], message: str | None
) -> None:
    if message is None:
        with pytest.raises(SystemExit):
            main(["alerts", "silence", *arguments])
        return
    assert main(["alerts", "silence", *arguments]) == 2
    assert message in capsys.readouterr().err
