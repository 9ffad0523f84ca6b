"""Entry point of the ``servicetitan`` console script."""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Sequence
from importlib.metadata import entry_points

from servicetitan_pipeline.alerts.silences import SilenceInputError
from servicetitan_pipeline.cli import (
    alerts_commands,
    credentials_commands,
    data_quality_commands,
    db_commands,
    health_commands,
    settings_commands,
)
from servicetitan_pipeline.cli.output import json_only_stdout, neutralised_output

EXIT_BAD_INPUT = 2
# Other distributions add command groups here: the dev tooling adds `sandbox`, `demo` and `dev`, which a
# deployment (the runtime package alone) never installs.
COMMAND_GROUPS = "servicetitan_pipeline.cli"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="servicetitan",
        description="Manage the ServiceTitan to PostgreSQL sync: database, credentials, alerts, data quality.",
    )
    groups = parser.add_subparsers(dest="group", required=True, metavar="COMMAND")
    db_commands.register(groups)
    credentials_commands.register(groups)
    health_commands.register(groups)
    alerts_commands.register(groups)
    data_quality_commands.register(groups)
    settings_commands.register(groups)
    for group in sorted(entry_points(group=COMMAND_GROUPS), key=lambda entry: entry.name):
        group.load()(groups)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    with neutralised_output():
        return _run(argv)


def _run(argv: Sequence[str] | None) -> int:
    args = build_parser().parse_args(argv)
    try:
        with json_only_stdout() if getattr(args, "json", False) else contextlib.nullcontext():
            return int(args.handler(args) or 0)
    except (*credentials_commands.USER_ERRORS, SilenceInputError) as exc:
        problems = getattr(exc, "problems", [str(exc)])
        for problem in problems:
            print(f"error: {problem}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
