"""Per-call faults from a tenant's fault profile: errors, hangs and dropped connections.

One seeded draw per API call (counted per tenant) decides the call's fault, so a sequence of calls
meets the same faults in every run with the same seed.
"""

from __future__ import annotations

from enum import Enum

from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from servicetitan_sandbox.config import FaultProfile
from servicetitan_sandbox.randomness import unit


class CallFault(Enum):
    NONE = "none"
    SERVER_ERROR = "500"
    SERVICE_UNAVAILABLE = "503"
    TIMEOUT = "timeout"  # hang for timeout_seconds, then answer
    DROP = "drop"  # start the answer, then drop the connection


class FaultInjector:
    def __init__(self, seed: int, profile: FaultProfile) -> None:
        self.profile = profile
        self._seed = seed
        self._calls = 0

    def next_fault(self) -> CallFault:
        call = self._calls
        self._calls += 1
        draw = unit(self._seed, "call fault", call)
        profile = self.profile
        if draw < profile.error_rate:
            server_error = unit(self._seed, "error status", call) < 0.5
            return CallFault.SERVER_ERROR if server_error else CallFault.SERVICE_UNAVAILABLE
        if draw < profile.error_rate + profile.timeout_rate:
            return CallFault.TIMEOUT
        if draw < profile.error_rate + profile.timeout_rate + profile.drop_rate:
            return CallFault.DROP
        return CallFault.NONE


class DroppedConnectionResponse(Response):
    """Sends the headers (with the full Content-Length) and half of the body, then stops: the server
    closes the connection and the client sees an incomplete body, as when a load balancer drops it."""

    def __init__(self, complete: Response) -> None:
        super().__init__(content=complete.body, status_code=complete.status_code, media_type=complete.media_type)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})
        await send({"type": "http.response.body", "body": self.body[: len(self.body) // 2], "more_body": True})
        # Returning without the final body message makes the server abort the connection.
