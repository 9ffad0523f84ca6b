"""Client tests: each starts from empty per-process registries (tokens, rate limiters, breakers)."""

from __future__ import annotations

import pytest

from servicetitan_pipeline.servicetitan import auth, circuit_breaker, rate_limiter


@pytest.fixture(autouse=True)
def fresh_registries() -> None:
    # Tests must not inherit another test's open breaker or cached token.
    auth.reset_token_providers()
    circuit_breaker.reset_breakers()
    rate_limiter.reset_limiters()
