"""servicetitan_sync: customers and invoices of every active ServiceTitan credential into PostgreSQL.

Scheduled (hourly by default; SERVICETITAN_SYNC_SCHEDULE overrides) and triggered by hand from the trigger form.
The credentials are cut into batches (at most `batch_size` of the Variable `servicetitan_sync_settings` each,
and never more batches than `[core] max_map_length`); one mapped `sync` task per batch, named after the tenants
it holds, syncs them several at a time, each on its own: one tenant's failure never stops another's, and the
batch's log names every tenant's outcome. Then the Great Expectations suites in expectations/ score what every
finished sync loaded (also after failures: what a failed sync loaded is in the tables too), the data docs are
rebuilt, and the `servicetitan_customers` / `servicetitan_invoices` Assets are updated when records of that type
were loaded, for downstream DAGs scheduled on them.

The run's state is its syncs' state: `plan` is a setup task and validation and the asset updates are its
teardowns, which Airflow leaves out when it decides a run's state. A credential the form's list does not
know is refused by `plan` before anything else runs.
"""

from __future__ import annotations

import os
from datetime import timedelta

from airflow.sdk import Param, dag, task

# Only the Asset definitions, the expected failures' retry policy and the trigger form's list at the top level
# (they import nothing else of the package); the rest is imported inside the tasks: the DAG processor parses
# this file every 30 s.
from servicetitan_pipeline.assets import CUSTOMERS_ASSET, INVOICES_ASSET
from servicetitan_pipeline.sync.expected_failures import NOT_RETRIED
from servicetitan_pipeline.sync.trigger_form import credential_choices


def _notify_slack_of_failure(context: dict[str, object]) -> None:
    from servicetitan_pipeline.sync.airflow_tasks import notify_failure

    notify_failure(context)


def _notify_slack_of_retry(context: dict[str, object]) -> None:
    from servicetitan_pipeline.alerts.task_failure import notify_task_retry

    notify_task_retry(context)


@dag(
    dag_id="servicetitan_sync",
    schedule=os.environ.get("SERVICETITAN_SYNC_SCHEDULE", "@hourly"),
    start_date=None,
    catchup=False,
    max_active_runs=3,
    tags=["servicetitan", "sync"],
    doc_md=__doc__,
    default_args={
        "retries": 3,
        "retry_delay": timedelta(minutes=2),
        "retry_exponential_backoff": True,
        "max_retry_delay": timedelta(minutes=30),
        # A refused trigger form or a batch's failed tenants (sync/expected_failures.py) fail at once, without a
        # traceback; every other error keeps the retries above.
        "retry_policy": NOT_RETRIED,
        # After the last try: one Slack message with the task, the tenants, why, and links (never a secret).
        "on_failure_callback": [lambda context: _notify_slack_of_failure(context)],
        # A failed try that Airflow retries: the same message, saying when it retries (batches never retry).
        "on_retry_callback": [lambda context: _notify_slack_of_retry(context)],
    },
    params={
        # The Airflow Variable servicetitan_sync_credential_choices, which `servicetitan credentials` keeps
        # current (never the database: this runs at every parse). Shown as suggestions; free text still works.
        "credential": Param(
            "all",
            type="string",
            title="Credential",
            examples=credential_choices(),
            description="Pick from the list, or type 'all' (every active credential), a company name, "
            "'Company (environment)', environment:tenant_id or the credential's id. A name that matches none "
            "is refused before anything runs.",
        ),
        "data_type": Param("both", enum=["both", "invoices", "customers"], title="Data type"),
        "full_refresh": Param(
            False,
            type="boolean",
            title="Full refresh",
            description="Read everything again instead of resuming from the stored export position.",
        ),
    },
)
def servicetitan_sync() -> None:
    # The setup of validation and the asset updates: when it refuses the form (or fails), they are
    # upstream_failed instead of running.
    @task(retries=2)
    def plan(params: dict[str, object] | None = None, dag_run=None) -> list[dict[str, object]]:  # type: ignore[no-untyped-def]
        from servicetitan_pipeline.sync import airflow_tasks

        return airflow_tasks.plan(dict(params or {}), dag_run.run_type)

    # One task per batch of tenants; a tenant's failure fails its batch (after the batch's other tenants and
    # its in-batch retries) with an expected failure, so Airflow never retries a batch for it. The syncs are
    # the run's leaves: a failed batch makes a failed run. Each is named after its tenants from its input, so the
    # name is rendered before the task runs: it shows while the batch syncs, and stays when the batch fails
    # (Airflow renders the template again only after a success or an Exception; an expected failure is a
    # SystemExit).
    @task(pool="servicetitan_api", map_index_template="{{ task.op_kwargs['batch']['label'] }}")
    def sync(batch: dict[str, object]) -> None:
        from servicetitan_pipeline.sync import airflow_tasks

        airflow_tasks.sync(batch)

    # Teardowns (trigger rule all_done_setup_success): they run once every sync ended, failed or not, so
    # what the good syncs loaded is validated, and they do not decide the run's state.
    @task(retries=2)
    def validate_data_quality() -> dict[str, object]:
        from servicetitan_pipeline.data_quality import airflow_tasks

        return airflow_tasks.validate_loaded_data()

    # Asset events for downstream DAGs, also when a batch failed (its good tenants loaded); skipped, so no
    # event, when the run loaded nothing of that type. No Slack line: nothing to act on.
    @task(outlets=[CUSTOMERS_ASSET], retries=2, on_failure_callback=None, on_retry_callback=None)
    def update_customers_asset() -> None:
        from servicetitan_pipeline.sync import airflow_tasks

        airflow_tasks.announce_loaded("customers")

    @task(outlets=[INVOICES_ASSET], retries=2, on_failure_callback=None, on_retry_callback=None)
    def update_invoices_asset() -> None:
        from servicetitan_pipeline.sync import airflow_tasks

        airflow_tasks.announce_loaded("invoices")

    planned = plan()
    syncs = sync.expand(batch=planned)
    syncs >> [
        validate_data_quality().as_teardown(setups=planned),
        update_customers_asset().as_teardown(setups=planned),
        update_invoices_asset().as_teardown(setups=planned),
    ]


servicetitan_sync()
