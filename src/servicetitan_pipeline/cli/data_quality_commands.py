"""``servicetitan data-quality``: validate what syncs loaded now, and read the latest scores."""

from __future__ import annotations

import argparse
import logging

from servicetitan_pipeline.cli.output import format_table


def register(groups: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    group = groups.add_parser("data-quality", help="Great Expectations scores of what the syncs loaded")
    commands = group.add_subparsers(dest="command", required=True, metavar="SUBCOMMAND")
    validate = commands.add_parser(
        "validate",
        help="validate every finished sync whose records are not validated yet (servicetitan_sync does this too)",
    )
    validate.add_argument("--no-docs", action="store_true", help="skip building the data docs")
    validate.set_defaults(handler=_validate)
    scores = commands.add_parser("scores", help="the latest score of each credential and data type")
    scores.set_defaults(handler=_scores)
    docs = commands.add_parser("docs", help="print where the data docs are on disk and under Airflow")
    docs.set_defaults(handler=_docs)


def _validate(args: argparse.Namespace) -> int:
    from servicetitan_pipeline.data_quality.report import format_score
    from servicetitan_pipeline.data_quality.runner import DataQualityValidationError, validate_pending_syncs

    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        reports = validate_pending_syncs(build_docs=not args.no_docs)
    except DataQualityValidationError as exc:
        print(f"error: {exc}")
        return 1
    if not reports:
        print("nothing to validate: every finished sync's records are validated")
    for report in reports:
        counts = (
            f"{report.invalid_records} of {report.total_records} records invalid"
            if report.total_records
            else "none of the records it loaded is in the table any more"
        )
        print(f"{report.label} {report.batch.data_type}: {format_score(report.score)} ({counts})")
    return 0


def _scores(args: argparse.Namespace) -> int:
    import sqlalchemy as sa

    from servicetitan_pipeline.data_quality.report import format_score
    from servicetitan_pipeline.db.engine import get_engine
    from servicetitan_pipeline.sql_files import load_sql

    with get_engine().connect() as conn:
        rows = conn.execute(sa.text(load_sql("data_quality/select_latest_data_quality_results"))).all()
    if not rows:
        print("no data-quality results yet: run servicetitan_sync (or `servicetitan data-quality validate`)")
        return 0
    table = []
    for row in rows:
        failing = sorted((o for o in row.expectation_results if not o["success"]), key=lambda o: -o["unexpected_count"])
        table.append(
            [
                f"{row.company_name} ({row.environment}, tenant {row.tenant_id})",
                row.data_type,
                format_score(row.score),
                f"{row.invalid_records} / {row.total_records}",
                row.validated_at.strftime("%Y-%m-%d %H:%M UTC"),
                "; ".join(o["description"] for o in failing[:2]) or "-",
            ]
        )
    print(format_table(["CREDENTIAL", "DATA", "SCORE", "INVALID", "VALIDATED", "FAILING"], table))
    return 0


def _docs(args: argparse.Namespace) -> int:
    from servicetitan_pipeline.airflow_ui import airflow_base_url
    from servicetitan_pipeline.data_quality.locations import data_docs_dir, data_docs_url

    print(f"on disk:       {data_docs_dir() / 'index.html'}")
    print(f"under Airflow: {data_docs_url(base_url=airflow_base_url())} (behind Airflow's login)")
    return 0
