"""Which Airflow task ran a sync: the project's sync log does not record its Airflow run, so a sync is matched
to the mapped ``sync`` task instance of ``servicetitan_sync`` that was running when the sync started, the one
whose batch label names the tenant when several were. Links are relative to the plugin's pages (they are
served under ``<airflow>/servicetitan/``) so that they work under any base URL or proxy path."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote

log = logging.getLogger(__name__)

SYNC_DAG_ID = "servicetitan_sync"
SYNC_TASK_ID = "sync"


@dataclass(frozen=True)
class SyncTask:
    run_id: str
    map_index: int
    label: str
    start_date: datetime
    end_date: datetime | None

    def run_path(self) -> str:
        """The run's page, relative to Airflow's root."""
        return f"dags/{SYNC_DAG_ID}/runs/{quote(self.run_id, safe='')}"

    def log_path(self) -> str:
        """The task instance's page (its log), relative to Airflow's root."""
        mapped = f"/mapped/{self.map_index}" if self.map_index >= 0 else ""
        return f"{self.run_path()}/tasks/{SYNC_TASK_ID}{mapped}"


def match_sync_tasks(
    syncs: Iterable[tuple[object, datetime]], company_name: str, tasks: list[SyncTask]
) -> dict[object, SyncTask]:
    """For each (key, started_at), the task that was running then, preferring one whose label names the tenant."""
    now = datetime.now(UTC)
    matched: dict[object, SyncTask] = {}
    for key, started_at in syncs:
        running = [t for t in tasks if t.start_date <= started_at <= (t.end_date or now)]
        if not running:
            continue
        naming = [t for t in running if company_name in t.label]
        matched[key] = (naming or running)[0]
    return matched


def load_sync_tasks(oldest: datetime, newest: datetime) -> list[SyncTask]:
    """The ``sync`` task instances that overlap [oldest, newest], from Airflow's metadata database (the plugin
    runs in the API server, which has it). Empty when it cannot be read: the links are a help, not the page."""
    try:
        import sqlalchemy as sa
        from airflow.models.taskinstance import TaskInstance
        from airflow.utils.session import create_session

        with create_session() as session:
            rows = session.execute(
                sa.select(
                    TaskInstance.run_id,
                    TaskInstance.map_index,
                    TaskInstance.rendered_map_index,
                    TaskInstance.start_date,
                    TaskInstance.end_date,
                )
                .where(
                    TaskInstance.dag_id == SYNC_DAG_ID,
                    TaskInstance.task_id == SYNC_TASK_ID,
                    TaskInstance.start_date <= newest,
                    sa.or_(TaskInstance.end_date.is_(None), TaskInstance.end_date >= oldest),
                )
                .order_by(TaskInstance.start_date.desc())
                .limit(500)
            ).all()
    except Exception as exc:  # no Airflow database here (a script, a test): pages without run links
        log.debug("no Airflow task instances to link to: %s", type(exc).__name__)
        return []
    return [
        SyncTask(row.run_id, row.map_index, row.rendered_map_index or "", row.start_date, row.end_date)
        for row in rows
        if row.start_date is not None
    ]
