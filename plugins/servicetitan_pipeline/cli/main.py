"""Entry point of the ``servicetitan`` console script."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from servicetitan_pipeline.cli import credentials_commands, db_commands, dev_commands, health_commands, sandbox_commands

EXIT_BAD_INPUT = 2


class CommandError(Exception):
    """A command failed in a way the user can act on; the message says how."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="servicetitan",
        description="Manage the ServiceTitan to PostgreSQL sync: database, credentials, local environment.",
    )
    groups = parser.add_subparsers(dest="group", required=True, metavar="COMMAND")
    db_commands.register(groups)
    credentials_commands.register(groups)
    dev_commands.register(groups)
    sandbox_commands.register(groups)
    health_commands.register(groups)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except credentials_commands.USER_ERRORS as exc:
        problems = getattr(exc, "problems", [str(exc)])
        for problem in problems:
            print(f"error: {problem}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
