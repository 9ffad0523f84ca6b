"""Where ServiceTitan lives, per environment, and the per-credential override (the sandbox)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Environment(StrEnum):
    """ServiceTitan's environments; the credentials table's ``environment`` column holds one of them."""

    INTEGRATION = "integration"
    PRODUCTION = "production"


_HOSTS = {
    Environment.PRODUCTION: ("https://auth.servicetitan.io", "https://api.servicetitan.io"),
    Environment.INTEGRATION: ("https://auth-integration.servicetitan.io", "https://api-integration.servicetitan.io"),
}


@dataclass(frozen=True)
class ServiceTitanHosts:
    auth_url: str
    api_url: str

    @property
    def token_url(self) -> str:
        return f"{self.auth_url}/connect/token"

    @classmethod
    def for_environment(cls, environment: Environment | str, base_url: str | None = None) -> ServiceTitanHosts:
        """ServiceTitan's hosts for ``environment``; ``base_url`` serves both auth and API instead."""
        if base_url:
            base = base_url.rstrip("/")
            return cls(auth_url=base, api_url=base)
        auth, api = _HOSTS[Environment(environment)]
        return cls(auth_url=auth, api_url=api)
