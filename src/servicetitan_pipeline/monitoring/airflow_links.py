"""Which Airflow task ran a sync: each sync-log row records its run and map index (``airflow_run_id``,
``airflow_map_index``), so a sync links to its exact run and log; a row without them (written before they were
recorded, or by a sync run outside a DAG run) has no link, never a guessed one. Links are relative to the
plugin's pages (they are served under ``<airflow>/servicetitan/``) so that they work under any base URL or proxy
path."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import quote

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

SYNC_DAG_ID = "servicetitan_sync"
SYNC_TASK_ID = "sync"


@dataclass(frozen=True)
class SyncTask:
    run_id: str
    map_index: int

    @classmethod
    def recorded(cls, run_id: str | None, map_index: int | None) -> SyncTask | None:
        """The task a sync-log row names, or None when it names none."""
        return cls(run_id, -1 if map_index is None else map_index) if run_id else None

    def run_path(self) -> str:
        """The run's page, relative to Airflow's root."""
        return f"dags/{SYNC_DAG_ID}/runs/{quote(self.run_id, safe='')}"

    def log_path(self) -> str:
        """The task instance's page (its log), relative to Airflow's root."""
        mapped = f"/mapped/{self.map_index}" if self.map_index >= 0 else ""
        return f"{self.run_path()}/tasks/{SYNC_TASK_ID}{mapped}"


def last_failed_tasks(engine: Engine, credential_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, SyncTask]:
    """The task of each credential's latest failed sync, when its row records one (the health page's and the
    Slack alerts' link to the failed run's log)."""
    import sqlalchemy as sa

    from servicetitan_pipeline.sql_files import load_sql

    ids = list(credential_ids)
    if not ids:
        return {}
    with engine.connect() as conn:
        rows = conn.execute(sa.text(load_sql("monitoring/select_last_failed_sync_tasks")), {"credential_ids": ids})
        found = {row.credential_id: SyncTask.recorded(row.airflow_run_id, row.airflow_map_index) for row in rows}
    return {credential: task for credential, task in found.items() if task is not None}
