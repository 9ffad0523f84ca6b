"""Where the Great Expectations project and its data docs live on disk, and the docs' URL.

The sync's validation writes the docs and the Airflow API server serves them, so both must see the
same folder: one machine (standalone, the demo, tests) needs nothing; several machines (Astro,
Celery workers) point ``SERVICETITAN_GX_DIR`` at a shared volume.
"""

from __future__ import annotations

import os
from pathlib import Path

DATA_DOCS_SITE = "local_site"
DATA_DOCS_URL_PATH = "/servicetitan/data-docs"


def gx_project_dir() -> Path:
    """The GX file project: ``SERVICETITAN_GX_DIR``, else ``$AIRFLOW_HOME/servicetitan_gx``."""
    configured = os.environ.get("SERVICETITAN_GX_DIR")
    if configured:
        return Path(configured).expanduser().resolve()
    airflow_home = os.environ.get("AIRFLOW_HOME") or str(Path.home() / "airflow")
    return Path(airflow_home).expanduser().resolve() / "servicetitan_gx"


def data_docs_dir(project_dir: Path | None = None) -> Path:
    """The static HTML site (``index.html`` at its root), as GX's file context lays it out."""
    return (project_dir or gx_project_dir()) / "gx" / "uncommitted" / "data_docs" / DATA_DOCS_SITE


def data_docs_url(page: str | None = None, *, base_url: str = "") -> str:
    """The docs as served by the project's Airflow plugin; ``page`` is relative to the site root."""
    return f"{base_url.rstrip('/')}{DATA_DOCS_URL_PATH}/{page or 'index.html'}"


def data_docs_link_text(page: str | None, shared_by: int, tenant_id: int) -> str:
    """What a link to one sync's validation page says (plain text; escape it for where it goes). Syncs of one
    data type validated together share one page, named after none of them: the text says so, and which tenant
    to look for (the page names a shared run's failing records ``tenant/id``)."""
    if not page:
        return "data docs (this validation's page is missing)"
    if shared_by <= 1:
        return "validation report"
    return f"validation report shared by {shared_by} syncs (look for tenant {tenant_id})"


def data_docs_retention_days() -> int:
    """Validation results and their pages older than this are pruned: ``SERVICETITAN_DATA_DOCS_RETENTION_DAYS``
    (default 30). Scores stay in the database; only the docs pages go."""
    return int(os.environ.get("SERVICETITAN_DATA_DOCS_RETENTION_DAYS", "30"))
