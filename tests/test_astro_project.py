"""The Astro project's image, read statically (building it needs the registry): the Runtime it starts from, how
the package goes in, and what stays out."""

from __future__ import annotations

import itertools
import re
import shlex
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DEV_DISTRIBUTIONS = ("servicetitan-sandbox", "servicetitan_sandbox", "servicetitan-devtools", "servicetitan_devtools")


def instructions() -> list[tuple[str, str]]:
    """The Dockerfile's instructions as (KEYWORD, arguments), continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n", " ", (ROOT / "Dockerfile").read_text())
    lines = [line.strip() for line in text.splitlines()]
    return [
        (keyword.upper(), rest.strip())
        for keyword, _, rest in (line.partition(" ") for line in lines if line and not line.startswith("#"))
    ]


def pip_installs() -> list[list[str]]:
    """The argument lists of every `pip install` the RUN instructions make."""
    installs = []
    for keyword, arguments in instructions():
        if keyword != "RUN":
            continue
        for command in re.split(r"&&|;|\|\|", arguments):
            words = shlex.split(command)
            if words[:2] == ["pip", "install"] or words[:3] in (["uv", "pip", "install"], ["python", "-m", "pip"]):
                installs.append(words)
    return installs


def test_the_image_starts_from_an_astro_runtime_3_with_the_projects_airflow_and_python() -> None:
    froms = [arguments for keyword, arguments in instructions() if keyword == "FROM"]
    assert len(froms) == 1
    match = re.fullmatch(r"astrocrpublic\.azurecr\.io/runtime:(3\.\d+)-\d+-python-(3\.\d+)", froms[0])
    assert match, f"not an Astro Runtime 3.x image: {froms[0]}"
    airflow = re.search(r"^apache-airflow==(\d+\.\d+)\.\d+$", (ROOT / "requirements.txt").read_text(), re.M)
    assert airflow, "requirements.txt pins no apache-airflow"
    assert match[1] == airflow[1], "the Runtime's Airflow line differs from the lock's"
    requires_python = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    assert f">={match[2]}" in requires_python, f"Python {match[2]} does not satisfy {requires_python}"


def test_the_package_is_installed_from_the_project_non_editable_with_the_lock_as_constraints() -> None:
    (install,) = pip_installs()
    assert "." in install[install.index("install") + 1 :]
    assert not {"-e", "--editable"} & set(install)
    constraints = {value for flag, value in itertools.pairwise(install) if flag in ("-c", "--constraint")}
    assert constraints == {"requirements.txt"}


def test_the_wheel_lists_every_package_of_the_runtime() -> None:
    # setuptools takes the packages listed, nothing else: a folder left out is missing in every deployment.
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    source = ROOT / "src" / "servicetitan_pipeline"
    packages = {
        ".".join(("servicetitan_pipeline", *init.parent.relative_to(source).parts))
        for init in source.rglob("__init__.py")
        if "migrations" not in init.parts  # the migrations are package data (alembic loads them by path)
    }
    assert packages - listed == set()


def test_no_dev_distribution_or_lock_goes_into_the_image() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    body = "\n".join(f"{keyword} {arguments}" for keyword, arguments in instructions())
    for name in (*DEV_DISTRIBUTIONS, "requirements-dev", "dev/"):
        assert name not in body, f"the Dockerfile mentions {name}"
    assert "pip install" in dockerfile


@pytest.mark.parametrize(
    "path",
    [
        ".venv",
        ".airflow",
        ".local",
        "bench-results",
        "dev",
        "tests",
        ".git",
        "__pycache__",
        "src/servicetitan_pipeline/__pycache__",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
    ],
)
def test_dockerignore_keeps_local_state_dev_tooling_and_caches_out(path: str) -> None:
    assert dockerignored(path)


@pytest.mark.parametrize(
    "path", ["dags", "src", "include/sql", "expectations", "pyproject.toml", "README.md", "requirements.txt"]
)
def test_dockerignore_keeps_what_the_image_builds_from(path: str) -> None:
    assert not dockerignored(path)


def dockerignored(path: str) -> bool:
    """Docker's rule, enough for these patterns: a path is out when a pattern matches it or one of its parents
    (``**`` spanning folders); the last matching pattern wins, ``!`` re-including."""
    ignored = False
    for line in (ROOT / ".dockerignore").read_text().splitlines():
        pattern = line.strip()
        if not pattern or pattern.startswith("#"):
            continue
        negated = pattern.startswith("!")
        pattern = pattern.lstrip("!").rstrip("/")
        regex = re.escape(pattern).replace(r"\*\*/", "(.*/)?").replace(r"\*", "[^/]*")
        parts = path.split("/")
        if any(re.fullmatch(regex, "/".join(parts[:end])) for end in range(1, len(parts) + 1)):
            ignored = not negated
    return ignored


def test_the_astro_project_is_named() -> None:
    assert "name: servicetitan-pipeline" in (ROOT / ".astro" / "config.yaml").read_text()
