"""``make run``: Airflow standalone (scheduler, DAG processor, triggerer and API server in one command) with
this project loaded, in the demo's world (sandbox tenants, Slack receiver, credentials onboarded), until
Ctrl-C. The browser tests start it the same way, on a profile and ports of their own."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import IO

from servicetitan_devtools.dev_environment import PROJECT_ROOT, DevEnvironment
from servicetitan_devtools.slack_receiver import DEFAULT_PORT as SLACK_PORT

SANDBOX_PORT = 8899  # fixed, so that the onboarded credentials' base URL stays right from run to run
# This machine only: the local UI logs in as admin / admin. Airflow's own default is 0.0.0.0.
API_HOST = "127.0.0.1"
_EVERY_INTERFACE = ("0.0.0.0", "::")  # noqa: S104 - recognised, not bound, here
_LOOPBACK = (API_HOST, "localhost", "::1")
STOP_SECONDS = 30


def run_local_airflow(
    profile: str = "local",
    *,
    sandbox_port: int = SANDBOX_PORT,
    slack_port: int = SLACK_PORT,
    api_host: str = API_HOST,
    settings_file: Path = PROJECT_ROOT / "airflow_settings.yaml",
    airflow_output: IO[str] | None = None,
    say: Callable[[str], None] = print,
) -> int:
    """Prepare ``profile``, import the settings, start the demo's world and ``airflow standalone`` (its
    output to ``airflow_output``, else this terminal); return its exit status once it stops."""
    env = DevEnvironment(profile).prepare()
    # Airflow reads its configuration when first imported: only now, after prepare().
    from servicetitan_devtools.airflow_settings import import_settings
    from servicetitan_devtools.demo_world import demo_world

    for line in import_settings(settings_file):
        say(line)
    with demo_world(sandbox_port=sandbox_port, slack_port=slack_port) as world:
        url = f"http://{_url_host(api_host)}:{env['AIRFLOW__API__PORT']}"
        say(f"ServiceTitan sandbox: {world.sandbox.base_url} (tenants {', '.join(map(str, world.tenant_ids))})")
        say(f"Slack webhook receiver: {world.slack.base_url} (messages: {world.slack.base_url}/messages)")
        for line in world.onboarding:
            say(f"  {line}")
        say(
            f"Airflow UI: {url}  (log in as admin / admin; Ctrl-C stops everything)\n"
            f"  DAG servicetitan_sync > Trigger: credential (e.g. Acme Plumbing, or all), data_type, full_refresh\n"
            f"  {url}/servicetitan/dashboard   the dashboard (also: Browse > ServiceTitan)\n"
            f"  {url}/servicetitan/health      the health report (a page; JSON for probes)\n"
            f"  {url}/servicetitan/data-docs/  the Great Expectations data docs"
        )
        if api_host not in _LOOPBACK:
            say(
                f"Warning: the Airflow UI listens on {api_host}, not only on this machine: anyone who can reach "
                f"its port {env['AIRFLOW__API__PORT']} gets the login page (the local login is admin / admin). "
                "Leave out --host to keep it local."
            )
        return _run_until_stopped(
            [_airflow(), "standalone"], airflow_output, standalone_environment(api_host, env["AIRFLOW__API__PORT"])
        )


def standalone_environment(api_host: str, api_port: str, base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment ``airflow standalone`` runs in: its API server (the UI) bound to ``api_host``."""
    env = dict(os.environ if base is None else base)
    env["AIRFLOW__API__HOST"] = api_host
    # standalone starts its components by name (`airflow scheduler`, ...): this venv's bin first on PATH.
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    if api_host not in (*_EVERY_INTERFACE, *_LOOPBACK):
        # Tasks reach the execution API where the server listens; "localhost" would miss another address.
        env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] = f"http://{_url_host(api_host)}:{api_port}/execution/"
    return env


def _url_host(api_host: str) -> str:
    """How a browser on this machine names the server."""
    if api_host in (*_EVERY_INTERFACE, *_LOOPBACK):
        return "localhost"
    return f"[{api_host}]" if ":" in api_host else api_host


def _airflow() -> str:
    return str(Path(sys.executable).parent / "airflow")


def _run_until_stopped(command: list[str], output: IO[str] | None, env: Mapping[str, str] | None = None) -> int:
    # A session of its own, so that stopping reaches every component standalone started.
    process = subprocess.Popen(
        command, env=env, start_new_session=True, stdout=output, stderr=subprocess.STDOUT if output else None
    )
    # Ctrl-C and SIGTERM (also when started in the background, where SIGINT comes ignored) unwind to the
    # finally below; waiting inside a handler would deadlock with the wait it interrupted.
    previous = {stop: signal.signal(stop, _interrupt) for stop in (signal.SIGINT, signal.SIGTERM)}
    try:
        return process.wait()
    except KeyboardInterrupt:
        return 130
    finally:
        _ignore_stop_signals()  # a second Ctrl-C must not cut the stopping short: Airflow would be left running
        _stop(process)
        for stop, handler in previous.items():
            signal.signal(stop, handler)


def _interrupt(signum: int, frame: object) -> None:
    _ignore_stop_signals()  # once is enough
    raise KeyboardInterrupt


def _ignore_stop_signals() -> None:
    for stop in (signal.SIGINT, signal.SIGTERM):
        signal.signal(stop, signal.SIG_IGN)


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM to every process of the session (standalone stops its components), SIGKILL to what is left."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=STOP_SECONDS)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()
