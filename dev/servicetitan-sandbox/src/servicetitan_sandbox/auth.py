"""Access tokens: issued to a tenant's client by ``POST /connect/token``, checked on every API call.

Tokens are opaque random strings (a client must not parse them), bound to the client and so to its
tenant, and expire after ``token_lifetime_seconds``. Secrets are compared in constant time.
"""

from __future__ import annotations

import hmac
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from servicetitan_sandbox.config import SandboxConfig, TenantConfig

# Space-separated scopes, as an OAuth server lists what a token may do; this sandbox serves these two.
GRANTED_SCOPE = "crm.customers:read accounting.invoices:read"


@dataclass(frozen=True)
class Grant:
    tenant: TenantConfig
    expires_at: float  # on the issuer's monotonic clock


@dataclass(frozen=True)
class IssuedToken:
    access_token: str
    expires_in: int


class Refusal(Enum):
    """Why a client got no token; the values are RFC 6749 error codes."""

    INVALID_CLIENT = "invalid_client"


class TokenIssuer:
    def __init__(self, config: SandboxConfig, clock: Callable[[], float] = time.monotonic) -> None:
        self._config = config
        self._clock = clock
        self._grants: dict[str, Grant] = {}

    def issue(self, client_id: str, client_secret: str) -> IssuedToken | Refusal:
        # Found by client id (a login, not a secret) in a dict; the secret is compared in constant time.
        tenant = self._config.tenant_for_client(client_id)
        if tenant is None or not same_secret(tenant.client_secret.get_secret_value(), client_secret):
            return Refusal.INVALID_CLIENT
        if tenant.faults.invalid_credentials:
            return Refusal.INVALID_CLIENT
        now = self._clock()
        self._forget_expired(now)
        token = secrets.token_urlsafe(32)
        lifetime = self._config.token_lifetime_seconds
        self._grants[token] = Grant(tenant=tenant, expires_at=now + lifetime)
        return IssuedToken(access_token=token, expires_in=lifetime)

    def grant_for(self, token: str) -> Grant | None:
        """The live grant behind a token; None if the token is unknown or expired."""
        grant = self._grants.get(token)
        if grant is None or self._clock() >= grant.expires_at:
            return None
        return grant

    def _forget_expired(self, now: float) -> None:
        for token in [token for token, grant in self._grants.items() if now >= grant.expires_at]:
            del self._grants[token]


def same_secret(expected: str, given: str) -> bool:
    """Constant-time comparison (so response times do not leak how much of a secret was right)."""
    return hmac.compare_digest(expected.encode(), given.encode())
