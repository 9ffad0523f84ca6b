"""The suite files: both load, and a broken one is refused with a message naming the file and the fix."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from servicetitan_pipeline.data_quality import suites
from servicetitan_pipeline.data_quality.batches import BATCHES
from servicetitan_pipeline.data_quality.suites import SuiteFileError, load_suite_definition


@pytest.mark.parametrize("name", [batch.suite_name for batch in BATCHES.values()])
def test_the_project_suites_load(name: str) -> None:
    definition = load_suite_definition(name)
    assert definition["name"] == name
    assert all(expectation["description"] for expectation in definition["expectations"])


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "is missing from servicetitan_pipeline.expectations"),
        ("{not json", "is not valid JSON"),
        ({"name": "other", "expectations": [{"type": "t", "description": "d"}]}, "'name' must be 'broken'"),
        ({"name": "broken", "expectations": []}, "'expectations' must be a non-empty list"),
        ({"name": "broken", "expectations": [{"type": "t"}]}, "expectation 1 needs a 'type' and a 'description'"),
    ],
)
def test_a_broken_suite_file_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: object, message: str
) -> None:
    monkeypatch.setattr(suites, "SUITES_DIR", tmp_path)
    if content is not None:
        text = content if isinstance(content, str) else json.dumps(content)
        (tmp_path / "broken.json").write_text(text)
    with pytest.raises(SuiteFileError, match=message.replace("(", r"\(")):
        load_suite_definition("broken")


def test_an_expectation_gx_cannot_read_is_never_dropped_silently(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, gx_project: object
) -> None:
    from servicetitan_pipeline.data_quality.validation import GreatExpectationsProject

    assert isinstance(gx_project, GreatExpectationsProject)
    monkeypatch.setattr(suites, "SUITES_DIR", tmp_path)
    unreadable = {"type": "expect_column_values_to_not_be_null", "kwargs": {}, "description": "no column given"}
    (tmp_path / "half_broken.json").write_text(json.dumps({"name": "half_broken", "expectations": [unreadable]}))
    with pytest.raises(
        SuiteFileError, match=r"expectations/half_broken\.json: Great Expectations (refused|could read)"
    ):
        gx_project.suite("half_broken")
