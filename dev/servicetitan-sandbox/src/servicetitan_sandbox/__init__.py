"""A local, faithful ServiceTitan: the token endpoint and the customers and invoices APIs (list and
export) over deterministic, lazily generated data, with per-tenant fault injection.

``SandboxServer`` runs it in a background thread (tests, demo); ``servicetitan sandbox`` serves it.
"""

from servicetitan_sandbox.app import create_app
from servicetitan_sandbox.config import (
    ConfigError,
    FaultProfile,
    SandboxConfig,
    TenantConfig,
    default_config,
    load_config,
    parse_config,
)
from servicetitan_sandbox.server import SandboxServer

__all__ = [
    "ConfigError",
    "FaultProfile",
    "SandboxConfig",
    "SandboxServer",
    "TenantConfig",
    "create_app",
    "default_config",
    "load_config",
    "parse_config",
]
