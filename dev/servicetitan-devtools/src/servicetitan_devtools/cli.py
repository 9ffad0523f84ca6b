"""``servicetitan dev``: the local environment behind ``make run``, ``make demo`` and ``make test``."""

from __future__ import annotations

import argparse
import contextlib
from pathlib import Path

from servicetitan_devtools.dev_environment import PROFILES, DevEnvironment, shell_exports
from servicetitan_devtools.local_airflow import API_HOST, SANDBOX_PORT
from servicetitan_devtools.slack_receiver import DEFAULT_PORT as SLACK_PORT


def register(groups: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    dev = groups.add_parser("dev", help="local development environment (embedded PostgreSQL, Airflow home)")
    commands = dev.add_subparsers(dest="command", required=True, metavar="COMMAND")

    env = commands.add_parser("env", help="prepare the environment and print it as shell exports")
    env.add_argument("--profile", choices=PROFILES, default="local")
    env.set_defaults(handler=_env)

    settings = commands.add_parser("import-settings", help="import airflow_settings.yaml into Airflow")
    settings.add_argument("file", type=Path, nargs="?", default=Path("airflow_settings.yaml"))
    settings.set_defaults(handler=_import_settings)

    demo = groups.add_parser("demo", help="run the demo on the local environment (what `make demo` does)")
    demo.set_defaults(handler=_demo)

    run = commands.add_parser("run", help="Airflow standalone in the demo's world, until Ctrl-C (`make run`)")
    run.add_argument("--profile", choices=PROFILES, default="local")
    run.add_argument("--sandbox-port", type=int, default=SANDBOX_PORT, help="0 = any free port (default %(default)s)")
    run.add_argument("--slack-port", type=int, default=SLACK_PORT, help="0 = any free port (default %(default)s)")
    run.add_argument(
        "--host",
        default=API_HOST,
        help="address the Airflow UI (API server) listens on (default %(default)s: this machine only); "
        "0.0.0.0 exposes the UI, whose login is admin / admin, to every network this machine is on",
    )
    run.add_argument("--airflow-log", type=Path, help="write Airflow's output here instead of the terminal")
    run.set_defaults(handler=_run)

    postgres = commands.add_parser("postgres", help="start or stop the embedded PostgreSQL")
    postgres.add_argument("action", choices=["start", "stop", "status"])
    postgres.set_defaults(handler=_postgres)


def _env(args: argparse.Namespace) -> int:
    print(shell_exports(DevEnvironment(args.profile).prepare()))
    return 0


def _import_settings(args: argparse.Namespace) -> int:
    from servicetitan_devtools.airflow_settings import import_settings

    for line in import_settings(args.file):
        print(line)
    return 0


def _demo(args: argparse.Namespace) -> int:
    from servicetitan_devtools.demo import run_demo

    run_demo()
    return 0


def _run(args: argparse.Namespace) -> int:
    from servicetitan_devtools.local_airflow import run_local_airflow

    with contextlib.ExitStack() as stack:
        log = stack.enter_context(args.airflow_log.open("a")) if args.airflow_log else None
        return run_local_airflow(
            args.profile,
            sandbox_port=args.sandbox_port,
            slack_port=args.slack_port,
            api_host=args.host,
            airflow_output=log,
        )


def _postgres(args: argparse.Namespace) -> int:
    server = DevEnvironment().embedded_postgres
    if args.action == "start":
        server.start()
    elif args.action == "stop":
        server.stop()
    print(f"embedded PostgreSQL at {server.url()}: {'running' if server.is_running() else 'stopped'}")
    return 0
