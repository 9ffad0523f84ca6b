"""The `pure` tests: pure code (client, paginators, records, resilience, alert state, Slack messages, CLI output,
settings, the sandbox, the image's Dockerfile), run without PostgreSQL or Airflow's metadata database.

`make unit` (= ``pytest -m pure``) runs them alone and starts no database: the session's environment then names a
database server that refuses every connection. The whole selection runs on PARALLEL workers (the client's tests
against the sandbox wait out real Retry-After seconds), unless -n is given (``-n 0``: one process), or --pdb, or
paths on the command line. In any session a pure test that asks for a database fixture fails at once, saying so.
"""

from __future__ import annotations

from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[1]

# The one list of pure tests, by node id prefix: a folder (ending in "/"), a module, or one test of a module whose
# other tests need the database. A test here that asks for a database fixture fails.
PURE_TESTS = (
    "tests/test_astro_project.py",
    "tests/test_pure.py",
    "tests/test_docs.py",
    "tests/servicetitan_sandbox/",
    "tests/contract/test_openapi_contract.py",
    "tests/servicetitan_pipeline/servicetitan/",
    "tests/servicetitan_pipeline/sync/test_prefetch.py",
    "tests/servicetitan_pipeline/sync/test_batches.py",
    "tests/servicetitan_pipeline/sync/test_batch_runner.py",
    "tests/servicetitan_pipeline/sync/test_trigger_form.py",
    "tests/servicetitan_pipeline/sync/test_run_note.py",
    "tests/servicetitan_pipeline/sync/test_targets.py::test_a_refusal_among_many_credentials_stays_one_short_line",
    "tests/servicetitan_pipeline/sync/test_targets.py::test_a_refusal_with_nothing_onboarded_says_how_to_onboard",
    "tests/servicetitan_pipeline/alerts/test_task_failure.py",
    "tests/servicetitan_pipeline/db/test_migration_sql.py",
    "tests/servicetitan_pipeline/db/test_enums.py",
    "tests/servicetitan_pipeline/test_metrics.py",
    "tests/servicetitan_pipeline/test_airflow_variables.py",
    "tests/servicetitan_pipeline/test_assets.py",
    "tests/servicetitan_pipeline/alerts/test_state.py",
    "tests/servicetitan_pipeline/anomalies/test_baseline.py",
    "tests/servicetitan_pipeline/anomalies/test_profiles.py",
    "tests/servicetitan_pipeline/anomalies/test_metrics.py",
    "tests/servicetitan_pipeline/anomalies/test_schema_changes.py",
    "tests/servicetitan_pipeline/alerts/test_slack_links.py",
    "tests/servicetitan_pipeline/alerts/test_slack_text.py",
    "tests/servicetitan_pipeline/alerts/test_settings_and_silences.py::test_key_patterns",
    "tests/servicetitan_pipeline/alerts/test_settings_and_silences.py::test_durations",
    "tests/servicetitan_pipeline/cli/test_output.py",
    "tests/servicetitan_pipeline/credentials/test_bulk_file.py",
    "tests/servicetitan_pipeline/monitoring/test_anomaly_panels.py",
    "tests/servicetitan_pipeline/monitoring/test_dashboard_charts.py",
    "tests/servicetitan_pipeline/monitoring/test_health_page.py",
    "tests/servicetitan_pipeline/monitoring/test_units.py",
    "tests/servicetitan_pipeline/data_quality/test_suites.py",
    "tests/servicetitan_pipeline/data_quality/test_shared_docs_pages.py",
    "tests/servicetitan_pipeline/data_quality/test_batches.py",
    "tests/servicetitan_pipeline/data_quality/test_airflow_tasks.py",
    "tests/benchmarks/test_many_tenants.py::test_a_run_row_has_the_fields_of_the_results_file",
    "tests/benchmarks/test_many_tenants.py::test_a_run_that_completed_nothing_reports_zero_and_its_failure",
    "tests/benchmarks/test_many_tenants.py::test_the_table_has_a_line_per_run_under_its_header",
    "tests/benchmarks/test_many_tenants.py::test_per_tenant_cost_ratio_compares_the_largest_size_with_the_smallest",
    "tests/benchmarks/test_many_tenants.py::test_the_sandbox_config_generates_the_tenants_with_the_latency",
)

# The fixtures that reach a database; every other database fixture (clean_db, session, make_world...) uses one.
DATABASE_FIXTURES = frozenset({"engine", "airflow_connections", "airflow_api"})

PARALLEL = 4

# Nothing listens on port 1: whatever tries a database in a pure session fails at once, naming this user.
NO_DATABASE = "postgresql://pure-tests-use-no-database@127.0.0.1:1/none"


def is_pure(nodeid: str) -> bool:
    for entry in PURE_TESTS:
        if entry.endswith("/"):
            if nodeid.startswith(entry):
                return True
        elif nodeid == entry or nodeid.startswith((f"{entry}::", f"{entry}[")):
            return True
    return False


def pure_session(config: pytest.Config) -> bool:
    """Whether the -m expression selects pure tests only: ``pure``, or ``pure and ...`` without an ``or``."""
    words = str(config.option.markexpr or "").split()
    return words[:1] == ["pure"] and (len(words) == 1 or (words[1] == "and" and "or" not in words))


def environment_without_databases() -> dict[str, str]:
    """Airflow's settings for a pure session: a home of its own and databases that refuse connections."""
    return {
        "AIRFLOW_HOME": str(PROJECT_ROOT / ".airflow" / "pure"),
        "AIRFLOW__CORE__DAGS_FOLDER": str(PROJECT_ROOT / "dags"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(PROJECT_ROOT / "plugins"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": NO_DATABASE.replace("postgresql://", "postgresql+psycopg2://", 1),
        "AIRFLOW_CONN_SERVICETITAN_DB": NO_DATABASE,
    }


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config: pytest.Config) -> None:
    # Before pytest-xdist's own hook, which turns numprocesses into workers.
    if (
        pure_session(config)
        and config.pluginmanager.has_plugin("xdist")
        and config.getoption("numprocesses", None) is None
        and not config.getoption("usepdb")
        and config.args_source == pytest.Config.ArgsSource.TESTPATHS
        and not hasattr(config, "workerinput")
    ):
        config.option.numprocesses = PARALLEL
        config.option.dist = "worksteal"


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if is_pure(item.nodeid):
            item.add_marker(pytest.mark.pure)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    wanted = DATABASE_FIXTURES.intersection(getattr(item, "fixturenames", ()))
    if wanted and item.get_closest_marker("pure"):
        pytest.fail(
            f"{item.nodeid} is a pure test but asks for {', '.join(sorted(wanted))}: pure tests run without "
            "PostgreSQL or Airflow's metadata database (move it out of tests/pure.py's PURE_TESTS)",
            pytrace=False,
        )
