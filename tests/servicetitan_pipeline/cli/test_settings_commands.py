"""``servicetitan settings upgrade-variables`` moves an earlier version's per-field Variables into the settings
Variables, in Airflow's metadata database, and says what it did and what it could not do."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from servicetitan_pipeline.cli.main import main

KEYS = (
    "servicetitan_alert_settings",
    "servicetitan_alert_failure_threshold",
    "servicetitan_alert_stale_sync_hours",
    "servicetitan_sync_settings",
    "servicetitan_sync_workers",
    "servicetitan_sync_notes",
)


@pytest.fixture
def variables() -> Iterator[None]:
    from airflow.models.variable import Variable

    yield
    for key in KEYS:
        Variable.delete(key)


@pytest.mark.usefixtures("variables")
def test_moves_each_value_into_its_settings_variable_and_deletes_it(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from airflow.models.variable import Variable

    Variable.set("servicetitan_alert_settings", '{"failure_threshold": 3, "repeat_interval_hours": 2.0}')
    Variable.set("servicetitan_alert_failure_threshold", "5")  # what applied before the upgrade: it wins
    Variable.set("servicetitan_alert_stale_sync_hours", "a day")  # no setting can take it
    Variable.set("servicetitan_sync_workers", "16")  # its settings Variable not set yet
    Variable.set("servicetitan_sync_notes", "not a setting")  # someone else's: left alone, not named
    monkeypatch.setenv("AIRFLOW_VAR_SERVICETITAN_SYNC_BATCH_SIZE", "10")

    assert main(["settings", "upgrade-variables"]) == 1  # one value was refused
    out = capsys.readouterr().out.splitlines()

    assert out == [
        "moved servicetitan_alert_failure_threshold=5 -> servicetitan_alert_settings failure_threshold",
        "moved servicetitan_sync_workers=16 -> servicetitan_sync_settings workers",
        "not moved: servicetitan_alert_stale_sync_hours='a day': Airflow Variable servicetitan_alert_settings: "
        'stale_sync_hours is "a day", not a whole number; left in place',
        "set in the environment, not changed: AIRFLOW_VAR_SERVICETITAN_SYNC_BATCH_SIZE (write its value into the "
        "settings Variable's JSON)",
    ]
    assert json.loads(Variable.get("servicetitan_alert_settings")) == {
        "failure_threshold": 5,
        "repeat_interval_hours": 2.0,
    }
    assert json.loads(Variable.get("servicetitan_sync_settings")) == {"workers": 16}
    assert Variable.get("servicetitan_alert_failure_threshold", default_var=None) is None
    assert Variable.get("servicetitan_sync_workers", default_var=None) is None
    assert Variable.get("servicetitan_alert_stale_sync_hours") == "a day"
    assert Variable.get("servicetitan_sync_notes") == "not a setting"


@pytest.mark.usefixtures("variables")
def test_nothing_to_move_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["settings", "upgrade-variables"]) == 0
    assert capsys.readouterr().out == "no Variable of the earlier per-field form: nothing to move\n"


@pytest.mark.usefixtures("variables")
def test_a_broken_settings_variable_moves_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    from airflow.models.variable import Variable

    Variable.set("servicetitan_alert_settings", "failure_threshold=3")
    Variable.set("servicetitan_alert_failure_threshold", "5")
    assert main(["settings", "upgrade-variables"]) == 1
    assert capsys.readouterr().out.startswith(
        "nothing moved: Airflow Variable servicetitan_alert_settings is not JSON: write an object such as "
    )
    assert Variable.get("servicetitan_alert_failure_threshold") == "5"
