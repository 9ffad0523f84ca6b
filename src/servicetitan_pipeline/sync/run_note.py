"""A manual servicetitan_sync run's note says what it is for ("Acme Plumbing (integration, tenant 1001) ·
invoices · full refresh"), so the runs list tells runs apart without opening their Conf.

A task cannot write its run's note in Airflow 3 (the Execution API has no such call, and tasks have no
metadata-database access), so a listener does it, registered by the project's plugin: the scheduler calls
``on_dag_run_running`` in its own session when it starts a run, and commits the note with the run. A note
typed in the trigger form is kept as it is.
"""

from __future__ import annotations

import logging
from typing import Any

from airflow.listeners import hookimpl

log = logging.getLogger(__name__)

SYNC_DAG_ID = "servicetitan_sync"
_NOTE_LIMIT = 1000  # dag_run_note.content


def describe_run(conf: dict[str, Any] | None) -> str:
    """What a run of the trigger form's values syncs, in the words of the form."""
    conf = conf or {}
    credential = str(conf.get("credential") or "all").strip() or "all"
    data_type = str(conf.get("data_type") or "both")
    parts = [
        "all credentials" if credential.lower() == "all" else credential,
        "customers and invoices" if data_type == "both" else data_type,
    ]
    if conf.get("full_refresh"):
        parts.append("full refresh")
    return " · ".join(parts)[:_NOTE_LIMIT]


@hookimpl  # type: ignore[untyped-decorator]
def on_dag_run_running(dag_run: Any, msg: str) -> None:
    """Name a manual servicetitan_sync run after its credential and data type, unless it has a note."""
    try:
        if dag_run.dag_id != SYNC_DAG_ID or getattr(dag_run.run_type, "value", dag_run.run_type) != "manual":
            return
        if dag_run.note:
            return
        dag_run.note = describe_run(dag_run.conf)
    except Exception:  # a listener must never disturb the scheduler: the run goes on without its note
        log.warning("could not set the note of %s", getattr(dag_run, "run_id", "a run"), exc_info=True)
