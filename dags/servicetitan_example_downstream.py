"""servicetitan_example_downstream: an example of a DAG that follows the data instead of a clock.

Scheduled on the Assets servicetitan_sync updates: it runs after a sync run loaded customers or invoices,
and logs what the asset events say (records and tenants loaded, by which run). Put a reporting or dbt job
in its place. Paused when created; unpause it to see it follow servicetitan_sync.
"""

from __future__ import annotations

from airflow.sdk import dag, task

# Only the Asset definitions at the top level: they import nothing else.
from servicetitan_pipeline.assets import CUSTOMERS_ASSET, INVOICES_ASSET


@dag(
    dag_id="servicetitan_example_downstream",
    schedule=CUSTOMERS_ASSET | INVOICES_ASSET,  # either: a run that loaded customers or invoices
    start_date=None,
    catchup=False,
    is_paused_upon_creation=True,
    tags=["servicetitan", "example"],
    doc_md=__doc__,
)
def servicetitan_example_downstream() -> None:
    @task(retries=2)
    def report_loaded_data(triggering_asset_events=None) -> list[str]:  # type: ignore[no-untyped-def]
        from servicetitan_pipeline.assets import describe_asset_events

        return describe_asset_events(triggering_asset_events)

    report_loaded_data()


servicetitan_example_downstream()
