"""Parse time of each DAG file, measured as Airflow's DAG processor does it (goal: under 0.3 s each).

Each measurement runs in a fresh Python process, as the DAG processor parses each file in a process of
its own. Warm (the goal's figure): Airflow and its DAG-bag machinery are already imported, as they are
in the processor, and the clock covers ``BundleDagBag(dag_folder=<file>, bundle_path=dags/)`` (importing
the file, with whatever it imports of the project, and collecting its DAGs). Cold (for information):
the clock also covers ``import airflow`` and that machinery. Figures: medians of ``repeats`` processes
(warm) and ``cold_repeats`` (cold).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

DAGS_DIR = Path(__file__).resolve().parents[1] / "dags"
GOAL_SECONDS = 0.3
MARKER = "DAG-PARSE-RESULT "

# Run by `python -c` with argv [file, mode, bundle, marker]; prints the marker and a JSON object.
_PROBE = """
import json, sys, time
began = time.perf_counter()
path, mode, bundle, marker = sys.argv[1:5]
if mode == "warm":
    import airflow, airflow.sdk
    from airflow.dag_processing import processor
    from airflow.dag_processing.dagbag import BundleDagBag
    began = time.perf_counter()
else:
    import airflow, airflow.sdk
    from airflow.dag_processing.dagbag import BundleDagBag
from pathlib import Path
bag = BundleDagBag(dag_folder=path, bundle_path=Path(bundle), bundle_name="dags-folder", load_op_links=False)
seconds = time.perf_counter() - began
errors = {name: str(error)[-500:] for name, error in bag.import_errors.items()}
print(marker + json.dumps({"seconds": seconds, "dag_ids": sorted(bag.dag_ids), "import_errors": errors}), flush=True)
"""


def _parse_once(path: Path, mode: str) -> dict[str, Any]:
    completed = subprocess.run(
        [sys.executable, "-c", _PROBE, str(path), mode, str(path.parent), MARKER],
        capture_output=True,
        text=True,
        env=os.environ,
        check=False,
    )
    for line in reversed(completed.stdout.splitlines()):
        if line.startswith(MARKER):
            return json.loads(line.removeprefix(MARKER))  # type: ignore[no-any-return]
    raise RuntimeError(f"parsing {path.name} failed:\n{completed.stdout[-2000:]}\n{completed.stderr[-2000:]}")


def run(
    records: int | None = None,
    *,
    repeats: int = 5,
    cold_repeats: int = 3,
    dags_dir: Path = DAGS_DIR,
    prepare_environment: bool = True,
) -> dict[str, Any]:
    """``records`` is not used (``python -m benchmarks --records`` passes it to every benchmark).
    ``prepare_environment=False`` parses with this process's Airflow settings instead of the bench profile's."""
    if prepare_environment:
        from servicetitan_devtools.dev_environment import DevEnvironment

        DevEnvironment("bench").prepare()
    files = sorted(path for path in dags_dir.glob("*.py") if not path.name.startswith("_"))
    figures: dict[str, dict[str, Any]] = {}
    rows: list[list[str]] = []
    for path in files:
        warm = [_parse_once(path, "warm") for _ in range(repeats)]
        cold = [_parse_once(path, "cold") for _ in range(cold_repeats)]
        warm_s = statistics.median(r["seconds"] for r in warm)
        cold_s = statistics.median(r["seconds"] for r in cold)
        errors = warm[-1]["import_errors"]
        met = warm_s < GOAL_SECONDS and not errors
        figures[path.name] = {
            "warm_seconds": round(warm_s, 3),
            "cold_seconds": round(cold_s, 3),
            "dag_ids": warm[-1]["dag_ids"],
            "import_errors": errors,
            "goal_met": met,
        }
        note = f"goal < {GOAL_SECONDS} s: {'met' if met else 'NOT met'}; cold (with import airflow) {cold_s:.2f} s"
        if errors:
            note += f"; IMPORT ERRORS: {errors}"
        rows.append([f"{path.name} ({', '.join(warm[-1]['dag_ids'])})", f"{warm_s:.3f} s", note])
    return {
        "name": "dag_parse",
        "repeats": repeats,
        "cold_repeats": cold_repeats,
        "goal": f"warm parse < {GOAL_SECONDS} s per file",
        "goal_met": all(figure["goal_met"] for figure in figures.values()),
        "files": figures,
        "rows": [["DAG file (its DAGs): warm parse, median of " + str(repeats), "", ""], *rows],
    }
