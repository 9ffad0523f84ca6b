"""One Great Expectations project per test session: importing GX and opening a project cost seconds."""

from __future__ import annotations

from pathlib import Path

import pytest

from servicetitan_pipeline.data_quality.validation import GreatExpectationsProject


@pytest.fixture(scope="session")
def gx_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("gx")


@pytest.fixture(scope="session")
def gx_session_project(gx_root: Path) -> GreatExpectationsProject:
    return GreatExpectationsProject(gx_root)


@pytest.fixture
def gx_project(
    gx_session_project: GreatExpectationsProject, gx_root: Path, monkeypatch: pytest.MonkeyPatch
) -> GreatExpectationsProject:
    # data_docs_dir() must name the same project the validations write to.
    monkeypatch.setenv("SERVICETITAN_GX_DIR", str(gx_root))
    return gx_session_project
