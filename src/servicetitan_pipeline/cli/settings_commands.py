"""``servicetitan settings``: the settings Variables (docs/operations.md, "Settings")."""

from __future__ import annotations

import argparse


def register(groups: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    settings = groups.add_parser("settings", help="the settings Variables (thresholds, retention, batches)")
    commands = settings.add_subparsers(dest="command", required=True, metavar="COMMAND")
    upgrade = commands.add_parser(
        "upgrade-variables",
        help="move the per-field Variables of an earlier version into the settings Variables",
        description=(
            "Each Variable such as servicetitan_alert_failure_threshold in Airflow's metadata database becomes a "
            "field of its settings Variable (servicetitan_alert_settings), its value winning over the field's "
            "there (it is what applied before the upgrade), and is deleted. A value its setting cannot take is "
            "left in place and named. AIRFLOW_VAR_* environment variables are named, not changed."
        ),
    )
    upgrade.set_defaults(handler=_upgrade_variables)


def _upgrade_variables(args: argparse.Namespace) -> int:
    from servicetitan_pipeline.airflow_variables import upgrade_legacy_variables

    try:
        result = upgrade_legacy_variables()
    except ValueError as exc:  # a settings Variable that does not parse: fixed by hand first
        print(f"nothing moved: {exc}")
        return 1
    for line in result.moved:
        print(f"moved {line}")
    for line in result.refused:
        print(f"not moved: {line}")
    for name in result.in_environment:
        print(f"set in the environment, not changed: {name} (write its value into the settings Variable's JSON)")
    if not (result.moved or result.refused or result.in_environment):
        print("no Variable of the earlier per-field form: nothing to move")
    return 1 if result.refused else 0
