"""A million invoices cost nothing until asked for, and a page costs its own size."""

from __future__ import annotations

import gc
import sys
from typing import Any

from servicetitan_sandbox.dataset import Advance, TenantDataset
from tests.servicetitan_sandbox.conftest import StartSandbox
from tests.servicetitan_sandbox.session import TenantSession, config, tenant

MILLION = 1_000_000


def deep_size(root: object) -> int:
    """Bytes reachable from ``root`` (its own objects only: no modules, classes or functions)."""
    seen: set[int] = set()
    stack: list[Any] = [root]
    total = 0
    while stack:
        item = stack.pop()
        if id(item) in seen or isinstance(item, type) or callable(item) or type(item).__name__ == "module":
            continue
        seen.add(id(item))
        total += sys.getsizeof(item)
        stack.extend(gc.get_referents(item))
    return total


def exercise(dataset: TenantDataset) -> None:
    """Serve what a sync would ask for, deep in the data, and make some changes."""
    from servicetitan_sandbox.export_feed import export_page
    from servicetitan_sandbox.listing import ListQuery, list_page

    size = dataset.invoices.size
    list_page(dataset.invoices, ListQuery(page=max(1, size // 100), page_size=50, include_total=True))
    start = dataset.invoices.timeline.feed_position_at(dataset.invoices.timeline.created_ticks(size // 2))
    export_page(dataset.invoices, dataset.export_tokens["invoices"], start, 500)
    dataset.summary()
    dataset.advance(Advance(new_invoices=100, modified_invoices=100))


def test_the_dataset_holds_no_per_record_storage() -> None:
    small = TenantDataset(config(tenant(customers=100, invoices=100)).tenants[0])
    large = TenantDataset(config(tenant(customers=MILLION // 5, invoices=MILLION)).tenants[0])
    exercise(small)
    exercise(large)
    # Ten thousand times the records, the same memory (give or take the size of bigger ints).
    assert deep_size(large) < deep_size(small) * 1.1 + 4096, (deep_size(large), deep_size(small))
    assert deep_size(large) < 2_000_000


def test_a_deep_page_of_a_million_invoices_is_served(start_sandbox: StartSandbox) -> None:
    server = start_sandbox(config(tenant(customers=MILLION // 5, invoices=MILLION)))
    session = TenantSession(server.base_url)
    before_last = session.ok("invoices", page=19_999, pageSize=50, includeTotal="true")
    assert before_last["totalCount"] == MILLION
    assert len(before_last["data"]) == 50
    assert before_last["hasMore"]
    last = session.ok("invoices", page=20_000, pageSize=50)
    assert len(last["data"]) == 50
    assert last["hasMore"] is False
    ids = [record["id"] for record in before_last["data"] + last["data"]]
    assert ids == sorted(ids)
    assert len(set(ids)) == 100
    assert len(session.ok("export_invoices")["data"]) == 500
