"""Everything a running sandbox holds: per-tenant datasets and fault injectors, tokens, rate-limit
windows and the request log. In memory only: a restarted sandbox starts again from generation 0."""

from __future__ import annotations

from servicetitan_sandbox.auth import TokenIssuer
from servicetitan_sandbox.config import SandboxConfig
from servicetitan_sandbox.dataset import TenantDataset
from servicetitan_sandbox.faults import FaultInjector
from servicetitan_sandbox.page_cache import PageCache
from servicetitan_sandbox.rate_limit import SlidingWindowRateLimiter
from servicetitan_sandbox.request_log import RequestLog


class SandboxState:
    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        self.datasets = {tenant.tenant_id: TenantDataset(tenant) for tenant in config.tenants}
        self.fault_injectors = {
            tenant.tenant_id: FaultInjector(tenant.data_seed, tenant.faults) for tenant in config.tenants
        }
        self.tokens = TokenIssuer(config)
        self.rate_limiter = SlidingWindowRateLimiter()
        self.request_log = RequestLog()
        self.page_cache = PageCache(config.page_cache_mb * 1024 * 1024)
