"""The client's error taxonomy. Each message says what happened and what to do; none carries a secret."""

from __future__ import annotations

from typing import Any


class ServiceTitanError(Exception):
    """Base of every error the client raises."""

    retriable = False

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        endpoint: str | None = None,
        trace_id: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.endpoint = endpoint
        self.trace_id = trace_id

    def details(self) -> dict[str, Any]:
        """What a sync log's error_details records of this error."""
        return {
            "exception": type(self).__name__,
            "http_status": self.status,
            "endpoint": self.endpoint,
            "trace_id": self.trace_id,
            "retriable": self.retriable,
        }


class BadCredentialsError(ServiceTitanError):
    """The client id or secret was refused, or a fresh token was refused too."""


class MissingPermissionError(ServiceTitanError):
    """Authenticated, but the app key or the tenant's grant does not allow this call."""


class RateLimitedError(ServiceTitanError):
    retriable = True

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class TransientError(ServiceTitanError):
    """5xx answers, timeouts and dropped connections: worth another try."""

    retriable = True


class CircuitOpenError(ServiceTitanError):
    """Too many recent failures for this tenant: calls are held back until a probe succeeds."""

    retriable = True


class FatalRequestError(ServiceTitanError):
    """A 4xx other than auth and rate limits: the request itself is wrong; retrying will not help."""


class PaginationError(FatalRequestError):
    """The API's paging did not advance; stopped rather than loop forever."""
