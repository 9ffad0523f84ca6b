"""Everything a running sandbox holds: per-tenant datasets and fault injectors, tokens, rate-limit
windows and the request log. In memory only: a restarted sandbox starts again from generation 0."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

from servicetitan_sandbox.auth import TokenIssuer
from servicetitan_sandbox.config import SandboxConfig, TenantConfig
from servicetitan_sandbox.dataset import TenantDataset
from servicetitan_sandbox.faults import FaultInjector
from servicetitan_sandbox.page_cache import PageCache
from servicetitan_sandbox.rate_limit import SlidingWindowRateLimiter
from servicetitan_sandbox.request_log import RequestLog

T = TypeVar("T")


class PerTenant(Generic[T]):
    """One object per tenant, built on the tenant's first use: a sandbox of thousands of generated tenants
    starts at once and holds only the tenants that were asked for. Found by tenant id, never by a scan."""

    def __init__(self, config: SandboxConfig, build: Callable[[TenantConfig], T]) -> None:
        self._config = config
        self._build = build
        self._built: dict[int, T] = {}

    def get(self, tenant_id: int) -> T | None:
        built = self._built.get(tenant_id)
        if built is None:
            tenant = self._config.tenant(tenant_id)
            if tenant is None:
                return None
            built = self._built[tenant_id] = self._build(tenant)
        return built

    def __getitem__(self, tenant_id: int) -> T:
        built = self.get(tenant_id)
        if built is None:
            raise KeyError(tenant_id)
        return built

    def values(self) -> Iterator[T]:
        """Every tenant's, building those not built yet."""
        for tenant_id in self._config.tenant_ids():
            yield self[tenant_id]

    def built_count(self) -> int:
        return len(self._built)


class SandboxState:
    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        self.datasets = PerTenant(config, TenantDataset)
        self.fault_injectors = PerTenant(config, lambda tenant: FaultInjector(tenant.data_seed, tenant.faults))
        self.tokens = TokenIssuer(config)
        self.rate_limiter = SlidingWindowRateLimiter()
        self.request_log = RequestLog()
        self.page_cache = PageCache(config.page_cache_mb * 1024 * 1024)
