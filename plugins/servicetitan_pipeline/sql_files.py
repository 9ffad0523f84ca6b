"""SQL longer than a line lives in include/sql/<verb>_<object>.sql; this reads it, once per process."""

from __future__ import annotations

from functools import cache
from pathlib import Path

# plugins/ and include/ are siblings in this repository and in an Astro image alike.
SQL_DIR = Path(__file__).resolve().parents[2] / "include" / "sql"


@cache
def load_sql(name: str) -> str:
    path = SQL_DIR / f"{name}.sql"
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: include/sql must be deployed next to plugins/")
    return path.read_text()
