"""Each migration owns its SQL: the files it runs are frozen with it, so a change to the runtime's include/sql
can never change what an old revision creates. Pure: reads the source, no database."""

from __future__ import annotations

import ast
import hashlib
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

import pytest

from servicetitan_pipeline.db.migrate import MIGRATIONS_DIR
from servicetitan_pipeline.db.migration_sql import MIGRATIONS_SQL, migration_sql
from servicetitan_pipeline.sql_files import SQL_PACKAGE

SOURCE = Path(__file__).parents[3] / "src" / "servicetitan_pipeline"
REVISIONS = sorted((MIGRATIONS_DIR / "versions").glob("*.py"))


def _sql_files(folder: Traversable, prefix: str = "") -> set[str]:
    """Every .sql under ``folder``, as its name relative to it without the suffix."""
    found: set[str] = set()
    for entry in folder.iterdir():
        if entry.is_dir():
            found |= _sql_files(entry, f"{prefix}{entry.name}/")
        elif entry.name.endswith(".sql"):
            found.add(prefix + entry.name.removesuffix(".sql"))
    return found


RUNTIME_SQL = _sql_files(files(SQL_PACKAGE))


def _strings(tree: ast.AST) -> set[str]:
    return {node.value for node in ast.walk(tree) if isinstance(node, ast.Constant) and isinstance(node.value, str)}


def _names(tree: ast.AST) -> set[str]:
    """Every name the module imports, reads or calls (``load_sql``, ``sql_files.load_sql``, ``sql_files``)."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            names |= {node.module or "", *(alias.name for alias in node.names)}
        elif isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.Name):
            names.add(node.id)
        elif isinstance(node, ast.Attribute):
            names.add(node.attr)
    return names


def test_the_runtime_has_sql_files_to_compare_against() -> None:
    assert len(REVISIONS) >= 9
    assert "alerts/select_stale_sync_alerts" in RUNTIME_SQL


@pytest.mark.parametrize("revision", REVISIONS, ids=lambda path: path.stem)
def test_a_migration_never_reads_the_runtime_sql(revision: Path) -> None:
    tree = ast.parse(revision.read_text(encoding="utf-8"))
    assert not {"load_sql", "sql_files", "servicetitan_pipeline.sql_files", SQL_PACKAGE} & _names(tree)
    strings = _strings(tree)
    assert not [text for text in strings if "include/sql" in text]
    runtime_names = RUNTIME_SQL | {name.rsplit("/", 1)[-1] for name in RUNTIME_SQL}
    assert not strings & runtime_names


def test_frozen_sql_belongs_to_a_revision_and_every_file_is_run() -> None:
    """A folder per revision that has SQL, named after its file; each file named by some revision (its own, or a
    later one's downgrade)."""
    stems = {path.stem for path in REVISIONS}
    frozen = _sql_files(MIGRATIONS_SQL)
    assert {name.split("/")[0] for name in frozen} <= stems
    named = set().union(*(_strings(ast.parse(path.read_text(encoding="utf-8"))) for path in REVISIONS))
    for name in frozen:
        revision, sql_name = name.split("/")
        assert sql_name in named, f"{name}.sql is run by no migration"
        assert migration_sql(revision, sql_name).strip()


def test_a_missing_frozen_file_says_so() -> None:
    with pytest.raises(FileNotFoundError, match=r"0004_dashboard_views/nothing\.sql"):
        migration_sql("0004_dashboard_views", "nothing")


def test_include_sql_holds_only_what_the_runtime_runs() -> None:
    """No file there is left over for migrations only: each is named by a module outside the migrations."""
    runtime_source = "\n".join(
        path.read_text(encoding="utf-8") for path in SOURCE.rglob("*.py") if "migrations" not in path.parts
    )
    assert [name for name in sorted(RUNTIME_SQL) if f'"{name}"' not in runtime_source] == []


FROZEN_CHECKSUMS = Path(__file__).with_name("frozen_migration_sql.sha256")


def test_no_frozen_file_changes_after_its_revision_is_released() -> None:
    """As Flyway validates applied migrations: a frozen file's bytes never change. A new revision adds its
    files' lines (``sha256sum`` of each, relative to db/migrations/sql); an edited old one fails here."""
    recorded = dict(reversed(line.split("  ", 1)) for line in FROZEN_CHECKSUMS.read_text().splitlines() if line)
    frozen = files("servicetitan_pipeline.db").joinpath("migrations", "sql")
    actual = {
        f"{name}.sql": hashlib.sha256(frozen.joinpath(f"{name}.sql").read_bytes()).hexdigest()
        for name in _sql_files(frozen)
    }
    assert {name: digest for name, digest in actual.items() if recorded.get(name) != digest} == {}
    assert set(recorded) <= set(actual), "a frozen file was removed: a released revision still runs it"
