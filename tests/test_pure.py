"""The `pure` marker's rules (tests/pure.py): which tests it marks, which sessions start no database, and that a
pure test asking for a database fails."""

from __future__ import annotations

from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import pytest

from tests import pure


@dataclass
class FakeItem:
    nodeid: str
    fixturenames: list[str]
    markers: list[str] = field(default_factory=lambda: ["pure"])

    def get_closest_marker(self, name: str) -> Any:
        return name if name in self.markers else None


@pytest.mark.parametrize(
    ("nodeid", "expected"),
    [
        ("tests/servicetitan_sandbox/test_config.py::test_defaults", True),
        ("tests/servicetitan_pipeline/cli/test_output.py::test_table_cells_are_escaped_and_aligned_as_shown", True),
        ("tests/servicetitan_pipeline/alerts/test_settings_and_silences.py::test_durations[1h-expected0]", True),
        ("tests/servicetitan_pipeline/alerts/test_settings_and_silences.py::test_bad_silences_are_refused", False),
        ("tests/servicetitan_pipeline/alerts/test_settings_and_silences.py::test_durations_elsewhere", False),
        ("tests/servicetitan_pipeline/cli/test_output_more.py::test_x", False),
        ("tests/servicetitan_pipeline/db/test_models.py::test_x", False),
    ],
)
def test_the_list_marks_folders_modules_and_single_tests(nodeid: str, expected: bool) -> None:
    assert pure.is_pure(nodeid) is expected


def test_every_listed_entry_exists() -> None:
    for entry in pure.PURE_TESTS:
        path, _, test = entry.partition("::")
        assert (pure.PROJECT_ROOT / path).exists(), entry
        if test:
            assert f"def {test}(" in (pure.PROJECT_ROOT / path).read_text(), entry


@pytest.mark.parametrize(
    ("markexpr", "expected"),
    [
        ("pure", True),
        ("pure and not slow", True),
        ("", False),
        ("not browser", False),
        ("pure or slow", False),
        ("pure and not slow or browser", False),
        ("not pure", False),
    ],
)
def test_only_a_selection_of_pure_tests_alone_goes_without_databases(markexpr: str, expected: bool) -> None:
    config: Any = SimpleNamespace(option=SimpleNamespace(markexpr=markexpr))
    assert pure.pure_session(config) is expected


@pytest.mark.parametrize("fixture", ["engine", "airflow_connections", "airflow_api"])
def test_a_pure_test_that_asks_for_a_database_fails_naming_it(fixture: str) -> None:
    item: Any = FakeItem("tests/servicetitan_sandbox/test_x.py::test_y", ["request", "clean_db", fixture])
    with pytest.raises(pytest.fail.Exception, match=f"is a pure test but asks for {fixture}"):
        pure.pytest_runtest_setup(item)


def test_other_tests_may_ask_for_databases_and_pure_tests_for_anything_else() -> None:
    pure.pytest_runtest_setup(FakeItem("tests/x.py::test_y", ["engine", "session"], markers=[]))  # type: ignore[arg-type]
    pure.pytest_runtest_setup(FakeItem("tests/x.py::test_y", ["sandbox", "session", "tmp_path"]))  # type: ignore[arg-type]
