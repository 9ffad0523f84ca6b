"""Client tests: each starts from empty per-process registries (tokens, rate limiters, breakers)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from servicetitan_pipeline.servicetitan import auth, circuit_breaker, rate_limiter


@pytest.fixture(autouse=True)
def fresh_registries() -> Iterator[None]:
    # The registries are process-wide on purpose (shared by every client of a tenant); tests must not
    # inherit another test's open breaker or cached token.
    for registry in (auth._providers, circuit_breaker._breakers, rate_limiter._limiters):
        registry.clear()
    return
