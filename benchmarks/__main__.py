"""``python -m benchmarks [name ...] [--records N] [--tenants N]``: run benchmarks, print a table each, save JSON."""

from __future__ import annotations

import argparse
import importlib
import inspect
import json
import platform
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

RESULTS_DIR = Path(__file__).resolve().parents[1] / "bench-results"
BENCHMARKS = {
    "sync_throughput": "benchmarks.sync_throughput",
    "data_quality": "benchmarks.data_quality_cost",
    "monitoring_queries": "benchmarks.monitoring_queries",
    "dag_parse": "benchmarks.dag_parse",
    "many_tenants": "benchmarks.many_tenants",
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("names", nargs="*", choices=[*BENCHMARKS, []], help="default: all")
    parser.add_argument("--records", type=int, help="records per benchmark (default: each benchmark's own)")
    parser.add_argument("--tenants", type=int, help="tenants (many_tenants; default: 500 then 5,000)")
    parser.add_argument("--profile", action="store_true", help="profile where the time goes (sync_throughput)")
    args = parser.parse_args(argv)
    RESULTS_DIR.mkdir(exist_ok=True)
    for name in args.names or list(BENCHMARKS):
        module = importlib.import_module(BENCHMARKS[name])
        print(f"== {name}: {(module.__doc__ or name).splitlines()[0]}", flush=True)
        accepted = inspect.signature(module.run).parameters
        options: dict[str, Any] = {"records": args.records} if args.records and "records" in accepted else {}
        if args.tenants and "tenants" in accepted:
            options["tenants"] = args.tenants
        if args.profile and "profile" in accepted:
            options["profile"] = True
        result = module.run(**options)
        result["machine"] = {"python": platform.python_version(), "cpu_count": _cpus(), "platform": platform.platform()}
        result["finished_at"] = datetime.now(UTC).isoformat()
        width = max(len(row[0]) for row in result["rows"])
        for label, figure, note in result["rows"]:
            print(f"  {label.ljust(width)}  {figure:>12}  {note}")
        path = RESULTS_DIR / f"{name}.json"
        path.write_text(json.dumps(result, indent=2))
        print(f"  -> {path}", flush=True)
    return 0


def _cpus() -> int | None:
    import os

    return os.cpu_count()


if __name__ == "__main__":
    sys.exit(main())
