"""OAuth 2.0 client-credentials tokens: fetched once, cached per credential, renewed before expiry."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from servicetitan_pipeline.servicetitan.errors import BadCredentialsError, ServiceTitanError, TransientError

# Renew this long before expiry (or a tenth of the lifetime, for short-lived tokens), so that no
# request leaves with a token about to die in flight.
RENEWAL_MARGIN_SECONDS = 60.0


@dataclass(frozen=True)
class AccessToken:
    value: str = field(repr=False)
    expires_at: datetime
    lifetime_seconds: float

    def needs_renewal(self, now: datetime) -> bool:
        margin = min(RENEWAL_MARGIN_SECONDS, self.lifetime_seconds / 10)
        return now >= self.expires_at - timedelta(seconds=margin)


class TokenProvider:
    """Hands out a valid access token for one credential, asking ServiceTitan only when needed."""

    def __init__(
        self,
        token_url: str,
        client_id: str,
        client_secret: str,
        *,
        label: str,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._token_url = token_url
        self._client_id = client_id
        self._client_secret = client_secret
        self._label = label
        self._now = now
        self._token: AccessToken | None = None
        self._lock = threading.Lock()
        self.fetch_count = 0

    @property
    def current(self) -> AccessToken | None:
        return self._token

    def token(self, http: httpx.Client) -> AccessToken:
        with self._lock:
            if self._token is None or self._token.needs_renewal(self._now()):
                self._token = self._fetch(http)
            return self._token

    def invalidate(self) -> None:
        """Forget the token (the API answered 401): the next call fetches a new one."""
        with self._lock:
            self._token = None

    def _fetch(self, http: httpx.Client) -> AccessToken:
        try:
            response = http.post(
                self._token_url,
                data={
                    "grant_type": "client_credentials",
                    "client_id": self._client_id,
                    "client_secret": self._client_secret,
                },
            )
        except httpx.TimeoutException:
            raise TransientError(f"{self._label}: the token request timed out", endpoint="/connect/token") from None
        except httpx.TransportError as exc:
            raise TransientError(
                f"{self._label}: the token request failed ({type(exc).__name__})", endpoint="/connect/token"
            ) from None
        if response.status_code >= 500:
            raise TransientError(
                f"{self._label}: the auth server answered {response.status_code}",
                status=response.status_code,
                endpoint="/connect/token",
            )
        body = _json_or_empty(response)
        if response.status_code != 200:
            reason = body.get("error", f"HTTP {response.status_code}")
            raise BadCredentialsError(
                f"{self._label}: ServiceTitan refused the client credentials ({reason}): check the client id and "
                "client secret in the credential's Airflow connection; the secret may have been rotated or expired",
                status=response.status_code,
                endpoint="/connect/token",
            )
        try:
            value = str(body["access_token"])
            lifetime = float(body.get("expires_in", 900))
        except (KeyError, TypeError, ValueError):
            raise ServiceTitanError(
                f"{self._label}: the token response had no access_token", endpoint="/connect/token"
            ) from None
        self.fetch_count += 1
        return AccessToken(value, self._now() + timedelta(seconds=lifetime), lifetime)


def _json_or_empty(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


_providers: dict[tuple[str, str, str], TokenProvider] = {}
_providers_lock = threading.Lock()


def token_provider_for(token_url: str, client_id: str, client_secret: str, *, label: str) -> TokenProvider:
    """One provider (one cached token) per credential per process; a rotated secret gets a new one."""
    secret_digest = hashlib.sha256(client_secret.encode()).hexdigest()
    key = (token_url, client_id, secret_digest)
    with _providers_lock:
        provider = _providers.get(key)
        if provider is None:
            provider = _providers[key] = TokenProvider(token_url, client_id, client_secret, label=label)
        return provider


def reset_token_providers() -> None:
    """Forget every cached token. The cache lasts as long as the process on purpose (a worker's tasks share a
    credential's token); tests play several sandboxes in one process and start each with this, so that none is
    handed a token another sandbox issued."""
    with _providers_lock:
        _providers.clear()
