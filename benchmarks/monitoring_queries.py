"""Monitoring queries with 10k and with 10M sync-log rows (goal: each check's large / small time ratio at most 2,
so the checks stay fast as the sync log grows).

Every monitoring check is timed on two databases side by side in one run: the bench database with the
small sync log, and a database of its own (``<bench db>_monitoring_<rows>``) with the large one. Both hold
the same 500 credentials and the same recent activity (the last 14 days: a few running and failed syncs,
credentials to alert on, data-quality results, metric snapshots); the large one adds history, older
than 14 days and up to 2 years back, which is what grows in production. The large database is kept
between runs: its history is reused when it is still there (the recent rows are rewritten every run,
so "recent" stays recent), and is generated in SQL otherwise.

Checks: each alert rule, the anomaly rules included (the rule functions themselves, on a psycopg connection
with the default ``AlertSettings``; ``api_unreachable`` only its SQL, never the token requests; the anomaly
rules over RECENT_DAYS of history, on sync-volume rows made from the sync logs), the stale-running sweep's
query, the 6-hour digest, the health check's database checks (``api_connectivity`` with a no-op
authentication), the metrics collector, and each dashboard query plus ``load_dashboard`` as a whole.
Figure: median of ``repeats`` runs after one warm-up run.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import psycopg
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from servicetitan_pipeline.alerts import rules
from servicetitan_pipeline.alerts.settings import AlertSettings
from servicetitan_pipeline.db import migrate
from servicetitan_pipeline.db.engine import psycopg_conninfo
from servicetitan_pipeline.db.migration_sql import migration_sql
from servicetitan_pipeline.sql_files import load_sql

GOAL_RATIO = 2.0
RECENT_DAYS = 14
HISTORY_DAYS = 730
STALE_CREDENTIALS = 10  # the last ones get no recent sync: the stale checks have something to find
SPECIAL_FAILURES = 12  # 3 credentials x 4 failed syncs in the last hour: repeated_failures fires
# Bumped whenever the generated data changes: a large database of another version is generated afresh.
DATA_VERSION = "monitoring_queries bench data v3"

# Deterministic ids: each kind of bench row has a prefix of its own, the row number is the tail.
_BASE = "00000000-0000-4000-a000-"
_HISTORY = "00000000-0000-4000-b000-"
_CREDENTIAL = "00000000-0000-4000-c000-"
_COMPANY = "00000000-0000-4000-d000-"


def _uuid(prefix: str, number: str) -> str:
    return f"('{prefix}' || lpad(to_hex({number}), 12, '0'))::uuid"


def _id_range(prefix: str) -> str:
    return f"id BETWEEN '{prefix}000000000000' AND '{prefix}ffffffffffff'"


# -- the data ----------------------------------------------------------------------------------------------

_CREDENTIALS_SQL = f"""
INSERT INTO servicetitan_credentials (id, company_id, company_name, environment, tenant_id, airflow_conn_id,
    connection_status, last_connected_at, last_error, token_expires_at, client_secret_expires_at, is_active,
    created_at, updated_at)
SELECT {_uuid(_CREDENTIAL, "c")}, {_uuid(_COMPANY, "c")}, 'Bench Company ' || lpad(c::text, 4, '0'),
    CASE WHEN c %% 10 = 0 THEN 'production' ELSE 'integration' END, 900000 + c, 'bench_monitoring_' || c,
    CASE c %% 100 WHEN 1 THEN 'error' WHEN 2 THEN 'disabled' ELSE 'connected' END,
    now() - interval '1 hour', CASE WHEN c %% 100 = 1 THEN 'invalid_client' END,
    now() + interval '15 minutes', now() + (c %% 400) * interval '1 day', c %% 100 <> 2,
    now() - interval '{HISTORY_DAYS + 1} days', now()
FROM generate_series(0, %(credentials)s - 1) AS c
"""


def _sync_logs_sql(*, history: bool) -> str:
    """INSERT ... SELECT of sync-log rows %(first)s .. %(last)s.

    Base rows (the small sync log, rewritten every run): 80 % in the last 14 days, the rest over the two
    years before, and the last SPECIAL_FAILURES rows repeated failures in the last hour. History rows (what
    the large sync log adds): older than 14 days, oldest first (as they were written). 4 % of the syncs
    fail; one recent sync in 2,000 is still running (most of them overdue).
    """
    if history:
        prefix = _HISTORY
        kind = "'history'"
        credential = "i %% %(credentials)s"
        started = (
            f"now() - interval '{HISTORY_DAYS} days' + i * (interval '{HISTORY_DAYS - RECENT_DAYS} days' / %(history)s)"
        )
    else:
        prefix = _BASE
        n, stale, recent, old = SPECIAL_FAILURES, STALE_CREDENTIALS, RECENT_DAYS, HISTORY_DAYS - RECENT_DAYS
        kind = f"CASE WHEN i >= %(base)s - {n} THEN 'special' WHEN i < %(recent)s THEN 'recent' ELSE 'old' END"
        credential = (
            f"CASE WHEN i >= %(base)s - {n} THEN (i - %(base)s + {n}) %% 3 "
            f"WHEN i < %(recent)s THEN i %% (%(credentials)s - {stale}) ELSE i %% %(credentials)s END"
        )
        started = (
            f"CASE WHEN i >= %(base)s - {n} THEN now() - ((i - %(base)s + {n}) * 4 + 1) * interval '1 minute' "
            f"WHEN i < %(recent)s THEN now() - (i + 1) * (interval '{recent} days' / %(recent)s) "
            f"ELSE now() - interval '{recent} days' "
            f"- (i - %(recent)s + 1) * (interval '{old} days' / greatest(%(base)s - {n} - %(recent)s, 1)) END"
        )
    return f"""
WITH t AS (
    SELECT i, kind, credential, started_at,
        CASE WHEN kind = 'special' OR abs(hashint8(i)) %% 100 < 4 THEN 'failed'
             WHEN kind = 'recent' AND i %% 2000 = 7 THEN 'running' ELSE 'completed' END AS status,
        30 + (i * 7919) %% 600 AS seconds,
        100 + (i * 131) %% 900 AS processed
    FROM (
        SELECT i, {kind} AS kind, {credential} AS credential, {started} AS started_at
        FROM generate_series(%(first)s::bigint, %(last)s::bigint) AS i
    ) AS s
), r AS (
    SELECT t.*,
        CASE WHEN status = 'completed' THEN
            CASE WHEN credential < 5 THEN processed * 8 / 100 ELSE i %% 3 END ELSE 0 END AS failed
    FROM t
)
INSERT INTO servicetitan_sync_logs (id, credential_id, sync_type, data_type, status, started_at, completed_at,
    records_processed, records_successful, records_failed, error_message, error_details, processing_time_seconds)
SELECT {_uuid(prefix, "i")}, {_uuid(_CREDENTIAL, "credential")},
    CASE WHEN i %% 5 = 0 THEN 'manual' ELSE 'scheduled' END,
    CASE WHEN (i / 7) %% 2 = 0 THEN 'invoices' ELSE 'customers' END,
    status, started_at,
    CASE WHEN status <> 'running' THEN started_at + seconds * interval '1 second' END,
    processed,
    CASE status WHEN 'completed' THEN processed - failed WHEN 'failed' THEN processed / 2 ELSE 0 END,
    failed,
    CASE WHEN status = 'failed' THEN 'ServiceTitan answered HTTP ' || (ARRAY[500, 429, 401])[1 + i %% 3] END,
    CASE WHEN status = 'failed' THEN
        CASE WHEN i %% 2 = 0 THEN jsonb_build_object('endpoint', '/export/invoices',
                                                     'http_status', (ARRAY[500, 429, 401])[1 + i %% 3])
             ELSE jsonb_build_object('exception', 'ReadTimeout') END END,
    CASE WHEN status <> 'running' THEN seconds END
FROM r
ORDER BY i
"""


# One Great Expectations result for one recent completed sync in four; a few credentials score low.
_QUALITY_SQL = f"""
INSERT INTO servicetitan_data_quality_results (id, sync_log_id, credential_id, data_type, suite_name,
    validated_at, total_records, valid_records, invalid_records, score, expectation_results,
    field_completeness, validation_seconds, data_docs_page)
SELECT gen_random_uuid(), l.id, l.credential_id, l.data_type, 'servicetitan_' || l.data_type,
    l.completed_at + interval '1 minute', q.total, q.total - q.invalid, q.invalid,
    round(100.0 * (q.total - q.invalid) / q.total, 2),
    jsonb_build_array(jsonb_build_object('expectation', 'expect_column_values_to_not_be_null', 'column', 'email',
        'description', 'email is filled', 'success', q.invalid = 0, 'unexpected_count', q.invalid)),
    jsonb_build_object('email', 97.5, 'phone', 99.0),
    1.5, 'validations/' || l.id || '.html'
FROM servicetitan_sync_logs AS l
CROSS JOIN LATERAL (
    SELECT l.records_successful AS total,
        CASE WHEN get_byte(uuid_send(l.credential_id), 15) % 50 = 3 THEN l.records_successful / 10 ELSE 0 END
            AS invalid
) AS q
WHERE l.{_id_range(_BASE)}
  AND l.status = 'completed' AND l.started_at >= now() - interval '{RECENT_DAYS} days'
  AND l.records_successful > 0 AND get_byte(uuid_send(l.id), 15) % 4 = 0
"""

# The collector's API figures, hourly over the dashboard's 14 days.
_SNAPSHOTS_SQL = f"""
INSERT INTO servicetitan_metric_snapshots (collected_at, name, value, tags)
SELECT date_trunc('hour', now()) - h * interval '1 hour', n.name, n.value + h % 7, '{{}}'::jsonb
FROM generate_series(0, {RECENT_DAYS * 24 - 1}) AS h
CROSS JOIN (VALUES ('servicetitan.api.response_time_ms', 180.0), ('servicetitan.api.requests', 40.0),
                   ('servicetitan.api.errors', 1.0)) AS n (name, value)
"""


def _volumes_sql(prefix: str) -> str:
    """Each sync-log row of ``prefix``'s range as the collection records it (migration 0013): its resource's
    records new and changed, its newest modifiedOn, and for a completed sync its end and freshness lag."""
    return f"""
INSERT INTO servicetitan_sync_volumes (sync_log_id, resource, credential_id, started_at, records_new,
    records_changed, records_unchanged, newest_modified_on, completed_at, freshness_lag_seconds)
SELECT l.id, CASE WHEN l.data_type::text = 'customers' THEN 'customers' ELSE 'invoices' END, l.credential_id,
    l.started_at, l.records_successful / 3, l.records_successful - l.records_successful / 3, 0,
    l.started_at - interval '20 minutes',
    CASE WHEN l.status = 'completed' THEN l.completed_at END,
    CASE WHEN l.status = 'completed' THEN extract(epoch FROM l.completed_at - l.started_at) + 1200 END
FROM servicetitan_sync_logs AS l
WHERE l.{_id_range(prefix)}
"""


# Each credential's profile of both resources (profiled within the last hour) and 40 fields each, a few of them
# changed within the drift window: the schema-drift rule reads these, whatever the sync log's size.
_PROFILES_SQL = """
INSERT INTO servicetitan_resource_profiles (credential_id, resource, records_profiled, first_profiled_at,
    last_profiled_at, newest_modified_on)
SELECT c.id, r.resource, 100000, now() - interval '60 days',
    now() - (abs(hashtext(c.id::text || r.resource)) % 60) * interval '1 minute', now() - interval '30 minutes'
FROM servicetitan_credentials AS c CROSS JOIN (VALUES ('customers'), ('invoices')) AS r (resource)
"""
_FIELDS_SQL = """
INSERT INTO servicetitan_source_fields (credential_id, resource, field, json_type, first_seen_at, last_seen_at,
    occurrences, records_profiled_at_last_seen)
SELECT p.credential_id, p.resource, 'field' || f,
    CASE WHEN f % 5 = 0 THEN 'string' ELSE 'number' END,
    CASE WHEN f = 40 AND get_byte(uuid_send(p.credential_id), 15) % 25 = 0 THEN now() - interval '2 hours'
         ELSE now() - interval '60 days' END,
    p.last_profiled_at, 90000, 100000
FROM servicetitan_resource_profiles AS p CROSS JOIN generate_series(1, 40) AS f
"""


@dataclass(frozen=True)
class Sizes:
    credentials: int
    base: int  # rows of the small sync log (and the recent part of the large one)
    large: int

    @property
    def recent(self) -> int:
        return (self.base - SPECIAL_FAILURES) * 8 // 10

    @property
    def history(self) -> int:
        return self.large - self.base

    def params(self, **more: int) -> dict[str, int]:
        return {"credentials": self.credentials, "base": self.base, "recent": self.recent, **more}


def _execute(engine: Engine, sql: str, params: dict[str, Any] | None = None) -> None:
    with psycopg.connect(psycopg_conninfo(engine), autocommit=sql.startswith("VACUUM")) as conn:
        conn.execute("SET synchronous_commit = off")
        conn.execute(sql, params)  # type: ignore[arg-type]


def _scalar(engine: Engine, sql: str) -> Any:
    with engine.connect() as conn:
        return conn.execute(sa.text(sql)).scalar_one()


def _count(engine: Engine, sql: str) -> int:
    return int(_scalar(engine, sql))


def _fill_base(engine: Engine, sizes: Sizes) -> None:
    """(Re)write the credentials and the recent activity; history rows are left as they are."""
    with engine.begin() as conn:
        conn.execute(sa.text(f"DELETE FROM servicetitan_sync_logs WHERE {_id_range(_BASE)}"))
        conn.execute(sa.text("DELETE FROM servicetitan_metric_snapshots"))
        conn.execute(sa.text("DELETE FROM servicetitan_source_fields"))
        conn.execute(sa.text("DELETE FROM servicetitan_resource_profiles"))
        conn.execute(sa.text(f"DELETE FROM servicetitan_credentials WHERE NOT ({_id_range(_CREDENTIAL)})"))
    if _count(engine, "SELECT count(*) FROM servicetitan_credentials") != sizes.credentials:
        _execute(engine, _CREDENTIALS_SQL, sizes.params())
    _execute(engine, _sync_logs_sql(history=False), sizes.params(first=0, last=sizes.base - 1))
    _execute(engine, _QUALITY_SQL)
    _execute(engine, _SNAPSHOTS_SQL)
    _execute(engine, _volumes_sql(_BASE))
    _execute(engine, _PROFILES_SQL)
    _execute(engine, _FIELDS_SQL)
    _execute(
        engine,
        "ANALYZE servicetitan_credentials, servicetitan_data_quality_results, servicetitan_metric_snapshots,"
        " servicetitan_sync_volumes, servicetitan_resource_profiles, servicetitan_source_fields",
    )


def _fill_history(engine: Engine, sizes: Sizes, chunk: int = 2_000_000) -> float:
    """The large sync log's history, in a few INSERT ... SELECT statements; returns the seconds it took.

    Into a fresh database: the sync log's secondary indexes are dropped first and built again after (from
    their own definitions), and its triggers do not fire (every credential is there; the credentials' sync
    summaries are computed once at the end, as migration 0008's backfill does).
    """
    started = time.perf_counter()
    with engine.connect() as conn:
        indexes = [
            (name, definition)
            for name, definition in conn.execute(
                sa.text(
                    "SELECT i.indexname, i.indexdef FROM pg_indexes AS i "
                    "WHERE i.tablename = 'servicetitan_sync_logs' AND NOT EXISTS "
                    "(SELECT 1 FROM pg_constraint AS c WHERE c.conname = i.indexname)"
                )
            )
        ]
    for name, _ in indexes:
        _execute(engine, f'DROP INDEX "{name}"')
    with psycopg.connect(psycopg_conninfo(engine)) as conn:
        conn.execute("SET synchronous_commit = off")
        conn.execute("SET session_replication_role = replica")
        for first in range(0, sizes.history, chunk):
            last = min(first + chunk, sizes.history) - 1
            params = sizes.params(first=first, last=last, history=sizes.history)
            conn.execute(_sync_logs_sql(history=True), params)  # type: ignore[arg-type]
            conn.commit()
        conn.execute(_volumes_sql(_HISTORY))  # type: ignore[arg-type]
        conn.commit()
    with psycopg.connect(psycopg_conninfo(engine), autocommit=True) as conn:
        conn.execute("SET maintenance_work_mem = '256MB'")
        for _, definition in indexes:
            conn.execute(definition)  # type: ignore[arg-type]
        # The summary, rebuilt as migration 0008 backfilled it (the triggers were off during the bulk load).
        conn.execute(migration_sql("0008_credential_sync_summary", "upsert_credential_sync_summaries"))
        conn.execute(
            "VACUUM ANALYZE servicetitan_sync_logs, servicetitan_credential_sync_summary, servicetitan_sync_volumes"
        )
    return time.perf_counter() - started


def _vacuum(engine: Engine) -> None:
    """Both sync logs (and the summaries their triggers rewrote) in the same state after the recent rows were
    rewritten: statistics, visibility map."""
    _execute(
        engine, "VACUUM ANALYZE servicetitan_sync_logs, servicetitan_credential_sync_summary, servicetitan_sync_volumes"
    )


def _history_rows(engine: Engine) -> int:
    return _count(engine, f"SELECT count(*) FROM servicetitan_sync_logs WHERE {_id_range(_HISTORY)}")


# -- the databases -----------------------------------------------------------------------------------------


def _large_engine(engine: Engine, large: int) -> Engine:
    """The large sync log's database next to ``engine``'s, created and migrated to head if need be."""
    name = f"{engine.url.database}_monitoring_{large}"
    with psycopg.connect(psycopg_conninfo(engine), autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is None:
            conn.execute(f'CREATE DATABASE "{name}"')  # type: ignore[arg-type]
    large_engine = sa.create_engine(engine.url.set(database=name), pool_size=2, max_overflow=2)
    if not migrate.is_up_to_date(large_engine):
        migrate.upgrade(large_engine)
    return large_engine


def _drop_database(engine: Engine, large_engine: Engine) -> None:
    large_engine.dispose()
    with psycopg.connect(psycopg_conninfo(engine), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{large_engine.url.database}" WITH (FORCE)')  # type: ignore[arg-type]


# -- the checks --------------------------------------------------------------------------------------------


@dataclass
class Target:
    engine: Engine
    conn: psycopg.Connection[Any]  # autocommit: each check sees now() of its own


Check = Callable[[Target], object]


def _rule(function: Callable[[psycopg.Connection[Any], AlertSettings], object]) -> Check:
    settings = AlertSettings()
    return lambda target: function(target.conn, settings)


def _anomaly_rule(name: str) -> Check:
    """One anomaly rule, as a monitor run calls it: a fresh run (no shared query) at the clock's now. Its history
    is RECENT_DAYS, the window in which both databases hold the same activity: the rules' cost follows the
    rows in their window (see docs/benchmarks.md), and this benchmark measures the sync log's size."""
    from datetime import UTC, datetime

    from servicetitan_pipeline.anomalies.rules import AnomalyRules
    from servicetitan_pipeline.anomalies.settings import AnomalySettings

    settings, anomaly = AlertSettings(), AnomalySettings(history_days=RECENT_DAYS)
    return lambda target: getattr(AnomalyRules(anomaly, datetime.now(UTC)), name)(target.conn, settings)


def _sql(name: str, **params: Any) -> Check:
    return lambda target: target.conn.execute(load_sql(name), params).fetchall()


def _health(name: str) -> Check:
    from servicetitan_pipeline.monitoring.health import ServiceTitanHealthCheck

    def check(target: Target) -> object:
        return getattr(ServiceTitanHealthCheck(target.engine, authenticate=lambda _: None), f"check_{name}")()

    return check


def _collector(target: Target) -> object:
    from benchmarks.world import NullMetrics
    from servicetitan_pipeline.monitoring.metrics_collector import ServiceTitanMetricsCollector

    return ServiceTitanMetricsCollector(target.engine, NullMetrics()).collect()


def _dashboard_query(name: str) -> Check:
    from datetime import UTC, datetime

    def check(target: Target) -> object:
        from servicetitan_pipeline.monitoring.dashboard import DashboardFilter, query_params

        # As the page asks them: its default 14 days, every credential and data type.
        params = query_params(DashboardFilter.from_query(datetime.now(UTC), 14))
        with target.engine.connect() as conn:
            return conn.execute(sa.text(load_sql(name)), params).all()

    return check


def _load_dashboard(target: Target) -> object:
    from servicetitan_pipeline.monitoring.dashboard import load_dashboard

    return load_dashboard(target.engine)


def checks() -> dict[str, tuple[Check, str]]:
    """Name -> (check, note): every monitoring query the project runs."""
    all_rules = {**rules.FIFTEEN_MINUTE_RULES, **rules.SIX_HOUR_RULES}
    found: dict[str, tuple[Check, str]] = {}
    for name, function in all_rules.items():
        if name == "api_unreachable":
            found[f"rule {name}"] = (
                _sql("alerts/select_api_check_sample", sample_size=AlertSettings().api_sample_size),
                "its SQL only (no token request)",
            )
        else:
            found[f"rule {name}"] = (_rule(function), "")
    for name in ("volume_anomaly", "freshness_anomaly", "schema_drift", "daily_volume_anomaly"):
        found[f"rule {name}"] = (_anomaly_rule(name), f"history_days={RECENT_DAYS}")
    found["sweep overdue running syncs"] = (
        _sql("alerts/select_overdue_running_syncs", timeout_minutes=AlertSettings().running_timeout_minutes),
        "the query only (closing takes locks)",
    )
    found["6-hour digest"] = (_sql("alerts/select_sync_digest", window_hours=6), "")
    found["health credentials"] = (_health("credentials"), "")
    found["health api_connectivity"] = (_health("api_connectivity"), "sample query; no-op authentication")
    found["health recent_syncs"] = (_health("recent_syncs"), "")
    found["health system_resources"] = (_health("system_resources"), "with its disk and memory probes")
    found["metrics collector"] = (_collector, "collect(): its 3 queries")
    for query in (
        "monitoring/select_dashboard_sync_daily",
        "monitoring/select_dashboard_credential_health",
        "monitoring/select_dashboard_api",
        "monitoring/select_dashboard_data_quality",
        "monitoring/select_dashboard_latest_data_quality",
    ):
        found[f"dashboard {query.removeprefix('monitoring/select_dashboard_')}"] = (_dashboard_query(query), "")
    found["dashboard load_dashboard"] = (_load_dashboard, "all five queries")
    return found


def _measure(small: Engine, large: Engine, repeats: int) -> dict[str, tuple[float, float]]:
    """Name -> (median seconds on the small sync log, on the large one). The two alternate, run by run, so
    that the machine's load of the moment weighs on both alike; one warm-up run each first (plans, caches),
    as in a monitor that runs every few minutes."""
    with (
        psycopg.connect(psycopg_conninfo(small), autocommit=True) as small_conn,
        psycopg.connect(psycopg_conninfo(large), autocommit=True) as large_conn,
    ):
        targets = (Target(small, small_conn), Target(large, large_conn))
        medians = {}
        for name, (check, _note) in checks().items():
            runs: tuple[list[float], list[float]] = ([], [])
            for target in targets:
                check(target)
            for _ in range(repeats):
                for target, times in zip(targets, runs, strict=True):
                    began = time.perf_counter()
                    check(target)
                    times.append(time.perf_counter() - began)
            medians[name] = (statistics.median(runs[0]), statistics.median(runs[1]))
        return medians


# -- the benchmark -----------------------------------------------------------------------------------------


def run(
    records: int = 10_000_000,
    *,
    small: int = 10_000,
    credentials: int = 500,
    repeats: int = 5,
    engine: Engine | None = None,
    keep_large_database: bool = True,
) -> dict[str, Any]:
    """``records``: rows of the large sync log; ``small``: of the small one (and the recent part of both)."""
    if engine is None:
        from benchmarks.world import prepare_bench_environment

        engine = prepare_bench_environment()
    sizes = Sizes(credentials=credentials, base=small, large=records)
    large_engine = _large_engine(engine, records)
    try:
        _fill_base(engine, sizes)
        _vacuum(engine)
        history = _history_rows(large_engine)
        credentials_held = _count(large_engine, "SELECT count(*) FROM servicetitan_credentials")
        version = _scalar(
            large_engine,
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = current_database()",
        )
        fill_seconds: float | None = None
        if history != sizes.history or credentials_held != sizes.credentials or version != DATA_VERSION:
            # Generated into a database of its own, made afresh: a fill cut short leaves nothing behind.
            _drop_database(engine, large_engine)
            large_engine = _large_engine(engine, records)
            _fill_base(large_engine, sizes)
            fill_seconds = _fill_history(large_engine, sizes)
            _execute(large_engine, f"COMMENT ON DATABASE \"{large_engine.url.database}\" IS '{DATA_VERSION}'")
        else:
            _fill_base(large_engine, sizes)
            _vacuum(large_engine)
        small_rows = _count(engine, "SELECT count(*) FROM servicetitan_sync_logs")
        large_rows = _count(large_engine, "SELECT count(*) FROM servicetitan_sync_logs")
        times = _measure(engine, large_engine, repeats)
    finally:
        if keep_large_database:
            large_engine.dispose()
        else:
            _drop_database(engine, large_engine)
    notes = {name: note for name, (_check, note) in checks().items()}
    figures = {}
    table = []
    for name, (small_seconds, large_seconds) in times.items():
        ratio = large_seconds / small_seconds if small_seconds else float("inf")
        met = ratio <= GOAL_RATIO
        figures[name] = {
            "small_ms": round(small_seconds * 1000, 3),
            "large_ms": round(large_seconds * 1000, 3),
            "ratio": round(ratio, 2),
            "goal_met": met,
        }
        note = f"{'met' if met else 'NOT met'}{'; ' + notes[name] if notes[name] else ''}"
        table.append([f"{name} (ms: {small_seconds * 1000:.1f} -> {large_seconds * 1000:.1f})", f"{ratio:.2f}", note])
    fill_note = (
        f"{fill_seconds:.0f} s (generated this run)" if fill_seconds is not None else "reused from an earlier run"
    )
    return {
        "name": "monitoring_queries",
        "small_rows": small_rows,
        "large_rows": large_rows,
        "credentials": credentials,
        "repeats": repeats,
        "goal": f"large / small query time <= {GOAL_RATIO}",
        "goal_met": all(figure["goal_met"] for figure in figures.values()),
        "fill_seconds": None if fill_seconds is None else round(fill_seconds, 1),
        "checks": figures,
        "rows": [
            [
                f"sync-log rows: small / large (ratio column: median time large / small, goal <= {GOAL_RATIO:g})",
                f"{small_rows:,} / {large_rows:,}",
                "",
            ],
            [f"fill of the large history ({sizes.history:,} rows, with indexes and VACUUM)", "", fill_note],
            *table,
        ],
    }
