"""``POST /connect/token``: OAuth 2.0 client-credentials grant, as ServiceTitan's identity server answers.

Client credentials come in the form body (``client_id``, ``client_secret``) or, as RFC 6749 §2.3.1
also allows, in an HTTP Basic ``Authorization`` header. Errors are RFC 6749 §5.2 bodies with status
400: ``invalid_request``, ``unsupported_grant_type``, ``invalid_client``.
"""

from __future__ import annotations

import base64
import binascii
from urllib.parse import parse_qsl, unquote_plus

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from servicetitan_sandbox.auth import GRANTED_SCOPE, IssuedToken
from servicetitan_sandbox.errors import oauth_error
from servicetitan_sandbox.state import SandboxState

FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
GRANT_TYPE = "client_credentials"


async def token_endpoint(request: Request) -> Response:
    state: SandboxState = request.app.state.sandbox
    content_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if content_type != FORM_CONTENT_TYPE:
        return oauth_error("invalid_request", f"the body must be {FORM_CONTENT_TYPE}")
    try:
        form = dict(parse_qsl((await request.body()).decode("utf-8"), keep_blank_values=True))
    except UnicodeDecodeError:
        return oauth_error("invalid_request", "the body is not UTF-8")
    entry = request.scope.get("state", {}).get("request_log_entry")
    if entry is not None:
        entry["form_fields"] = sorted(form)  # names only: the values include the client secret

    grant_type = form.get("grant_type")
    if not grant_type:
        return oauth_error("invalid_request", "grant_type is required")
    if grant_type != GRANT_TYPE:
        return oauth_error("unsupported_grant_type")
    client_id, client_secret = _client_credentials(request, form)
    if not client_id or client_secret is None:
        return oauth_error("invalid_client")
    issued = state.tokens.issue(client_id, client_secret)
    if not isinstance(issued, IssuedToken):
        return oauth_error(issued.value)
    return JSONResponse(
        {
            "access_token": issued.access_token,
            "expires_in": issued.expires_in,
            "token_type": "Bearer",
            "scope": GRANTED_SCOPE,
        },
        headers={"Cache-Control": "no-store", "Pragma": "no-cache"},
    )


def _client_credentials(request: Request, form: dict[str, str]) -> tuple[str | None, str | None]:
    header = request.headers.get("authorization", "")
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() == "basic" and encoded:
        try:
            decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return None, None
        client_id, separator, client_secret = decoded.partition(":")
        if separator:
            return unquote_plus(client_id), unquote_plus(client_secret)
        return None, None
    return form.get("client_id"), form.get("client_secret")
