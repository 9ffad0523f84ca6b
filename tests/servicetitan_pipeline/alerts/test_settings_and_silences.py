"""Alert settings come from Airflow Variables (defaults in airflow_settings.yaml); silences from the CLI."""

from __future__ import annotations

from datetime import timedelta

import pytest

from servicetitan_pipeline.alerts import silences
from servicetitan_pipeline.cli.main import main


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
