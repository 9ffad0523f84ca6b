"""What clients sent: every request to the ServiceTitan endpoints, readable at ``GET /sandbox/requests``.

Tests use it to check what a client sent (which query parameters, which headers). It records the
method, path, query parameters (names and values, in order, repeats kept), the names of the headers
present (never their values: they hold tokens and app keys), the tenant and the answer's status.
Values of query parameters that carry secrets are replaced. The log keeps the latest entries only,
so a long benchmark does not grow it without bound.
"""

from __future__ import annotations

import logging
import re
from collections import deque
from typing import Any
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from servicetitan_sandbox.timestamps import format_timestamp, now_ticks

MAX_ENTRIES = 10_000
ADMIN_PREFIX = "/sandbox"
REDACTED = "[redacted]"
# ServiceTitan accepts the app key as a query parameter too; clients sometimes misplace secrets.
SECRET_QUERY_PARAMETERS = frozenset({"servicetitanapplicationkey", "client_secret", "access_token", "app_key"})
_TENANT_IN_PATH = re.compile(r"/tenant/(\d+)(?:/|$)")

logger = logging.getLogger("servicetitan_sandbox")


class RequestLog:
    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self._entries: deque[dict[str, Any]] = deque(maxlen=max_entries)

    def record(self, scope: Scope) -> dict[str, Any]:
        query = [
            [name, REDACTED if name.lower() in SECRET_QUERY_PARAMETERS else value]
            for name, value in parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        ]
        tenant = _TENANT_IN_PATH.search(scope["path"])
        entry: dict[str, Any] = {
            "at": format_timestamp(now_ticks()),
            "method": scope["method"],
            "path": scope["path"],
            "query": query,
            "headers": sorted({name.decode("latin-1").lower() for name, _ in scope.get("headers", [])}),
            "tenant": int(tenant.group(1)) if tenant else None,
            "status": None,
        }
        self._entries.append(entry)
        return entry

    def entries(self) -> list[dict[str, Any]]:
        return list(self._entries)

    def clear(self) -> None:
        self._entries.clear()


class RequestLogMiddleware:
    """Records each non-admin HTTP request before it is handled, and its status once answered.

    A plain ASGI middleware (not Starlette's BaseHTTPMiddleware), so that it neither buffers bodies
    nor gets in the way of a deliberately dropped connection.
    """

    def __init__(self, app: ASGIApp, log: RequestLog) -> None:
        self._app = app
        self._log = log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(ADMIN_PREFIX + "/"):
            await self._app(scope, receive, send)
            return
        entry = self._log.record(scope)
        # Routes add what only they know (the token endpoint: the names of the form fields).
        scope.setdefault("state", {})["request_log_entry"] = entry

        async def send_and_note_status(message: Message) -> None:
            if message["type"] == "http.response.start":
                entry["status"] = message["status"]
                query = "&".join(f"{name}={value}" for name, value in entry["query"])
                logger.info(
                    "%s %s%s -> %s", entry["method"], entry["path"], f"?{query}" if query else "", entry["status"]
                )
            await send(message)

        await self._app(scope, receive, send_and_note_status)
