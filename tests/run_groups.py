"""`make test`'s test run: the whole suite as three pytest sessions side by side, each test in exactly one.

- pure: ``-m pure``, no database, on pytest-xdist workers (tests/pure.py);
- isolated: the tests that run a stack in databases and an Airflow home of their own (the browser tests, the
  Celery and many-tenants benchmark runs, the wheel in its own virtualenv and database), marked ``isolated``;
  most of their time is spent waiting on Airflow, so they overlap well with the rest;
- database: everything else, one test at a time on the test profile's databases (they share them).

The test profile is prepared once before the sessions start, so that they do not race to start the embedded
PostgreSQL or migrate its databases. Each session's output goes to ``test-artifacts/groups/<group>.log``; a
finished group prints its summary, a failed one its failures too. The exit status is non-zero when any group
fails. Arguments are passed to every session (e.g. ``--durations=20``).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
LOGS = PROJECT_ROOT / "test-artifacts" / "groups"
BIN = Path(sys.executable).parent
HEARTBEAT_SECONDS = 60

# Marker expressions that split the suite: every test matches exactly one.
GROUPS = {
    "pure": "pure",
    "isolated": "isolated and not pure",
    "database": "not pure and not isolated",
}


@dataclass
class Group:
    name: str
    markexpr: str
    log: Path
    process: subprocess.Popen[bytes] | None = None
    started: float = field(default_factory=time.monotonic)
    seconds: float = 0.0

    def start(self, extra_args: list[str]) -> None:
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                [str(BIN / "pytest"), "-m", self.markexpr, "-p", "no:cacheprovider", *extra_args],
                cwd=PROJECT_ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        self.started = time.monotonic()

    def summary_line(self) -> str:
        lines = [line for line in self.log.read_text(errors="replace").splitlines() if line.strip()]
        return lines[-1].strip("= ") if lines else "(no output)"

    def report(self) -> str:
        """What a failed group prints: its failures and errors, then pytest's short summary."""
        text = self.log.read_text(errors="replace")
        for heading in ("= ERRORS =", "= FAILURES ="):
            at = text.find(heading)
            if at >= 0:
                return text[text.rfind("\n", 0, at) + 1 :]
        return "\n".join(text.splitlines()[-60:])


def prepare_test_profile() -> None:
    """The embedded PostgreSQL, the test profile's databases and migrations, once for all the sessions."""
    subprocess.run(
        [str(BIN / "servicetitan"), "dev", "env", "--profile", "test"],
        cwd=PROJECT_ROOT,
        stdout=subprocess.DEVNULL,
        check=True,
    )


def main(argv: list[str]) -> int:
    LOGS.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    prepare_test_profile()
    groups = [Group(name, markexpr, LOGS / f"{name}.log") for name, markexpr in GROUPS.items()]
    for group in groups:
        group.start(argv)
        print(f"[{group.name}] pytest -m {group.markexpr!r}: output in {group.log.relative_to(PROJECT_ROOT)}")
    sys.stdout.flush()
    running = list(groups)
    last_heartbeat = time.monotonic()
    while running:
        time.sleep(1)
        for group in list(running):
            assert group.process is not None
            if group.process.poll() is None:
                continue
            running.remove(group)
            group.seconds = time.monotonic() - group.started
            outcome = "passed" if group.process.returncode == 0 else f"FAILED (exit {group.process.returncode})"
            print(f"[{group.name}] {outcome} in {group.seconds:.0f} s: {group.summary_line()}", flush=True)
        if running and time.monotonic() - last_heartbeat >= HEARTBEAT_SECONDS:
            last_heartbeat = time.monotonic()
            names = ", ".join(f"{g.name} ({time.monotonic() - g.started:.0f} s)" for g in running)
            print(f"still running: {names}", flush=True)
    failed = [group for group in groups if group.process is not None and group.process.returncode != 0]
    for group in failed:
        print(f"\n{'#' * 30} {group.name}: failures (whole log: {group.log}) {'#' * 30}\n{group.report()}")
    print(f"\n{'=' * 100}")
    for group in groups:
        state = "FAILED" if group in failed else "passed"
        print(f"{group.name:<10} {state:<7} {group.seconds:6.0f} s  {group.summary_line()}")
    verdict = f"FAILED: {', '.join(group.name for group in failed)}" if failed else "passed"
    print(f"all groups: {time.monotonic() - started:.0f} s; {verdict}")
    return 1 if failed else 0


if __name__ == "__main__":
    os.chdir(PROJECT_ROOT)
    sys.exit(main(sys.argv[1:]))
