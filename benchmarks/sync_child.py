"""One sync in a process of its own, so its time and peak memory are its own:
``python -m benchmarks.sync_child ours BASE_URL TENANT CREDENTIAL_ID`` or ``... dlt BASE_URL TENANT CONNINFO``
(the project database's, as ``psycopg_conninfo`` writes it) prints one JSON line."""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path
from typing import Any

import httpx

CLIENT_ID, CLIENT_SECRET, APP_KEY = "bench-client", "bench-secret", "bench-app-key"


def run_ours(base_url: str, tenant_id: int, credential_id: str) -> int:
    from benchmarks.world import NullMetrics
    from servicetitan_pipeline.db.engine import get_engine
    from servicetitan_pipeline.servicetitan.client import Credentials, ServiceTitanClient
    from servicetitan_pipeline.sync.runner import run_sync
    from servicetitan_pipeline.sync.targets import SyncTarget

    secrets = Credentials(tenant_id, "integration", CLIENT_ID, CLIENT_SECRET, APP_KEY, base_url=base_url)
    target = SyncTarget(
        credential_id=credential_id, label="bench", data_type="invoices", sync_type="manual", full_refresh=True
    )
    outcome = run_sync(
        target,
        engine=get_engine(),
        make_client=lambda _credential, on_call: ServiceTitanClient(secrets, on_call=on_call),
        metrics_backend=NullMetrics(),
    )
    return outcome.successful


def run_dlt(base_url: str, tenant_id: int, conninfo: str) -> int:
    """dlt's rest_api source on the same export endpoint, as a dlt user would configure it: bearer token,
    the app-key header, a paginator that follows continueFrom until hasMore is false, merge on id, and
    nested objects kept as JSON (max_table_nesting=0, like this project's raw column)."""
    import dlt
    from dlt.sources.helpers.rest_client.paginators import BasePaginator
    from dlt.sources.rest_api import rest_api_source

    class ContinueFromPaginator(BasePaginator):
        def __init__(self) -> None:
            super().__init__()
            self._cursor: str | None = None

        def update_state(self, response: Any, data: Any = None) -> None:
            body = response.json()
            self._cursor = body.get("continueFrom")
            self._has_next_page = bool(body.get("hasMore"))

        def update_request(self, request: Any) -> None:
            request.params = {**(request.params or {}), "from": self._cursor}

    token = httpx.post(
        f"{base_url}/connect/token",
        data={"grant_type": "client_credentials", "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET},
    ).json()["access_token"]
    source = rest_api_source(
        {
            "client": {
                "base_url": f"{base_url}/accounting/v2/tenant/{tenant_id}/",
                "auth": {"type": "bearer", "token": token},
                "headers": {"ST-App-Key": APP_KEY},
                "paginator": ContinueFromPaginator(),
            },
            "resource_defaults": {"write_disposition": "merge", "primary_key": "id"},
            "resources": [{"name": "invoices", "endpoint": {"path": "export/invoices", "data_selector": "data"}}],
        },
        max_table_nesting=0,
    )
    from psycopg.conninfo import conninfo_to_dict

    params = conninfo_to_dict(conninfo)
    credentials = {
        "database": params.pop("dbname", None),
        "username": params.pop("user", None),
        # dlt insists on a password; a trust-auth server (the embedded one) ignores it.
        "password": params.pop("password", None) or "unused",
        "host": params.pop("host", None),
        "port": int(str(params.pop("port", 5432))),
        "query": params,
    }
    pipeline = dlt.pipeline(
        pipeline_name="servicetitan_bench",
        destination=dlt.destinations.postgres(credentials),
        dataset_name="dlt_bench",
        pipelines_dir=str(Path(__file__).resolve().parents[1] / ".local" / "bench-dlt"),
    )
    info = pipeline.run(source, refresh="drop_sources")
    info.raise_on_failed_jobs()
    normalized = pipeline.last_trace.last_normalize_info if pipeline.last_trace else None
    return int(normalized.row_counts.get("invoices", 0)) if normalized else 0


def main() -> None:
    kind, base_url, tenant, target = sys.argv[1:5]
    # Libraries are imported before the clock starts: a worker has them loaded already.
    if kind == "ours":
        from servicetitan_pipeline.db.engine import get_engine
        from servicetitan_pipeline.sync import runner  # noqa: F401

        get_engine()
    else:
        import dlt  # noqa: F401
        from dlt.sources.rest_api import rest_api_source  # noqa: F401
    started = time.perf_counter()
    records = run_ours(base_url, int(tenant), target) if kind == "ours" else run_dlt(base_url, int(tenant), target)
    seconds = time.perf_counter() - started
    print(json.dumps({"kind": kind, "records": records, "seconds": seconds, "peak_rss_mb": _peak_rss_kb() / 1024}))


def _peak_rss_kb() -> int:
    """This process's own peak RSS. Not ru_maxrss: Linux carries the parent's peak over into it at exec, so
    it would report the benchmark's process (which holds export pages) whenever that one is larger."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:"))


if __name__ == "__main__":
    main()
