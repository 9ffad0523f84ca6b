"""The DAG-parse benchmark with one repetition: a figure for every DAG file, each file's DAGs found and no
import error (no timing is asserted)."""

from __future__ import annotations

from benchmarks import dag_parse


def test_parses_every_dag_file() -> None:
    # The test profile's settings (conftest): the bench profile would repoint this process at other databases.
    result = dag_parse.run(repeats=1, cold_repeats=1, prepare_environment=False)

    files = sorted(path.name for path in dag_parse.DAGS_DIR.glob("*.py") if not path.name.startswith("_"))
    assert sorted(result["files"]) == files
    for name, figures in result["files"].items():
        assert figures["dag_ids"], name
        assert figures["import_errors"] == {}, name
        assert figures["warm_seconds"] > 0
        assert figures["cold_seconds"] > 0
    assert len(result["rows"]) == len(files) + 1
