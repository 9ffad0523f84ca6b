"""The trigger form's list of credentials, as the DAG file reads it at parse time."""

from __future__ import annotations

import json

import pytest

from servicetitan_pipeline.sync.trigger_form import CHOICES_VARIABLE, choice_names, credential_choices, parse_choices


def test_all_comes_first_then_the_variables_names(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(f"AIRFLOW_VAR_{CHOICES_VARIABLE.upper()}", json.dumps(["Acme Plumbing (integration, tenant 1)"]))
    assert credential_choices() == ["all", "Acme Plumbing (integration, tenant 1)"]


def test_without_the_variable_the_form_offers_all_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(f"AIRFLOW_VAR_{CHOICES_VARIABLE.upper()}", raising=False)
    assert credential_choices() == ["all"]


@pytest.mark.parametrize("raw", [None, "", "not json", '{"a": 1}', "42", 42])
def test_a_damaged_variable_lists_nothing_rather_than_break_the_dag(raw: object) -> None:
    assert parse_choices(raw) == []


def test_only_names_are_kept() -> None:
    assert parse_choices('["B", 3, "", null, "all", "A"]') == ["B", "A"]


def test_names_are_sorted_as_people_read_them_and_unique() -> None:
    assert choice_names(["bright", "Acme", "Crest", "Acme"]) == ["Acme", "bright", "Crest"]
