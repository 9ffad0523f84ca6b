"""The alert rules: each reads the database (queries in include/sql/alerts) and returns the conditions it finds,
with the subjects it judged: all of them when its query reads every active credential, else (a time
window, a sample) only those it had evidence about, so that nothing it did not look at is resolved."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import psycopg
from psycopg.rows import dict_row

from servicetitan_pipeline.airflow_ui import airflow_base_url
from servicetitan_pipeline.alerts.conditions import HIGH, MEDIUM, Condition, Evaluation
from servicetitan_pipeline.alerts.settings import AlertSettings
from servicetitan_pipeline.alerts.slack_text import reason
from servicetitan_pipeline.data_quality.locations import data_docs_link_text, data_docs_url
from servicetitan_pipeline.sql_files import load_sql

log = logging.getLogger("servicetitan_pipeline.alerts")


def _rows(conn: psycopg.Connection[Any], name: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    with conn.cursor(row_factory=dict_row) as cursor:
        cursor.execute(load_sql(name), params)
        return cursor.fetchall()


def _subject(row: dict[str, Any]) -> str:
    return f"{row['environment']}:{row['tenant_id']}"


def repeated_failures(conn: psycopg.Connection[Any], settings: AlertSettings) -> Evaluation:
    # Every active credential is judged: one with fewer failures in the window (or none) has cleared.
    rows = _rows(
        conn,
        "alerts/select_repeated_failures",
        {"threshold": settings.failure_threshold, "window_minutes": settings.failure_window_minutes},
    )
    conditions = [
        Condition(
            rule="repeated_failures",
            severity=HIGH,
            credential_id=row["credential_id"],
            subject=_subject(row),
            company=row["company_name"],
            environment=row["environment"],
            summary=f"{row['failures']} failed syncs in the last {settings.failure_window_minutes} minutes",
            action="Open the failed runs' logs; the latest error below usually says what to fix.",
            numbers={"failures": row["failures"], "latest_error": reason(row["latest_error"])},
        )
        for row in rows
    ]
    return Evaluation.of_every_subject(conditions)


def credential_errors(conn: psycopg.Connection[Any], settings: AlertSettings) -> Evaluation:
    rows = conn.execute(load_sql("alerts/select_credentials_in_error")).fetchall()
    conditions = [
        Condition(
            rule="credential_error",
            severity=HIGH,
            credential_id=row[0],
            subject=f"{row[2]}:{row[3]}",
            company=row[1],
            environment=row[2],
            summary=f"ServiceTitan refuses this credential: {reason(row[4]) or 'no error recorded'}",
            action="Check the client secret and app key in the credential's Airflow connection (rotated? revoked?).",
        )
        for row in rows
    ]
    return Evaluation.of_every_subject(conditions)


def expiring_secrets(conn: psycopg.Connection[Any], settings: AlertSettings) -> Evaluation:
    horizon = datetime.now(UTC) + timedelta(days=settings.secret_expiry_days)
    rows = conn.execute(load_sql("alerts/select_expiring_client_secrets"), {"horizon": horizon}).fetchall()
    conditions = []
    for row in rows:
        days = (row[4] - datetime.now(UTC)).total_seconds() / 86400
        expired = days <= 0
        conditions.append(
            Condition(
                rule="secret_expiring",
                severity=HIGH if expired else MEDIUM,
                credential_id=row[0],
                subject=f"{row[2]}:{row[3]}",
                company=row[1],
                environment=row[2],
                summary="the client secret has expired" if expired else f"the client secret expires in {days:.1f} days",
                action="Create a new client secret in ServiceTitan; put it in the credential's Airflow connection.",
                numbers={"expires_at": row[4].isoformat()},
            )
        )
    return Evaluation.of_every_subject(conditions)


def stale_syncs(conn: psycopg.Connection[Any], settings: AlertSettings) -> Evaluation:
    rows = _rows(conn, "alerts/select_stale_sync_alerts", {"stale_hours": settings.stale_sync_hours})
    conditions = [
        Condition(
            rule="stale_sync",
            severity=MEDIUM,
            credential_id=row["credential_id"],
            subject=_subject(row),
            company=row["company_name"],
            environment=row["environment"],
            summary=f"no successful sync in {settings.stale_sync_hours} hours",
            action="Check that servicetitan_sync runs (paused? failing?) and look at this credential's last errors.",
            numbers={"last_success_at": row["last_success_at"].isoformat() if row["last_success_at"] else "never"},
        )
        for row in rows
    ]
    return Evaluation.of_every_subject(conditions)


def data_quality(conn: psycopg.Connection[Any], settings: AlertSettings) -> Evaluation:
    # Judged: the credentials with records processed in the window; one with none there has no new evidence.
    rows = _rows(
        conn,
        "alerts/select_failed_record_rates",
        {"window_hours": settings.quality_window_hours, "max_failed_percent": settings.max_failed_record_percent},
    )
    conditions = [
        Condition(
            rule="data_quality",
            severity=MEDIUM,
            credential_id=row["credential_id"],
            subject=_subject(row),
            company=row["company_name"],
            environment=row["environment"],
            summary=f"{row['failed_percent']}% of records failed validation in {settings.quality_window_hours} h",
            action="Look at error_details.failed_records of the recent sync-log rows to see which fields break.",
            numbers={"processed": int(row["processed"]), "failed": int(row["failed"])},
        )
        for row in rows
        if row["above_threshold"]
    ]
    return Evaluation.of_subjects(conditions, (_subject(row) for row in rows))


def data_quality_score(conn: psycopg.Connection[Any], settings: AlertSettings) -> Evaluation:
    """The Great Expectations verdict on what was loaded, per credential and data type; ``data_quality``
    above covers the records that broke the schema and never loaded. Judged: the credentials and data types
    validated within the window."""
    rows = _rows(
        conn,
        "alerts/select_low_data_quality_scores",
        {"window_hours": settings.quality_window_hours, "min_score": settings.min_data_quality_score},
    )
    base_url = airflow_base_url()
    conditions = []
    for row in rows:
        if not row["below_threshold"]:
            continue
        score = float(row["score"])
        docs_url = data_docs_url(quote(row["data_docs_page"]) if row["data_docs_page"] else None, base_url=base_url)
        docs_link = _slack_text(data_docs_link_text(row["data_docs_page"], row["docs_page_syncs"], row["tenant_id"]))
        worst = ", ".join(
            f"{_slack_text(result.get('description') or result.get('expectation') or '?')} "
            f"({int(result.get('unexpected_count') or 0)} records)"
            for result in _worst_expectations(row["expectation_results"])
        )
        conditions.append(
            Condition(
                rule="data_quality_score",
                severity=MEDIUM,
                credential_id=row["credential_id"],
                subject=_quality_subject(row),
                company=row["company_name"],
                environment=row["environment"],
                summary=(
                    f"{row['data_type']} data-quality score {score:.2f}% is below the "
                    f"{settings.min_data_quality_score:g}% threshold"
                ),
                action=(
                    "Fix the failing expectations with the most unexpected records: "
                    f"{worst or 'none records any (a table-level expectation failed)'}. "
                    f"Details and sample records: <{docs_url}|{docs_link}>."
                ),
                numbers={
                    "score": score,
                    "threshold": settings.min_data_quality_score,
                    "records": int(row["total_records"]),
                    "invalid": int(row["invalid_records"]),
                },
            )
        )
    return Evaluation.of_subjects(conditions, (_quality_subject(row) for row in rows))


def _quality_subject(row: dict[str, Any]) -> str:
    # Data type first: customers and invoices alert apart, and a silence of the credential
    # (glob ``*:environment:tenant``) still matches the key.
    return f"{row['data_type']}:{_subject(row)}"


def _worst_expectations(results: list[dict[str, Any]], limit: int = 3) -> list[dict[str, Any]]:
    failed = [result for result in results or [] if not result.get("success")]
    return sorted(failed, key=lambda result: int(result.get("unexpected_count") or 0), reverse=True)[:limit]


def _slack_text(text: str) -> str:
    """Slack mrkdwn reads <, > and & as markup (links, mentions): escaped as Slack asks."""
    return _trim(text, 120).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def api_connectivity(conn: psycopg.Connection[Any], settings: AlertSettings) -> Evaluation:
    """Ask for a token on a sample of active credentials (those whose alert fires first, then a random few).
    Judged: the credentials whose check came to a verdict; the others keep their alerts' state."""
    from servicetitan_pipeline.servicetitan.errors import BadCredentialsError, MissingPermissionError, ServiceTitanError
    from servicetitan_pipeline.servicetitan.hook import ConnectionConfigError, ServiceTitanHook

    rows = conn.execute(
        load_sql("alerts/select_api_check_sample"),
        {"sample_size": settings.api_sample_size},
    ).fetchall()
    conditions = []
    judged = []
    for row in rows:
        subject = f"{row[2]}:{row[3]}"
        try:
            ServiceTitanHook(row[4]).client.authenticate()
        except (ServiceTitanError, ConnectionConfigError) as exc:
            # ServiceTitan answered and said no: the credential, not the API, is what to fix. The alert keeps
            # its key (its history and silences), but says what happened; credential_error inhibits it.
            refused = isinstance(exc, BadCredentialsError | MissingPermissionError | ConnectionConfigError)
            conditions.append(
                Condition(
                    rule="api_unreachable",
                    severity=HIGH,
                    credential_id=row[0],
                    subject=subject,
                    company=row[1],
                    environment=row[2],
                    title="credentials refused (API check)" if refused else "ServiceTitan API unreachable",
                    summary=(
                        f"ServiceTitan refused a token for this credential: {reason(exc)}"
                        if refused
                        else f"ServiceTitan did not answer a token request: {reason(exc)}"
                    ),
                    action=(
                        "Check the client id, client secret and app key in the credential's Airflow connection."
                        if refused
                        else "Check ServiceTitan's status page and this worker's network; it retries next run."
                    ),
                )
            )
        except Exception:
            # Not a verdict on ServiceTitan: this credential counts as not checked.
            log.exception("%s (%s): the API check itself broke; its alert keeps its state", row[1], subject)
            continue
        judged.append(subject)
    return Evaluation.of_subjects(conditions, judged)


def _trim(text: str | None, limit: int = 300) -> str:
    if not text:
        return ""
    return text if len(text) <= limit else text[: limit - 1] + "…"


FIFTEEN_MINUTE_RULES = {"repeated_failures": repeated_failures}
SIX_HOUR_RULES = {
    "credential_error": credential_errors,
    "secret_expiring": expiring_secrets,
    "stale_sync": stale_syncs,
    "data_quality": data_quality,
    "data_quality_score": data_quality_score,
    "api_unreachable": api_connectivity,
}
