"""``servicetitan db``: migrate the project's tables."""

from __future__ import annotations

import argparse

from servicetitan_pipeline.db import migrate
from servicetitan_pipeline.db.engine import get_engine


def register(groups: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    db = groups.add_parser("db", help="migrate the project's tables in the servicetitan_db database")
    commands = db.add_subparsers(dest="command", required=True, metavar="COMMAND")

    upgrade = commands.add_parser("upgrade", help="apply migrations up to a revision (default: the latest)")
    upgrade.add_argument("--revision", default="head")
    upgrade.add_argument("--quiet", action="store_true", help="print nothing when already up to date")
    upgrade.set_defaults(handler=_upgrade)

    downgrade = commands.add_parser("downgrade", help="revert migrations (default: the latest one)")
    downgrade.add_argument("--revision", default="-1", help="target revision, '-1' for one step, 'base' for all")
    downgrade.set_defaults(handler=_downgrade)

    current = commands.add_parser("current", help="show the applied revision")
    current.set_defaults(handler=_current)


def _upgrade(args: argparse.Namespace) -> int:
    engine = get_engine()
    before = migrate.current_revision(engine)
    migrate.upgrade(engine, args.revision)
    after = migrate.current_revision(engine)
    if before != after or not args.quiet:
        print(f"servicetitan tables: revision {before or 'none'} -> {after or 'none'}")
    return 0


def _downgrade(args: argparse.Namespace) -> int:
    engine = get_engine()
    before = migrate.current_revision(engine)
    migrate.downgrade(engine, args.revision)
    print(f"servicetitan tables: revision {before or 'none'} -> {migrate.current_revision(engine) or 'none'}")
    return 0


def _current(args: argparse.Namespace) -> int:
    engine = get_engine()
    current = migrate.current_revision(engine)
    head = migrate.head_revision()
    state = "up to date" if current == head else f"latest is {head}: run `servicetitan db upgrade`"
    print(f"servicetitan tables: revision {current or 'none'} ({state})")
    return 0
