"""At most N API calls per second per tenant; beyond, 429 saying how long to wait."""

from __future__ import annotations

import time

import pytest

from servicetitan_sandbox.rate_limit import SlidingWindowRateLimiter
from tests.servicetitan_sandbox.conftest import StartSandbox
from tests.servicetitan_sandbox.session import TenantSession, config, tenant

LIMIT = 5


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_limiter_admits_the_limit_per_sliding_second_and_says_the_wait() -> None:
    clock = FakeClock()
    limiter = SlidingWindowRateLimiter(clock)
    assert [limiter.wait_seconds("t", 3) for _ in range(3)] == [None, None, None]
    assert limiter.wait_seconds("t", 3) == 1
    assert limiter.wait_seconds("other tenant", 3) is None
    clock.now += 0.999
    assert limiter.wait_seconds("t", 3) == 1
    clock.now += 0.002
    assert limiter.wait_seconds("t", 3) is None  # the first call left the window; refused calls did not count


@pytest.mark.parametrize("retry_after_header", [True, False])
def test_over_the_limit_is_429_with_the_wait_in_the_title(
    start_sandbox: StartSandbox, retry_after_header: bool
) -> None:
    server = start_sandbox(
        config(tenant(rate_limit_per_second=LIMIT, faults={"retry_after_header": retry_after_header}))
    )
    session = TenantSession(server.base_url)
    session.token()
    responses = [session.get("customers", pageSize=1) for _ in range(LIMIT + 3)]
    statuses = [response.status_code for response in responses]
    assert statuses[: LIMIT + 1] == [200] * LIMIT + [429], statuses
    refused = next(response for response in responses if response.status_code == 429)
    body = refused.json()
    assert body["status"] == 429
    assert body["title"].startswith("Too many requests. Please try again in ")
    wait = int(body["title"].split(" in ")[1].split()[0])
    assert wait >= 1
    assert ("retry-after" in refused.headers) is retry_after_header
    if retry_after_header:
        assert refused.headers["retry-after"] == str(wait)
    time.sleep(wait)
    assert session.get("customers", pageSize=1).status_code == 200


def test_the_limit_is_per_tenant_and_defaults_to_the_top_level_one(start_sandbox: StartSandbox) -> None:
    server = start_sandbox(config(tenant(1001), tenant(1002), rate_limit_per_second=3))
    first, second = TenantSession(server.base_url, 1001), TenantSession(server.base_url, 1002)
    first.token(), second.token()
    assert [first.get("invoices").status_code for _ in range(4)] == [200, 200, 200, 429]
    assert second.get("invoices").status_code == 200


def test_token_and_admin_calls_do_not_count(start_sandbox: StartSandbox) -> None:
    server = start_sandbox(config(tenant(rate_limit_per_second=2)))
    session = TenantSession(server.base_url)
    for _ in range(5):
        session._token = None
        session.token()
        session.summary()
    assert [session.get("customers").status_code for _ in range(3)] == [200, 200, 429]
