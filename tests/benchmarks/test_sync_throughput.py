"""The throughput benchmark at a tiny size: all three contenders load every record (no timing is asserted)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from benchmarks import sync_throughput


def test_every_contender_loads_every_record(clean_db: Engine) -> None:
    try:
        result = sync_throughput.run(records=300, small=120, engine=clean_db)
    finally:
        with clean_db.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA IF EXISTS dlt_bench CASCADE"))
    for size in (120, 300):
        figures = result["sizes"][str(size)]
        assert figures["ours"]["records"] == size
        assert figures["dlt"]["records"] == size
        assert figures["floor_seconds"] > 0
        assert figures["ours"]["peak_rss_mb"] > 0
    assert result["memory_ratio_large_vs_small"] > 0
    with clean_db.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM servicetitan_invoices")).scalar_one() == 300


def test_hottest_functions_add_up_the_innermost_frames_of_every_thread() -> None:
    speedscope = {
        "shared": {
            "frames": [
                {"name": "main", "file": "/a/run.py", "line": 1},
                {"name": "decode", "file": "/a/c.py", "line": 9},
            ]
        },
        "profiles": [
            {"samples": [[0, 1], [0, 1], [0]], "weights": [1, 1, 1]},
            {"samples": [[0, 1], []], "weights": [2, 1]},
        ],
    }
    assert sync_throughput.hottest_functions(speedscope) == [("decode (c.py:9)", 0.8), ("main (run.py:1)", 0.2)]
