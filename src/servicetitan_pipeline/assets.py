"""The Airflow Assets servicetitan_sync updates, for downstream DAGs to be scheduled on.

Importable from a DAG file's top level: it imports nothing but the Task SDK's Asset.
"""

from __future__ import annotations

from airflow.sdk import Asset

CUSTOMERS_ASSET = Asset(name="servicetitan_customers")
INVOICES_ASSET = Asset(name="servicetitan_invoices")

# The resource (customers, invoices) whose loaded records update each asset.
ASSET_FOR_RESOURCE = {"customers": CUSTOMERS_ASSET, "invoices": INVOICES_ASSET}


def describe_asset_events(triggering_asset_events: object) -> list[str]:
    """What the asset events that triggered a downstream run say, one line each (and in its log): which
    asset, when, from which servicetitan_sync run, and how many records of how many tenants it loaded."""
    import logging
    from collections.abc import Mapping

    log = logging.getLogger("servicetitan_pipeline.assets")
    lines: list[str] = []
    events_by_asset = triggering_asset_events if isinstance(triggering_asset_events, Mapping) else {}
    for asset, events in events_by_asset.items():
        for event in events:
            extra = dict(getattr(event, "extra", None) or {})
            lines.append(
                f"{getattr(asset, 'name', asset)}: {extra.get('records', '?')} records of "
                f"{extra.get('tenants', '?')} tenant(s) loaded by {getattr(event, 'source_dag_id', '?')} run "
                f"{getattr(event, 'source_run_id', '?')} at {getattr(event, 'timestamp', '?')}"
            )
    if not lines:
        lines.append("no asset events triggered this run (a manual trigger?)")
    for line in lines:
        log.info("%s", line)
    return lines
