"""Sync throughput of invoices, side by side: this project's sync, a dlt pipeline, and the PostgreSQL floor.

One run, one sandbox (a process of its own, no added latency, pages cached after a warm-up pass so the
sandbox's page building is not what is measured), one PostgreSQL:
- ours: ``run_sync`` of the invoices, full refresh, in a process of its own (time and peak memory);
- dlt: dlt's rest_api source on the same export endpoint, merge on id, into the same PostgreSQL;
- floor: COPY of the same rows, already fetched and rendered (a file on disk), into a table like ours.
Goals: ours >= 3x dlt, ours >= half the floor; peak memory at the large size <= 1.3x the small.
``profile=True`` runs our sync of the large size once more under py-spy: the hottest functions are printed,
and the profile is written to ``bench-results/sync_profile.speedscope.json`` (open it with speedscope).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import psycopg
import yaml
from psycopg import sql
from sqlalchemy.engine import Engine

from benchmarks.sync_child import APP_KEY, CLIENT_ID, CLIENT_SECRET
from benchmarks.world import create_credential, prepare_bench_environment
from servicetitan_pipeline.db.engine import psycopg_conninfo
from servicetitan_pipeline.servicetitan.client import Credentials, ServiceTitanClient
from servicetitan_pipeline.servicetitan.records import Record
from servicetitan_pipeline.servicetitan.resources import INVOICES
from servicetitan_pipeline.sync.prefetch import prefetched
from servicetitan_pipeline.sync.tables import INVOICE_TABLE

TENANT_ID = 6001
PROFILE_FILE = Path(__file__).resolve().parents[1] / "bench-results" / "sync_profile.speedscope.json"
PAGE_SIZE = 5000
BYTES_PER_INVOICE = 5000  # about 4.4 kB as JSON; the cache needs a little more


def run(
    records: int = 1_000_000,
    small: int | None = None,
    dlt_max: int | None = None,
    engine: Engine | None = None,
    profile: bool = False,
) -> dict[str, Any]:
    """``records``: the large size (the small one is a tenth). ``dlt_max``: run the dlt pipeline only at
    sizes up to this (it is the slowest of the three). ``engine``: the project database to use as it is
    (tests); by default the bench profile's, emptied."""
    small = small or max(records // 10, PAGE_SIZE)
    engine = engine or prepare_bench_environment()
    conninfo = psycopg_conninfo(engine)
    credential_id = str(create_credential(engine, TENANT_ID).id)
    results: dict[str, Any] = {"name": "sync_throughput", "page_size": PAGE_SIZE, "sizes": {}}
    rows = []
    hottest: list[tuple[str, float]] = []
    for size in (small, records):
        with _Sandbox(size) as base_url, tempfile.TemporaryDirectory() as scratch:
            fetch_seconds = _warm_up(base_url, Path(scratch) / "rows.copy", conninfo, credential_id)
            floor = _floor(conninfo, Path(scratch) / "rows.copy")
            ours = _child("ours", base_url, credential_id)
            dlt = _child("dlt", base_url, conninfo) if dlt_max is None or size <= dlt_max else None
            if profile and size == records:
                hottest = _profile_ours(base_url, credential_id)
        figures: dict[str, Any] = {
            "records": size,
            "first_fetch_seconds": round(fetch_seconds, 1),
            "ours": ours,
            "floor_seconds": round(floor, 2),
            "ours_records_per_second": round(size / ours["seconds"]),
            "floor_records_per_second": round(size / floor),
            "ours_vs_floor": round(floor / ours["seconds"], 3),
        }
        rows += [
            [
                f"{size:,}: ours (records/s)",
                f"{figures['ours_records_per_second']:,}",
                f"peak {ours['peak_rss_mb']:.0f} MB",
            ],
            [f"{size:,}: PostgreSQL floor, COPY (records/s)", f"{figures['floor_records_per_second']:,}", ""],
            [f"{size:,}: ours / floor", f"{figures['ours_vs_floor']}", "goal >= 0.5"],
        ]
        if dlt is not None:
            figures.update(
                dlt=dlt,
                dlt_records_per_second=round(size / dlt["seconds"]),
                ours_vs_dlt=round(dlt["seconds"] / ours["seconds"], 2),
            )
            rows += [
                [
                    f"{size:,}: dlt (records/s)",
                    f"{figures['dlt_records_per_second']:,}",
                    f"peak {dlt['peak_rss_mb']:.0f} MB",
                ],
                [f"{size:,}: ours / dlt", f"{figures['ours_vs_dlt']}x", "goal >= 3x"],
            ]
        results["sizes"][str(size)] = figures
    memory_ratio = (
        results["sizes"][str(records)]["ours"]["peak_rss_mb"] / results["sizes"][str(small)]["ours"]["peak_rss_mb"]
    )
    results["memory_ratio_large_vs_small"] = round(memory_ratio, 3)
    rows.append([f"peak memory {records:,} / {small:,}", f"{memory_ratio:.2f}", "goal <= 1.3"])
    if profile:
        results["profile"] = {"speedscope": str(PROFILE_FILE), "hottest": hottest}
        rows += [[f"profile: {name}", f"{share:.1%}", "of our sync's samples"] for name, share in hottest]
    results["rows"] = rows
    return results


class _Sandbox:
    """The sandbox as a process of its own, so it never competes with the client for the GIL."""

    def __init__(self, invoices: int) -> None:
        self.invoices = invoices

    def __enter__(self) -> str:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        config = {
            "export_page_size": PAGE_SIZE,
            "rate_limit_per_second": 10_000,
            "page_cache_mb": self.invoices * BYTES_PER_INVOICE // 1_000_000 + 64,
            "tenants": [
                {
                    "tenant_id": TENANT_ID,
                    "client_id": CLIENT_ID,
                    "client_secret": CLIENT_SECRET,
                    "app_key": APP_KEY,
                    "customers": 100,
                    "invoices": self.invoices,
                }
            ],
        }
        self._config = tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False)
        yaml.safe_dump(config, self._config)
        self._config.close()
        servicetitan = Path(sys.executable).parent / "servicetitan"
        self._process = subprocess.Popen(
            [str(servicetitan), "sandbox", "--port", str(port), "--config", self._config.name],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base_url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                httpx.get(f"{base_url}/sandbox/health", timeout=1).raise_for_status()
                return base_url
            except httpx.HTTPError:
                time.sleep(0.2)
        self._process.kill()
        raise RuntimeError("the sandbox did not start within 60 s")

    def __exit__(self, *exc: object) -> None:
        self._process.terminate()
        self._process.wait(timeout=30)
        os.unlink(self._config.name)


def _warm_up(base_url: str, copy_file: Path, conninfo: str, credential_id: str) -> float:
    """Fetch every page once (the sandbox caches them) and keep the rows as COPY text for the floor. The
    next page is fetched while the current one is rendered: the sandbox and this process then use the two
    CPUs side by side, instead of each waiting for the other."""
    started = time.perf_counter()
    with psycopg.connect(conninfo) as conn, copy_file.open("wb") as out:
        conn.execute("CREATE TEMP TABLE rendered (LIKE servicetitan_invoices INCLUDING DEFAULTS)")
        for records in prefetched(_export_pages(base_url)):
            # Rendered by psycopg's own COPY of the rows the sync would write, written out as COPY text.
            conn.execute("TRUNCATE rendered")
            with conn.cursor().copy(_copy_sql("rendered", "FROM STDIN")) as copy:
                for record in records:
                    copy.write_row(INVOICE_TABLE.row(credential_id, record))
            with conn.cursor().copy(_copy_sql("rendered", "TO STDOUT")) as copy:
                for chunk in copy:
                    out.write(chunk)
    return time.perf_counter() - started


def _export_pages(base_url: str) -> Iterator[list[Record]]:
    """The records of each page of the invoice export, first to last, read by the project's own client."""
    credentials = Credentials(TENANT_ID, "integration", CLIENT_ID, CLIENT_SECRET, APP_KEY, base_url=base_url)
    with ServiceTitanClient(credentials) as client:
        for page in client.export(INVOICES):
            yield page.records


def _copy_sql(table: str, direction: str) -> sql.Composed:
    columns = sql.SQL(", ").join(map(sql.Identifier, INVOICE_TABLE.column_names))
    return sql.SQL("COPY {} ({}) " + direction).format(sql.Identifier(table), columns)


def _floor(conninfo: str, copy_file: Path) -> float:
    """COPY of the already rendered rows into a fresh table shaped like ours (primary key included)."""
    with psycopg.connect(conninfo) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_floor_invoices")
        conn.execute("CREATE TABLE bench_floor_invoices (LIKE servicetitan_invoices INCLUDING ALL)")
        conn.commit()
        started = time.perf_counter()
        with (
            conn.cursor().copy(_copy_sql("bench_floor_invoices", "FROM STDIN")) as copy,
            copy_file.open("rb") as rendered,
        ):
            while block := rendered.read(1 << 20):
                copy.write(block)
        conn.commit()
        seconds = time.perf_counter() - started
        conn.execute("DROP TABLE bench_floor_invoices")
        conn.commit()
    return seconds


def _profile_ours(base_url: str, credential_id: str) -> list[tuple[str, float]]:
    """Our sync again, sampled by py-spy (all threads): a speedscope profile, and the functions most
    samples were in."""
    PROFILE_FILE.parent.mkdir(exist_ok=True)
    py_spy = str(Path(sys.executable).parent / "py-spy")
    sampler = [py_spy, "record", "--format", "speedscope", "--output", str(PROFILE_FILE), "--"]
    _child("ours", base_url, credential_id, wrapper=sampler)
    return hottest_functions(json.loads(PROFILE_FILE.read_text()))


def hottest_functions(speedscope: dict[str, Any], top: int = 8) -> list[tuple[str, float]]:
    """The innermost frames with the largest share of the samples of all threads, and their shares."""
    frames = speedscope["shared"]["frames"]
    samples: Counter[str] = Counter()
    for thread in speedscope["profiles"]:
        for stack, weight in zip(thread["samples"], thread["weights"], strict=True):
            if stack:
                frame = frames[stack[-1]]
                samples[f"{frame['name']} ({Path(frame.get('file') or '?').name}:{frame.get('line')})"] += weight
    total = sum(samples.values()) or 1
    return [(frame, count / total) for frame, count in samples.most_common(top)]


def _child(kind: str, base_url: str, target: str, wrapper: list[str] | None = None) -> dict[str, Any]:
    result = subprocess.run(
        [*(wrapper or []), sys.executable, "-m", "benchmarks.sync_child", kind, base_url, str(TENANT_ID), target],
        capture_output=True,
        text=True,
        check=False,
        env=os.environ,
    )
    if result.returncode != 0:
        raise RuntimeError(f"the {kind} sync failed:\n{result.stderr[-3000:]}")
    # The child's last line is its JSON (py-spy, when it wraps the child, adds lines of its own).
    figures = [line for line in result.stdout.splitlines() if line.startswith("{")]
    return json.loads(figures[-1])  # type: ignore[no-any-return]
