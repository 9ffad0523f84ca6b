"""Error answers as ServiceTitan gives them.

API errors carry an ``ApiErrorResponse`` body (RFC 7807: type, title, status, traceId, errors, data,
all required); the token endpoint answers OAuth 2.0 errors (RFC 6749 §5.2: ``{"error": ...}``).
"""

from __future__ import annotations

import secrets
from typing import Any

from starlette.responses import JSONResponse

# RFC 7807 "type" URIs, as ASP.NET Core (which serves ServiceTitan's API) fills them in.
_PROBLEM_TYPES = {
    400: "https://tools.ietf.org/html/rfc7231#section-6.5.1",
    401: "https://tools.ietf.org/html/rfc7235#section-3.1",
    403: "https://tools.ietf.org/html/rfc7231#section-6.5.3",
    404: "https://tools.ietf.org/html/rfc7231#section-6.5.4",
    405: "https://tools.ietf.org/html/rfc7231#section-6.5.5",
    429: "https://tools.ietf.org/html/rfc6585#section-4",
    500: "https://tools.ietf.org/html/rfc7231#section-6.6.1",
    503: "https://tools.ietf.org/html/rfc7231#section-6.6.4",
}
VALIDATION_TITLE = "One or more validation errors occurred."


def trace_id() -> str:
    """A W3C trace-context id, the form ServiceTitan's traceId takes."""
    return f"00-{secrets.token_hex(16)}-{secrets.token_hex(8)}-00"


def api_error_body(status: int, title: str, errors: dict[str, list[str]] | None = None) -> dict[str, Any]:
    return {
        "type": _PROBLEM_TYPES.get(status, "about:blank"),
        "title": title,
        "status": status,
        "traceId": trace_id(),
        "errors": errors or {},
        "data": {},
    }


def api_error(
    status: int, title: str, errors: dict[str, list[str]] | None = None, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(api_error_body(status, title, errors), status_code=status, headers=headers)


def validation_error(errors: dict[str, list[str]]) -> JSONResponse:
    return api_error(400, VALIDATION_TITLE, errors)


def oauth_error(error: str, description: str | None = None) -> JSONResponse:
    body = {"error": error} if description is None else {"error": error, "error_description": description}
    return JSONResponse(body, status_code=400, headers={"Cache-Control": "no-store", "Pragma": "no-cache"})
