"""Browser tests: Playwright driving the machine's Chromium (Debian's package, never a downloaded browser)
against Airflow started as `make run` starts it (``servicetitan dev run``), on a profile and ports of its own.

A failed test leaves a screenshot of its page, and the stack's logs, in ``test-artifacts/browser/``.
"""

from __future__ import annotations

import os
import shlex
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from playwright.sync_api import Browser, ConsoleMessage, Frame, Page, Playwright, expect, sync_playwright

from tests.conftest import ORIGINAL_ENVIRONMENT

PROJECT_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = PROJECT_ROOT / "test-artifacts" / "browser"
CHROMIUM = Path(os.environ.get("SERVICETITAN_CHROMIUM", "/usr/bin/chromium"))
# What a laptop shows: every page the project adds must be usable at this size.
LAPTOP = {"width": 1366, "height": 768}
DESKTOP = {"width": 1920, "height": 1080}
USER, PASSWORD = "admin", "admin"
STARTUP_SECONDS = 240
# As the machine's probe starts Chromium: no sandbox as root, nothing fetched from the internet.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@dataclass
class AirflowUI:
    url: str
    project_db: str
    log: Path
    _token: str | None = None

    def api(self, path: str, **params: Any) -> Any:
        """GET from Airflow's REST API as the admin (one token for the session, as the UI keeps one)."""
        return self.request("GET", path, params=params).json()

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """Any call to Airflow's REST API (``api/v2/<path>``) as the admin; an error status raises."""
        if self._token is None:
            login = httpx.post(f"{self.url}/auth/token", json={"username": USER, "password": PASSWORD}, timeout=30)
            login.raise_for_status()
            self._token = str(login.json()["access_token"])
        # 30 s, as the login: on a busy 2-CPU machine the API server can take longer than httpx's default 5 s.
        answer = httpx.request(
            method,
            f"{self.url}/api/v2/{path}",
            headers={"Authorization": f"Bearer {self._token}"},
            timeout=30,
            **kwargs,
        )
        answer.raise_for_status()
        return answer

    @cached_property
    def engine(self) -> sa.Engine:
        """The stack's project database (disposed when the stack stops)."""
        return sa.create_engine(self.project_db.replace("postgresql://", "postgresql+psycopg://", 1))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _profile_environment(profile: str) -> dict[str, str]:
    """The profile's environment as `servicetitan dev env` exports it (databases created and migrated)."""
    servicetitan = str(Path(sys.executable).parent / "servicetitan")
    exports = subprocess.run(
        [servicetitan, "dev", "env", "--profile", profile],
        env=ORIGINAL_ENVIRONMENT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    env: dict[str, str] = {}
    for line in exports.splitlines():
        if line.startswith("export "):
            key, _, value = line.removeprefix("export ").partition("=")
            env[key] = shlex.split(value)[0] if value else ""
    return env


@pytest.fixture(scope="session")
def airflow_ui() -> Iterator[AirflowUI]:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old_screenshot in ARTIFACTS.glob("*.png"):  # only this session's failures are left to look at
        old_screenshot.unlink()
    port = _free_port()
    env = {
        **ORIGINAL_ENVIRONMENT,
        "AIRFLOW__API__PORT": str(port),
        # Free ports for the log servers too, so that a `make run` beside the tests does not collide.
        "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(_free_port()),
        "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(_free_port()),
        # The trigger form unpauses the DAG: no scheduled run may start beside the tests' manual ones.
        "SERVICETITAN_SYNC_SCHEDULE": "@yearly",
    }
    project_db = _profile_environment("browser")["AIRFLOW_CONN_SERVICETITAN_DB"]
    _empty_project_tables(project_db)  # each session starts as a fresh `make run` would: nothing synced yet
    log = ARTIFACTS / "airflow.log"
    log.unlink(missing_ok=True)
    servicetitan = str(Path(sys.executable).parent / "servicetitan")
    command = [servicetitan, "dev", "run", "--profile", "browser", "--sandbox-port", "0", "--slack-port", "0"]
    with (ARTIFACTS / "dev-run.log").open("w") as out:
        stack = subprocess.Popen(
            [*command, "--airflow-log", str(log)], env=env, stdout=out, stderr=subprocess.STDOUT, cwd=PROJECT_ROOT
        )
    ui = AirflowUI(f"http://localhost:{port}", project_db, log)
    try:
        _wait_until_ready(ui, stack)
        yield ui
    finally:
        if "engine" in vars(ui):
            ui.engine.dispose()
        stack.send_signal(signal.SIGTERM)
        try:
            stack.wait(timeout=90)
        except subprocess.TimeoutExpired:
            stack.kill()


def _empty_project_tables(project_db: str) -> None:
    from servicetitan_devtools.database import empty_project_tables

    engine = sa.create_engine(project_db.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        empty_project_tables(engine)
    finally:
        engine.dispose()


def _wait_until_ready(ui: AirflowUI, stack: subprocess.Popen[bytes]) -> None:
    """Until the API server answers and the DAG processor has parsed servicetitan_sync."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if stack.poll() is not None:
            pytest.fail(f"`servicetitan dev run` stopped ({stack.returncode}); see {ARTIFACTS}")
        try:
            if ui.api("dags/servicetitan_sync")["dag_id"] == "servicetitan_sync":
                return
        except httpx.HTTPError:
            pass
        time.sleep(2)
    pytest.fail(f"Airflow was not ready within {STARTUP_SECONDS} s; see {ui.log}")


def finished_run(ui: AirflowUI, run_id: str, seconds: float = 600) -> dict[str, Any]:
    """The run once finished; the API's slow answers on a busy machine are waited out, not failures."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            run: dict[str, Any] = ui.api(f"dags/servicetitan_sync/dagRuns/{run_id}")
        except httpx.TimeoutException:
            continue
        if run["state"] in {"success", "failed"}:
            return run
        time.sleep(2)
    pytest.fail(f"run {run_id} did not finish within {seconds:.0f} s; see {ui.log}")


def wait_for_run(ui: AirflowUI, run_id: str, seconds: float = 600) -> str:
    """The run's final state (see finished_run)."""
    return str(finished_run(ui, run_id, seconds)["state"])


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    if not CHROMIUM.is_file():
        pytest.fail(
            f"no Chromium at {CHROMIUM}: `make test` installs Debian's chromium package "
            "(or: apt-get install chromium); browsers are never downloaded"
        )
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@dataclass
class ConsoleErrors:
    messages: list[str]

    def on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.messages.append(f"console: {message.text} ({message.location.get('url', '')})")

    def on_page_error(self, error: Exception) -> None:
        self.messages.append(f"page error: {error}")


@pytest.fixture
def console_errors() -> ConsoleErrors:
    return ConsoleErrors([])


@pytest.fixture
def page(browser: Browser, airflow_ui: AirflowUI, console_errors: ConsoleErrors) -> Iterator[Page]:
    """A logged-in page of a fresh browser context, at a laptop's size."""
    context = browser.new_context(viewport=LAPTOP, base_url=airflow_ui.url)
    page = context.new_page()
    log_in(page)
    # Only what happens after the login: Airflow's own login page logs 401s of its own.
    page.on("console", console_errors.on_console)
    page.on("pageerror", console_errors.on_page_error)
    yield page
    context.close()


def log_in(page: Page) -> None:
    page.goto("/")
    page.get_by_label("Username").fill(USER)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/auth/" not in url)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    if report.when == "call" and report.failed:
        page = getattr(item, "funcargs", {}).get("page")
        if page is not None and not page.is_closed():
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / f"{item.name}.png"), full_page=True)
    return report


def embedded(page: Page) -> Frame:
    """The plugin page Airflow embeds. A minute: Airflow's UI loads its plugin list before it draws the iframe,
    slowly on a busy machine."""
    handle = page.locator("iframe").element_handle(timeout=60_000)
    frame = handle.content_frame() if handle else None
    assert frame is not None, "the Airflow UI shows no embedded page"
    frame.wait_for_load_state()
    return frame


def open_embedded(page: Page, path: str, theme: str, size: tuple[int, int]) -> Frame:
    """The plugin page at ``path`` (``/plugin/...``) inside the Airflow UI, at ``size``, in Airflow's ``theme``
    (set as Airflow's colour-mode switch keeps it), once the embedded page has taken the theme on."""
    page.set_viewport_size({"width": size[0], "height": size[1]})
    page.goto("/")
    page.evaluate("theme => localStorage.setItem('theme', theme)", theme)
    page.goto(path)
    frame = embedded(page)
    expect(frame.locator("html")).to_have_attribute("data-theme", theme)
    return frame


def shoot(page: Page, folder: Path, name: str) -> None:
    """Full-page screenshots at 1366x768 and 1920x1080, kept under ``folder``; the page is left at 1366x768."""
    folder.mkdir(parents=True, exist_ok=True)
    for size in (LAPTOP, DESKTOP):
        page.set_viewport_size(size)
        page.wait_for_timeout(300)
        page.screenshot(path=str(folder / f"{name}-{size['width']}x{size['height']}.png"), full_page=True)
    page.set_viewport_size(LAPTOP)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Each session runs one Airflow stack on the browser profile's databases: every browser test belongs to the
    # isolated group (tests/run_groups.py), whether or not its file says so; two groups' stacks would share them.
    for item in items:
        if item.nodeid.startswith("tests/browser/"):
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.isolated)
