"""The benchmarks' page cache: same bytes as a fresh page, never stale after the data changes, bounded."""

from __future__ import annotations

import httpx

from servicetitan_sandbox import SandboxServer
from servicetitan_sandbox.config import parse_config
from servicetitan_sandbox.page_cache import PageCache

TENANT = {"tenant_id": 7001, "client_id": "c", "client_secret": "s", "app_key": "k", "customers": 30, "invoices": 60}


def _pages(base_url: str) -> list[bytes]:
    token = httpx.post(
        f"{base_url}/connect/token", data={"grant_type": "client_credentials", "client_id": "c", "client_secret": "s"}
    ).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}", "ST-App-Key": "k"}
    bodies, start = [], None
    while True:
        response = httpx.get(
            f"{base_url}/accounting/v2/tenant/7001/export/invoices",
            params={"from": start} if start else {},
            headers=headers,
        )
        bodies.append(response.content)
        page = response.json()
        if not page["hasMore"]:
            return bodies
        start = page["continueFrom"]


def _ids(bodies: list[bytes]) -> list[list[int]]:
    return [[record["id"] for record in httpx.Response(200, content=body).json()["data"]] for body in bodies]


def test_cached_pages_are_the_pages_and_follow_changes() -> None:
    config = {"export_page_size": 25, "tenants": [TENANT]}
    with (
        SandboxServer(parse_config(config)) as plain,
        SandboxServer(parse_config({**config, "page_cache_mb": 5})) as cached,
    ):
        first, again = _pages(cached.base_url), _pages(cached.base_url)
        assert first == again == _pages(plain.base_url)
        for server in (plain, cached):
            httpx.post(
                f"{server.base_url}/sandbox/tenants/7001/advance", json={"modified_invoices": 10}
            ).raise_for_status()
        after = _pages(cached.base_url)
        assert after != first
        # The same records in the same places (timestamps of the change differ: each server stamps its own).
        assert _ids(after) == _ids(_pages(plain.base_url))


def test_cache_is_bounded_by_bytes() -> None:
    cache = PageCache(max_bytes=10)
    cache.put("a", b"12345")
    cache.put("b", b"12345")
    cache.put("c", b"123")  # evicts the least recently used
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == (None, b"12345", b"123")
    cache.put("huge", b"x" * 11)  # larger than the whole cache: not kept
    assert cache.get("huge") is None
    assert PageCache(0).get("a") is None
