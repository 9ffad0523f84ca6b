"""Running the sandbox over real HTTP with uvicorn: in a background thread (``SandboxServer``, for
tests and the demo) or in the foreground (``serve``, for ``servicetitan sandbox``)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from types import TracebackType

import uvicorn
from starlette.applications import Starlette
from uvicorn.config import LOGGING_CONFIG

from servicetitan_sandbox.app import create_app
from servicetitan_sandbox.config import SandboxConfig, default_config
from servicetitan_sandbox.state import SandboxState

DEFAULT_HOST = "127.0.0.1"
STARTUP_TIMEOUT_SECONDS = 10.0
# Calls hanging on a timeout fault must not hold a stopping server for their whole timeout.
SHUTDOWN_GRACE_SECONDS = 1


class SandboxServer:
    """The sandbox on ``host``:``port`` (port 0: a free one), in a daemon thread.

    ``with SandboxServer(config) as sandbox: httpx.get(f"{sandbox.base_url}/sandbox/health")``
    """

    def __init__(self, config: SandboxConfig | None = None, host: str = DEFAULT_HOST, port: int = 0) -> None:
        self.config = config or default_config()
        self.app: Starlette = create_app(self.config)
        self._socket = _bind(host, port)
        self.host = host
        self.port: int = self._socket.getsockname()[1]
        # Embedded in someone else's process (tests, demo): leave its logging configuration alone.
        self._server = uvicorn.Server(_uvicorn_config(self.app, configure_logging=False))
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        """Both the token endpoint and the API live under it (``/connect/token``, ``/crm/v2/...``)."""
        return f"http://{self.host}:{self.port}"

    @property
    def state(self) -> SandboxState:
        """The running sandbox's data, tokens and logs (for tests that look inside)."""
        state: SandboxState = self.app.state.sandbox
        return state

    def start(self) -> SandboxServer:
        if self._thread is not None:
            raise RuntimeError("the sandbox server is already started")
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, name="servicetitan-sandbox", daemon=True
        )
        self._thread.start()
        if not _wait_until(lambda: self._server.started or not _alive(self._thread), STARTUP_TIMEOUT_SECONDS):
            self.stop()
            raise RuntimeError(f"the sandbox did not start within {STARTUP_TIMEOUT_SECONDS:.0f} s")
        if not self._server.started:
            raise RuntimeError("the sandbox server stopped while starting (see the log above)")
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=SHUTDOWN_GRACE_SECONDS + 5)
            if self._thread.is_alive():
                self._server.force_exit = True
                self._thread.join(timeout=5)
        self._socket.close()

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()


def serve(
    config: SandboxConfig, host: str = DEFAULT_HOST, port: int = 0, on_ready: Callable[[str], None] | None = None
) -> None:
    """Serve in the foreground until interrupted; ``on_ready`` gets the base URL once the port is bound."""
    sock = _bind(host, port)
    if on_ready is not None:
        on_ready(f"http://{host}:{sock.getsockname()[1]}")
    uvicorn.Server(_uvicorn_config(create_app(config), configure_logging=True)).run(sockets=[sock])


def _uvicorn_config(app: Starlette, configure_logging: bool) -> uvicorn.Config:
    return uvicorn.Config(
        app,
        lifespan="off",
        # uvicorn's access log would print query strings as sent, app keys included; the request log
        # middleware logs each request with secrets redacted instead.
        access_log=False,
        timeout_graceful_shutdown=SHUTDOWN_GRACE_SECONDS,
        log_config=LOGGING_CONFIG if configure_logging else None,
    )


def _bind(host: str, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        # Listening at once: connections made before uvicorn runs wait in the backlog, not refused.
        sock.listen(2048)
    except OSError:
        sock.close()
        raise
    return sock


def _alive(thread: threading.Thread | None) -> bool:
    return thread is not None and thread.is_alive()


def _wait_until(condition: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.01)
    return True
