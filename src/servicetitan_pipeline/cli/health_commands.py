"""``servicetitan health``: the health report on the command line.

Exit status: 0 healthy, 1 degraded, 2 unhealthy, so scripts and probes can tell a warning from an outage.
"""

from __future__ import annotations

import argparse

from servicetitan_pipeline.cli.output import print_json

EXIT_CODES = {"healthy": 0, "degraded": 1, "unhealthy": 2}


def register(groups: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    health = groups.add_parser(
        "health",
        help="check credentials, ServiceTitan, recent syncs and resources (exit 0 healthy, 1 degraded, 2 unhealthy)",
        description=(
            "Run the pipeline's health check and print its report. Exit status: 0 healthy, 1 degraded, 2 unhealthy."
        ),
    )
    health.add_argument("--json", action="store_true", help="print the report as JSON")
    health.add_argument(
        "--api-timeout", type=float, default=10.0, help="seconds the ServiceTitan token probe may take (default 10)"
    )
    health.set_defaults(handler=_health)


def _health(args: argparse.Namespace) -> int:
    from servicetitan_pipeline.airflow_variables import ServerSettings
    from servicetitan_pipeline.alerts import settings
    from servicetitan_pipeline.monitoring.health import ServiceTitanHealthCheck

    # The alert rules' thresholds; an invalid Variable gives the defaults here and is the settings check's finding.
    alerts, _problem = ServerSettings(settings.AlertSettings, settings.VARIABLE).get()
    report = ServiceTitanHealthCheck.configured(alerts, api_timeout_seconds=args.api_timeout).run()
    if args.json:
        print_json(report.as_dict())
    else:
        print(f"overall: {report.status.value}")
        for name, check in report.checks.items():
            print(f"  {name}: {check.status.value}")
            for problem in check.problems:
                print(f"    - {problem}")
    return EXIT_CODES[report.status.value]
